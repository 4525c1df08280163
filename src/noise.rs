//! Group-size predictions (docs/model.md D.2, E2): stationary fluctuations at group size `G`, the predicted
//! band, and the advantage-degeneracy probability.
//!
//! At finite `G` the drift estimate has per-step variance `Var[g] = c^2 Var[a_hat] = sigma_1^2 / G`
//! (exact binomial sum, [`crate::bandit::Bandit::finite_group`]). Linearised at the finite-G fixed
//! point with `a = eta K_G`, the logit is a linear filter of white noise of variance `eta^2 Var[g]`:
//!
//! ```text
//! Var_stat(x) = eta^2 Var[g] sum_{j>=0} h_j^2,   h = impulse response of
//!               y_{k+1} = y_k + mu (y_k - y_{k-1}) - a y_{k-Kref}
//! Kref = 0 (AR(2)):  Var_stat(x) = eta^2 Var[g] (1 + mu) / (a (1 - mu) (2 (1 + mu) - a))
//! Var_stat(p) = (p_G (1 - p_G))^2 Var_stat(x)          (delta method)
//! ```
//!
//! Hence variance is proportional to `1/G` (band half-width to `1/sqrt(G)`).

use crate::bandit::{Bandit, FiniteGroup, Lag};
use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::real::{c, Real};
use crate::stability::{Hyper, MAX_EXACT_LAG};

/// Stationary fluctuation prediction for one bandit at group size `G` (docs/model.md D.2).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GroupNoise<T: Real = f64> {
    /// Finite-G fixed point, stiffness and drift noise.
    pub group: FiniteGroup<T>,
    /// Stationary variance of the logit `x`.
    pub var_x: T,
    /// Stationary variance of `p` (delta method).
    pub var_p: T,
    /// Probability that a group is degenerate at `p_star_G`: `p^G + (1 - p)^G`.
    pub degeneracy: T,
}

/// Most steps [`impulse_energy`] runs (about 50 ms): the bound on its work.
pub const MAX_IMPULSE_STEPS: usize = 1 << 21;

/// Sum of squares of the impulse response `h` of the constant-lag linearised map
/// `y_{k+1} = y_k + mu (y_k - y_{k-1}) - a y_{k-kref}` (`h_0 = 1`, zero history), for
/// `kref <= MAX_EXACT_LAG` (fixed ring buffer on the stack). Iterates until a block of
/// `8 (kref + 1) + 64` steps adds less than `EPSILON / 10` relative; `Diverged` (param `kref`) if
/// the map is not stable (`kref >= d_c`), `NotReached` (param `kref`) after
/// [`MAX_IMPULSE_STEPS`] steps (a map so close to marginal stability that its impulse response
/// has not decayed: spectral radius above about `1 - 2e-5`).
pub fn impulse_energy<T: Real>(h: &Hyper<T>, kref: u32) -> Result<T> {
    let a = h.a()?;
    if kref > MAX_EXACT_LAG {
        return Err(Error::new(ErrorKind::CapacityExceeded, Param::Kref));
    }
    if T::from_f64(kref as f64) >= h.critical_lag()? {
        return Err(Error::new(ErrorKind::Diverged, Param::Kref));
    }
    const CAP: usize = MAX_EXACT_LAG as usize + 1;
    let len = kref as usize + 1;
    let mut ring = [T::ZERO; CAP];
    let ring = ring
        .get_mut(..len)
        .ok_or(Error::new(ErrorKind::CapacityExceeded, Param::Kref))?;
    let mu = h.mu;
    let mut yk = T::ONE;
    let mut ykm1 = T::ZERO;
    if let Some(r0) = ring.first_mut() {
        *r0 = yk;
    }
    let mut sum = T::ONE;
    let block = 8 * len + 64;
    let tol = T::EPSILON * c(0.1);
    let mut k = 0usize;
    while k < MAX_IMPULSE_STEPS {
        let mut block_sum = T::ZERO;
        for _ in 0..block {
            let slot = (k + 1) % len;
            let ylag = ring.get(slot).copied().unwrap_or(T::ZERO);
            let yn = yk + mu * (yk - ykm1) - a * ylag;
            if let Some(r) = ring.get_mut(slot) {
                *r = yn;
            }
            ykm1 = yk;
            yk = yn;
            block_sum += yn * yn;
            k += 1;
        }
        sum += block_sum;
        if !sum.is_finite() {
            return Err(Error::new(ErrorKind::Diverged, Param::Kref));
        }
        if block_sum <= tol * sum {
            return Ok(sum);
        }
    }
    Err(Error::new(ErrorKind::NotReached, Param::Kref))
}

/// Stationary `Var(x)` of the linearised constant-lag map driven by per-step drift noise of
/// variance `drift_var` (`= Var[g]`): the AR(2) closed form for `kref = 0`, `eta^2 drift_var
/// sum h_j^2` otherwise. `Diverged` when the map is unstable.
pub fn stationary_var_x<T: Real>(h: &Hyper<T>, kref: u32, drift_var: T) -> Result<T> {
    let a = h.a()?;
    check::non_negative(drift_var, Param::None)?;
    let eta2 = h.eta * h.eta;
    let v = if kref == 0 {
        let mu = h.mu;
        let den = a * (T::ONE - mu) * (T::TWO * (T::ONE + mu) - a);
        if den <= T::ZERO || den.is_nan() {
            return Err(Error::new(ErrorKind::Diverged, Param::Kref));
        }
        eta2 * drift_var * (T::ONE + mu) / den
    } else {
        eta2 * drift_var * impulse_energy(h, kref)?
    };
    check::result(v, Param::None)
}

/// Full stationary prediction for `bandit` at group size `g` (`>= 2`), optional Bessel
/// correction: finite-G fixed point and stiffness `K_G`, `Var(x)`, `Var(p)`, degeneracy.
/// Constant lag only (`OutOfRange`, param `lag`, for periodic refresh).
pub fn group_noise<T: Real>(bandit: &Bandit<T>, g: u32, bessel: bool) -> Result<GroupNoise<T>> {
    bandit.validate()?;
    if bandit.lag != Lag::Constant {
        return Err(Error::out_of_range(Param::Lag));
    }
    let group = bandit.finite_group(g, bessel)?;
    let h = Hyper::new(bandit.eta, bandit.mu, group.stiffness)?;
    let var_x = stationary_var_x(&h, bandit.kref, group.drift_var)?;
    let p = group.fixed_point.p;
    let v = p * (T::ONE - p);
    Ok(GroupNoise {
        group,
        var_x,
        var_p: v * v * var_x,
        degeneracy: degeneracy(p, g)?,
    })
}

/// The band `(p_det - z sqrt(var_p), p_det + z sqrt(var_p))` (not clamped).
pub fn band<T: Real>(p_det: T, var_p: T, z: T) -> Result<(T, T)> {
    check::finite(p_det, Param::P)?;
    check::non_negative(var_p, Param::None)?;
    check::non_negative(z, Param::Z)?;
    let w = z * var_p.sqrt();
    Ok((p_det - w, p_det + w))
}

/// The band around a whole deterministic path: `lo[k], hi[k] = p_det[k] -+ z sqrt(var_p)`.
/// All three slices must have the same length; nothing is written on error.
pub fn band_into<T: Real>(p_det: &[T], var_p: T, z: T, lo: &mut [T], hi: &mut [T]) -> Result<()> {
    check::all_finite(p_det, Param::P)?;
    check::same_len(p_det, lo, Param::Output)?;
    check::same_len(p_det, hi, Param::Output)?;
    band(T::ZERO, var_p, z)?;
    let w = z * var_p.sqrt();
    for ((p, l), h) in p_det.iter().zip(lo.iter_mut()).zip(hi.iter_mut()) {
        *l = *p - w;
        *h = *p + w;
    }
    Ok(())
}

/// Band half-width at group size `g` from one measured at `g0` (same prompts per step):
/// `width(g) = width(g0) sqrt(g0 / g)`.
pub fn rescale_band<T: Real>(width_g0: T, g0: u32, g: u32) -> Result<T> {
    check::non_negative(width_g0, Param::None)?;
    if g0 < 2 || g < 2 {
        return Err(Error::out_of_range(Param::G));
    }
    Ok(width_g0 * (T::from_f64(g0 as f64) / T::from_f64(g as f64)).sqrt())
}

/// Probability that a group of `g` binary rewards is degenerate (all equal): `p^G + (1 - p)^G`.
pub fn degeneracy<T: Real>(p: T, g: u32) -> Result<T> {
    check::finite(p, Param::P)?;
    if !(p >= T::ZERO && p <= T::ONE) {
        return Err(Error::out_of_range(Param::P));
    }
    if g < 2 {
        return Err(Error::out_of_range(Param::G));
    }
    let gg = T::from_f64(g as f64);
    Ok(p.powf(gg) + (T::ONE - p).powf(gg))
}

/// Heterogeneous prompts: `mean_q [p_q^G + (1 - p_q)^G]` (`>= degeneracy(mean p)` by convexity).
pub fn degeneracy_heterogeneous<T: Real>(ps: &[T], g: u32) -> Result<T> {
    check::non_empty(ps, Param::P)?;
    let mut s = T::ZERO;
    for &p in ps {
        s += degeneracy(p, g)?;
    }
    Ok(s / T::from_usize(ps.len()))
}

/// Largest constant lag the transient covariance propagation handles (the covariance of the
/// `max(kref, 1) + 1` lagged logits lives on the stack).
pub const MAX_TRANSIENT_LAG: u32 = 31;

/// Transient band (docs/model.md D.2, optional part): the deterministic path `p_out[k]` and the variance
/// `var_p_out[k]` of `p_k` at group size `g`, by propagating the covariance of the linearised
/// time-varying map along the deterministic path,
///
/// ```text
/// y_{k+1} = (1 + mu) y_k - mu y_{k-1} + eta F'(x_{j(k)}) y_{j(k)} + eta xi_k,
/// Var[xi_k] = c^2 Var[a_hat](p_{j(k)})   (exact binomial sum),
/// Sigma_{k+1} = A_k Sigma_k A_k^T + eta^2 Var[xi_k] b b^T,
/// ```
///
/// starting from `Sigma_0 = 0`, then `Var(p_k) = (p_k (1 - p_k))^2 Var(x_k)` (delta method). The
/// band is `p_out[k] -+ z sqrt(var_p_out[k])` ([`band`]). Constant lag, `kref <= MAX_TRANSIENT_LAG`
/// (`CapacityExceeded`); both slices of the same length (`LengthMismatch`, param `out`).
/// Divergence of the deterministic path, or a variance that is not finite, gives `Diverged`
/// (param `steps`). The outputs are written only on success: the path is computed twice, once
/// to validate it and once to write it (the logit history lives in a ring on the stack).
/// Cost: `O(len (kref + 2)^2)` plus one binomial expectation per step, independent of `g`.
pub fn transient_variance<T: Real>(
    bandit: &Bandit<T>,
    g: u32,
    bessel: bool,
    p_out: &mut [T],
    var_p_out: &mut [T],
) -> Result<()> {
    bandit.validate()?;
    if bandit.lag != Lag::Constant {
        return Err(Error::out_of_range(Param::Lag));
    }
    if bandit.kref > MAX_TRANSIENT_LAG {
        return Err(Error::new(ErrorKind::CapacityExceeded, Param::Kref));
    }
    if g < 2 {
        return Err(Error::out_of_range(Param::G));
    }
    check::non_empty(p_out, Param::Steps)?;
    check::same_len(p_out, var_p_out, Param::Output)?;
    let n = p_out.len();
    transient_walk(bandit, g, bessel, n, |_, _, _| {})?;
    transient_walk(bandit, g, bessel, n, |k, p, v| {
        if let (Some(po), Some(vo)) = (p_out.get_mut(k), var_p_out.get_mut(k)) {
            *po = p;
            *vo = v;
        }
    })
}

/// The transient band point by point: `emit(k, p_k, Var(p_k))` for `k = 0..n`, in order.
/// Stops with `Diverged` (param `steps`) at the first non-finite or runaway (`|x| > 700`) logit
/// or non-finite variance, before emitting that point.
fn transient_walk<T: Real, E: FnMut(usize, T, T)>(
    bandit: &Bandit<T>,
    g: u32,
    bessel: bool,
    n: usize,
    mut emit: E,
) -> Result<()> {
    const N: usize = MAX_TRANSIENT_LAG as usize + 2;
    let diverged = Error::new(ErrorKind::Diverged, Param::Steps);
    let d = bandit.kref as usize;
    let nw = core::cmp::max(d, 1) + 1;
    let (eta, mu, cg) = (bandit.eta, bandit.mu, bandit.c);
    let x_max = c::<T>(700.0);
    // hist[i] = x_{k - i} (logits of the deterministic path, newest first)
    let mut hist = [T::ZERO; N];
    let x0 = bandit.x_ref()?;
    hist[0] = x0;
    let mut u = T::ZERO;
    let mut s = [[T::ZERO; N]; N];
    let mut v = [T::ZERO; N];
    let mut w = [T::ZERO; N];
    emit(0, crate::bandit::sigmoid(x0), T::ZERO);
    for k in 0..n.saturating_sub(1) {
        let back = k - bandit.lag_index(k);
        let xo = hist.get(back).copied().unwrap_or(T::NAN);
        let f = eta * bandit.drift_prime(xo)?;
        let (_, var_a, _) = bandit.adv_moments(crate::bandit::sigmoid(xo), g, bessel)?;
        let q = eta * eta * cg * cg * var_a;
        // row of A_k: y_k (index 0), y_{k-1} (index 1), y_{j(k)} (index k - j <= d)
        for wi in w.iter_mut() {
            *wi = T::ZERO;
        }
        w[0] = T::ONE + mu;
        w[1] = -mu;
        if let Some(wl) = w.get_mut(back) {
            *wl += f;
        }
        // v = w Sigma, var_new = w Sigma w^T + q
        let mut var_new = q;
        for i in 0..nw {
            let mut acc = T::ZERO;
            for r in 0..nw {
                acc += w[r] * s[r][i];
            }
            v[i] = acc;
            var_new += w[i] * acc;
        }
        // shift the lag window by one and insert the new state
        for i in (1..nw).rev() {
            for jj in (1..nw).rev() {
                s[i][jj] = s[i - 1][jj - 1];
            }
        }
        s[0][0] = var_new;
        for i in 1..nw {
            s[0][i] = v[i - 1];
            s[i][0] = v[i - 1];
        }
        // the deterministic step (heavy ball with the lagged drift), as in `Bandit::simulate`
        u = mu * u + bandit.drift(xo)?;
        let x = hist[0] + eta * u;
        if !x.is_finite() || x.abs() > x_max {
            return Err(diverged);
        }
        for i in (1..N).rev() {
            hist[i] = hist[i - 1];
        }
        hist[0] = x;
        let p = crate::bandit::sigmoid(x);
        let vp = p * (T::ONE - p);
        let var_p = vp * vp * var_new;
        if !var_p.is_finite() || !var_new.is_finite() {
            return Err(diverged);
        }
        emit(k + 1, p, var_p);
    }
    Ok(())
}
