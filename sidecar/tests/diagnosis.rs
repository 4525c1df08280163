//! The same run gives the same diagnosis, verdicts and evidence whatever the log format or key
//! names it comes in (issue 19), and the summary carries the evidence of every diagnostic (the
//! numbers and thresholds) or why it was skipped, in JSON and in `--format text`. Real runs:
//! `GRPO_CURVES_DIR` (default `../shared/data/curves`) and `<curves>/../logs`; skipped with a
//! message when absent.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_grpo-sidecar"))
}

fn curves_dir() -> PathBuf {
    std::env::var_os("GRPO_CURVES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/curves"))
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("grpo-sidecar-diag-{}-{name}", std::process::id()))
}

/// The summary (last line) of the sidecar on `path` with `args`.
fn summary(path: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(bin()).arg(path).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().expect("a summary line");
    serde_json::from_str(last).unwrap()
}

/// The summary of `text` written to a temporary file named `name`.
fn summary_of(name: &str, text: &str, args: &[&str]) -> serde_json::Value {
    let path = tmp(name);
    std::fs::write(&path, text).unwrap();
    let s = summary(&path, args);
    let _ = std::fs::remove_file(&path);
    s
}

/// Columns step, reward, entropy, frac_reward_zero_std of a shared curve (None when absent).
type Cols = Vec<(f64, f64, Option<f64>, Option<f64>)>;

fn columns(name: &str) -> Option<Cols> {
    let text = std::fs::read_to_string(curves_dir().join(name)).ok()?;
    let mut it = text.lines();
    let head: Vec<&str> = it.next()?.split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n);
    let (s, r, h, z) = (
        col("step")?,
        col("reward")?,
        col("entropy"),
        col("frac_reward_zero_std"),
    );
    Some(
        it.filter_map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let get = |i: Option<usize>| i.and_then(|i| c.get(i)?.trim().parse::<f64>().ok());
            Some((get(Some(s))?, get(Some(r))?, get(h), get(z)))
        })
        .collect(),
    )
}

/// `"key": value` pairs of a row (the optional columns when present).
fn pairs(row: &(f64, f64, Option<f64>, Option<f64>), keys: [&str; 4], q: char) -> String {
    let mut p = vec![
        format!("{q}{}{q}: {}", keys[0], row.0),
        format!("{q}{}{q}: {}", keys[1], row.1),
    ];
    if let Some(h) = row.2 {
        p.push(format!("{q}{}{q}: {h}", keys[2]));
    }
    if let Some(z) = row.3 {
        p.push(format!("{q}{}{q}: {z}", keys[3]));
    }
    p.join(", ")
}

/// The diagnosis part of a summary: the diagnosis object (verdicts, headline, evidence) and the
/// skip reasons.
fn diagnosis(s: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({"diagnosis": s["diagnosis"], "skipped": s["skipped"]})
}

/// One shared run written in several formats and key spellings: TRL JSON lines, verl keys,
/// a W&B CSV export, TRL `trainer_state.json`, custom names with `--*-key` overrides, and the
/// curve CSV itself. Every diagnosis must be identical to the CSV's, evidence included.
fn same_everywhere(curve: &str, args: &[&str]) -> Option<serde_json::Value> {
    let rows = columns(curve)?;
    let base = summary(&curves_dir().join(curve), args);
    let want = diagnosis(&base);
    let trl = ["step", "reward", "entropy", "frac_reward_zero_std"];
    let verl = [
        "step",
        "critic/score/mean",
        "actor/entropy",
        "frac_reward_zero_std",
    ];
    let mut variants: Vec<(String, serde_json::Value)> = Vec::new();
    let jl = |keys: [&str; 4]| {
        rows.iter()
            .map(|r| format!("{{{}}}\n", pairs(r, keys, '"')))
            .collect::<String>()
    };
    variants.push(("trl.jsonl".into(), summary_of("trl.jsonl", &jl(trl), args)));
    variants.push((
        "verl.jsonl".into(),
        summary_of("verl.jsonl", &jl(verl), args),
    ));
    // verl nested under "data"
    let nested: String = rows
        .iter()
        .map(|r| {
            let inner = pairs(r, verl, '"');
            let inner = inner.split_once(", ").map_or("", |x| x.1).to_string();
            format!("{{\"step\": {}, \"data\": {{{inner}}}}}\n", r.0)
        })
        .collect();
    variants.push((
        "verl-nested.jsonl".into(),
        summary_of("nested.jsonl", &nested, args),
    ));
    // trainer_state.json
    let body: Vec<String> = rows
        .iter()
        .map(|r| format!("    {{{}}}", pairs(r, trl, '"')))
        .collect();
    let state = format!("{{\"log_history\": [\n{}\n  ]}}\n", body.join(",\n"));
    variants.push((
        "trainer_state.json".into(),
        summary_of("trainer_state.json", &state, args),
    ));
    // W&B export: "<run> - train/reward" headers
    let has_h = rows.iter().any(|r| r.2.is_some());
    let has_z = rows.iter().any(|r| r.3.is_some());
    let mut csv = String::from("\"Step\",\"run-7 - train/reward\"");
    if has_h {
        csv += ",\"run-7 - train/entropy\"";
    }
    if has_z {
        csv += ",\"run-7 - train/frac_reward_zero_std\"";
    }
    csv += "\n";
    for r in &rows {
        csv += &format!("{},{}", r.0, r.1);
        if has_h {
            csv += &format!(",{}", r.2.map_or(String::new(), |x| x.to_string()));
        }
        if has_z {
            csv += &format!(",{}", r.3.map_or(String::new(), |x| x.to_string()));
        }
        csv += "\n";
    }
    variants.push(("wandb.csv".into(), summary_of("wandb.csv", &csv, args)));
    // custom key names, mapped with the overrides
    let custom = ["it", "my_score", "my_ent", "my_zero"];
    let mut over = args.to_vec();
    over.extend(["--step-key", "it", "--reward-key", "my_score"]);
    if has_h {
        over.extend(["--entropy-key", "my_ent"]);
    }
    if has_z {
        over.extend(["--zero-std-key", "my_zero"]);
    }
    variants.push((
        "custom keys".into(),
        summary_of("custom.jsonl", &jl(custom), &over),
    ));
    for (name, s) in &variants {
        assert_eq!(s["points"], base["points"], "{curve} as {name}");
        assert_eq!(diagnosis(s), want, "{curve} as {name}");
    }
    Some(base)
}

/// The sunshine G3 "collapsed" run (flat near zero: TRL keys in the source, verl keys in the
/// issue's trial) and the rho0.7 collapse (entropy and frac_reward_zero_std logged, G = 4):
/// the same diagnosis, verdicts and evidence in every format and key spelling.
#[test]
fn same_diagnosis_whatever_the_format() {
    let g3 = "sunshine-qwen35-9b-gsm8k-rho3-s42-G3-collapse.csv";
    let Some(s) = same_everywhere(g3, &["--group-size", "3"]) else {
        eprintln!("skipped: no {g3}");
        return;
    };
    // no entropy: concentration skipped and said so
    assert_eq!(s["skipped"]["concentration"], "no entropy");
    assert_eq!(
        s["diagnosis"]["evidence"]["concentration"]["skipped"],
        "no entropy"
    );
    let rho = "sunshine-qwen35-9b-gsm8k-rho0.7-s44-collapse.csv";
    let s = same_everywhere(rho, &["--group-size", "4"]).expect("shared curve");
    assert_eq!(s["diagnosis"]["headline"], "DynamicalInstability");
    let l = &s["diagnosis"]["evidence"]["instability"]["level_drop"];
    assert_eq!(l["detected"], true, "{s}");
    assert!(l["z"].as_f64().unwrap() > l["z_crit"].as_f64().unwrap());
    assert!(l["lost"].as_f64().unwrap() > l["thresholds"]["min_lost"].as_f64().unwrap());
    let g = &s["diagnosis"]["evidence"]["degeneracy"];
    assert_eq!(g["group_size"], 4);
    assert_eq!(g["thresholds"]["warn"], 0.5);
    let alf = "happynessi-qwen-alfworld-grpo-sftinit-mis.csv";
    same_everywhere(alf, &[]).expect("shared curve");
}

/// The real verl metrics export of alfworld sftinit-mis (`shared/data/logs`) and the curve CSV
/// converted from it give the same diagnosis and evidence; the evidence of E3 is the numbers
/// of `grpo_dynamics::diagnostics::entropy_ratio` (collapse at step 235, at the plateau).
#[test]
fn real_verl_log_and_its_curve_agree() {
    let log = curves_dir().join("../logs/happynessi-alfworld-sftinit-mis.verl_metrics.csv");
    let curve = curves_dir().join("happynessi-qwen-alfworld-grpo-sftinit-mis.csv");
    if !log.exists() || !curve.exists() {
        eprintln!("skipped: no {}", log.display());
        return;
    }
    let a = summary(&log, &[]);
    let b = summary(&curve, &[]);
    assert_eq!(a["keys"]["reward"], "critic_score_mean");
    assert_eq!(a["keys"]["entropy"], "actor_entropy");
    assert_eq!(diagnosis(&a), diagnosis(&b));
    let c = &a["diagnosis"]["evidence"]["concentration"];
    assert_eq!(c["verdict"], "Collapsed", "{c}");
    assert_eq!(c["severity"], "Ok");
    assert_eq!(c["collapse_step"], 235.0);
    assert!(
        c["gap_fraction"].as_f64().unwrap() < c["thresholds"]["premature_gap"].as_f64().unwrap()
    );
    assert!(c["entropy_ratio"].as_f64().unwrap() < 0.2);
    assert_eq!(c["window"], 32);
    for k in ["reward_hacking", "degeneracy"] {
        assert!(
            a["diagnosis"]["evidence"][k]["skipped"].is_string(),
            "{k}: {a}"
        );
        assert_eq!(a["diagnosis"]["evidence"][k]["skipped"], a["skipped"][k]);
    }
}

/// `--format text`: the summary line carries each diagnostic's verdict with its numbers and
/// thresholds, and the skipped ones with their reason.
#[test]
fn text_summary_carries_the_evidence() {
    let path = curves_dir().join("happynessi-qwen-babyai-grpo-sftinit-dapo.csv");
    if !path.exists() {
        eprintln!("skipped: no {}", path.display());
        return;
    }
    let out = Command::new(bin())
        .arg(&path)
        .args(["--format", "text"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap();
    assert!(last.contains("diagnosis PolicyConcentration"), "{last}");
    assert!(
        last.contains(
            "concentration Premature (entropy ratio 0.051 vs 0.200, collapse from step 827"
        ),
        "{last}"
    );
    assert!(last.contains("vs 0.100 of the headroom"), "{last}");
    assert!(last.contains("instability Stable (level drop z "), "{last}");
    assert!(
        last.contains("reward_hacking skipped (no eval reward)"),
        "{last}"
    );
    assert!(
        last.contains("degeneracy skipped (no frac_reward_zero_std)"),
        "{last}"
    );
    let s = summary(&path, &[]);
    let c = &s["diagnosis"]["evidence"]["concentration"];
    assert_eq!(c["verdict"], "Premature");
    assert_eq!(c["collapse_step"], 827.0);
    assert_eq!(c["thresholds"]["collapse_ratio"], 0.2);
}
