//! The reduced softmax bandit: the heavy-ball GRPO map on a binary-reward softmax bandit, reduced
//! exactly to one logit (docs/model.md C.1 - C.5, D.1).
//!
//! State: the logit `x` (success probability `p = sigma(x)`) and the momentum buffer `u`:
//!
//! ```text
//! u_{k+1} = mu u_k + g_k,   x_{k+1} = x_k + eta u_{k+1},   x_0 = x_ref = logit(p_ref),  u_0 = 0
//! j(k) = max(k - kref, 0)            (Lag::Constant; kref = 0 is on-policy)
//!      = kref * floor(k / kref)      (Lag::Periodic; kref >= 1, kref = 1 is on-policy)
//! g_k  = F(x_{j(k)})                 (mean field, group size G -> infinity)
//! F(x) = c [ A(v) - beta KLterm(x) ],   v = p (1 - p)
//! A(v) = v (Normalization::Mean)  |  v / sqrt(v + eps) (Normalization::Std)
//! KLterm(x) = v (x - x_ref) (Kl::Direct)  |  sigma(x) - p_ref (Kl::Reverse)
//! ```
//!
//! At finite group size `G` the drift is replaced by the reduced group estimator
//! `g = c [ a_hat(n) - beta KLterm(x_old) ]` with `n ~ Binomial(G, p_old)` successes,
//! `q = n / G`, `S2 = q (1 - q)` (times `G / (G - 1)` with the Bessel correction),
//! `a_hat = S2` (mean) or `S2 / sqrt(S2 + eps)` (std, 0 for a degenerate group).
//!
//! Everything is allocation-free: trajectories are written into caller slices; the lagged logits
//! are read back from the same slice (it holds logits while the map runs and is converted to
//! probabilities at the end), so any `kref` works without a history buffer.

use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::numerics::rng::{binomial, binomial_moments, Rng};
use crate::numerics::roots::scan_root;
use crate::real::{c, Real};

/// Advantage normalisation of the group estimator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Normalization {
    /// Group-mean baseline only: `A = R - p` (mean-field `A(v) = v`).
    Mean,
    /// GRPO mean/std normalisation: `A = (R - p) / sqrt(p (1 - p) + eps)`.
    Std,
}

/// Which KL gradient regularises the update.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Kl {
    /// `grad KL(pi || pi_ref)`; reduced term `v (x - x_ref)`.
    Direct,
    /// `grad KL(pi_ref || pi) = pi - pi_ref` (the k3 estimator at ratio 1); reduced term `p - p_ref`.
    Reverse,
}

/// Which old policy the batch is sampled from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Lag {
    /// `theta_old(k) = theta_{max(k - kref, 0)}`; `kref = 0` is on-policy.
    Constant,
    /// `theta_old(k) = theta_{kref floor(k / kref)}` (refresh every `kref` steps, `kref >= 1`).
    Periodic,
}

/// The reduced softmax bandit (docs/model.md C.2). Build with [`Bandit::new`] or fill the public fields;
/// every method validates the configuration first.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Bandit<T: Real = f64> {
    /// Learning rate `eta > 0`.
    pub eta: T,
    /// Momentum `mu` in `[0, 1)`.
    pub mu: T,
    /// KL coefficient `beta > 0`.
    pub beta: T,
    /// Reference success probability `p_ref` in `(0, 1)`; the run starts at `x_ref = logit(p_ref)`.
    pub p_ref: T,
    /// Logit gain `c > 0` (`1/n_C + 1/n_W` for `n_C` rewarded and `n_W` unrewarded arms).
    pub c: T,
    /// Advantage regulariser `eps >= 0` (used by `Normalization::Std`).
    pub eps: T,
    /// Refresh interval / lag (`>= 1` for `Lag::Periodic`).
    pub kref: u32,
    /// Advantage normalisation.
    pub normalization: Normalization,
    /// KL direction.
    pub kl: Kl,
    /// Lag mode.
    pub lag: Lag,
}

/// The fixed point of the mean-field drift (`F(x_star) = 0`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FixedPoint<T: Real = f64> {
    /// Logit `x_star`.
    pub x: T,
    /// Success probability `p_star = sigma(x_star)`.
    pub p: T,
}

/// Finite-group-size mean-field quantities at the finite-G fixed point (docs/model.md D.1, D.2).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FiniteGroup<T: Real = f64> {
    /// Group size `G`.
    pub g: u32,
    /// Fixed point of the expected finite-G drift `F_G`.
    pub fixed_point: FixedPoint<T>,
    /// Stiffness `K_G = -F_G'(x_star_G)`.
    pub stiffness: T,
    /// `E[a_hat]` at `p_star_G`.
    pub adv_mean: T,
    /// `Var[a_hat]` at `p_star_G`.
    pub adv_var: T,
    /// Per-step variance of the drift estimate `Var[g] = c^2 Var[a_hat]` (`= sigma_1^2 / G`).
    pub drift_var: T,
}

/// The drift with its constants resolved once (`x_ref` needs a logarithm).
#[derive(Clone, Copy, Debug)]
struct Drift<T: Real> {
    c: T,
    beta: T,
    eps: T,
    x_ref: T,
    p_ref: T,
    norm: Normalization,
    kl: Kl,
}

/// Logistic function `1 / (1 + e^-x)` without overflow.
#[inline]
pub fn sigmoid<T: Real>(x: T) -> T {
    if x >= T::ZERO {
        T::ONE / (T::ONE + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::ONE + e)
    }
}

/// `v(x) = sigma(x) (1 - sigma(x)) = e^-|x| / (1 + e^-|x|)^2` (no cancellation for large `|x|`).
#[inline]
pub fn pvar<T: Real>(x: T) -> T {
    let e = (-x.abs()).exp();
    let d = T::ONE + e;
    e / (d * d)
}

/// `logit(p) = ln(p / (1 - p))`.
#[inline]
pub fn logit<T: Real>(p: T) -> T {
    p.ln() - (-p).ln_1p()
}

impl<T: Real> Drift<T> {
    #[inline]
    fn adv(&self, v: T) -> T {
        match self.norm {
            Normalization::Mean => v,
            Normalization::Std => {
                let s = (v + self.eps).sqrt();
                if s > T::ZERO {
                    v / s
                } else {
                    T::ZERO
                }
            }
        }
    }
    /// `A'(v)`.
    #[inline]
    fn adv_prime(&self, v: T) -> T {
        match self.norm {
            Normalization::Mean => T::ONE,
            Normalization::Std => {
                let s = v + self.eps;
                (v * T::HALF + self.eps) / (s * s.sqrt())
            }
        }
    }
    #[inline]
    fn kl_term(&self, x: T) -> T {
        self.kl_term_v(x, pvar(x))
    }
    /// `KLterm(x)` with `v = pvar(x)` already computed.
    #[inline]
    fn kl_term_v(&self, x: T, v: T) -> T {
        match self.kl {
            Kl::Direct => v * (x - self.x_ref),
            Kl::Reverse => sigmoid(x) - self.p_ref,
        }
    }
    #[inline]
    fn kl_prime(&self, x: T) -> T {
        let v = pvar(x);
        match self.kl {
            Kl::Direct => v * (T::ONE - T::TWO * sigmoid(x)) * (x - self.x_ref) + v,
            Kl::Reverse => v,
        }
    }
    #[inline]
    fn f(&self, x: T) -> T {
        let v = pvar(x);
        self.c * (self.adv(v) - self.beta * self.kl_term_v(x, v))
    }
    #[inline]
    fn f_prime(&self, x: T) -> T {
        let v = pvar(x);
        let dv = v * (T::ONE - T::TWO * sigmoid(x));
        self.c * (self.adv_prime(v) * dv - self.beta * self.kl_prime(x))
    }
    /// The group estimator `a_hat(n)` for `n` successes out of `g`.
    #[inline]
    fn adv_hat(&self, n: u32, g: u32, bessel: bool) -> T {
        let gg = T::from_f64(g as f64);
        let q = T::from_f64(n as f64) / gg;
        let mut s2 = q * (T::ONE - q);
        if bessel {
            s2 = s2 * gg / (gg - T::ONE);
        }
        match self.norm {
            Normalization::Mean => s2,
            Normalization::Std => {
                if s2 > T::ZERO {
                    s2 / (s2 + self.eps).sqrt()
                } else {
                    T::ZERO
                }
            }
        }
    }
}

/// Span of the fixed-point scan `[x_ref, x_ref + SCAN_SPAN]` (docs/model.md C.4).
const SCAN_SPAN: f64 = 40.0;
/// Number of scan intervals (step 0.01).
const SCAN_STEPS: usize = 4000;
/// Logit magnitude beyond which a simulation counts as diverged (docs/model.md C.3).
const X_MAX: f64 = 700.0;

impl<T: Real> Bandit<T> {
    /// A validated bandit.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        eta: T,
        mu: T,
        beta: T,
        p_ref: T,
        c: T,
        eps: T,
        kref: u32,
        normalization: Normalization,
        kl: Kl,
        lag: Lag,
    ) -> Result<Self> {
        let b = Bandit {
            eta,
            mu,
            beta,
            p_ref,
            c,
            eps,
            kref,
            normalization,
            kl,
            lag,
        };
        b.validate()?;
        Ok(b)
    }

    /// Preset A of docs/model.md C.10 (GRPO std normalisation, hard prompt): `eta = 0.3`, `mu = 0.8`,
    /// `beta = 1`, `p_ref = sigma(-3)`, `c = 1/16`, `eps = 0`, direct KL, constant lag `kref`.
    pub fn preset_a(kref: u32) -> Self {
        Bandit {
            eta: c(0.30),
            mu: c(0.80),
            beta: T::ONE,
            p_ref: sigmoid(c(-3.0)),
            c: c(1.0 / 16.0),
            eps: T::ZERO,
            kref,
            normalization: Normalization::Std,
            kl: Kl::Direct,
            lag: Lag::Constant,
        }
    }

    /// Preset B of docs/model.md C.10 (group-mean centring): as preset A but mean normalisation,
    /// `p_ref = 1/2`, `c = 1/8`.
    pub fn preset_b(kref: u32) -> Self {
        Bandit {
            normalization: Normalization::Mean,
            p_ref: T::HALF,
            c: c(1.0 / 8.0),
            ..Self::preset_a(kref)
        }
    }

    /// Check every field: `eta > 0`, `0 <= mu < 1`, `beta > 0`, `0 < p_ref < 1`, `c > 0`,
    /// `eps >= 0`, all finite; `kref >= 1` for periodic refresh.
    pub fn validate(&self) -> Result<()> {
        check::positive(self.eta, Param::Eta)?;
        check::half_open(self.mu, T::ZERO, T::ONE, Param::Mu)?;
        check::positive(self.beta, Param::Beta)?;
        check::open(self.p_ref, T::ZERO, T::ONE, Param::PRef)?;
        check::positive(self.c, Param::C)?;
        check::non_negative(self.eps, Param::Eps)?;
        if self.lag == Lag::Periodic && self.kref == 0 {
            return Err(Error::out_of_range(Param::Kref));
        }
        Ok(())
    }

    fn drift_core(&self) -> Result<Drift<T>> {
        self.validate()?;
        Ok(Drift {
            c: self.c,
            beta: self.beta,
            eps: self.eps,
            x_ref: logit(self.p_ref),
            p_ref: self.p_ref,
            norm: self.normalization,
            kl: self.kl,
        })
    }

    /// `x_ref = logit(p_ref)`, the starting logit.
    pub fn x_ref(&self) -> Result<T> {
        Ok(self.drift_core()?.x_ref)
    }

    /// Mean-field drift `F(x)`.
    pub fn drift(&self, x: T) -> Result<T> {
        check::finite(x, Param::None)?;
        Ok(self.drift_core()?.f(x))
    }

    /// Its derivative `F'(x) = c [ A'(v) v (1 - 2p) - beta KLterm'(x) ]` (docs/model.md C.5).
    pub fn drift_prime(&self, x: T) -> Result<T> {
        check::finite(x, Param::None)?;
        Ok(self.drift_core()?.f_prime(x))
    }

    /// The old-policy index `j(k)` of step `k`.
    #[inline]
    pub fn lag_index(&self, k: usize) -> usize {
        let d = self.kref as usize;
        match self.lag {
            Lag::Constant => k.saturating_sub(d),
            Lag::Periodic => {
                if d == 0 {
                    k
                } else {
                    d * (k / d)
                }
            }
        }
    }

    /// The fixed point of `F` reached from `x_ref` (docs/model.md C.4): closed form `x_ref + 1/beta` for
    /// mean + direct; otherwise the first sign change `+ -> -` of `F` on `[x_ref, x_ref + 40]`
    /// (scan step 0.01), refined by Brent. `NotReached` (param `beta`) when there is none (e.g. std
    /// normalisation with `eps = 0` and a too easy reference: the policy runs away to `p = 1`).
    pub fn fixed_point(&self) -> Result<FixedPoint<T>> {
        let d = self.drift_core()?;
        let x = match (self.normalization, self.kl) {
            (Normalization::Mean, Kl::Direct) => d.x_ref + T::ONE / self.beta,
            _ => scan_root(|x| d.f(x), d.x_ref, SCAN_SPAN, SCAN_STEPS, Param::Beta)?,
        };
        Ok(FixedPoint { x, p: sigmoid(x) })
    }

    /// Stiffness `K = -F'(x_star)` by the closed forms of docs/model.md C.5: `c beta v` (mean + direct),
    /// `c [beta v + v^2 (1 - 2p) / (2 (v + eps)^{3/2})]` (std + direct), `-F'(x_star)` (reverse).
    pub fn stiffness(&self) -> Result<T> {
        let d = self.drift_core()?;
        let fp = self.fixed_point()?;
        let p = fp.p;
        let v = pvar(fp.x);
        let k = match (self.kl, self.normalization) {
            (Kl::Direct, Normalization::Mean) => self.c * self.beta * v,
            (Kl::Direct, Normalization::Std) => {
                let s = v + self.eps;
                self.c * (self.beta * v + v * v * (T::ONE - T::TWO * p) / (T::TWO * s * s.sqrt()))
            }
            (Kl::Reverse, _) => -d.f_prime(fp.x),
        };
        check::result(k, Param::K)
    }

    /// Independent measurement of `K` (docs/model.md C.5): start at `x_star + delta`, iterate the
    /// momentum-free on-policy map `x <- x + eta_probe F(x)` `n` times and return
    /// `(1 - (|e_n| / |e_0|)^{1/n}) / eta_probe`. The measurement protocol of docs/model.md C.5 is
    /// `(eta_probe, n, delta) = (0.01, 400, 1e-4)`.
    pub fn measure_stiffness(&self, eta_probe: T, n: u32, delta: T) -> Result<T> {
        check::positive(eta_probe, Param::Eta)?;
        check::positive(delta, Param::None)?;
        if n == 0 {
            return Err(Error::out_of_range(Param::N));
        }
        let d = self.drift_core()?;
        let xs = self.fixed_point()?.x;
        let mut x = xs + delta;
        for _ in 0..n {
            x += eta_probe * d.f(x);
        }
        let ratio = (x - xs).abs() / delta;
        let k = (T::ONE - ratio.powf(T::ONE / T::from_f64(n as f64))) / eta_probe;
        check::result(k, Param::K)
    }

    /// Residual of Mroueh's fixed-point equation at `p_star` (docs/model.md C.4):
    /// `logit p_star - logit p_ref - 1/(beta sqrt(p_star (1 - p_star) + eps))` (std) or
    /// `... - 1/beta` (mean). Meaningful for the direct KL.
    pub fn mroueh_residual(&self) -> Result<T> {
        let d = self.drift_core()?;
        let fp = self.fixed_point()?;
        let rhs = match self.normalization {
            Normalization::Mean => T::ONE / self.beta,
            Normalization::Std => T::ONE / (self.beta * (pvar(fp.x) + self.eps).sqrt()),
        };
        Ok(fp.x - d.x_ref - rhs)
    }

    /// Run the heavy-ball map with per-step drift `g(x_old)`, writing logits into `x_out`
    /// (`x_out.len() - 1` steps). On divergence the rest is NaN and `Diverged` (param `steps`)
    /// is returned.
    fn run<F: FnMut(T) -> T>(&self, x_ref: T, x_out: &mut [T], mut g: F) -> Result<()> {
        check::non_empty(x_out, Param::Steps)?;
        let (eta, mu) = (self.eta, self.mu);
        let x_max = c::<T>(X_MAX);
        let mut u = T::ZERO;
        let mut x = x_ref;
        let n = x_out.len();
        if let Some(first) = x_out.first_mut() {
            *first = x;
        }
        for k in 0..n - 1 {
            let xo = x_out.get(self.lag_index(k)).copied().unwrap_or(T::NAN);
            u = mu * u + g(xo);
            x += eta * u;
            if !x.is_finite() || x.abs() > x_max {
                for v in x_out.iter_mut().skip(k + 1) {
                    *v = T::NAN;
                }
                return Err(Error::new(ErrorKind::Diverged, Param::Steps));
            }
            if let Some(slot) = x_out.get_mut(k + 1) {
                *slot = x;
            }
        }
        Ok(())
    }

    /// Deterministic (mean-field) trajectory of the logit: `x_out[k] = x_k`, `k = 0..len-1`.
    /// Divergence (`|x| > 700` or non-finite) gives `Diverged` (param `steps`) with the valid
    /// prefix kept and NaN after it.
    pub fn simulate_logit(&self, x_out: &mut [T]) -> Result<()> {
        let d = self.drift_core()?;
        self.run(d.x_ref, x_out, |x| d.f(x))
    }

    /// Deterministic (mean-field) trajectory `p_out[k] = p_k = sigma(x_k)`, `k = 0..len-1`
    /// (`len - 1` steps; docs/model.md C.3). Divergence as in [`Bandit::simulate_logit`].
    pub fn simulate(&self, p_out: &mut [T]) -> Result<()> {
        let r = self.simulate_logit(p_out);
        to_probability(p_out);
        r
    }

    /// Finite-G stochastic trajectory `p_out[k]` with `n ~ Binomial(G, p_old)` drawn from `rng`
    /// (docs/model.md C.3; `bessel` multiplies the group variance by `G / (G - 1)`). `G >= 2`.
    pub fn simulate_stochastic<R: Rng + ?Sized>(
        &self,
        g: u32,
        bessel: bool,
        rng: &mut R,
        p_out: &mut [T],
    ) -> Result<()> {
        check_group(g)?;
        let d = self.drift_core()?;
        let r = self.run(d.x_ref, p_out, |xo| {
            let n = binomial(rng, g, sigmoid(xo).to_f64());
            d.c * (d.adv_hat(n, g, bessel) - d.beta * d.kl_term(xo))
        });
        to_probability(p_out);
        r
    }

    /// Exact finite-G moments of the group estimator at success probability `p`:
    /// `(E[a_hat], Var[a_hat], Cov[a_hat, n])`, `n ~ Binomial(G, p)` (finite sum).
    pub fn adv_moments(&self, p: T, g: u32, bessel: bool) -> Result<(T, T, T)> {
        check_group(g)?;
        if !(p >= T::ZERO && p <= T::ONE) {
            return Err(if p.is_finite() {
                Error::out_of_range(Param::P)
            } else {
                Error::non_finite(Param::P)
            });
        }
        let d = self.drift_core()?;
        Ok(binomial_moments(g, p, |n| d.adv_hat(n, g, bessel)))
    }

    /// Expected finite-G drift `F_G(x) = c [ E[a_hat] - beta KLterm(x) ]` (docs/model.md D.1).
    pub fn drift_finite_g(&self, x: T, g: u32, bessel: bool) -> Result<T> {
        check::finite(x, Param::None)?;
        check_group(g)?;
        let d = self.drift_core()?;
        Ok(finite_g_drift(&d, x, g, bessel).0)
    }

    /// Finite-G fixed point, stiffness `K_G = -F_G'(x_star_G)` (exact:
    /// `d/dx E[a_hat] = Cov[a_hat, n]`) and per-step drift noise (docs/model.md D.1, D.2). The fixed point
    /// is the first sign change of `F_G` from `x_ref` (scan + Brent, as for `F`).
    pub fn finite_group(&self, g: u32, bessel: bool) -> Result<FiniteGroup<T>> {
        check_group(g)?;
        let d = self.drift_core()?;
        let x = scan_root(
            |x| finite_g_drift(&d, x, g, bessel).0,
            d.x_ref,
            SCAN_SPAN,
            SCAN_STEPS,
            Param::G,
        )?;
        let (_, slope) = finite_g_drift(&d, x, g, bessel);
        let p = sigmoid(x);
        let (m, var, _) = binomial_moments(g, p, |n| d.adv_hat(n, g, bessel));
        Ok(FiniteGroup {
            g,
            fixed_point: FixedPoint { x, p },
            stiffness: check::result(-slope, Param::K)?,
            adv_mean: m,
            adv_var: var,
            drift_var: d.c * d.c * var,
        })
    }
}

/// `(F_G(x), F_G'(x))`.
fn finite_g_drift<T: Real>(d: &Drift<T>, x: T, g: u32, bessel: bool) -> (T, T) {
    let (m, _, cov) = binomial_moments(g, sigmoid(x), |n| d.adv_hat(n, g, bessel));
    (
        d.c * (m - d.beta * d.kl_term(x)),
        d.c * (cov - d.beta * d.kl_prime(x)),
    )
}

fn check_group(g: u32) -> Result<()> {
    if g < 2 {
        Err(Error::out_of_range(Param::G))
    } else {
        Ok(())
    }
}

fn to_probability<T: Real>(xs: &mut [T]) {
    for v in xs.iter_mut() {
        *v = sigmoid(*v);
    }
}
