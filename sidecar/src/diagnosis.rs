//! The diagnosis of a run in the summary: the four diagnostics of `grpo_dynamics::diagnostics`
//! on the rows kept, each on the rows that log its quantity, with the evidence behind every
//! verdict (the numbers and the thresholds they were compared with) and, for a diagnostic that
//! did not run, why (docs/diagnostics.md "Evidence").
//!
//! JSON (`summary.diagnosis`): `headline`, `severity`, `instability` (verdict), `hacking`,
//! `degeneracy`, `concentration` (short forms), and `evidence.{instability, reward_hacking,
//! degeneracy, concentration}`: an object with the numbers and `thresholds`, or
//! `{"skipped": reason}`. The reasons are also in `summary.skipped`.

use crate::keys::Field;
use crate::run::Row;
use grpo_dynamics::diagnostics::{
    diagnose, headline, ConcentrationReport, CurveFit, DegeneracyReport, DiagnoseInput,
    DiagnoseOptions, Diagnosis, HackingReport, InstabilityReport, Severity,
};
use serde_json::{json, Map, Value};

/// Fewest rows a diagnostic needs (the predictor's first fit).
pub const MIN_ROWS: usize = 6;

fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

fn opt(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}

/// What the diagnosis reads besides the rows.
pub struct Context {
    /// The fit of the whole run (the predictor's), or why there is none.
    pub fit: Result<CurveFit<f64>, String>,
    /// Reward bounds in force.
    pub bounds: (f64, f64),
    /// Attainable maximum of the eval reward.
    pub eval_max: f64,
    /// Group size `G` when known.
    pub group_size: Option<u32>,
}

/// The step of series index `i` (`null` when out of range).
fn step_at(steps: &[f64], i: usize) -> Value {
    steps.get(i).copied().map_or(Value::Null, num)
}

fn instability_json(i: &InstabilityReport<f64>, steps: &[f64], o: &DiagnoseOptions<f64>) -> Value {
    let e = &i.evidence;
    let drop = match i.level_drop {
        Some(l) => json!({
            "detected": l.detected,
            "window": l.window,
            "sigma": num(l.sigma),
            "current": num(l.current),
            "best": num(l.best),
            "best_end_step": step_at(steps, l.best_end),
            "floor": num(l.floor),
            "z": num(l.z),
            "z_crit": num(l.z_crit),
            "lost": num(l.lost),
            "thresholds": {"alpha": num(o.drop.alpha), "min_lost": num(l.min_lost)},
        }),
        None => json!({"skipped": format!(
            "too few points for the level-drop test ({} given, 3 max({}, {} n) needed)",
            steps.len(), o.drop.min_window, o.drop.window_fraction
        )}),
    };
    json!({
        "verdict": format!("{:?}", i.verdict),
        "severity": format!("{:?}", i.verdict.severity()),
        "margin": opt(e.margin),
        "exactly_unstable": e.exactly_unstable,
        "prop9_threshold": num(i.prop9_threshold),
        "critical_lag": num(i.critical_lag),
        "zeta_hat": opt(e.zeta_hat),
        "class": e.class.map(|c| format!("{c:?}")),
        "level_drop": drop,
    })
}

fn hacking_json(h: &HackingReport<f64>, steps: usize, o: &DiagnoseOptions<f64>) -> Value {
    json!({
        "verdict": format!("{:?}", h.verdict),
        "severity": format!("{:?}", h.severity()),
        "steps": steps,
        "plateau_ratio": num(h.phi),
        "train_gain": num(h.train_gain),
        "eval_gain": num(h.eval_gain),
        "late_slope": num(h.late_slope),
        "late_train_gain": num(h.late_train_gain),
        "thresholds": {
            "phi_hacking": num(o.hacking.phi_hacking),
            "phi_suspect": num(o.hacking.phi_suspect),
            "min_late_train_gain": num(o.hacking.min_late_train_gain),
        },
    })
}

fn degeneracy_json(
    g: &DegeneracyReport<f64>,
    group: Option<u32>,
    o: &DiagnoseOptions<f64>,
) -> Value {
    json!({
        "severity": format!("{:?}", g.severity),
        "observed": num(g.observed),
        "predicted": num(g.predicted),
        "heterogeneous": g.heterogeneous,
        "group_size": group,
        "thresholds": {
            "warn": num(o.degeneracy.warn),
            "critical": num(o.degeneracy.critical),
            "heterogeneity": num(o.degeneracy.heterogeneity),
        },
    })
}

fn concentration_json(
    c: &ConcentrationReport<f64>,
    steps: &[f64],
    o: &DiagnoseOptions<f64>,
) -> Value {
    json!({
        "verdict": format!("{:?}", c.verdict),
        "severity": format!("{:?}", c.severity()),
        "entropy_ratio": num(c.entropy_ratio),
        "h0": num(c.h0),
        "window": c.window,
        "collapse_step": c.collapse_index.map_or(Value::Null, |i| step_at(steps, i)),
        "reward_at_collapse": num(c.reward_at_collapse),
        "plateau": num(c.plateau),
        "headroom": num(c.headroom),
        "gap_fraction": num(c.gap_fraction),
        "thresholds": {
            "collapse_ratio": num(o.concentration.collapse_ratio),
            "premature_gap": num(o.concentration.premature_gap),
        },
    })
}

/// The diagnosis object and the skip reasons (diagnostic -> why), over `rows` (those with a
/// reward).
pub fn diagnosis(rows: &[&Row], ctx: &Context) -> (Value, Map<String, Value>) {
    let (lo, hi) = ctx.bounds;
    let opts = DiagnoseOptions::default();
    let series = |f: Field| -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut s = Vec::new();
        let mut r = Vec::new();
        let mut x = Vec::new();
        for row in rows {
            if let (Some(rv), Some(xv)) = (row.get(Field::Reward), row.get(f)) {
                s.push(row.step);
                r.push(rv);
                x.push(xv);
            }
        }
        (s, r, x)
    };
    // (eval, zero-std, entropy) series, each at the steps given
    type Extra<'a> = (Option<&'a [f64]>, Option<&'a [f64]>, Option<&'a [f64]>);
    let run = |steps: &[f64], reward: &[f64], extra: Extra| -> Result<Diagnosis<f64>, String> {
        let fit = ctx.fit.clone()?;
        let mut din = DiagnoseInput::new(reward);
        din.steps = Some(steps);
        din.r_min = lo;
        din.r_max = hi;
        din.r_max_eval = ctx.eval_max;
        din.group_size = ctx.group_size;
        (din.eval_reward, din.zero_std_frac, din.entropy) = extra;
        diagnose(&din, &fit, &opts).map_err(|e| e.to_string())
    };
    let mut skipped = Map::new();
    let mut evidence = Map::new();
    let skip = |skipped: &mut Map<String, Value>, k: &str, why: String| {
        skipped.insert(k.into(), json!(why));
    };
    // every skipped diagnostic gets `{"skipped": why}` in the evidence
    let fill = |evidence: &mut Map<String, Value>, skipped: &Map<String, Value>| {
        for (k, why) in skipped {
            evidence.insert(k.clone(), json!({ "skipped": why }));
        }
    };
    let (steps, reward, _) = series(Field::Reward);
    let base = match run(&steps, &reward, (None, None, None)) {
        Ok(d) => d,
        Err(e) => {
            let mut v = json!({"status": e});
            for k in [
                "reward_hacking",
                "degeneracy",
                "concentration",
                "instability",
            ] {
                skip(&mut skipped, k, format!("the reward curve: {e}"));
            }
            fill(&mut evidence, &skipped);
            v["evidence"] = Value::Object(evidence);
            return (v, skipped);
        }
    };
    let mut v = json!({
        "instability": format!("{:?}", base.instability.verdict),
    });
    evidence.insert(
        "instability".into(),
        instability_json(&base.instability, &steps, &opts),
    );
    let sev_i = base.instability.verdict.severity();
    let why_few = |what: &str, n: usize| {
        if n == 0 {
            format!("no {what}")
        } else {
            format!("{what} at {n} steps with a reward ({MIN_ROWS} needed)")
        }
    };
    // E1: reward hacking
    let (s, r, ev) = series(Field::Eval);
    let mut sev_h = Severity::Ok;
    if ev.len() < MIN_ROWS {
        skip(
            &mut skipped,
            "reward_hacking",
            why_few("eval reward", ev.len()),
        );
    } else if !hi.is_finite() {
        skip(
            &mut skipped,
            "reward_hacking",
            "unbounded train reward (set --reward-max)".into(),
        );
    } else if !ctx.eval_max.is_finite() {
        skip(
            &mut skipped,
            "reward_hacking",
            "unbounded eval reward (--eval-max)".into(),
        );
    } else {
        match run(&s, &r, (Some(&ev), None, None)) {
            Ok(d) => {
                if let Some(h) = d.hacking {
                    sev_h = h.severity();
                    v["hacking"] = json!({"verdict": format!("{:?}", h.verdict), "plateau_ratio": num(h.phi), "steps": ev.len()});
                    evidence.insert("reward_hacking".into(), hacking_json(&h, ev.len(), &opts));
                }
            }
            Err(e) => skip(&mut skipped, "reward_hacking", e),
        }
    }
    // E2: advantage degeneracy
    let (s, r, z) = series(Field::ZeroStd);
    let mut sev_d = Severity::Ok;
    if z.len() < MIN_ROWS {
        skip(
            &mut skipped,
            "degeneracy",
            why_few("frac_reward_zero_std", z.len()),
        );
    } else if ctx.group_size.is_none() {
        skip(&mut skipped, "degeneracy", "needs --group-size".into());
    } else if !(lo.is_finite() && hi.is_finite()) {
        skip(
            &mut skipped,
            "degeneracy",
            "unbounded reward (set --reward-min and --reward-max)".into(),
        );
    } else {
        match run(&s, &r, (None, Some(&z), None)) {
            Ok(d) => {
                if let Some(g) = d.degeneracy {
                    sev_d = g.severity;
                    v["degeneracy"] = json!({"severity": format!("{:?}", g.severity), "observed": num(g.observed), "predicted": num(g.predicted), "heterogeneous": g.heterogeneous});
                    evidence.insert(
                        "degeneracy".into(),
                        degeneracy_json(&g, ctx.group_size, &opts),
                    );
                }
            }
            Err(e) => skip(&mut skipped, "degeneracy", e),
        }
    }
    // E3: policy concentration
    let (s, r, h) = series(Field::Entropy);
    let mut sev_c = Severity::Ok;
    if h.len() < MIN_ROWS {
        skip(&mut skipped, "concentration", why_few("entropy", h.len()));
    } else {
        match run(&s, &r, (None, None, Some(&h))) {
            Ok(d) => {
                if let Some(c) = d.concentration {
                    sev_c = c.severity();
                    v["concentration"] = json!({"verdict": format!("{:?}", c.verdict), "entropy_ratio": num(c.entropy_ratio), "collapse_step": c.collapse_index.map_or(Value::Null, |i| step_at(&s, i)), "gap_fraction": num(c.gap_fraction)});
                    evidence.insert("concentration".into(), concentration_json(&c, &s, &opts));
                }
            }
            Err(e) => skip(&mut skipped, "concentration", e),
        }
    }
    let (head, sev) = headline(sev_h, sev_d, sev_c, sev_i);
    v["headline"] = json!(format!("{head:?}"));
    v["severity"] = json!(format!("{sev:?}"));
    fill(&mut evidence, &skipped);
    v["evidence"] = Value::Object(evidence);
    (v, skipped)
}

/// One clause per diagnostic for `--format text`: the verdict and the numbers against their
/// thresholds, or why it was skipped.
pub fn evidence_text(d: &Value) -> String {
    let Some(ev) = d.get("evidence").and_then(Value::as_object) else {
        return String::new();
    };
    let f = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_f64)
            .map_or("n/a".to_string(), |x| format!("{x:.3}"))
    };
    let s = |v: &Value, k: &str| {
        v.get(k)
            .map(|x| x.as_str().map_or(x.to_string(), String::from))
            .unwrap_or_default()
    };
    // a training step as logged (827, not 827.0)
    let st = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_f64)
            .map_or("n/a".to_string(), |x| format!("{x}"))
    };
    let mut parts = Vec::new();
    for (k, v) in ev {
        if let Some(why) = v.get("skipped").and_then(Value::as_str) {
            parts.push(format!("{k} skipped ({why})"));
            continue;
        }
        let t = v.get("thresholds").cloned().unwrap_or(Value::Null);
        let text = match k.as_str() {
            "instability" => {
                let l = &v["level_drop"];
                let drop = match l.get("skipped").and_then(Value::as_str) {
                    Some(why) => format!("level drop skipped ({why})"),
                    None => format!(
                        "level drop z {} vs z_crit {}, lost {} vs {} from best {} at step {} to {}",
                        f(l, "z"),
                        f(l, "z_crit"),
                        f(l, "lost"),
                        f(&l["thresholds"], "min_lost"),
                        f(l, "best"),
                        st(l, "best_end_step"),
                        f(l, "current")
                    ),
                };
                format!("instability {} ({drop})", s(v, "verdict"))
            }
            "reward_hacking" => format!(
                "reward_hacking {} (Phi {} vs {}/{}, late slope {})",
                s(v, "verdict"),
                f(v, "plateau_ratio"),
                f(&t, "phi_hacking"),
                f(&t, "phi_suspect"),
                f(v, "late_slope")
            ),
            "degeneracy" => format!(
                "degeneracy {} (D_obs {} vs {}/{}, p^G+(1-p)^G {})",
                s(v, "severity"),
                f(v, "observed"),
                f(&t, "warn"),
                f(&t, "critical"),
                f(v, "predicted")
            ),
            "concentration" => {
                let at = if v["collapse_step"].is_null() {
                    String::new()
                } else {
                    format!(
                        ", collapse from step {} with reward {}, gap {} vs {} of the headroom to {}",
                        st(v, "collapse_step"),
                        f(v, "reward_at_collapse"),
                        f(v, "gap_fraction"),
                        f(&t, "premature_gap"),
                        f(v, "plateau")
                    )
                };
                format!(
                    "concentration {} (entropy ratio {} vs {}{at})",
                    s(v, "verdict"),
                    f(v, "entropy_ratio"),
                    f(&t, "collapse_ratio")
                )
            }
            _ => continue,
        };
        parts.push(text);
    }
    parts.join("; ")
}
