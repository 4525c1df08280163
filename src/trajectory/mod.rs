//! The closed-form trajectory core: the damped oscillator of docs/model.md A in every damping regime.
//!
//! ```text
//! r'' + 2 zeta omega r' + omega^2 (r - r_star) = 0,    r(0) = r0,  r'(0) = v0
//! r(t) = r_star + E(t) [ y0 ch(u) + B t sh(u) ],       y0 = r0 - r_star,  B = v0 + zeta omega y0,
//!        E(t) = exp(-zeta omega t),  u = D t^2,  D = omega^2 (zeta^2 - 1)
//! ```
//!
//! with the entire functions `ch`, `sh` of docs/model.md A.4, which makes one formula valid for every
//! `zeta >= 0`: no cancellation near `zeta = 1` (it is just `u = 0`), no overflow for strongly
//! overdamped systems over long horizons (two decaying exponentials, never `cosh`). Values and the
//! analytic Jacobian (docs/model.md A.5) come from one shared kernel evaluation.
//!
//! * [`Oscillator`]: parameters `(r_star, r0, v0, omega, zeta)`; evaluation at one `t`
//!   ([`Oscillator::value`], [`Oscillator::value_and_gradient`]), over a slice
//!   ([`Oscillator::eval_slice`]) and over a uniform grid by recurrences
//!   ([`Oscillator::eval_grid`], [`Oscillator::grid`]); constructors from `(m, gamma, k)`,
//!   `(tau, t_m)`, optimizer hyperparameters and the critical form; derived quantities (regime,
//!   roots, time to a fraction of the gain, peak overshoot, slow-start delay).
//! * Re-parameterisations of docs/model.md A.6 ([`Exponential`], [`Critical`], [`SlowStart`],
//!   [`Overdamped`], [`HyperCurve`]) with values and gradients in their own parameters, and the
//!   saturation law of docs/model.md B.2 ([`SaturationLaw`]).
//! * [`lambert_w_m1`]: the lower branch of the Lambert W function (docs/model.md A.7).

/// Error bound of the `f32` trajectory with the `micromath` feature (fast approximations of
/// exp/sin/cos/sqrt instead of libm), relative to the scale `|r0 - r_star| + |v0|/omega`:
/// `|r_f32(t) - r(t)| <= MICROMATH_F32_BOUND (|r0 - r_star| + |v0|/omega)` (measured by
/// tests/micromath.rs over every regime, pointwise and grid). Without the feature the `f32` path is
/// within about 1e-6 of that scale.
pub const MICROMATH_F32_BOUND: f64 = 5e-3;

mod chain;
mod grid;
mod kernel;
mod lambert;
mod params;

pub use grid::{Block, Grid, ParamGrid, ANCHOR, BLOCK};
pub use lambert::lambert_w_m1;
pub use params::{Critical, Exponential, HyperCurve, Overdamped, SaturationLaw, SlowStart};

use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::numerics::roots::bisect;
use crate::real::{c, Real};
use kernel::{Basis, Kernel};

/// The damped oscillator `r'' + 2 zeta omega r' + omega^2 (r - r_star) = 0`,
/// `r(0) = r0`, `r'(0) = v0`.
///
/// Fields are public; every method validates them (finite, `omega > 0`, `zeta >= 0`) and returns
/// an error naming the bad field.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Oscillator<T> {
    /// Fixed point (plateau) `r_star`.
    pub r_star: T,
    /// Initial value `r0 = r(0)`.
    pub r0: T,
    /// Initial slope `v0 = r'(0)`.
    pub v0: T,
    /// Natural frequency `omega > 0` (1/step).
    pub omega: T,
    /// Damping ratio `zeta >= 0`.
    pub zeta: T,
}

/// Damping regime of an [`Oscillator`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DampingRegime {
    /// `zeta < 1`: decaying oscillation (overshoot).
    Underdamped,
    /// `zeta = 1`: fastest non-oscillating return.
    Critical,
    /// `zeta > 1`: two real decay rates, monotone-like approach.
    Overdamped,
}

/// Characteristic roots `-lambda` of the oscillator, given as positive decay rates.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Roots<T> {
    /// `zeta < 1`: `-decay +- i freq` with `decay = zeta omega`, `freq = q = omega sqrt(1 - zeta^2)`.
    Complex {
        /// Envelope decay rate `zeta omega`.
        decay: T,
        /// Angular frequency `q`.
        freq: T,
    },
    /// `zeta = 1`: the double root `-omega`.
    Double {
        /// `omega`.
        rate: T,
    },
    /// `zeta > 1`: `-slow`, `-fast` with `slow = omega / (zeta + sqrt(zeta^2 - 1))` (computed
    /// without cancellation) and `fast = zeta omega + q`.
    Real {
        /// Slow rate `lambda_s`.
        slow: T,
        /// Fast rate `lambda_f`.
        fast: T,
    },
}

/// Validated per-oscillator constants shared by every evaluation path.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Prepared<T> {
    pub k: Kernel<T>,
    pub r_star: T,
    y0: T,
    b: T,
    omega: T,
    zeta: T,
    dd_w: T,
    dd_z: T,
    /// `y0 / 2`, `zeta y0`, `omega y0` (the gradient's constant factors).
    hy0: T,
    zy0: T,
    wy0: T,
}

impl<T: Real> Prepared<T> {
    #[inline(always)]
    fn new(o: &Oscillator<T>) -> Self {
        let k = Kernel::new(o.omega, o.zeta);
        let y0 = o.r0 - o.r_star;
        let dz = (o.zeta - T::ONE) * (o.zeta + T::ONE);
        Prepared {
            k,
            r_star: o.r_star,
            y0,
            b: o.v0 + k.a * y0,
            omega: o.omega,
            zeta: o.zeta,
            dd_w: T::TWO * o.omega * dz,
            dd_z: T::TWO * o.omega * o.omega * o.zeta,
            hy0: y0 * T::HALF,
            zy0: o.zeta * y0,
            wy0: o.omega * y0,
        }
    }

    /// `y0 = r0 - r_star`.
    #[inline(always)]
    pub fn y0(&self) -> T {
        self.y0
    }

    /// The deviation `y = r - r_star = y0 ec + B es`.
    #[inline(always)]
    fn dev(&self, ec: T, es: T) -> T {
        self.y0 * ec + self.b * es
    }

    /// `r = r_star + y0 ec + B es`.
    #[inline(always)]
    pub fn value(&self, ec: T, es: T) -> T {
        self.r_star + self.dev(ec, es)
    }

    /// `(y, w c)` with `y = y0 ec + B es`, `w = y0 D es + B ec`: the deviation and its grid
    /// partner, scaled by the time `c` (see `grid::PairStep`).
    #[inline(always)]
    pub fn deviation_pair(&self, ec: T, es: T, c: T) -> (T, T) {
        (
            self.dev(ec, es),
            self.y0 * self.d_scaled(es, c) + (self.b * c) * ec,
        )
    }

    /// `D x s = -+ (q x)(q s)` for a basis value `x = E t sh` and a time `s`: two dimensionless
    /// factors, so the product neither underflows nor overflows where the result exists.
    #[inline(always)]
    pub fn d_scaled(&self, x: T, s: T) -> T {
        let v = (self.k.q * x) * (self.k.q * s);
        if self.k.over {
            v
        } else {
            -v
        }
    }

    /// Value and gradient (docs/model.md A.5) from the basis.
    #[inline(always)]
    pub fn value_and_gradient(&self, bs: &Basis<T>) -> (T, [T; 5]) {
        let Basis { t, ec, es, es1 } = *bs;
        let y = self.dev(ec, es);
        let d_r0 = ec + self.k.a * es;
        // dy/dD at fixed a = zeta omega
        let pd = self.hy0 * t * es + self.b * es1;
        let d_w = -(self.zeta * t * y) + pd * self.dd_w + self.zy0 * es;
        let d_z = -(self.omega * t * y) + pd * self.dd_z + self.wy0 * es;
        (self.r_star + y, [T::ONE - d_r0, d_r0, es, d_w, d_z])
    }

    /// `Ok` if every number is finite, else `Diverged` about `t`.
    #[inline(always)]
    pub fn checked<const P: usize>(&self, r: (T, [T; P])) -> Result<(T, [T; P])> {
        if r.0.is_finite() && r.1.iter().all(|x| x.is_finite()) {
            Ok(r)
        } else {
            Err(Error::new(ErrorKind::Diverged, Param::T))
        }
    }

    /// `y(t) = r(t) - r_star`.
    #[inline(always)]
    fn y(&self, t: T) -> T {
        let b = self.k.basis::<false>(t);
        self.dev(b.ec, b.es)
    }
}

/// `t` must be finite and `>= 0`.
#[inline(always)]
fn check_t<T: Real>(t: T) -> Result<T> {
    check::non_negative(t, Param::T)
}

impl<T: Real> Oscillator<T> {
    /// A validated oscillator: all finite, `omega > 0`, `zeta >= 0`.
    pub fn new(r_star: T, r0: T, v0: T, omega: T, zeta: T) -> Result<Self> {
        let o = Oscillator {
            r_star,
            r0,
            v0,
            omega,
            zeta,
        };
        o.validate()?;
        Ok(o)
    }

    /// Check the (public) fields; the error names the first bad one.
    #[inline]
    pub fn validate(&self) -> Result<()> {
        check::finite(self.r_star, Param::RStar)?;
        check::finite(self.r0, Param::R0)?;
        check::finite(self.v0, Param::V0)?;
        check::positive(self.omega, Param::Omega)?;
        check::non_negative(self.zeta, Param::Zeta)?;
        // the kernel constants D = omega^2 (zeta^2 - 1) and zeta omega must exist in T
        let d = self.omega * self.omega * ((self.zeta - T::ONE) * (self.zeta + T::ONE));
        if !d.is_finite() || !(self.zeta * self.omega).is_finite() {
            let p = if self.zeta > T::ONE {
                Param::Zeta
            } else {
                Param::Omega
            };
            return Err(Error::out_of_range(p));
        }
        Ok(())
    }

    #[inline(always)]
    fn prepare(&self) -> Result<Prepared<T>> {
        self.validate()?;
        Ok(Prepared::new(self))
    }

    /// From mass, damping and stiffness: `omega = sqrt(k/m)`, `zeta = gamma / (2 sqrt(m k))`.
    /// Requires `m > 0`, `k > 0`, `gamma >= 0` (a negative damping is unstable).
    pub fn from_mgk(r_star: T, r0: T, v0: T, m: T, gamma: T, k: T) -> Result<Self> {
        check::positive(m, Param::Mass)?;
        check::non_negative(gamma, Param::Gamma)?;
        check::positive(k, Param::Stiffness)?;
        let (sm, sk) = (m.sqrt(), k.sqrt());
        let omega = check::positive(sk / sm, Param::Stiffness)?;
        let zeta = check::finite(gamma / (T::TWO * sm * sk), Param::Gamma)?;
        Oscillator::new(r_star, r0, v0, omega, zeta)
    }

    /// From the overdamped-physical pair (docs/model.md A.6) `tau = gamma/k` (inverse stiffness) and
    /// `t_m = m/gamma` (inertial delay), slow start `v0 = 0`:
    /// `omega = 1/sqrt(tau t_m)`, `zeta = sqrt(tau/t_m)/2`.
    pub fn from_overdamped(r_star: T, r0: T, tau: T, t_m: T) -> Result<Self> {
        Overdamped::new(r_star, r0, tau, t_m)?.to_oscillator()
    }

    /// From optimizer hyperparameters (docs/model.md A.2) with slow start `v0 = 0`: learning rate `eta`,
    /// momentum `mu`, curvature `k_curv` (`K`) and lag `kref` (`d`):
    /// `m = (1 + mu + eta K d^2)/2`, `gamma = (1 - mu) - eta K d`, `k = eta K`.
    /// A lag that makes `gamma < 0` (unstable) is an error about `kref`.
    pub fn from_hyper(r_star: T, r0: T, eta: T, mu: T, k_curv: T, kref: T) -> Result<Self> {
        HyperCurve::new(r_star, r0, k_curv, eta, mu, kref)?.to_oscillator()
    }

    /// The critical "three-phase" S-curve `r = r_star - (r_star - r0)(1 + omega t) exp(-omega t)`
    /// (`zeta = 1`, `v0 = 0`).
    pub fn critical(r_star: T, r0: T, omega: T) -> Result<Self> {
        Oscillator::new(r_star, r0, T::ZERO, omega, T::ONE)
    }

    /// `r(t)` for `t >= 0` (finite).
    #[inline]
    pub fn value(&self, t: T) -> Result<T> {
        let p = self.prepare()?;
        let t = check_t(t)?;
        let b = p.k.basis::<false>(t);
        check::result(p.value(b.ec, b.es), Param::T)
    }

    /// `r(t)` and its gradient with respect to `(r_star, r0, v0, omega, zeta)` (docs/model.md A.5).
    #[inline]
    pub fn value_and_gradient(&self, t: T) -> Result<(T, [T; 5])> {
        let p = self.prepare()?;
        let t = check_t(t)?;
        p.checked(p.value_and_gradient(&p.k.basis::<true>(t)))
    }

    /// `out[i] = r(t[i])` for arbitrary times `t[i] >= 0` (`t` and `out` of equal length). All
    /// inputs are validated before anything is written.
    pub fn eval_slice(&self, t: &[T], out: &mut [T]) -> Result<()> {
        let p = self.prepare()?;
        check::same_len(t, out, Param::Output)?;
        check::all_finite(t, Param::T)?;
        if !t.iter().all(|x| *x >= T::ZERO) {
            return Err(Error::out_of_range(Param::T));
        }
        for (o, ti) in out.iter_mut().zip(t) {
            let b = p.k.basis::<false>(*ti);
            *o = p.value(b.ec, b.es);
        }
        if out.iter().all(|x| x.is_finite()) {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::Diverged, Param::T))
        }
    }

    /// Values and gradients at arbitrary times `t[i] >= 0` (one validation and kernel setup for
    /// the whole slice): `out[i] = r(t[i])`, `grad[i] = d r(t[i]) / d(r_star, r0, v0, omega, zeta)`.
    /// All inputs are validated before anything is written.
    pub fn eval_slice_gradient(&self, t: &[T], out: &mut [T], grad: &mut [[T; 5]]) -> Result<()> {
        self.slice_gradient_mapped(t, out, grad, |g| *g)
    }

    /// [`Self::eval_slice_gradient`] with each gradient mapped (chain rule of a parameterisation).
    pub(crate) fn slice_gradient_mapped<const P: usize>(
        &self,
        t: &[T],
        out: &mut [T],
        grad: &mut [[T; P]],
        map: impl Fn(&[T; 5]) -> [T; P],
    ) -> Result<()> {
        let p = self.prepare()?;
        check::same_len(t, out, Param::Output)?;
        check::same_len(t, grad, Param::Output)?;
        check::all_finite(t, Param::T)?;
        if !t.iter().all(|x| *x >= T::ZERO) {
            return Err(Error::out_of_range(Param::T));
        }
        for ((o, g), ti) in out.iter_mut().zip(grad.iter_mut()).zip(t) {
            let (v, g5) = p.checked(p.value_and_gradient(&p.k.basis::<true>(*ti)))?;
            (*o, *g) = (v, map(&g5));
        }
        Ok(())
    }

    /// `out[i] = r(t0 + i dt)` by recurrences (no transcendental call per point), re-anchored
    /// exactly every [`ANCHOR`] points so the error does not grow with `i`.
    /// Requires `t0 >= 0`, `dt > 0`, both finite.
    pub fn eval_grid(&self, t0: T, dt: T, out: &mut [T]) -> Result<()> {
        let p = self.prepare()?;
        check_grid(t0, dt)?;
        grid::eval_values(&p, t0, dt, out)
    }

    /// A [`Grid`] walker yielding `(value, gradient)` at `t0 + i dt`, `i = 0, 1, ...`, by
    /// recurrences. Requires `t0 >= 0`, `dt > 0`, both finite.
    pub fn grid(&self, t0: T, dt: T) -> Result<Grid<T>> {
        let p = self.prepare()?;
        check_grid(t0, dt)?;
        Ok(Grid::new(p, t0, dt))
    }

    /// Values and gradients (mapped by `map`) at the `n` points `t0 + i dt`, handed to `sink` in
    /// [`Block`]s (the fits' fast path, see `grid::for_each_block`): no per-point finiteness test,
    /// the caller checks its sums.
    #[inline(always)]
    pub(crate) fn grid_blocks_mapped<const P: usize>(
        &self,
        t0: T,
        dt: T,
        n: usize,
        map: impl Fn(&[T; 5]) -> [T; P],
        sink: impl FnMut(&Block<T, P>),
    ) -> Result<()> {
        let p = self.prepare()?;
        check_grid(t0, dt)?;
        grid::for_each_block(&p, t0, dt, n, map, sink);
        Ok(())
    }

    /// The saturation fast path (see `grid::saturation_blocks`); only meaningful for the exact
    /// oscillator form of an [`Exponential`] (critical, `B = 0`).
    #[inline(always)]
    pub(crate) fn grid_blocks_saturation(
        &self,
        t0: T,
        dt: T,
        n: usize,
        k: T,
        sink: impl FnMut(&Block<T, 3>),
    ) -> Result<()> {
        let p = self.prepare()?;
        check_grid(t0, dt)?;
        grid::saturation_blocks(&p, t0, dt, n, k, sink);
        Ok(())
    }

    /// [`Self::grid_blocks_mapped`] with the gradient `(r_star, r0, v0, omega, zeta)`.
    #[inline(always)]
    pub(crate) fn grid_blocks(
        &self,
        t0: T,
        dt: T,
        n: usize,
        sink: impl FnMut(&Block<T, 5>),
    ) -> Result<()> {
        self.grid_blocks_mapped(t0, dt, n, |g| *g, sink)
    }

    /// The damping regime (after validation).
    pub fn regime(&self) -> Result<DampingRegime> {
        self.validate()?;
        Ok(if self.zeta < T::ONE {
            DampingRegime::Underdamped
        } else if self.zeta == T::ONE {
            DampingRegime::Critical
        } else {
            DampingRegime::Overdamped
        })
    }

    /// The characteristic roots as decay rates (and frequency).
    pub fn roots(&self) -> Result<Roots<T>> {
        let k = self.prepare()?.k;
        Ok(match self.regime()? {
            DampingRegime::Underdamped => Roots::Complex {
                decay: k.a,
                freq: k.q,
            },
            DampingRegime::Critical => Roots::Double { rate: self.omega },
            DampingRegime::Overdamped => Roots::Real {
                slow: k.lam_s,
                fast: k.a + k.q,
            },
        })
    }

    /// The slowest decay rate of the homogeneous solution: `lambda_s` for `zeta > 1`, `zeta omega`
    /// otherwise (the envelope rate).
    pub fn slow_rate(&self) -> Result<T> {
        Ok(match self.roots()? {
            Roots::Complex { decay, .. } => decay,
            Roots::Double { rate } => rate,
            Roots::Real { slow, .. } => slow,
        })
    }

    /// An upper bound of `|r(t)|` over `0 <= t <= t_max`:
    /// `|r_star| + |y0| + |B| min(t_max, 1/(e lambda_slow), 1/q)` (uses `|E ch| <= 1` and
    /// `|E t sh| <= min(t, 1/(e lambda_slow))`, and `<= 1/q` for `zeta < 1`).
    pub fn bound(&self, t_max: T) -> Result<T> {
        let p = self.prepare()?;
        let t_max = check_t(t_max)?;
        let rate = self.slow_rate()?;
        let e: T = c(core::f64::consts::E);
        let mut s = t_max;
        if rate > T::ZERO {
            s = s.min(T::ONE / (e * rate));
        }
        if self.zeta < T::ONE {
            s = s.min(T::ONE / p.k.q);
        }
        Ok(self.r_star.abs() + p.y0.abs() + p.b.abs() * s)
    }

    /// Timescale `tau = gamma/k = 2 zeta / omega` (inverse stiffness, docs/model.md B.2).
    pub fn tau(&self) -> Result<T> {
        self.validate()?;
        Ok(T::TWO * self.zeta / self.omega)
    }

    /// Inertial delay `t_m = m/gamma = 1/(2 zeta omega)`; requires `zeta > 0`.
    pub fn t_m(&self) -> Result<T> {
        self.validate()?;
        check::positive(self.zeta, Param::Zeta)?;
        check::finite(T::ONE / (T::TWO * self.zeta * self.omega), Param::Zeta)
    }

    /// Time of the first extremum of `y(t)` after `t = 0` for `zeta < 1`.
    fn first_extremum(&self, p: &Prepared<T>) -> T {
        // y'(t) = E [v0 cos(qt) - W sin(qt)],  W = a B / q + q y0
        let q = p.k.q;
        let w = p.k.a * p.b / q + q * p.y0;
        let mut th = self.v0.atan2(w);
        if th <= T::ZERO {
            th += T::PI;
        }
        th / q
    }

    /// Peak overshoot for `zeta < 1`: `(t_peak, overshoot)`, where `t_peak` is the first extremum
    /// of `r` beyond `r_star` and `overshoot = (r(t_peak) - r_star) / (r_star - r0)` (for `v0 = 0`:
    /// `t_peak = pi / q`, `overshoot = exp(-zeta pi / sqrt(1 - zeta^2))`).
    /// Errors: `zeta >= 1` (no oscillation) about `zeta`; `r0 = r_star` (no gain) about `r0`.
    pub fn peak(&self) -> Result<(T, T)> {
        let p = self.prepare()?;
        if self.zeta >= T::ONE {
            return Err(Error::out_of_range(Param::Zeta));
        }
        if p.y0 == T::ZERO {
            return Err(Error::out_of_range(Param::R0));
        }
        let mut t = self.first_extremum(&p);
        let mut y = p.y(t);
        if y * p.y0 > T::ZERO {
            // the first extremum is on the starting side (v0 pushed away): the next one
            t += T::PI / p.k.q;
            y = p.y(t);
        }
        let t = check::finite(t, Param::Zeta)?;
        Ok((t, -y / p.y0))
    }

    /// Slow-start delay for `zeta > 1`: the shift `t_d` for which the long-time solution is the
    /// single exponential `y0 exp(-lambda_s (t - t_d))`,
    /// `t_d = ln((v0/y0 + lambda_f) / (lambda_f - lambda_s)) / lambda_s` (docs/model.md B.1; `~ m/gamma`).
    /// Errors: `zeta <= 1` about `zeta`; `r0 = r_star` or an initial slope that cancels the slow
    /// mode about `v0`/`r0`.
    pub fn slow_start_delay(&self) -> Result<T> {
        let p = self.prepare()?;
        if self.zeta <= T::ONE {
            return Err(Error::out_of_range(Param::Zeta));
        }
        if p.y0 == T::ZERO {
            return Err(Error::out_of_range(Param::R0));
        }
        let fast = p.k.a + p.k.q;
        let ratio = (self.v0 / p.y0 + fast) / (p.k.q + p.k.q);
        if ratio <= T::ZERO || !ratio.is_finite() {
            return Err(Error::out_of_range(Param::V0));
        }
        check::finite(ratio.ln() / p.k.lam_s, Param::Zeta)
    }

    /// Time at which the trajectory first reaches the fraction `f` of its gain,
    /// `r(t_f) = r0 + f (r_star - r0)`, `0 < f < 1` (docs/model.md A.7):
    /// * critical with `v0 = 0`: `omega t_f = -1 - W_{-1}(-(1 - f)/e)` (Lambert W);
    /// * `zeta >= 1`: bracketed root of the single crossing (doubling bracket, then bisection);
    /// * `zeta < 1`: first passage, searched segment by segment between the analytic extrema of
    ///   `r` (each segment is monotone), then bisection.
    ///
    /// Errors: `f` outside (0, 1) about `f`; `r0 = r_star` (no gain) or a level never reached
    /// (`NotReached`) about `f`.
    pub fn time_to_fraction(&self, f: T) -> Result<T> {
        let p = self.prepare()?;
        check::open(f, T::ZERO, T::ONE, Param::Fraction)?;
        let not_reached = Error::new(ErrorKind::NotReached, Param::Fraction);
        if p.y0 == T::ZERO {
            return Err(not_reached);
        }
        if self.zeta == T::ONE && self.v0 == T::ZERO {
            let w = lambert::w_m1_parts((-f).ln_1p() - T::ONE, f)?;
            return check::finite((-T::ONE - w) / self.omega, Param::Fraction);
        }
        // progress criterion: y(t)/y0 <= level
        let level = T::ONE - f;
        let below = |t: T| p.y(t) / p.y0 <= level;
        if self.zeta >= T::ONE {
            // single crossing: doubling bracket from a small fraction of the slow timescale
            let mut lo = T::ZERO;
            let mut hi = c::<T>(1e-3) / p.k.a;
            for _ in 0..4096 {
                if !hi.is_finite() {
                    return Err(not_reached);
                }
                if below(hi) {
                    return Ok(bisect(|t| Some(below(t)), lo, hi, 2200).unwrap_or(hi));
                }
                lo = hi;
                hi = hi + hi;
            }
            return Err(not_reached);
        }
        // zeta < 1: monotone segments between consecutive extrema
        let period = T::PI / p.k.q;
        let mut lo = T::ZERO;
        let mut hi = self.first_extremum(&p);
        for _ in 0..100_000 {
            if !hi.is_finite() {
                return Err(not_reached);
            }
            if below(hi) {
                return Ok(bisect(|t| Some(below(t)), lo, hi, 2200).unwrap_or(hi));
            }
            lo = hi;
            hi += period;
        }
        Err(not_reached)
    }
}

/// `t0 >= 0`, `dt > 0`, both finite.
fn check_grid<T: Real>(t0: T, dt: T) -> Result<()> {
    check::non_negative(t0, Param::T0)?;
    check::positive(dt, Param::Dt)?;
    Ok(())
}
