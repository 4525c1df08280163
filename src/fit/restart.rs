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
