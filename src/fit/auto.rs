//! AUTO selection (docs/fit.md): every parameter set fitted, the lowest AICc kept, at a cost
//! bounded by a few full-oscillator fits.

use super::integral::estimate;
use super::monotone::monotone_cost_bound;
use super::restart::data_start_of;
use super::sets::{fit_data, fit_estimated, Fit, ParamSet, Start};
use super::{stats, Curve, Options, MAX_PARAMS};
use crate::error::{Error, ErrorKind, Param, Result};
use crate::real::{c, Real};

/// AUTO: every parameter set, the one with the lowest AICc among the finite fits kept. The full
/// oscillator is fitted first by the default path ([`Start::Data`]: closed-form start, restart on
/// a failed test); the constrained sets then run once each (no restart):
///
/// * slow-start from the full fit (`v0` dropped: its special case);
/// * overdamped from the slow-start fit (the same family in `tau = 2 zeta / omega`,
///   `t_m = 1 / (2 zeta omega)`). When the slow-start fit converged with `omega`, `zeta` strictly
///   inside their bounds and its image strictly inside the overdamped bounds, that image is a
///   stationary point of the same objective (the map is smooth and invertible there), so the
///   overdamped fit would stop on it with the same cost and the same AICc and cannot win (ties
///   keep the earlier set): it is not run;
/// * saturation and critical from the closed form, unless they cannot win: both laws are monotone
///   in time, so their cost is at least the isotonic-regression bound of [`super::monotone`];
///   when the AICc at that bound is not below the best AICc so far, the set is not fitted.
///
/// A constrained set stuck in a poor local minimum only loses the AICc comparison. Default bounds;
/// the closed-form estimate is made once. Errors only if no set gives a fit.
pub fn fit_auto<T: Real>(t: &[T], y: &[T], w: Option<&[T]>, opts: &Options<T>) -> Result<Fit<T>> {
    let cv = Curve::new(t, y, w)?;
    if cv.t_max <= cv.t_min {
        return Err(Error::new(ErrorKind::Constant, Param::T));
    }
    let est = estimate(&cv);
    let data = core::slice::from_ref(&cv);
    let mut best: Option<Fit<T>> = None;
    let mut mono = None;
    let mut first_err = None;
    let (mut full, mut slow): (Option<[T; MAX_PARAMS]>, Option<Fit<T>>) = (None, None);
    for set in [
        ParamSet::Full,
        ParamSet::Saturation,
        ParamSet::Critical,
        ParamSet::SlowStart,
        ParamSet::Overdamped,
    ] {
        let b = set.curve_bounds(&cv);
        let clamp = |mut s: [T; MAX_PARAMS]| {
            for ((x, &lo), &hi) in s.iter_mut().zip(&b.0).zip(&b.1) {
                *x = x.max(lo).min(hi);
            }
            s
        };
        // the sets that cannot win (see above) are not fitted
        let cannot_win = match set {
            ParamSet::Saturation | ParamSet::Critical => best.as_ref().is_some_and(|b| {
                let bound = *mono.get_or_insert_with(|| monotone_cost_bound(&cv));
                stats(data, bound, set.n_params()).aicc >= b.aicc
            }),
            ParamSet::Overdamped => {
                slow.is_some_and(|f| same_optimum(&f, &ParamSet::SlowStart.curve_bounds(&cv), &b))
            }
            _ => false,
        };
        if cannot_win {
            continue;
        }
        let r = if cv.n_eff < set.n_params() {
            Err(Error::new(ErrorKind::TooFewPoints, Param::N))
        } else if set == ParamSet::Full {
            fit_estimated(set, &cv, Start::Data, (&b.0, &b.1), opts, &est)
        } else {
            let from_full = full.map(|[rs, r0, _, omega, zeta, ..]| {
                let mut s = [T::ZERO; MAX_PARAMS];
                s[..4].copy_from_slice(&[rs, r0, omega, zeta]);
                s
            });
            // the overdamped set is the slow-start family in (tau, t_m): start at its optimum
            let from_slow = slow.map(|f| f.params).or(from_full).map(to_overdamped);
            let start = match set {
                ParamSet::SlowStart => from_full,
                ParamSet::Overdamped => from_slow,
                _ => None,
            }
            .filter(|s| s.iter().all(|x| x.is_finite()))
            .or_else(|| set.closed_form_start(&est))
            .unwrap_or_else(|| set.starts(&data_start_of(&cv, &est)).0[0]);
            let start = clamp(start);
            fit_data(set, data, cv.t_min, &[start], (&b.0, &b.1), opts, true)
        };
        match r {
            Ok(f) if f.cost.is_finite() => {
                match set {
                    ParamSet::Full => full = Some(f.params),
                    ParamSet::SlowStart => slow = Some(f),
                    _ => {}
                }
                if best.as_ref().is_none_or(|b| f.aicc < b.aicc) {
                    best = Some(f);
                }
            }
            Ok(_) => {}
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    best.ok_or(first_err.unwrap_or(Error::new(ErrorKind::Diverged, Param::Params)))
}

/// Lower and upper bounds of a set.
type Bounds<T> = ([T; MAX_PARAMS], [T; MAX_PARAMS]);

/// Slow-start `(r_star, r0, omega, zeta)` as overdamped `(r_star, r0, tau, t_m)`:
/// `tau = 2 zeta / omega`, `t_m = 1 / (2 zeta omega)` (`zeta` at least 0.05 for a start).
fn to_overdamped<T: Real>(p: [T; MAX_PARAMS]) -> [T; MAX_PARAMS] {
    let [rs, r0, omega, zeta, ..] = p;
    let zeta = zeta.max(c::<T>(0.05));
    let mut s = [T::ZERO; MAX_PARAMS];
    s[..4].copy_from_slice(&[
        rs,
        r0,
        T::TWO * zeta / omega,
        T::ONE / (T::TWO * zeta * omega),
    ]);
    s
}

/// The slow-start fit `f` converged with `omega`, `zeta` strictly inside its bounds `sb` and its
/// overdamped image strictly inside the overdamped bounds `ob`: the overdamped fit from there has
/// the same optimum (see [`fit_auto`]).
fn same_optimum<T: Real>(f: &Fit<T>, sb: &Bounds<T>, ob: &Bounds<T>) -> bool {
    let [_, _, omega, zeta, ..] = f.params;
    if !f.termination.converged() || zeta.is_nan() || zeta < c::<T>(0.05) {
        return false;
    }
    let img = to_overdamped(f.params);
    let inside = |x: T, b: &Bounds<T>, j: usize| x > b.0[j] && x < b.1[j];
    inside(omega, sb, 2) && inside(zeta, sb, 3) && inside(img[2], ob, 2) && inside(img[3], ob, 3)
}
