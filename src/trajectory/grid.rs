//! Uniform-grid evaluation `t_i = t0 + i dt` by recurrences (no transcendental call per point).
//!
//! The basis functions obey the addition theorem of `cosh`/`cos` (spec A.4 notation, `h` the step,
//! `F = E(h) ch(D h^2)`, `G = E(h) h sh(D h^2)`, `G1 = E(h) h^3 sh1(D h^2)`):
//!
//! ```text
//! ec(t+h)  = F ec(t) + D G es(t)
//! es(t+h)  = G ec(t) + F es(t)
//! es1(t+h) = G1 ec(t) + G es(t) (t+h)/2 + F es1(t)      (the D-derivative of the line above)
//! ```
//!
//! valid in every regime (a rotation with decay for `zeta < 1`, a shear for `zeta = 1`, a hyperbolic
//! rotation for `zeta > 1`). The state is re-anchored by an exact kernel evaluation every
//! [`ANCHOR`] points, so the rounding error does not grow with the number of points.

use super::kernel::{Basis, Kernel};
use super::Prepared;
use crate::error::{Error, ErrorKind, Param, Result};
use crate::real::{c, Real};

/// Points between exact re-anchorings.
pub const ANCHOR: usize = 64;
/// Independent recurrence chains of the value-only path (hides the floating-point latency).
const LANES: usize = 8;

/// The transition of the basis over one step `h`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Step<T> {
    f: T,
    dg: T,
    g: T,
    g1: T,
}

impl<T: Real> Step<T> {
    pub(crate) fn new(k: &Kernel<T>, h: T) -> Self {
        let b = k.basis::<true>(h);
        Step {
            f: b.ec,
            dg: k.d * b.es,
            g: b.es,
            g1: b.es1,
        }
    }

    /// `(ec, es)` one step later.
    #[inline(always)]
    fn advance(&self, ec: T, es: T) -> (T, T) {
        (self.f * ec + self.dg * es, self.g * ec + self.f * es)
    }

    /// `(y, w)` one step later (see [`eval_values`]).
    #[inline(always)]
    fn advance_pair(&self, y: T, w: T) -> (T, T) {
        (self.f * y + self.g * w, self.dg * y + self.f * w)
    }

    /// `es1` one step later (`t_next` is the time reached).
    #[inline(always)]
    fn advance_s1(&self, ec: T, es: T, es1: T, t_next: T) -> T {
        self.g1 * ec + self.g * es * t_next * T::HALF + self.f * es1
    }
}

fn diverged() -> Error {
    Error::new(ErrorKind::Diverged, Param::T)
}

/// Value-only grid evaluation into `out` (inputs already validated).
///
/// The deviation `y = y0 ec + B es` and its partner `w = y0 D es + B ec` obey the same addition
/// theorem, `y(t+h) = F y + G w`, `w(t+h) = D G y + F w`, so each point costs 4 multiplications
/// and 3 additions; [`LANES`] interleaved chains (stride `LANES h`) hide the latency.
pub(crate) fn eval_values<T: Real>(p: &Prepared<T>, t0: T, dt: T, out: &mut [T]) -> Result<()> {
    let one = Step::new(&p.k, dt);
    let lanes = Step::new(&p.k, dt * c(LANES as f64));
    for (b, block) in out.chunks_mut(ANCHOR).enumerate() {
        let t = t0 + T::from_usize(b * ANCHOR) * dt;
        let a = p.k.basis::<false>(t);
        let (y0, w0) = p.deviation_pair(a.ec, a.es);
        let mut y = [y0; LANES];
        let mut w = [w0; LANES];
        for j in 1..LANES {
            (y[j], w[j]) = one.advance_pair(y[j - 1], w[j - 1]);
        }
        let mut chunks = block.chunks_exact_mut(LANES);
        for ch in &mut chunks {
            for ((o, yj), wj) in ch.iter_mut().zip(y.iter_mut()).zip(w.iter_mut()) {
                *o = p.r_star + *yj;
                (*yj, *wj) = lanes.advance_pair(*yj, *wj);
            }
        }
        for (o, yj) in chunks.into_remainder().iter_mut().zip(y.iter()) {
            *o = p.r_star + *yj;
        }
    }
    if out.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(diverged())
    }
}

/// A walker over the uniform grid `t_i = t0 + i dt`, `i = 0, 1, ...`, yielding the value and the
/// gradient with respect to `(r_star, r0, v0, omega, zeta)` at each point by recurrences (exact
/// re-anchoring every [`ANCHOR`] points).
///
/// As an [`Iterator`] it is endless; it stops early (returns `None`) only if a result would not be
/// finite (overflow of the true value), which [`Grid::try_next`] reports as an error.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Grid<T> {
    p: Prepared<T>,
    step: Step<T>,
    t0: T,
    dt: T,
    i: usize,
    ec: T,
    es: T,
    es1: T,
}

impl<T: Real> Grid<T> {
    pub(crate) fn new(p: Prepared<T>, t0: T, dt: T) -> Self {
        let step = Step::new(&p.k, dt);
        Grid {
            p,
            step,
            t0,
            dt,
            i: 0,
            ec: T::ONE,
            es: T::ZERO,
            es1: T::ZERO,
        }
    }

    /// Index of the next point.
    pub fn index(&self) -> usize {
        self.i
    }

    /// Time of the next point, `t0 + index * dt`.
    pub fn time(&self) -> T {
        self.t0 + T::from_usize(self.i) * self.dt
    }

    /// The basis at the next point (advances the walker).
    #[inline]
    pub(crate) fn next_basis(&mut self) -> Basis<T> {
        let t = self.time();
        let b = if self.i.is_multiple_of(ANCHOR) {
            self.p.k.basis::<true>(t)
        } else {
            let (ec, es) = self.step.advance(self.ec, self.es);
            let es1 = self.step.advance_s1(self.ec, self.es, self.es1, t);
            Basis { t, ec, es, es1 }
        };
        self.ec = b.ec;
        self.es = b.es;
        self.es1 = b.es1;
        self.i = self.i.wrapping_add(1);
        b
    }

    /// Value and gradient `(r_star, r0, v0, omega, zeta)` at the next point; an error
    /// (`Diverged`, about `t`) only if the result is not finite.
    #[inline]
    pub fn try_next(&mut self) -> Result<(T, [T; 5])> {
        let b = self.next_basis();
        self.p.checked(self.p.value_and_gradient(&b))
    }

    /// Only the value at the next point (still advances the gradient state).
    #[inline]
    pub fn next_value(&mut self) -> Result<T> {
        let b = self.next_basis();
        let v = self.p.value(b.ec, b.es);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(diverged())
        }
    }
}

impl<T: Real> Iterator for Grid<T> {
    type Item = (T, [T; 5]);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.try_next().ok()
    }
}

/// A [`Grid`] mapped through the constant chain-rule matrix of a re-parameterisation: yields the
/// value and the gradient with respect to that parameterisation's `P` parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ParamGrid<T, const P: usize> {
    grid: Grid<T>,
    chain: super::params::Chain<T, P>,
}

impl<T: Real, const P: usize> ParamGrid<T, P> {
    pub(crate) fn new(grid: Grid<T>, chain: super::params::Chain<T, P>) -> Self {
        ParamGrid { grid, chain }
    }

    /// Index of the next point.
    pub fn index(&self) -> usize {
        self.grid.index()
    }

    /// Time of the next point.
    pub fn time(&self) -> T {
        self.grid.time()
    }

    /// Value and gradient at the next point (error only if not finite).
    #[inline]
    pub fn try_next(&mut self) -> Result<(T, [T; P])> {
        let (v, g) = self.grid.try_next()?;
        Ok((v, self.chain.apply(&g)))
    }
}

impl<T: Real, const P: usize> Iterator for ParamGrid<T, P> {
    type Item = (T, [T; P]);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.try_next().ok()
    }
}
