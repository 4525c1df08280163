//! The window as fit data in up to three parts, so that the LM passes take the fit module's
//! uniform-grid recurrences (docs/model.md A.5: no `exp`/`sin` per point) on the bulk of a
//! compacted window.
//!
//! A compacted [`super::Window`] of a run logged at uniform steps is uniform except at its ends:
//! the first point stays a single point, the last one is a partial block (its step is the mean
//! of the steps merged so far). [`segments`] splits the window into the longest uniformly
//! spaced run among `[0, n)`, `[0, n - 1)`, `[1, n)`, `[1, n - 1)` and single-point parts for
//! the points left out. The parts are one regression (the fit module pools its sums and
//! statistics over the curves of a joint fit: same objective, covariance, `R^2` and AICc as the
//! whole window, up to rounding); only the evaluation order changes. Cost: at most four
//! vectorised passes over the steps.

use crate::fit::{detect_uniform, Curve};
use crate::real::Real;

/// A single point as a curve (its mean is its value, no spread around it).
fn point<'a, T: Real>(t: &'a [T], y: &'a [T], w: &'a [T]) -> Option<Curve<'a, T>> {
    let (&ti, &yi, &wi) = (t.first()?, y.first()?, w.first()?);
    Some(Curve {
        t,
        y,
        w: Some(w),
        grid: None,
        n_eff: (wi > T::ZERO) as usize,
        sum_w: wi,
        mean: yi,
        ss_tot: T::ZERO,
        t_min: ti,
        t_max: ti,
    })
}

/// The parts of the window `(t, y, w)` whose whole-window curve is `cv`, into `out`; returns
/// how many (1: `cv` alone, when it is uniform already, has fewer than 10 points or no uniform
/// run of all but its end points exists).
pub(super) fn segments<'a, T: Real>(
    cv: &Curve<'a, T>,
    t: &'a [T],
    y: &'a [T],
    w: &'a [T],
    out: &mut [Curve<'a, T>; 3],
) -> usize {
    out[0] = *cv;
    let n = t.len();
    if cv.grid.is_some() || n < 10 || y.len() != n || w.len() != n {
        return 1;
    }
    for (lo, hi) in [(0, n - 1), (1, n), (1, n - 1)] {
        if detect_uniform(&t[lo..hi]).is_none() {
            continue;
        }
        let Ok(mid) = Curve::new(&t[lo..hi], &y[lo..hi], Some(&w[lo..hi])) else {
            continue;
        };
        let head = (lo == 1)
            .then(|| point(&t[..1], &y[..1], &w[..1]))
            .flatten();
        let tail = (hi == n - 1)
            .then(|| point(&t[hi..], &y[hi..], &w[hi..]))
            .flatten();
        let mut k = 0;
        for c in [head, Some(mid), tail].into_iter().flatten() {
            out[k] = c;
            k += 1;
        }
        return k;
    }
    1
}
