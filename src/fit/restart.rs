//! The default path's restart rule: the cheap test that decides whether one LM run from the
//! closed-form start has settled, and the data-driven start values of the restarts.

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

/// The near-critical band of [`other_branch`]: a full-oscillator fit with
/// `CRITICAL_BAND.0 < zeta < CRITICAL_BAND.1` gets a second LM run from the over-damped A.8 start.
pub const CRITICAL_BAND: (f64, f64) = (0.95, 1.3);

/// Which second start a settled full-oscillator fit needs (docs/fit.md "The other branch"), as an
/// index into [`ParamSet::starts`] (0 critical, 2 over-damped), or `None`.
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
///   under-damped, a decay rate `zeta omega` above `1 / dt`. The second start is
///   the critical one of A.8 (`zeta = 1`, `v0 = 0`, `r0` the first observation, the data's 63 %
///   time), which puts both modes inside the data;
/// * near-critical damping, `|zeta - 1| < CRITICAL_BAND`: the two rates differ by a factor
///   `(zeta + sqrt(zeta^2 - 1))^2 < 5.1` (or are a complex pair of nearly real rates). The
///   cost in `(omega, zeta)` has one valley for each way of splitting the decay between the two
///   modes: both slow (a second exponential that bends the slow one) or one slow and one fast
///   (a transient over the first steps); the two minima differ by about one `s^2` in `2 cost`,
///   so no test on the cost separates them. The second start is A.8's over-damped one
///   (`zeta = 2`: rates `1.07 / tau63` and `15 / tau63`), in the valley with a fast mode.
pub(super) fn other_branch<T: Real>(
    f: &Fit<T>,
    est: &Estimate<T>,
    cv: &Curve<'_, T>,
) -> Option<usize> {
    if f.set != ParamSet::Full {
        return None;
    }
    let (omega, zeta) = (f.params[3], f.params[4]);
    let span = cv.t_max - cv.t_min;
    let steps = T::from_usize(cv.t.len().saturating_sub(1).max(1));
    let dt = span / steps;
    let unresolved = if zeta >= T::ONE {
        let fast = omega * (zeta + (zeta * zeta - T::ONE).sqrt());
        let slow = omega * omega / fast;
        // the fast mode's share of the change r_star - r0: B = (v0 - slow D) / (fast - slow)
        let d = f.params[0] - f.params[1];
        let b = (f.params[2] - slow * d) / (fast - slow);
        (fast * dt > T::ONE && b.abs() > T::HALF * d.abs()) || slow * span < T::ONE
    } else {
        // an oscillation: its frequency is resolved, its decay must be slower than a step
        zeta * omega * dt > T::ONE
    };
    if unresolved {
        return Some(0);
    }
    let near = |z: T| z > c::<T>(CRITICAL_BAND.0) && z < c::<T>(CRITICAL_BAND.1);
    // near-critical, and the closed form (the same model, fitted linearly) not near-critical
    let agrees = est.second.is_some_and(|e| near(e[4]));
    (near(zeta) && !agrees).then_some(2)
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
