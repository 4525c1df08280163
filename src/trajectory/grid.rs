//! Uniform-grid evaluation `t_i = t0 + i dt` by recurrences (no transcendental call per point).
//!
//! The basis functions obey the addition theorem of `cosh`/`cos` (docs/model.md A.4 notation, `h` the step,
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

use super::chain::Chain;
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
            dg: k.d_times(b.es),
            g: b.es,
            g1: b.es1,
        }
    }

    /// `(ec, es)` one step later.
    #[inline(always)]
    fn advance(&self, ec: T, es: T) -> (T, T) {
        (self.f * ec + self.dg * es, self.g * ec + self.f * es)
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

/// The transition of the value pair `(y, w c)` of [`eval_values`] over a step `s`, with the time
/// scale `c = min(h, 1 / omega)` (`h` the grid step): `y(t+s) = F y + (G / c) (w c)`,
/// `(w c)(t+s) = (D G c) y + F (w c)`. Scaling the partner by a time makes both off-diagonal
/// factors dimensionless (`G / c` is O(s / c), `D G c = -+ (q G)(q c)`), so neither underflows
/// while the curvature matters (with `D G` itself a tiny `omega` makes `D G y` underflow and the
/// grid runs off along a straight line); capping `c` at `1 / omega` keeps `B c` within a factor
/// `e` of the trajectory's magnitude bound, so the partner exists whenever the values do (with
/// `c = h` a large step overflowed it, with `c = 1 / omega` a subnormal `omega` did).
struct PairStep<T> {
    f: T,
    g: T,
    dg: T,
}

impl<T: Real> PairStep<T> {
    fn new(p: &Prepared<T>, s: T, c: T) -> Self {
        let b = p.k.basis::<false>(s);
        PairStep {
            f: b.ec,
            g: b.es / c,
            dg: p.d_scaled(b.es, c),
        }
    }

    /// `(y, w c)` one step later.
    #[inline(always)]
    fn advance(&self, y: T, w: T) -> (T, T) {
        (self.f * y + self.g * w, self.dg * y + self.f * w)
    }
}

/// Value-only grid evaluation into `out` (inputs already validated).
///
/// The deviation `y = y0 ec + B es` and its partner `w = y0 D es + B ec` obey the same addition
/// theorem, `y(t+h) = F y + G w`, `w(t+h) = D G y + F w` (carried as `w c`, see
/// [`PairStep`]), so each point costs 4 multiplications and 3 additions; [`LANES`] interleaved
/// chains (stride `LANES h`) hide the latency.
pub(crate) fn eval_values<T: Real>(p: &Prepared<T>, t0: T, dt: T, out: &mut [T]) -> Result<()> {
    let scale = dt.min(T::ONE / p.omega);
    let one = PairStep::new(p, dt, scale);
    let lanes = PairStep::new(p, dt * c(LANES as f64), scale);
    for (b, block) in out.chunks_mut(ANCHOR).enumerate() {
        let t = t0 + T::from_usize(b * ANCHOR) * dt;
        let a = p.k.basis::<false>(t);
        let (y0, w0) = p.deviation_pair(a.ec, a.es, scale);
        let mut y = [y0; LANES];
        let mut w = [w0; LANES];
        for j in 1..LANES {
            (y[j], w[j]) = one.advance(y[j - 1], w[j - 1]);
        }
        let mut chunks = block.chunks_exact_mut(LANES);
        for ch in &mut chunks {
            for ((o, yj), wj) in ch.iter_mut().zip(y.iter_mut()).zip(w.iter_mut()) {
                *o = p.r_star + *yj;
                (*yj, *wj) = lanes.advance(*yj, *wj);
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
    chain: Chain<T, P>,
}

impl<T: Real, const P: usize> ParamGrid<T, P> {
    pub(crate) fn new(grid: Grid<T>, chain: Chain<T, P>) -> Self {
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

/// `t0 + (i + l) dt` for the lanes `l` (equal to `t0 + from_usize(i + l) dt`: `i + l` is exact).
#[inline(always)]
fn lane_times<T: Real>(t0: T, dt: T, i: usize) -> [T; LANES] {
    let base = T::from_usize(i);
    let mut t = [T::ZERO; LANES];
    for (l, tl) in t.iter_mut().enumerate() {
        *tl = t0 + (base + T::from_usize(l)) * dt;
    }
    t
}

/// The lane state of [`for_each_block`]: the basis of [`LANES`] consecutive points.
struct Lanes<T> {
    ec: [T; LANES],
    es: [T; LANES],
    es1: [T; LANES],
}

impl<T: Real> Lanes<T> {
    /// Every lane advanced by `step`; `t_next[l]` is the time lane `l` reaches.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)] // lane-parallel arrays
    fn advance(&mut self, step: &Step<T>, t_next: &[T; LANES]) {
        for l in 0..LANES {
            let (ec, es, es1) = (self.ec[l], self.es[l], self.es1[l]);
            (self.ec[l], self.es[l]) = step.advance(ec, es);
            self.es1[l] = step.advance_s1(ec, es, es1, t_next[l]);
        }
    }
}

/// Points per [`Block`].
pub const BLOCK: usize = if cfg!(feature = "compact") { 8 } else { 16 };

// a block is a whole number of lane groups, and anchors fall on block boundaries
const _: () = assert!(BLOCK.is_multiple_of(LANES) && ANCHOR.is_multiple_of(BLOCK));

/// Values and gradients of a model at up to [`BLOCK`] consecutive points, as a structure of
/// arrays: the unit the fits stream over (each array is independent work for vector registers).
///
/// Entries at `len..` are zero, so a consumer may always work on whole blocks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Block<T, const P: usize> {
    /// Valid points, `0..=BLOCK`.
    pub len: usize,
    /// `value[i]`: the model at point `i`.
    pub value: [T; BLOCK],
    /// `grad[j][i]`: its derivative with respect to parameter `j`.
    pub grad: [[T; BLOCK]; P],
}

// bounded size: (1 + P) BLOCK floats plus the length (padded to the float's alignment)
const _: () = assert!(core::mem::size_of::<Block<f64, 8>>() <= 9 * BLOCK * 8 + 8);

impl<T: Real, const P: usize> Block<T, P> {
    /// An empty block (all zero).
    pub const fn new() -> Self {
        Block {
            len: 0,
            value: [T::ZERO; BLOCK],
            grad: [[T::ZERO; BLOCK]; P],
        }
    }

    /// Set `len` and zero every entry at `len..` (the block's invariant).
    #[inline]
    pub fn set_len(&mut self, len: usize) {
        let len = len.min(BLOCK);
        self.len = len;
        for v in self.value.iter_mut().skip(len) {
            *v = T::ZERO;
        }
        for g in self.grad.iter_mut() {
            for v in g.iter_mut().skip(len) {
                *v = T::ZERO;
            }
        }
    }

    /// `sink(value, gradient)` for each valid point, in order (the per-point view of a block).
    pub fn for_each(&self, mut sink: impl FnMut(T, &[T; P])) {
        for i in 0..self.len.min(BLOCK) {
            let mut g = [T::ZERO; P];
            for (gj, col) in g.iter_mut().zip(self.grad.iter()) {
                *gj = col[i];
            }
            sink(self.value[i], &g);
        }
    }
}

impl<T: Real, const P: usize> Default for Block<T, P> {
    fn default() -> Self {
        Self::new()
    }
}

/// Value and gradient `(r_star, r0, v0, omega, zeta)`, mapped by `map`, at the `n` points
/// `t0 + i dt` in order, handed to `sink` in [`Block`]s (inputs already validated). The fast path
/// of the fits: [`LANES`] interleaved recurrence chains (stride `LANES h`, as [`eval_values`])
/// re-anchored exactly every [`ANCHOR`] points, the times `t_i = t0 + i dt` computed exactly per
/// point (the gradient needs `t ec`, `t es`), each lane group turned into values and gradients by
/// one branch-free loop over the lanes, and no per-point finiteness test: a non-finite result is
/// passed on, so the caller must check what it accumulates.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane-parallel arrays
pub(crate) fn for_each_block<T: Real, const P: usize>(
    p: &Prepared<T>,
    t0: T,
    dt: T,
    n: usize,
    map: impl Fn(&[T; 5]) -> [T; P],
    mut sink: impl FnMut(&Block<T, P>),
) {
    let one = Step::new(&p.k, dt);
    let stride = Step::new(&p.k, dt * c(LANES as f64));
    let time = |i: usize| t0 + T::from_usize(i) * dt;
    let mut blk = Block::<T, P>::new();
    let mut s = Lanes {
        ec: [T::ZERO; LANES],
        es: [T::ZERO; LANES],
        es1: [T::ZERO; LANES],
    };
    let mut start = 0usize;
    while start < n {
        if start.is_multiple_of(ANCHOR) {
            let a = p.k.basis::<true>(time(start));
            s.ec[0] = a.ec;
            s.es[0] = a.es;
            s.es1[0] = a.es1;
            for l in 1..LANES {
                let (ec, es, es1) = (s.ec[l - 1], s.es[l - 1], s.es1[l - 1]);
                (s.ec[l], s.es[l]) = one.advance(ec, es);
                s.es1[l] = one.advance_s1(ec, es, es1, time(start + l));
            }
        }
        // t_i = t0 + i dt exactly as `time` (i + l is an exact float)
        let mut t = lane_times(t0, dt, start);
        for grp in 0..BLOCK / LANES {
            let base = grp * LANES;
            for l in 0..LANES {
                let b = Basis {
                    t: t[l],
                    ec: s.ec[l],
                    es: s.es[l],
                    es1: s.es1[l],
                };
                let (v, g5) = p.value_and_gradient(&b);
                let g = map(&g5);
                blk.value[base + l] = v;
                for j in 0..P {
                    blk.grad[j][base + l] = g[j];
                }
            }
            // the lanes always hold the next LANES points (past the end or an anchor they are
            // advanced once in vain)
            t = lane_times(t0, dt, start + base + LANES);
            s.advance(&stride, &t);
        }
        finish_block(&mut blk, n - start, &mut sink);
        start += BLOCK;
    }
}

/// Hand a filled block to `sink` with `remaining` points left (the last block is zero-padded).
#[inline(always)]
fn finish_block<T: Real, const P: usize>(
    blk: &mut Block<T, P>,
    remaining: usize,
    sink: &mut impl FnMut(&Block<T, P>),
) {
    if remaining < BLOCK {
        blk.set_len(remaining);
    } else {
        blk.len = BLOCK;
    }
    sink(blk);
}

/// The saturation special case of [`for_each_block`] (the critical oscillator with `B = 0`, i.e.
/// `y = y0 ec`, `ec = exp(-omega t)`): values `r_star + y0 e` and gradients `[1 - e, e, k t e]` at
/// the `n` points `t0 + i dt`, with `e` by the geometric recurrence `e(t + h) = F e(t)` in
/// [`LANES`] interleaved chains, re-anchored exactly every [`ANCHOR`] points (same kernel). For
/// [`super::Exponential`], `k = y0 / tau^2` makes the third component the `tau` derivative.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane-parallel arrays
pub(crate) fn saturation_blocks<T: Real>(
    p: &Prepared<T>,
    t0: T,
    dt: T,
    n: usize,
    k: T,
    mut sink: impl FnMut(&Block<T, 3>),
) {
    let one = Step::new(&p.k, dt).f;
    let stride = Step::new(&p.k, dt * c(LANES as f64)).f;
    let y0 = p.y0();
    let mut blk = Block::<T, 3>::new();
    let mut e = [T::ZERO; LANES];
    let mut start = 0usize;
    while start < n {
        if start.is_multiple_of(ANCHOR) {
            e[0] = p.k.basis::<false>(t0 + T::from_usize(start) * dt).ec;
            for l in 1..LANES {
                e[l] = e[l - 1] * one;
            }
        }
        for grp in 0..BLOCK / LANES {
            let base = grp * LANES;
            let t = lane_times(t0, dt, start + base);
            for l in 0..LANES {
                let el = e[l];
                blk.value[base + l] = p.r_star + y0 * el;
                blk.grad[0][base + l] = T::ONE - el;
                blk.grad[1][base + l] = el;
                blk.grad[2][base + l] = k * t[l] * el;
                e[l] = el * stride;
            }
        }
        finish_block(&mut blk, n - start, &mut sink);
        start += BLOCK;
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Critical, Exponential, Oscillator, Overdamped, SlowStart};

    /// Calls of the fast lane path against the pointwise evaluation (tolerances of the walker
    /// test in `tests/trajectory.rs`): every regime, lengths that are not lane or anchor multiples.
    #[test]
    fn lane_path_matches_pointwise() {
        let zetas = [
            0.0,
            0.3,
            0.999999,
            1.0 - 1e-12,
            1.0,
            1.0 + 1e-12,
            1.000001,
            1.5,
            60.0,
        ];
        for z in zetas {
            for o in [
                Oscillator::new(0.7, 0.1, 0.0, 0.15, z).unwrap(),
                Oscillator::new(0.3, 0.9, -0.05, 0.003, z).unwrap(),
            ] {
                for (t0, dt, n) in [(1.0, 0.125, 20_003), (0.0, 1.0, 203), (3.5, 0.25, 7)] {
                    let mut i = 0usize;
                    o.grid_blocks(t0, dt, n, |b| {
                        b.for_each(|v, d| {
                            let t = t0 + i as f64 * dt;
                            let (vp, dp) = o.value_and_gradient(t).unwrap();
                            assert!((v - vp).abs() <= 1e-13, "{o:?} {i}");
                            let s = (o.r0 - o.r_star).abs() + o.v0.abs() / o.omega;
                            let terms = t * (1.0 + o.zeta) * s;
                            for k in 0..5 {
                                let tol = 1e-12 * (1.0 + dp[k].abs()) + 1e-14 * terms;
                                assert!((d[k] - dp[k]).abs() <= tol, "{o:?} i {i} k {k}");
                            }
                            i += 1;
                        })
                    })
                    .unwrap();
                    assert_eq!(i, n);
                }
            }
        }
    }

    /// Blocks against the pointwise evaluation; every block full except the last, whose tail is
    /// zero (the [`super::Block`] invariant).
    fn same<const P: usize>(
        run: impl FnOnce(&mut dyn FnMut(&super::Block<f64, P>)),
        f: impl Fn(f64) -> (f64, [f64; P]),
    ) {
        let n = 3 * super::ANCHOR + 5;
        let mut i = 0usize;
        run(&mut |b| {
            assert!(
                b.len == super::BLOCK || i + b.len == n,
                "short block inside"
            );
            for k in b.len..super::BLOCK {
                assert_eq!(b.value[k], 0.0);
                assert!(b.grad.iter().all(|g| g[k] == 0.0));
            }
            b.for_each(|v, d| {
                let (vp, dp) = f(0.5 + i as f64 * 0.75);
                assert!((v - vp).abs() <= 1e-13);
                for k in 0..P {
                    assert!((d[k] - dp[k]).abs() <= 1e-12 * (1.0 + dp[k].abs()));
                }
                i += 1;
            })
        });
        assert_eq!(i, n);
    }

    #[test]
    fn lane_path_of_parameterisations_matches_pointwise() {
        let n = 3 * super::ANCHOR + 5;
        let e = Exponential::new(0.8, 0.2, 30.0).unwrap();
        same(
            |s| e.grid_blocks(0.5, 0.75, n, s).unwrap(),
            |t| e.value_and_gradient(t).unwrap(),
        );
        let c = Critical::new(0.7, 0.1, 0.15).unwrap();
        same(
            |s| c.grid_blocks(0.5, 0.75, n, s).unwrap(),
            |t| c.value_and_gradient(t).unwrap(),
        );
        let s4 = SlowStart::new(0.7, 0.1, 0.15, 0.4).unwrap();
        same(
            |s| s4.grid_blocks(0.5, 0.75, n, s).unwrap(),
            |t| s4.value_and_gradient(t).unwrap(),
        );
        let o = Overdamped::new(0.7, 0.1, 20.0, 2.0).unwrap();
        same(
            |s| o.grid_blocks(0.5, 0.75, n, s).unwrap(),
            |t| o.value_and_gradient(t).unwrap(),
        );
    }
}
