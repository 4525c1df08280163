//! AUTO's skip rule (docs/fit.md, AUTO): the isotonic lower bound on the cost of a monotone law
//! (`fit::monotone::monotone_cost_bound`) checked against an independent isotonic regression, against
//! monotone fits, and AUTO's choice against every set fitted in full.

use grpo_dynamics::fit::{
    fit, fit_auto, monotone::monotone_cost_bound, monotone::STACK, Curve, Options, ParamSet, Start,
};
use grpo_dynamics::trajectory::Oscillator;

struct Rng(u64);
impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// Exact weighted isotonic (non-decreasing) regression RSS by the O(n^2) definition-level
/// algorithm: repeatedly merge the first adjacent pair of blocks whose means decrease, then sum
/// `w (y - block mean)^2` point by point.
fn isotonic_reference(y: &[f64], w: &[f64]) -> f64 {
    let pts: Vec<(f64, f64)> = y
        .iter()
        .zip(w)
        .filter(|(_, &w)| w > 0.0)
        .map(|(&y, &w)| (w, y))
        .collect();
    // (sum w, sum w y, points)
    let mut blocks: Vec<(f64, f64, usize)> = pts.iter().map(|&(w, y)| (w, w * y, 1)).collect();
    loop {
        let at = (1..blocks.len())
            .find(|&i| blocks[i - 1].1 / blocks[i - 1].0 > blocks[i].1 / blocks[i].0);
        let Some(i) = at else { break };
        let b = blocks.remove(i);
        blocks[i - 1].0 += b.0;
        blocks[i - 1].1 += b.1;
        blocks[i - 1].2 += b.2;
    }
    let mut at = 0;
    let mut rss = 0.0;
    for (sw, swy, k) in blocks {
        let m = swy / sw;
        rss += pts[at..at + k]
            .iter()
            .map(|&(w, y)| w * (y - m).powi(2))
            .sum::<f64>();
        at += k;
    }
    rss
}

fn osc_curve(n: usize, zeta: f64, cycles: f64, noise: f64, rng: &mut Rng) -> (Vec<f64>, Vec<f64>) {
    let omega = 2.0 * std::f64::consts::PI * cycles / n as f64;
    let o = Oscillator::new(0.7, 0.1, 0.0, omega, zeta).unwrap();
    let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let y = t
        .iter()
        .map(|&t| o.value(t).unwrap() + noise * rng.normal())
        .collect();
    (t, y)
}

#[test]
fn bound_is_the_exact_isotonic_cost_on_short_curves() {
    // n <= STACK: one subsequence, the bound is 0.5 min(RSS_up, RSS_down) exactly
    let mut rng = Rng(7);
    for n in [5usize, 17, 64, STACK] {
        let (t, y) = osc_curve(n, 0.3, 2.0, 0.05, &mut rng);
        let w: Vec<f64> = (0..n)
            .map(|i| if i % 7 == 3 { 0.0 } else { 0.5 + rng.uniform() })
            .collect();
        for wopt in [None, Some(&w[..])] {
            let cv = Curve::new(&t, &y, wopt).unwrap();
            let ones = vec![1.0; n];
            let ww = wopt.unwrap_or(&ones);
            let neg: Vec<f64> = y.iter().map(|v| -v).collect();
            let exact = 0.5 * isotonic_reference(&y, ww).min(isotonic_reference(&neg, ww));
            let b = monotone_cost_bound(&cv);
            assert!(
                (b - exact).abs() <= 1e-9 * (1.0 + exact),
                "n={n}: {b} vs {exact}"
            );
        }
    }
}

#[test]
fn bound_on_long_curves_is_at_most_the_exact_isotonic_cost() {
    // n > STACK: the pass closes a segment whenever its stack is full; the sum over segments is a
    // lower bound on the exact isotonic cost of the whole curve
    let mut rng = Rng(19);
    for (i, &n) in [300usize, 1000, 2000, 4000].iter().enumerate() {
        for (j, &(zeta, noise)) in [
            (0.15, 0.02),
            (0.5, 0.02),
            (0.9, 0.02),
            (0.3, 1e-3),
            (0.9, 1e-4),
        ]
        .iter()
        .enumerate()
        {
            let (t, y) = osc_curve(n, zeta, 2.0 + (i + j) as f64, noise, &mut rng);
            let cv = Curve::new(&t, &y, None).unwrap();
            let ones = vec![1.0; n];
            let neg: Vec<f64> = y.iter().map(|v| -v).collect();
            let exact = 0.5 * isotonic_reference(&y, &ones).min(isotonic_reference(&neg, &ones));
            let b = monotone_cost_bound(&cv);
            assert!(
                b <= exact * (1.0 + 1e-9),
                "n={n} zeta={zeta}: {b} > {exact}"
            );
            // noisy curves pool into fewer than STACK blocks: one segment, the exact cost; the
            // nearly noiseless ones may split (0.84 of the exact cost at n = 2000, zeta = 0.3)
            let keep = if noise > 0.01 { 1.0 - 1e-9 } else { 0.5 };
            assert!(b >= keep * exact, "n={n} zeta={zeta}: {b} vs exact {exact}");
        }
    }
}

#[test]
fn bound_never_exceeds_a_monotone_fit() {
    // saturation and critical fits (monotone laws) cost at least the bound, on long curves too
    let mut rng = Rng(11);
    let mut oscillating_bound_above_noise = 0;
    for (i, &n) in [200usize, 1000, 2000, 333]
        .iter()
        .cycle()
        .take(24)
        .enumerate()
    {
        let zeta = [0.2, 0.5, 0.9, 1.0, 2.0, 3.0][i % 6];
        let (t, y) = osc_curve(n, zeta, 1.0 + (i % 5) as f64, 0.02, &mut rng);
        let cv = Curve::new(&t, &y, None).unwrap();
        let b = monotone_cost_bound(&cv);
        for set in [ParamSet::Saturation, ParamSet::Critical] {
            for start in [Start::Data, Start::Regimes] {
                if let Ok(f) = fit(set, &t, &y, None, start, &Options::default()) {
                    assert!(
                        f.cost >= b * (1.0 - 1e-12),
                        "{set:?} n={n}: cost {} < bound {b}",
                        f.cost
                    );
                }
            }
        }
        // running max: a monotone sequence at the points
        let mut m = f64::NEG_INFINITY;
        let run: f64 = y
            .iter()
            .map(|&v| {
                m = m.max(v);
                0.5 * (m - v).powi(2)
            })
            .sum();
        assert!(run >= b * (1.0 - 1e-12));
        if zeta < 0.6 && b > 4.0 * 0.5 * n as f64 * 0.02f64.powi(2) {
            oscillating_bound_above_noise += 1;
        }
    }
    // the bound is informative: on clearly oscillating curves it is well above the noise cost
    assert!(
        oscillating_bound_above_noise >= 4,
        "{oscillating_bound_above_noise}"
    );
}

#[test]
fn auto_choice_matches_every_set_fitted() {
    // the skipped sets could not have won: AUTO's AICc is at most that of every set fitted from
    // the data (default path) on these curves, and never worse than the full oscillator's
    let mut rng = Rng(3);
    for i in 0..24 {
        let n = [200usize, 2000][i % 2];
        let zeta = [0.2, 0.4, 0.7, 1.0, 1.5, 2.5][i % 6];
        let (t, y) = osc_curve(n, zeta, 1.0 + (i % 4) as f64, 0.02, &mut rng);
        let a = fit_auto(&t, &y, None, &Options::default()).unwrap();
        let full = fit(
            ParamSet::Full,
            &t,
            &y,
            None,
            Start::Data,
            &Options::default(),
        )
        .unwrap();
        assert!(a.aicc <= full.aicc + 1e-9 * full.aicc.abs(), "curve {i}");
        for set in [ParamSet::Saturation, ParamSet::Critical] {
            if let Ok(f) = fit(set, &t, &y, None, Start::Regimes, &Options::default()) {
                assert!(
                    a.aicc <= f.aicc + 1e-9 * f.aicc.abs(),
                    "curve {i}: {set:?} {} < {}",
                    f.aicc,
                    a.aicc
                );
            }
        }
    }
}

#[test]
fn bound_does_not_underflow_with_tiny_weights() {
    // a point of weight 3.7e-294 (a fuzz case): the block term (sum w v)^2 / sum w underflowed
    // to 0, leaving the bound at w v^2 (about 1e-291) although the decreasing fit is exact
    let (t, y, w) = (
        [0.0, 1.0, 2.0],
        [17.476, 0.771, 0.771],
        [3.7209743448696e-294, 1.0, 1.0],
    );
    let cv = Curve::new(&t, &y, Some(&w)).unwrap();
    let b = monotone_cost_bound(&cv);
    assert!(b <= 1e-300, "{b}");
}
