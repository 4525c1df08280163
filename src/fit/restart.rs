//! The default path's restart rule: the cheap test that decides whether one LM run from the
//! closed-form start has settled, the second start of a settled fit whose branch the data do not
//! decide (docs/fit.md "The other branch"), and the data-driven start values of the restarts.

use super::integral::Estimate;
use super::sets::{Fit, ParamSet};
use super::start::{data_start, DataStart};
use super::{Curve, MAX_PARAMS};
use crate::real::{c, Real};

/// A restart is made when the fit's residual variance exceeds the closed-form regression's by
/// more than this factor (the regression is one member of the model family, so the least-squares
/// fit does at least as well up to the discretisation of its integrals).
pub const RESTART_RATIO: f64 = 1.25;

/// The cheap test of [`super::fit_curve`]: converged, every rate parameter strictly inside its bounds,
/// and a residual variance no worse than [`RESTART_RATIO`] times the closed-form regression's.
pub(super) fn settled<T: Real>(
    f: &Fit<T>,
    est: &Estimate<T>,
    bounds: (&[T; MAX_PARAMS], &[T; MAX_PARAMS]),
) -> bool {
    if !f.termination.converged() {
        return false;
    }
    for &j in f.set.rates() {
        let x = f.params[j];
        if !(x > bounds.0[j] && x < bounds.1[j]) {
            return false;
        }
    }
    // the cost test where the closed form is the same model family (first order: saturation,
    // second order: full oscillator); the critical, slow-start and overdamped sets are
    // constrained members without such a reference
    let s2_ref = match f.set {
        ParamSet::Saturation => est.s2_first,
        ParamSet::Full => est.s2_second,
        _ => return true,
    };
    let dof = f.n.saturating_sub(f.n_params);
    if dof == 0 {
        return true;
    }
    let s2 = T::TWO * f.cost / T::from_usize(dof);
    s2 <= c::<T>(RESTART_RATIO) * s2_ref
}

/// The near-critical band of [`other_branch`]: `CRITICAL_BAND.0 < zeta < CRITICAL_BAND.1`, where
/// the two rates of the over-damped oscillator differ by less than a factor
/// `(zeta + sqrt(zeta^2 - 1))^2 = 4.5` (and the under-damped side down to `zeta = 0.95`).
pub const CRITICAL_BAND: (f64, f64) = (0.95, 1.3);

/// Ratio fast / slow rate of the mirror start of [`other_branch`] (`zeta = 33 / (2 sqrt 32) =
/// 2.92`); chosen on the harness family with `examples/branch_probe.rs` (docs/fit.md).
pub const MIRROR_RATIO: f64 = 32.0;

/// The second start of a settled full-oscillator fit (docs/fit.md "The other branch").
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Branch<T> {
    /// The critical start of A.8 ([`ParamSet::starts`] index 0).
    Critical,
    /// A start in the set's order (not yet clamped into the bounds).
    Mirror([T; MAX_PARAMS]),
}

/// Whether a settled full-oscillator fit needs a second LM run, and from where.
///
/// With `zeta >= 1` the full oscillator is `r_star - A exp(-s1 t) - B exp(-s2 t)`, rates
/// `s1,2 = omega (zeta -+ sqrt(zeta^2 - 1))` (`s1 s2 = omega^2`); with `zeta < 1` one mode of decay
/// rate `zeta omega`. Two configurations leave the fit on a branch the data do not decide:
///
/// * a mode the sampling cannot resolve carrying the curve: over-damped, a fast rate above
///   `1 / dt` (`dt = span / (n - 1)`, the mean step: the mode is gone within one step) whose
///   amplitude `B = (v0 - s1 D) / (s2 - s1)` is more than half the change `D = r_star - r0` (the
///   fit puts most of the rise inside the first step, where no data are), or a slow rate below
///   `1 / span` (less than one e-fold over the data: a straight line, `r_star` extrapolated);
///   under-damped, a decay rate `zeta omega` above `1 / dt`. The second start is the critical
///   one of A.8 (`zeta = 1`, `v0 = 0`, `r0` the first observation, the data's 63 % time), which
///   puts both modes inside the data ([`Branch::Critical`]);
/// * near-critical damping ([`CRITICAL_BAND`]) reached from a start at critical damping.
///   The cost in `(omega, zeta)` has one valley for each way of splitting the decay between the
///   two modes: both slow (a second exponential that bends the slow one) or one slow and one fast
///   (a transient over the first steps); the two minima differ by about one `s^2` in `2 cost`, so
///   no test on the cost separates them. An over-damped closed form (or one without a real
///   `omega`) starts the LM run at `zeta = 1` ([`ParamSet::closed_form_start`]), so a run that
///   stays near 1 may only reflect its start (from an under-damped closed form the run starts
///   at the estimate itself, and stands); when the closed form (the same model, fitted linearly)
///   is itself near-critical and the fit pins `zeta` (its interval `zeta +- se` no wider than
///   the band), two independent routes agree and the fit stands. Otherwise the second start is
///   the mirror of the fit across critical damping: its slow rate `s1` kept, the second mode
///   [`MIRROR_RATIO`] times faster (`omega = s1 sqrt(K)`, `zeta = (1 + K) / (2 sqrt K)`),
///   `r_star`, `r0` kept, `v0 = 0` ([`Branch::Mirror`]).
pub(super) fn other_branch<T: Real>(
    f: &Fit<T>,
    est: &Estimate<T>,
    cv: &Curve<'_, T>,
) -> Option<Branch<T>> {
    if f.set != ParamSet::Full {
        return None;
    }
    let (omega, zeta) = (f.params[3], f.params[4]);
    let span = cv.t_max - cv.t_min;
    let steps = T::from_usize(cv.t.len().saturating_sub(1).max(1));
    let dt = span / steps;
    let (slow, unresolved) = if zeta >= T::ONE {
        let fast = omega * (zeta + (zeta * zeta - T::ONE).sqrt());
        let slow = omega * omega / fast;
        // the fast mode's share of the change r_star - r0: B = (v0 - slow D) / (fast - slow)
        let d = f.params[0] - f.params[1];
        let b = (f.params[2] - slow * d) / (fast - slow);
        let unresolved =
            (fast * dt > T::ONE && b.abs() > T::HALF * d.abs()) || slow * span < T::ONE;
        (slow, unresolved)
    } else {
        // an oscillation: its frequency is resolved, its decay must be slower than a step
        (zeta * omega, zeta * omega * dt > T::ONE)
    };
    if unresolved {
        return Some(Branch::Critical);
    }
    let near = |z: T| z > c::<T>(CRITICAL_BAND.0) && z < c::<T>(CRITICAL_BAND.1);
    // near-critical after a start at zeta = 1 (the closed form over-damped or without a real
    // omega: `ParamSet::closed_form_start`), unless the closed form is near-critical too and the
    // fit pins zeta (its interval zeta +- se no wider than the band)
    let from_critical = est.second.is_none_or(|e| e[4] > T::ONE);
    let pinned = T::TWO * f.stderr[4] < c::<T>(CRITICAL_BAND.1 - CRITICAL_BAND.0);
    let agrees = pinned && est.second.is_some_and(|e| near(e[4]));
    if !near(zeta) || !from_critical || agrees {
        return None;
    }
    let k = c::<T>(MIRROR_RATIO);
    let rk = k.sqrt();
    let mut s = [T::ZERO; MAX_PARAMS];
    s[..5].copy_from_slice(&[
        f.params[0],
        f.params[1],
        T::ZERO,
        slow * rk,
        (T::ONE + k) / (T::TWO * rk),
    ]);
    s.iter().all(|x| x.is_finite()).then_some(Branch::Mirror(s))
}

/// The A.8 start values for the restarts: from the data in time order, or, for times that are
/// not sorted, from the first-order closed form (plateau, r0 and its 63 % time `tau`).
pub(super) fn data_start_of<T: Real>(cv: &Curve<'_, T>, est: &Estimate<T>) -> DataStart<T> {
    let sorted = cv.grid.is_some() || cv.t.windows(2).all(|p| p[0] <= p[1]);
    match (sorted, est.first) {
        (false, Some([plateau, r0, tau63])) => DataStart {
            plateau,
            r0,
            tau63,
            span: cv.t_max - cv.t_min,
        },
        _ => data_start(cv),
    }
}
