//! Regressions found by `fuzz/fuzz_targets/fit.rs`, one test each.

use grpo_dynamics::fit::{self, Curve, Model, Options, ParamSet, SaturationModel, Start};

/// Times far from 0 with a short span (t ~ 1.8e16, exact offsets 0, 16, 24) were detected as the
/// uniform grid 0, 12, 24 (tolerance 4 eps |t| = 16), so the solver fitted the model at the wrong
/// times and reported a cost that did not match its parameters (105.2 vs 108.0 point by point).
#[test]
fn huge_time_offset_is_not_a_uniform_grid() {
    let t0 = 1.8014415689351164e16;
    let t = [t0, t0 + 16.0, t0 + 24.0];
    assert_eq!([t[1] - t[0], t[2] - t[0]], [16.0, 24.0]);
    let y = [0.0, 14.91, 0.047];
    let cv = Curve::new(&t, &y, None).unwrap();
    assert_eq!(cv.grid, None);
    // the reported cost is the cost at the reported parameters
    let f = fit::fit(
        ParamSet::Saturation,
        &t,
        &y,
        None,
        Start::Data,
        &Options::default(),
    )
    .unwrap();
    let m = SaturationModel { origin: t0 };
    let x = [f.params[0], f.params[1], f.params[2]];
    let cost: f64 = t
        .iter()
        .zip(&y)
        .map(|(&ti, &yi)| {
            let r: f64 = m.eval(&x, ti).unwrap().0 - yi;
            0.5 * r * r
        })
        .sum();
    assert!((cost - f.cost).abs() <= 1e-9 * cost, "{cost} vs {}", f.cost);
    // ordinary grids are still detected, in f64 and f32 (also with an offset)
    let g: Vec<f64> = (0..50).map(|i| 1000.0 + 0.5 * i as f64).collect();
    let yg: Vec<f64> = (0..50).map(|i| (i as f64 * 0.1).sin()).collect();
    assert!(Curve::new(&g, &yg, None).unwrap().grid.is_some());
    let g32: Vec<f32> = (0..50).map(|i| 10.0 + i as f32).collect();
    let y32: Vec<f32> = (0..50).map(|i| (i as f32 * 0.1).sin()).collect();
    assert!(Curve::new(&g32, &y32, None).unwrap().grid.is_some());
}

/// Unsorted times (valid input since issue 15): the default bounds are those of the span
/// `t_max - t_min`, not `t[last] - t[0]`. The fuzz target computed the box from the first and
/// last times and flagged `tau = 6.7e147` as outside it, though the fit's own box (span from the
/// smallest to the largest time) held it; the fit must stay inside that box.
#[test]
fn unsorted_times_use_the_full_span() {
    let t: [f64; 6] = [3.0e140, 0.0, 1.0e140, 7.0e144, 2.0e140, 5.0];
    let y: [f64; 6] = [0.4, 0.1, 0.3, 0.9, 0.35, 0.1];
    let cv = Curve::new(&t, &y, None).unwrap();
    assert_eq!((cv.t_min, cv.t_max), (0.0, 7.0e144));
    for set in ParamSet::ALL {
        let (lo, hi) = set.default_bounds(cv.t_max - cv.t_min);
        if let Ok(f) = fit::fit(set, &t, &y, None, Start::Data, &Options::default()) {
            for (j, &x) in f.params().iter().enumerate() {
                let tol = 1e-12 * lo[j].abs().max(hi[j].abs()).min(1e300);
                assert!(
                    x.is_finite() && lo[j] - tol <= x && x <= hi[j] + tol,
                    "{set:?} {j} {x}"
                );
            }
        }
    }
}

/// All times equal (repeated abscissae are valid input since issue 15, but one single time is
/// not a curve in time): a typed `Constant` error about `t` from every ready set and from AUTO.
#[test]
fn one_single_time_is_constant_t() {
    let t = [4.0f64; 6];
    let y = [0.1, 0.5, 0.2, 0.9, 0.3, 0.4];
    for set in ParamSet::ALL {
        let e = fit::fit(set, &t, &y, None, Start::Data, &Options::default()).unwrap_err();
        assert_eq!(
            (e.kind(), e.param()),
            (grpo_dynamics::ErrorKind::Constant, grpo_dynamics::Param::T)
        );
    }
    let e = fit::fit_auto(&t, &y, None, &Options::default()).unwrap_err();
    assert_eq!(
        (e.kind(), e.param()),
        (grpo_dynamics::ErrorKind::Constant, grpo_dynamics::Param::T)
    );
}
