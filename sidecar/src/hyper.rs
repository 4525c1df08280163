//! The summary's `hyper` object (issue 18, clarifications "Hyperparameter advice"): the curvature
//! `K` calibrated on the logged reward curve with the run's settings (`--lr`, `--beta1`,
//! `--kref` or `--num-iterations` x `--steps-per-generation`), and the what-if answers.

use grpo_dynamics::bandit::Lag;
use grpo_dynamics::calibrate::{calibrate, Settings};
use grpo_dynamics::stability::CurveClass;
use grpo_dynamics::ErrorKind;
use serde_json::{json, Map, Value};

/// The run's settings from the command line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HyperArgs {
    pub lr: f64,
    pub beta1: f64,
    pub kref: u32,
    pub whatif_lr: Option<f64>,
}

fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

fn regime(r: CurveClass) -> &'static str {
    match r {
        CurveClass::Monotone => "monotone",
        CurveClass::Overshooting => "overshooting",
        CurveClass::Oscillatory => "oscillatory",
    }
}

/// `hyper` for the curve `(steps, rewards)`: numbers (null where not determined), `regime` a
/// string (`"undetermined"` when the curve's tail does not fix `K`), `whatif` with `--whatif-lr`.
/// A curve that cannot be calibrated at all gives `{"error": message}`.
pub fn hyper_json(steps: &[f64], rewards: &[f64], h: &HyperArgs) -> Value {
    let s = Settings {
        lag: Lag::Periodic,
        smooth: (rewards.len() / 20) | 1,
        ..Settings::new(h.lr, h.beta1, h.kref)
    };
    let cal = match calibrate(steps, rewards, &s) {
        Ok(c) => c,
        Err(e) => return json!({ "error": e.to_string() }),
    };
    let mut m = Map::new();
    match cal.k() {
        Ok(k) => {
            m.insert("k".into(), num(k.value));
            m.insert("k_lo80".into(), num(k.lo));
            m.insert("k_hi80".into(), num(k.hi));
            let v = |r: Result<f64, grpo_dynamics::Error>| r.map(num).unwrap_or(Value::Null);
            m.insert("zeta".into(), v(cal.zeta_at(h.kref).map(|z| z.value)));
            m.insert(
                "regime".into(),
                cal.regime_at(h.kref)
                    .map(|r| json!(regime(r.regime)))
                    .unwrap_or(Value::Null),
            );
            m.insert(
                "critical_kref".into(),
                v(cal.critical_kref().map(|c| c.exact.value)),
            );
            m.insert(
                "largest_stable_lr".into(),
                v(cal.largest_stable_lr().map(|e| e.value)),
            );
            m.insert(
                "largest_monotone_lr".into(),
                v(cal.largest_monotone_lr().map(|e| e.value)),
            );
        }
        Err(e) => {
            debug_assert_eq!(e.kind(), ErrorKind::Undetermined);
            for key in ["k", "k_lo80", "k_hi80", "zeta"] {
                m.insert(key.into(), Value::Null);
            }
            m.insert("regime".into(), json!("undetermined"));
            for key in ["critical_kref", "largest_stable_lr", "largest_monotone_lr"] {
                m.insert(key.into(), Value::Null);
            }
        }
    }
    if let Some(x) = h.whatif_lr {
        let t50 = cal.t50(x).map(|e| num(e.value)).unwrap_or(Value::Null);
        let t90 = cal.t90(x).map(|e| num(e.value)).unwrap_or(Value::Null);
        m.insert("whatif".into(), json!({"lr": x, "t50": t50, "t90": t90}));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_tail_gives_numbers_and_whatif() {
        // r = 0.8 - 0.6 exp(-t/40): on-policy mu = 0.9, K = (1 + mu - rho - mu/rho)/lr
        let t: Vec<f64> = (0..200).map(|i| i as f64).collect();
        let r: Vec<f64> = t.iter().map(|x| 0.8 - 0.6 * (-x / 40.0).exp()).collect();
        let h = HyperArgs {
            lr: 1e-3,
            beta1: 0.9,
            kref: 1,
            whatif_lr: Some(2e-3),
        };
        let v = hyper_json(&t, &r, &h);
        let rho = (-1.0f64 / 40.0).exp();
        let k = (1.0 + 0.9 - rho - 0.9 / rho) / 1e-3;
        let got = v["k"].as_f64().unwrap();
        assert!((got - k).abs() < 1e-2 * k, "{v}");
        assert_eq!(v["regime"], "monotone");
        // t50 at double lr: D + (t_c - D)/2 with D = 1.9/0.2 = 9.5; t_c is where the curve
        // crosses r0 + (0.8 - r0)/2, r0 = the first point smoothed over its clipped window
        // (points 0..=5 of the 11-point window)
        let r0 = r[..6].iter().sum::<f64>() / 6.0;
        let tc = -40.0 * ((0.8 - (r0 + 0.8) / 2.0) / 0.6).ln();
        let t50 = v["whatif"]["t50"].as_f64().unwrap();
        let want = 9.5 + (tc - 9.5) / 2.0;
        assert!((t50 - want).abs() < 0.3, "{t50} vs {want}");
    }
}
