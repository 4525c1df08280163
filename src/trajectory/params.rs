//! Re-parameterisations of docs/model.md A.6 and the saturation law of docs/model.md B.2.
//!
//! Every parameter set maps to an [`Oscillator`] plus a constant chain-rule matrix
//! `J[k][p] = d(osc_k)/d(param_p)` (`osc = (r_star, r0, v0, omega, zeta)`); values and gradients are
//! the oscillator's (one shared kernel), mapped through `J`. Grids use the same matrix
//! ([`ParamGrid`]).

use super::chain::Chain;
use super::grid::ParamGrid;
use super::Oscillator;
use crate::error::{check, Error, Param, Result};
use crate::real::Real;

/// Inherent methods shared by every parameterisation (they all delegate to `chain()`).
macro_rules! reparam_methods {
    ($p:literal) => {
        reparam_methods!($p, custom_grid);

        /// Values and gradients (this parameterisation) at the `n` points `t0 + i dt` in
        /// [`Block`](super::Block)s (the fits' fast path; no per-point finiteness test, the
        /// caller checks its sums).
        #[inline(always)]
        #[allow(dead_code)] // `HyperCurve` has no ready fit model
        pub(crate) fn grid_blocks(
            &self,
            t0: T,
            dt: T,
            n: usize,
            sink: impl FnMut(&super::Block<T, $p>),
        ) -> Result<()> {
            let ch = self.chain()?;
            ch.osc.grid_blocks_mapped(t0, dt, n, |g| ch.apply(g), sink)
        }
    };
    ($p:literal, custom_grid) => {
        /// The equivalent [`Oscillator`].
        pub fn to_oscillator(&self) -> Result<Oscillator<T>> {
            Ok(self.chain()?.osc)
        }

        /// Value at `t >= 0`.
        #[inline]
        pub fn value(&self, t: T) -> Result<T> {
            self.chain()?.osc.value(t)
        }

        /// Value and gradient with respect to this parameterisation's parameters (field order).
        #[inline]
        pub fn value_and_gradient(&self, t: T) -> Result<(T, [T; $p])> {
            let ch = self.chain()?;
            let (v, g) = ch.osc.value_and_gradient(t)?;
            Ok((v, ch.apply(&g)))
        }

        /// Values and gradients (this parameterisation) at arbitrary times `t[i] >= 0` (see
        /// [`Oscillator::eval_slice_gradient`]).
        pub fn eval_slice_gradient(
            &self,
            t: &[T],
            out: &mut [T],
            grad: &mut [[T; $p]],
        ) -> Result<()> {
            let ch = self.chain()?;
            ch.osc.slice_gradient_mapped(t, out, grad, |g| ch.apply(g))
        }

        /// Values on the uniform grid `t0 + i dt` (see [`Oscillator::eval_grid`]).
        pub fn eval_grid(&self, t0: T, dt: T, out: &mut [T]) -> Result<()> {
            self.chain()?.osc.eval_grid(t0, dt, out)
        }

        /// A walker yielding value and gradient (this parameterisation) on `t0 + i dt` by
        /// recurrences (see [`Oscillator::grid`]).
        pub fn grid(&self, t0: T, dt: T) -> Result<ParamGrid<T, $p>> {
            let ch = self.chain()?;
            Ok(ParamGrid::new(ch.osc.grid(t0, dt)?, ch))
        }
    };
}

/// The single-exponential saturation curve `r = plateau - (plateau - r0) exp(-t/tau)`;
/// gradient order `(plateau, r0, tau)`.
///
/// Exact oscillator form: the critical oscillator with `omega = 1/tau` and initial slope
/// `v0 = (plateau - r0)/tau`, for which `B = v0 + omega (r0 - plateau) = 0` exactly, leaving
/// `r = plateau + (r0 - plateau) exp(-omega t)`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Exponential<T> {
    /// Plateau `R_inf`.
    pub plateau: T,
    /// Initial value.
    pub r0: T,
    /// Timescale `tau > 0`.
    pub tau: T,
}

impl<T: Real> Exponential<T> {
    /// Validated: finite, `tau > 0`.
    pub fn new(plateau: T, r0: T, tau: T) -> Result<Self> {
        let e = Exponential { plateau, r0, tau };
        e.chain()?;
        Ok(e)
    }

    pub(crate) fn chain(&self) -> Result<Chain<T, 3>> {
        check::finite(self.plateau, Param::RStar)?;
        check::finite(self.r0, Param::R0)?;
        check::positive(self.tau, Param::Tau)?;
        let w = check::positive(T::ONE / self.tau, Param::Tau)?;
        let y0 = self.r0 - self.plateau;
        let osc = Oscillator::new(self.plateau, self.r0, -(w * y0), w, T::ONE)?;
        let (z, o) = (T::ZERO, T::ONE);
        let w2 = w * w;
        Ok(Chain {
            osc,
            j: [
                [o, z, z],
                [z, o, z],
                [w, -w, y0 * w2],
                [z, z, -w2],
                [z, z, z],
            ],
        })
    }

    /// Time to reach the fraction `f` of the gain, `tau ln(1/(1 - f))` (docs/model.md A.7).
    pub fn time_to_fraction(&self, f: T) -> Result<T> {
        self.chain()?;
        check::open(f, T::ZERO, T::ONE, Param::Fraction)?;
        Ok(-self.tau * (-f).ln_1p())
    }

    /// Values and gradients at the `n` points `t0 + i dt` in [`Block`](super::Block)s (the fits'
    /// fast path: the geometric recurrence of `exp(-t/tau)` alone; no per-point finiteness test,
    /// the caller checks its sums).
    #[inline(always)]
    pub(crate) fn grid_blocks(
        &self,
        t0: T,
        dt: T,
        n: usize,
        sink: impl FnMut(&super::Block<T, 3>),
    ) -> Result<()> {
        let ch = self.chain()?;
        // d r / d tau = y0 t exp(-t/tau) / tau^2 (the chain's y0 w^2 on the v0 row)
        let w = ch.osc.omega;
        let k = (self.r0 - self.plateau) * (w * w);
        ch.osc.grid_blocks_saturation(t0, dt, n, k, sink)
    }

    reparam_methods!(3, custom_grid);
}

/// The critical "three-phase" set (docs/model.md A.6): `zeta = 1`, `v0 = 0`, parameters
/// `(r_star, r0, omega)`: `r = r_star - (r_star - r0)(1 + omega t) exp(-omega t)`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Critical<T> {
    /// Plateau.
    pub r_star: T,
    /// Initial value.
    pub r0: T,
    /// Natural frequency `omega > 0`.
    pub omega: T,
}

impl<T: Real> Critical<T> {
    /// Validated: finite, `omega > 0`.
    pub fn new(r_star: T, r0: T, omega: T) -> Result<Self> {
        let s = Critical { r_star, r0, omega };
        s.chain()?;
        Ok(s)
    }

    pub(crate) fn chain(&self) -> Result<Chain<T, 3>> {
        let osc = Oscillator::critical(self.r_star, self.r0, self.omega)?;
        let (z, o) = (T::ZERO, T::ONE);
        Ok(Chain {
            osc,
            j: [[o, z, z], [z, o, z], [z, z, z], [z, z, o], [z, z, z]],
        })
    }

    reparam_methods!(3);
}

/// The slow-start set (docs/model.md A.6): `v0 = 0`, parameters `(r_star, r0, omega, zeta)`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SlowStart<T> {
    /// Plateau.
    pub r_star: T,
    /// Initial value.
    pub r0: T,
    /// Natural frequency `omega > 0`.
    pub omega: T,
    /// Damping ratio `zeta >= 0`.
    pub zeta: T,
}

impl<T: Real> SlowStart<T> {
    /// Validated: finite, `omega > 0`, `zeta >= 0`.
    pub fn new(r_star: T, r0: T, omega: T, zeta: T) -> Result<Self> {
        let s = SlowStart {
            r_star,
            r0,
            omega,
            zeta,
        };
        s.chain()?;
        Ok(s)
    }

    pub(crate) fn chain(&self) -> Result<Chain<T, 4>> {
        let osc = Oscillator::new(self.r_star, self.r0, T::ZERO, self.omega, self.zeta)?;
        let (z, o) = (T::ZERO, T::ONE);
        Ok(Chain {
            osc,
            j: [
                [o, z, z, z],
                [z, o, z, z],
                [z, z, z, z],
                [z, z, o, z],
                [z, z, z, o],
            ],
        })
    }

    reparam_methods!(4);
}

/// The overdamped-physical set (docs/model.md A.6) `(r_star, r0, tau, t_m)`, `v0 = 0`, with `tau = gamma/k`
/// (inverse stiffness) and `t_m = m/gamma` (inertial delay):
/// `omega = 1/sqrt(tau t_m)`, `zeta = sqrt(tau/t_m)/2`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Overdamped<T> {
    /// Plateau.
    pub r_star: T,
    /// Initial value.
    pub r0: T,
    /// Inverse stiffness `tau > 0`.
    pub tau: T,
    /// Inertial delay `t_m > 0`.
    pub t_m: T,
}

impl<T: Real> Overdamped<T> {
    /// Validated: finite, `tau > 0`, `t_m > 0`.
    pub fn new(r_star: T, r0: T, tau: T, t_m: T) -> Result<Self> {
        let s = Overdamped {
            r_star,
            r0,
            tau,
            t_m,
        };
        s.chain()?;
        Ok(s)
    }

    pub(crate) fn chain(&self) -> Result<Chain<T, 4>> {
        check::positive(self.tau, Param::Tau)?;
        check::positive(self.t_m, Param::TM)?;
        let (st, sm) = (self.tau.sqrt(), self.t_m.sqrt());
        let w = check::positive(T::ONE / (st * sm), Param::TM)?;
        let zeta = check::finite(T::HALF * st / sm, Param::TM)?;
        let osc = Oscillator::new(self.r_star, self.r0, T::ZERO, w, zeta)?;
        let (z, o) = (T::ZERO, T::ONE);
        let (h2t, h2m) = (T::HALF / self.tau, T::HALF / self.t_m);
        Ok(Chain {
            osc,
            j: [
                [o, z, z, z],
                [z, o, z, z],
                [z, z, z, z],
                [z, z, -(w * h2t), -(w * h2m)],
                [z, z, zeta * h2t, -(zeta * h2m)],
            ],
        })
    }

    reparam_methods!(4);
}

/// The reward curve of the hyperparameter set (docs/model.md A.2, A.6); the optimizer's hyperparameters
/// themselves are `stability::Hyper`. Parameters `(r_star, r0, k)` (`k` = the curvature `K`)
/// at fixed learning rate `eta`, momentum `mu` and lag `kref` (`d`), `v0 = 0`:
/// `m = (1 + mu + eta K d^2)/2`, `gamma = (1 - mu) - eta K d`, stiffness `eta K`,
/// `omega = sqrt(eta K / m)`, `zeta = gamma / (2 sqrt(m eta K))`. Gradient order `(r_star, r0, K)`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HyperCurve<T> {
    /// Plateau.
    pub r_star: T,
    /// Initial value.
    pub r0: T,
    /// Curvature scale `K > 0`.
    pub k: T,
    /// Learning rate `eta > 0`.
    pub eta: T,
    /// Momentum `0 <= mu < 1`.
    pub mu: T,
    /// Lag / refresh interval `kref >= 0` (steps).
    pub kref: T,
}

impl<T: Real> HyperCurve<T> {
    /// Validated: finite, `K > 0`, `eta > 0`, `0 <= mu < 1`, `kref >= 0`, and a lag that leaves
    /// the damping `gamma = (1 - mu) - eta K kref` non-negative (else an error about `kref`).
    pub fn new(r_star: T, r0: T, k: T, eta: T, mu: T, kref: T) -> Result<Self> {
        let s = HyperCurve {
            r_star,
            r0,
            k,
            eta,
            mu,
            kref,
        };
        s.chain()?;
        Ok(s)
    }

    /// `(m, gamma, stiffness)` of docs/model.md A.2.
    pub fn mass_damping_stiffness(&self) -> Result<(T, T, T)> {
        check::positive(self.k, Param::K)?;
        check::positive(self.eta, Param::Eta)?;
        check::half_open(self.mu, T::ZERO, T::ONE, Param::Mu)?;
        let d = check::non_negative(self.kref, Param::Kref)?;
        let a = check::positive(self.eta * self.k, Param::K)?;
        let m = check::finite((T::ONE + self.mu + a * d * d) * T::HALF, Param::Kref)?;
        let gamma = check::finite((T::ONE - self.mu) - a * d, Param::Kref)?;
        Ok((m, gamma, a))
    }

    pub(crate) fn chain(&self) -> Result<Chain<T, 3>> {
        let (m, gamma, a) = self.mass_damping_stiffness()?;
        if gamma < T::ZERO {
            return Err(Error::out_of_range(Param::Kref));
        }
        let d = self.kref;
        let sma = (m * a).sqrt();
        let w = (a / m).sqrt();
        let zeta = gamma / (T::TWO * sma);
        let osc = Oscillator::new(self.r_star, self.r0, T::ZERO, w, zeta)
            .map_err(|e| Error::new(e.kind(), Param::K))?;
        // dm/dK = eta d^2/2, dgamma/dK = -eta d, d(eta K)/dK = eta
        let dm = self.eta * d * d * T::HALF;
        let dw = (self.eta / m) * (T::ONE - self.k * dm / m) / (T::TWO * w);
        let dz = -(self.eta * d) / (T::TWO * sma) - zeta * T::HALF * (dm / m + T::ONE / self.k);
        let (z, o) = (T::ZERO, T::ONE);
        Ok(Chain {
            osc,
            j: [[o, z, z], [z, o, z], [z, z, z], [z, z, dw], [z, z, dz]],
        })
    }

    reparam_methods!(3);
}

/// The saturation law of docs/model.md B.2,
/// `R(t; N, R0) = r_inf - (r_inf - R0) exp(-(t/tau1) (N/n1)^alpha)`:
/// plateau `r_inf` = fixed point, timescale `tau(N) = tau1 (N/n1)^(-alpha)` = inverse stiffness,
/// size exponent `alpha` = curvature-scaling exponent (`k(N) = k1 (N/n1)^alpha`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SaturationLaw<T> {
    /// Plateau `R_inf`.
    pub r_inf: T,
    /// Timescale at the reference size, `tau1 > 0`.
    pub tau1: T,
    /// Size exponent `alpha`.
    pub alpha: T,
    /// Reference model size `n1 > 0`.
    pub n1: T,
}

impl<T: Real> SaturationLaw<T> {
    /// Validated: finite, `tau1 > 0`, `n1 > 0`.
    pub fn new(r_inf: T, tau1: T, alpha: T, n1: T) -> Result<Self> {
        let s = SaturationLaw {
            r_inf,
            tau1,
            alpha,
            n1,
        };
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<()> {
        check::finite(self.r_inf, Param::RInf)?;
        check::positive(self.tau1, Param::Tau1)?;
        check::finite(self.alpha, Param::Alpha)?;
        check::positive(self.n1, Param::N1)?;
        Ok(())
    }

    /// Curvature factor `k(N)/k1 = (N/n1)^alpha`.
    pub fn stiffness_factor(&self, n: T) -> Result<T> {
        self.validate()?;
        check::positive(n, Param::ModelSize)?;
        check::positive((n / self.n1).powf(self.alpha), Param::ModelSize)
    }

    /// Timescale at size `N`: `tau(N) = tau1 (N/n1)^(-alpha)`.
    pub fn tau(&self, n: T) -> Result<T> {
        let f = self.stiffness_factor(n)?;
        check::positive(self.tau1 / f, Param::ModelSize)
    }

    /// The law at size `N` from initial value `r0` as an [`Exponential`].
    pub fn to_exponential(&self, n: T, r0: T) -> Result<Exponential<T>> {
        Exponential::new(self.r_inf, r0, self.tau(n)?)
    }

    /// `R(t; N, r0)`.
    pub fn value(&self, t: T, n: T, r0: T) -> Result<T> {
        self.to_exponential(n, r0)?.value(t)
    }

    /// The exact oscillator form of the law at size `N` (see [`Exponential`]: critical, `omega =
    /// 1/tau(N)`, `v0 = (r_inf - r0)/tau(N)`), identical values.
    pub fn to_oscillator(&self, n: T, r0: T) -> Result<Oscillator<T>> {
        self.to_exponential(n, r0)?.to_oscillator()
    }

    /// The inertial extension at size `N` (docs/model.md B.1/B.2): same fixed point and inverse stiffness
    /// `tau(N)`, plus an inertial delay `t_m = m/gamma` (slow start, `v0 = 0`); tends to the law as
    /// `t_m -> 0`.
    pub fn to_overdamped(&self, n: T, r0: T, t_m: T) -> Result<Overdamped<T>> {
        Overdamped::new(self.r_inf, r0, self.tau(n)?, t_m)
    }

    /// The law whose curve at size `N` is `e`, for a given exponent and reference size:
    /// `r_inf = plateau`, `tau1 = tau (N/n1)^alpha` (exact inverse of [`Self::to_exponential`]).
    pub fn from_exponential(e: &Exponential<T>, n: T, alpha: T, n1: T) -> Result<Self> {
        e.chain()?;
        Self::from_timescale(e.plateau, e.tau, n, alpha, n1)
    }

    /// The law from an oscillator at size `N`: `r_inf = r_star` and `tau(N) = 1/lambda_slow`, the
    /// timescale of the asymptotic approach ([`Oscillator::slow_rate`]). Exact inverse of
    /// [`Self::to_oscillator`]; for the inertial form use [`Self::from_overdamped`], which keeps the
    /// physical `tau = gamma/k`. Requires `zeta > 0`.
    pub fn from_oscillator(o: &Oscillator<T>, n: T, alpha: T, n1: T) -> Result<Self> {
        let rate = check::positive(o.slow_rate()?, Param::Zeta)?;
        let tau = check::positive(T::ONE / rate, Param::Zeta)?;
        Self::from_timescale(o.r_star, tau, n, alpha, n1)
    }

    /// The law from the overdamped-physical set at size `N`: `r_inf = r_star`, `tau(N) = tau`
    /// (the inertia `t_m` is dropped; exact inverse of [`Self::to_overdamped`]).
    pub fn from_overdamped(o: &Overdamped<T>, n: T, alpha: T, n1: T) -> Result<Self> {
        o.chain()?;
        Self::from_timescale(o.r_star, o.tau, n, alpha, n1)
    }

    fn from_timescale(r_inf: T, tau: T, n: T, alpha: T, n1: T) -> Result<Self> {
        let unit = SaturationLaw::new(r_inf, tau, alpha, n1)?;
        let f = unit.stiffness_factor(n)?;
        SaturationLaw::new(
            r_inf,
            check::positive(tau * f, Param::ModelSize)?,
            alpha,
            n1,
        )
    }
}
