//! The summary's `hyper` object (issue 18, clarifications "Hyperparameter advice"): the curvature
//! `K` calibrated on the logged reward curve with the run's settings (`--lr`, `--beta1`,
//! `--kref` or `--num-iterations` x `--steps-per-generation`), and the what-if answers.

use grpo_dynamics::bandit::Lag;
use grpo_dynamics::calibrate::{calibrate, Estimate, Settings};
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

/// `hyper` for the curve `(steps, rewards)`: numbers (null where not determined), each with its
/// 80 % interval propagated from K's (`<key>_lo80`, `<key>_hi80`), `regime` a string at K and
/// at the ends of K's interval (`"undetermined"` when the curve's tail does not fix `K`),
/// `whatif` with `--whatif-lr` (`t50`, `t90` and their intervals).
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
            // each answer with the 80 % interval propagated from K's (docs/calibration.md)
            let mut est = |key: &str, r: Result<Estimate<f64>, grpo_dynamics::Error>| {
                let (v, lo, hi) =
                    r.map_or((f64::NAN, f64::NAN, f64::NAN), |e| (e.value, e.lo, e.hi));
                m.insert(key.into(), num(v));
                m.insert(format!("{key}_lo80"), num(lo));
                m.insert(format!("{key}_hi80"), num(hi));
            };
            est("zeta", cal.zeta_at(h.kref));
            est("critical_kref", cal.critical_kref().map(|c| c.exact));
            est("largest_stable_lr", cal.largest_stable_lr());
            est("largest_monotone_lr", cal.largest_monotone_lr());
            let r = cal.regime_at(h.kref);
            m.insert(
                "regime".into(),
                r.map(|r| json!(regime(r.regime))).unwrap_or(Value::Null),
            );
            m.insert(
                "regime_at_k_lo80".into(),
                r.map(|r| json!(regime(r.at_k_lo))).unwrap_or(Value::Null),
            );
            m.insert(
                "regime_at_k_hi80".into(),
                r.map(|r| json!(regime(r.at_k_hi))).unwrap_or(Value::Null),
            );
        }
        Err(e) => {
            debug_assert_eq!(e.kind(), ErrorKind::Undetermined);
            for key in [
                "k",
                "zeta",
                "critical_kref",
                "largest_stable_lr",
                "largest_monotone_lr",
            ] {
                for suffix in ["", "_lo80", "_hi80"] {
                    m.insert(format!("{key}{suffix}"), Value::Null);
                }
            }
            m.insert("regime".into(), json!("undetermined"));
            m.insert("regime_at_k_lo80".into(), json!("undetermined"));
            m.insert("regime_at_k_hi80".into(), json!("undetermined"));
        }
    }
    if let Some(x) = h.whatif_lr {
        let mut w = Map::new();
        w.insert("lr".into(), json!(x));
        for (key, e) in [("t50", cal.t50(x)), ("t90", cal.t90(x))] {
            let (v, lo, hi) = e.map_or((f64::NAN, f64::NAN, f64::NAN), |e| (e.value, e.lo, e.hi));
            w.insert(key.into(), num(v));
            w.insert(format!("{key}_lo80"), num(lo));
            w.insert(format!("{key}_hi80"), num(hi));
        }
        m.insert("whatif".into(), Value::Object(w));
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
        for key in [
            "k",
            "zeta",
            "critical_kref",
            "largest_stable_lr",
            "largest_monotone_lr",
        ] {
            let (x, lo, hi) = (
                v[key].as_f64().unwrap(),
                v[format!("{key}_lo80")].as_f64().unwrap(),
                v[format!("{key}_hi80")].as_f64().unwrap(),
            );
            assert!(lo <= x && x <= hi, "{key}: {v}");
        }
        let w = &v["whatif"];
        assert!(w["t50_lo80"].as_f64().unwrap() <= w["t50"].as_f64().unwrap());
        assert!(w["t90_hi80"].as_f64().unwrap() >= w["t90"].as_f64().unwrap());
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
