//! Property tests of the model (issue 7, item 6), each against an independent computation:
//!
//! * continuity in zeta across the critical point 1 (the three closed forms must join);
//! * the analytic gradient of `Oscillator::value_and_gradient` against central finite
//!   differences of `Oscillator::value`;
//! * the overdamped limit of spec B.1: `zeta -> inf` at fixed `a = omega / (2 zeta)`, `v0 = 0`,
//!   approaches the saturation law `r* - (r* - r0) exp(-a t)`, with the deviation bounded by
//!   `1 / zeta^2` (slow rate `a (1 + O(zeta^-2))`, fast-mode weight `lambda_s / lambda_f ~
//!   1 / (4 zeta^2)`) and shrinking at least 50-fold per decade of zeta;
//! * the fit recovering the parameters of noiseless saturation and slow-start curves.
//!
//! Case counts are small (fast in debug and release); proptest's shrinking reports the minimal
//! failing case.

use grpo_dynamics::fit::{self, Options, ParamSet, Start};
use grpo_dynamics::trajectory::Oscillator;
use proptest::prelude::*;

fn osc(r_star: f64, r0: f64, v0: f64, omega: f64, zeta: f64) -> Oscillator<f64> {
    Oscillator::new(r_star, r0, v0, omega, zeta).expect("valid parameters")
}

/// Magnitude scale of a trajectory on `[0, t]`: `|r*| + |r0 - r*| + |v0| t`.
fn scale(r_star: f64, r0: f64, v0: f64, t: f64) -> f64 {
    r_star.abs() + (r0 - r_star).abs() + v0.abs() * t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// `r(t; zeta)` is continuous at zeta = 1: a step of `h` in zeta moves the value by
    /// `O(h)` relative to the trajectory scale (slope bounded by `omega t`-dependent terms,
    /// here `<= 10 (1 + omega t)^2 h`), on both sides and for the gradient too.
    #[test]
    fn continuous_in_zeta_across_one(
        r_star in -2.0..2.0f64,
        r0 in -2.0..2.0f64,
        v0 in -2.0..2.0f64,
        omega in 0.01..10.0f64,
        t in 0.0..20.0f64,
        k in 4i32..10,
    ) {
        let h = 10f64.powi(-k);
        let at1 = osc(r_star, r0, v0, omega, 1.0).value_and_gradient(t).unwrap();
        let below = osc(r_star, r0, v0, omega, 1.0 - h).value_and_gradient(t).unwrap();
        let above = osc(r_star, r0, v0, omega, 1.0 + h).value_and_gradient(t).unwrap();
        let s = scale(r_star, r0, v0, t);
        let wt = omega * t;
        let tol = 10.0 * (1.0 + wt).powi(2) * h * s + 1e-12 * s;
        prop_assert!((below.0 - at1.0).abs() <= tol, "below: {} vs {} (tol {tol})", below.0, at1.0);
        prop_assert!((above.0 - at1.0).abs() <= tol, "above: {} vs {} (tol {tol})", above.0, at1.0);
        // gradient wrt r_star, r0, v0 (dimensionless or times t): same modulus of continuity
        for j in 0..3 {
            let gs = 1.0 + t;
            let gtol = 10.0 * (1.0 + wt).powi(3) * h * gs + 1e-10 * gs;
            prop_assert!((below.1[j] - at1.1[j]).abs() <= gtol, "grad {j} below");
            prop_assert!((above.1[j] - at1.1[j]).abs() <= gtol, "grad {j} above");
        }
    }

    /// Analytic gradient against central differences `(r(x + h e_j) - r(x - h e_j)) / 2h`
    /// with `h = 1e-6 max(1, |x_j|)`: truncation `O(h^2 r''')` plus rounding `eps s / h`.
    #[test]
    fn jacobian_matches_finite_differences(
        r_star in -2.0..2.0f64,
        r0 in -2.0..2.0f64,
        v0 in -2.0..2.0f64,
        omega in 0.05..5.0f64,
        zeta in prop_oneof![0.05..0.95f64, 0.95..1.05f64, 1.05..20.0f64],
        t in 0.0..15.0f64,
    ) {
        let x = [r_star, r0, v0, omega, zeta];
        let (v, g) = osc(r_star, r0, v0, omega, zeta).value_and_gradient(t).unwrap();
        prop_assert!((v - osc(r_star, r0, v0, omega, zeta).value(t).unwrap()).abs() <= 1e-12 * (1.0 + v.abs()));
        let s = scale(r_star, r0, v0, t);
        for j in 0..5 {
            let h = 1e-6 * x[j].abs().max(1.0);
            // keep zeta >= 0 and omega > 0 for the shifted points
            let h = if j >= 3 { h.min(0.5 * x[j]) } else { h };
            let mut xp = x;
            let mut xm = x;
            xp[j] += h;
            xm[j] -= h;
            let fp = Oscillator::new(xp[0], xp[1], xp[2], xp[3], xp[4]).unwrap().value(t).unwrap();
            let fm = Oscillator::new(xm[0], xm[1], xm[2], xm[3], xm[4]).unwrap().value(t).unwrap();
            let fd = (fp - fm) / (2.0 * h);
            // |d/dx_j| of the trajectory scale: 1 for r*, r0; t for v0; (1 + t) s / x_j otherwise
            let gs = match j {
                0 | 1 => 1.0,
                2 => 1.0 + t,
                _ => (1.0 + t) * s * (1.0 + omega * t) / x[j].min(1.0),
            };
            let tol = 1e-5 * gs + 1e-9 * s / h;
            prop_assert!(
                (fd - g[j]).abs() <= tol,
                "d/dx{j}: analytic {} vs fd {fd} (tol {tol})", g[j]
            );
        }
    }

    /// Spec B.1: zeta -> inf at fixed a = omega / (2 zeta), v0 = 0.
    #[test]
    fn overdamped_limit_is_the_saturation_law(
        r_star in -1.0..2.0f64,
        gap in prop_oneof![-2.0..-0.01f64, 0.01..2.0f64],
        a in 0.01..2.0f64,
    ) {
        let r0 = r_star - gap;
        let dev = |zeta: f64| {
            let m = osc(r_star, r0, 0.0, 2.0 * a * zeta, zeta);
            let mut worst = 0.0f64;
            // the deviation lives on 0 <= a t <= ~10
            for i in 0..=200 {
                let t = i as f64 * 0.05 / a;
                let sat = r_star - (r_star - r0) * (-a * t).exp();
                worst = worst.max((m.value(t).unwrap() - sat).abs() / gap.abs());
            }
            worst
        };
        let mut prev = f64::INFINITY;
        for zeta in [3.0, 30.0, 300.0, 3000.0] {
            let d = dev(zeta);
            prop_assert!(d <= 1.0 / (zeta * zeta) + 1e-12, "zeta {zeta}: deviation {d}");
            if prev > 1e-9 {
                prop_assert!(d <= prev / 50.0, "zeta {zeta}: {d} not 50x below {prev}");
            }
            prev = d;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Noiseless saturation curve `p - (p - r0) exp(-(t - t0) / tau)` on 40 uniform points
    /// spanning 1.5 to 6 time constants: the data-started fit recovers (p, r0, tau).
    #[test]
    fn fit_recovers_saturation(
        p in 0.2..1.0f64,
        drop in 0.1..0.8f64,
        tau in 5.0..500.0f64,
        cover in 1.5..6.0f64,
        t0 in 0.0..100.0f64,
    ) {
        let r0 = p - drop;
        let n = 40;
        let dt = cover * tau / (n - 1) as f64;
        let t: Vec<f64> = (0..n).map(|i| t0 + i as f64 * dt).collect();
        let y: Vec<f64> = t.iter().map(|&ti| p - (p - r0) * (-(ti - t0) / tau).exp()).collect();
        let f = fit::fit(ParamSet::Saturation, &t, &y, None, Start::Data, &Options::default()).unwrap();
        let x = f.params();
        prop_assert!((x[0] - p).abs() <= 1e-6 * (1.0 + p.abs()), "plateau {} vs {p}", x[0]);
        prop_assert!((x[1] - r0).abs() <= 1e-6, "r0 {} vs {r0}", x[1]);
        prop_assert!((x[2] - tau).abs() <= 1e-5 * tau, "tau {} vs {tau}", x[2]);
        prop_assert!(f.termination.converged(), "{:?}", f.termination);
    }

    /// Noiseless slow-start oscillator (v0 = 0) on 60 uniform points spanning `omega t` up to
    /// 8..25: the multi-start fit recovers (r*, r0, omega, zeta) for zeta in [0.3, 2].
    #[test]
    fn fit_recovers_slow_start(
        r_star in 0.3..1.0f64,
        gap in 0.1..0.5f64,
        omega in 0.005..0.5f64,
        zeta in 0.3..2.0f64,
        wspan in 8.0..25.0f64,
    ) {
        let r0 = r_star - gap;
        let m = osc(r_star, r0, 0.0, omega, zeta);
        let n = 60;
        let dt = wspan / omega / (n - 1) as f64;
        let t: Vec<f64> = (0..n).map(|i| i as f64 * dt).collect();
        let y: Vec<f64> = t.iter().map(|&ti| m.value(ti).unwrap()).collect();
        let f = fit::fit(ParamSet::SlowStart, &t, &y, None, Start::Data, &Options::default()).unwrap();
        let x = f.params();
        let want = [r_star, r0, omega, zeta];
        for j in 0..4 {
            prop_assert!(
                (x[j] - want[j]).abs() <= 1e-4 * want[j].abs().max(gap),
                "param {j}: {} vs {} (fit {:?})", x[j], want[j], x
            );
        }
    }
}
