//! The `grpo-sidecar` binary end to end: the built-in demo, every shared curve, the real logs of
//! `shared/data/logs` (each must reproduce the step/reward columns of the curve converted from
//! it), samples built from a shared curve in each format's real shape, key overrides, help and
//! version, malformed input. Curves: `GRPO_CURVES_DIR`, default `../shared/data/curves` beside
//! the workspace root; the logs are read from `<curves>/../logs`.
mod common;

use common::{event, record};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_grpo-sidecar"))
}

fn curves_dir() -> PathBuf {
    std::env::var_os("GRPO_CURVES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/curves"))
}

fn logs_dir() -> PathBuf {
    curves_dir().join("../logs")
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("grpo-sidecar-{}-{name}", std::process::id()))
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn ok(out: &Output, what: &str) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = lines(out);
    assert!(
        v.len() >= 2,
        "{what}: expected decision lines and a summary"
    );
    let s = v.last().unwrap().clone();
    check_summary(&s, what);
    s
}

fn check_summary(v: &serde_json::Value, what: &str) {
    for key in [
        "model",
        "plateau",
        "plateau_lo80",
        "plateau_hi80",
        "r2",
        "regime",
        "advice",
        "diagnosis",
        "skipped",
        "first_stop",
        "name",
        "keys",
    ] {
        assert!(v.get(key).is_some(), "{what}: summary lacks {key}: {v}");
    }
    assert_eq!(v["summary"], serde_json::Value::Bool(true));
    let p = v["plateau"].as_f64().expect("finite plateau");
    let lo = v["plateau_lo80"].as_f64().expect("finite lo80");
    let hi = v["plateau_hi80"].as_f64().expect("finite hi80");
    assert!(
        lo <= p && p <= hi,
        "{what}: plateau {p} outside [{lo}, {hi}]"
    );
    assert!(
        v["diagnosis"].get("headline").is_some(),
        "{what}: no headline"
    );
    let advice = v["advice"].as_str().unwrap();
    assert!(
        ["Continue", "StopPlateau", "StopDiverging", "NotReady"].contains(&advice),
        "{advice}"
    );
}

/// (step, reward) columns of a shared curve CSV.
fn curve(name: &str) -> Option<Vec<(f64, f64)>> {
    let text = std::fs::read_to_string(curves_dir().join(name)).ok()?;
    let mut it = text.lines();
    let head: Vec<&str> = it.next()?.split(',').collect();
    let is = head.iter().position(|h| *h == "step")?;
    let ir = head.iter().position(|h| *h == "reward")?;
    Some(
        it.filter_map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let r = c.get(ir)?.trim();
            (!r.is_empty()).then(|| (c[is].parse().unwrap(), r.parse().unwrap()))
        })
        .collect(),
    )
}

/// All columns of a shared curve CSV (header, rows with empty cells as None).
type Table = (Vec<String>, Vec<Vec<Option<f64>>>);

fn table(name: &str) -> Option<Table> {
    let text = std::fs::read_to_string(curves_dir().join(name)).ok()?;
    let mut it = text.lines();
    let head = it.next()?.split(',').map(String::from).collect();
    let rows = it
        .map(|l| l.split(',').map(|c| c.trim().parse().ok()).collect())
        .collect();
    Some((head, rows))
}

/// The (step, reward) of every decision line (`--every 1`: one per logged step).
fn decisions(out: &Output) -> Vec<(f64, f64)> {
    lines(out)
        .iter()
        .filter(|v| v.get("summary").is_none() && v.get("event").is_none())
        .map(|v| (v["step"].as_f64().unwrap(), v["reward"].as_f64().unwrap()))
        .collect()
}

#[test]
fn every_shared_curve_gives_a_summary() {
    let Ok(entries) = std::fs::read_dir(curves_dir()) else {
        eprintln!(
            "skipped: no curves at {} (set GRPO_CURVES_DIR)",
            curves_dir().display()
        );
        return;
    };
    let mut n = 0;
    for e in entries {
        let path = e.unwrap().path();
        if path.extension().and_then(|x| x.to_str()) != Some("csv") || path.ends_with("LABELS.csv")
        {
            continue;
        }
        let out = Command::new(bin()).arg(&path).output().unwrap();
        let s = ok(&out, &path.display().to_string());
        // the cadence and the decision lines follow the file
        let rows = curve(path.file_name().unwrap().to_str().unwrap()).unwrap();
        assert_eq!(
            s["points"].as_u64().unwrap() as usize,
            rows.len(),
            "{}",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 10, "expected the shared curves, found {n}");
}

#[test]
fn builtin_demo_and_svg() {
    let svg = tmp("demo.svg");
    let out = Command::new(bin()).arg("--svg").arg(&svg).output().unwrap();
    let v = ok(&out, "demo");
    assert_eq!(v["input"], "built-in demo");
    assert_eq!(v["points"], 600);
    let doc = std::fs::read_to_string(&svg).unwrap();
    let _ = std::fs::remove_file(&svg);
    assert!(doc.starts_with("<svg") && doc.trim_end().ends_with("</svg>"));
    assert!(
        doc.matches("<circle").count() >= 600,
        "one circle per observed point"
    );
    assert!(doc.contains("<polyline") && doc.contains("<polygon"));
    assert!(doc.contains("built-in demo"), "run name in the plot");
    if v["first_stop"].is_object() {
        assert!(doc.contains("first stop advice: step"));
    }
}

#[test]
fn help_lists_every_option_with_its_default_and_version() {
    let out = Command::new(bin()).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let h = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--follow",
        "--idle-exit",
        "--poll",
        "--every",
        "--format",
        "--svg",
        "--name",
        "--reward-key",
        "--step-key",
        "--eval-key",
        "--entropy-key",
        "--zero-std-key",
        "--select",
        "--input-format",
        "--reward-min",
        "--reward-max",
        "--eval-max",
        "--group-size",
        "--horizon",
        "--help",
        "--version",
    ] {
        assert!(h.contains(flag), "--help lacks {flag}");
    }
    // every option that takes a value states its default
    assert!(h.matches("[default: ").count() >= 19, "{h}");
    let out = Command::new(bin()).arg("-V").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("grpo-sidecar {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Runs on a real log with `--every 1` and compares every decision line with the curve.
fn reproduce(
    log: &str,
    curve_name: &str,
    extra: &[&str],
    f32_values: bool,
) -> Option<serde_json::Value> {
    let path = logs_dir().join(log);
    if !path.exists() {
        eprintln!("skipped: no {} (shared logs absent)", path.display());
        return None;
    }
    let want = curve(curve_name).expect("mapped curve");
    let out = Command::new(bin())
        .arg(&path)
        .args(["--every", "1"])
        .args(extra)
        .output()
        .unwrap();
    let s = ok(&out, log);
    let got = decisions(&out);
    assert_eq!(got.len(), want.len(), "{log}: number of steps");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g.0, w.0, "{log}: step");
        if f32_values {
            // event files hold float32; the CSV prints the shortest float32 representation
            assert_eq!(g.1 as f32, w.1 as f32, "{log}: reward at step {}", g.0);
        } else {
            assert_eq!(g.1, w.1, "{log}: reward at step {}", g.0);
        }
    }
    Some(s)
}

#[test]
fn real_logs_reproduce_their_curves() {
    if let Some(s) = reproduce(
        "alexchilton-lara4070-long.events.out.tfevents",
        "alexchilton-qwen2.5-wordle-grpo-lara4070-long.csv",
        &[],
        true,
    ) {
        assert_eq!(s["format"], "tfevents");
        assert_eq!(s["keys"]["reward"], "train/reward");
        assert_eq!(s["keys"]["entropy"], "train/entropy");
    }
    if let Some(s) = reproduce(
        "alexchilton-threestage-stage2.trainer_state.json",
        "alexchilton-qwen2.5-wordle-grpo-threestage-stage2.csv",
        &[],
        false,
    ) {
        assert_eq!(s["format"], "trainer-state");
        // TRL's separate eval entries are joined by step; this reward leaves [0, 1], so the
        // hacking check (which normalises by the maximum) waits for the bounds
        assert_eq!(s["keys"]["eval_reward"], "eval_reward");
        assert_eq!(
            s["skipped"]["reward_hacking"],
            "unbounded train reward (set --reward-max)"
        );
    }
    if let Some(s) = reproduce(
        "alexchilton-threestage-stage2.trainer_state.json",
        "alexchilton-qwen2.5-wordle-grpo-threestage-stage2.csv",
        &[
            "--reward-min",
            "-3",
            "--reward-max",
            "3",
            "--eval-max",
            "3",
            "--group-size",
            "12",
        ],
        false,
    ) {
        // with bounds and the group size every diagnostic runs (8 eval entries joined by step)
        assert_eq!(s["skipped"], serde_json::json!({}), "{s}");
        assert_eq!(s["diagnosis"]["hacking"]["steps"], 8);
        assert!(s["diagnosis"].get("degeneracy").is_some());
    }
    reproduce(
        "alexchilton-lara4090.trainer_state.json",
        "alexchilton-qwen2.5-0.5b-wordle-grpo-lara4090.csv",
        &[],
        false,
    );
    if let Some(s) = reproduce(
        "aaravarora01-stage1.train_metrics.jsonl",
        "aaravarora01-qwen2.5-3b-memorypoison-grpo-stage1.csv",
        &[],
        false,
    ) {
        assert_eq!(s["format"], "jsonl");
    }
    if let Some(s) = reproduce(
        "happynessi-alfworld-sftinit-mis.verl_metrics.csv",
        "happynessi-qwen-alfworld-grpo-sftinit-mis.csv",
        &[],
        false,
    ) {
        assert_eq!(s["keys"]["reward"], "critic_score_mean");
        assert_eq!(s["keys"]["entropy"], "actor_entropy");
        assert!(s["diagnosis"].get("concentration").is_some());
    }
    for (arm, c) in [
        ("pure-GRPO", "memoryoffish-qwen-game24-grpo-pure.csv"),
        ("SFT-GRPO", "memoryoffish-qwen-game24-grpo-sftinit.csv"),
    ] {
        let sel = format!("arm={arm}");
        if let Some(s) = reproduce(
            "memoryoffish-grpo_curves.verl_arms.csv",
            c,
            &["--select", &sel],
            false,
        ) {
            // validation-only rows carry the eval reward, joined to the train rows by step
            assert_eq!(s["keys"]["eval_reward"], "val/test_score/game24");
            assert!(s["diagnosis"].get("hacking").is_some(), "{s}");
        }
    }
    // TRL stdout: 10 printed dicts among vLLM lines and tqdm bars; the step is the bar's count
    let path = logs_dir().join("nhockid235-trl-stdout.training.log");
    if path.exists() {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        // independent extraction: the number after 'reward': in each dict that has a 'loss'
        let want: Vec<f64> = text
            .split("{'loss'")
            .skip(1)
            .map(|d| {
                let r = d.split("'reward': ").nth(1).unwrap();
                r[..r.find(',').unwrap()].parse().unwrap()
            })
            .collect();
        let out = Command::new(bin())
            .arg(&path)
            .args(["--every", "1"])
            .output()
            .unwrap();
        ok(&out, "trl stdout");
        let got = decisions(&out);
        assert_eq!(got.len(), 10);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g.0, 5.0 * (i + 1) as f64);
            assert_eq!(g.1, *w);
        }
    }
}

/// Shared curve with train reward, eval accuracy (every 20 steps) and entropy.
const RICH: &str = "halflearned-qwen3-1.7b-gsm8k-grpo-lr1e5.csv";

struct Rich {
    rows: Vec<(f64, f64, Option<f64>, Option<f64>)>,
}

fn rich() -> Option<Rich> {
    let (head, rows) = table(RICH)?;
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let (s, r, e, h) = (
        col("step"),
        col("reward"),
        col("eval_accuracy"),
        col("entropy"),
    );
    Some(Rich {
        rows: rows
            .iter()
            .filter(|c| c[r].is_some())
            .map(|c| (c[s].unwrap(), c[r].unwrap(), c[e], c[h]))
            .collect(),
    })
}

/// Runs a built sample; its decision lines must give back the curve, its summary must name the
/// eval and entropy keys and run the hacking and concentration checks.
fn check_sample(
    name: &str,
    text: &[u8],
    data: &Rich,
    extra: &[&str],
    with_eval: bool,
) -> serde_json::Value {
    let path = tmp(name);
    std::fs::write(&path, text).unwrap();
    let out = Command::new(bin())
        .arg(&path)
        .args(["--every", "1"])
        .args(extra)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let s = ok(&out, name);
    let got = decisions(&out);
    assert_eq!(got.len(), data.rows.len(), "{name}");
    for (g, w) in got.iter().zip(&data.rows) {
        assert_eq!((g.0, g.1 as f32), (w.0, w.1 as f32), "{name}");
    }
    assert!(s["diagnosis"].get("concentration").is_some(), "{name}: {s}");
    if with_eval {
        assert!(s["diagnosis"].get("hacking").is_some(), "{name}: {s}");
        assert!(s["skipped"].get("reward_hacking").is_none(), "{name}: {s}");
    } else {
        assert!(s["skipped"]["reward_hacking"]
            .as_str()
            .unwrap()
            .contains("no eval"));
    }
    s
}

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

#[test]
fn every_format_in_its_real_shape() {
    let Some(d) = rich() else {
        eprintln!("skipped: no {RICH}");
        return;
    };
    // W&B "Export CSV": quoted headers "<run> - <key>", __MIN/__MAX columns, empty cells
    let mut t = String::from("\"Step\",\"grpo-lr1e5 - train/reward\",\"grpo-lr1e5 - train/reward__MIN\",\"grpo-lr1e5 - train/reward__MAX\",\"grpo-lr1e5 - train/entropy\",\"grpo-lr1e5 - eval/reward\"\n");
    for (s, r, e, h) in &d.rows {
        t += &format!("{s},{r},{r},{r},{},{}\n", opt(*h), opt(*e));
    }
    let mut heads = Vec::new();
    let v = check_sample("wandb.csv", t.as_bytes(), &d, &[], true);
    assert_eq!(v["keys"]["reward"], "grpo-lr1e5 - train/reward");
    heads.push(("wandb", v["diagnosis"].clone()));
    // TensorBoard "Download CSV" of one scalar: Wall time,Step,Value
    let mut t = String::from("Wall time,Step,Value\n");
    for (s, r, _, _) in &d.rows {
        t += &format!("1767724543.5,{s},{r}\n");
    }
    let path = tmp("tb.csv");
    std::fs::write(&path, &t).unwrap();
    let out = Command::new(bin())
        .arg(&path)
        .args(["--every", "1"])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    ok(&out, "tensorboard csv");
    assert_eq!(decisions(&out).len(), d.rows.len());
    // verl flat JSON lines, validation on its own line
    let mut t = String::new();
    for (s, r, e, h) in &d.rows {
        t += &format!("{{\"step\": {s}, \"critic/score/mean\": {r}, \"critic/rewards/mean\": {}, \"actor/entropy\": {}}}\n", r - 0.01, h.unwrap());
        if let Some(e) = e {
            t += &format!("{{\"step\": {s}, \"val-core/openai/gsm8k/reward/mean@1\": {e}}}\n");
        }
    }
    let v = check_sample("verl.jsonl", t.as_bytes(), &d, &[], true);
    heads.push(("verl.jsonl", v["diagnosis"].clone()));
    assert_eq!(v["keys"]["reward"], "critic/score/mean");
    assert_eq!(v["keys"]["entropy"], "actor/entropy");
    // verl nested: {"step": s, "data": {...}}
    let mut t = String::new();
    for (s, r, e, h) in &d.rows {
        let ev = e.map_or(String::new(), |e| {
            format!(", \"val/test_score/openai/gsm8k\": {e}")
        });
        t += &format!("{{\"step\": {s}, \"data\": {{\"critic/rewards/mean\": {r}, \"actor/entropy\": {}{ev}}}}}\n", h.unwrap());
    }
    let v = check_sample("verl-nested.jsonl", t.as_bytes(), &d, &[], true);
    heads.push(("verl-nested.jsonl", v["diagnosis"].clone()));
    assert_eq!(v["keys"]["reward"], "critic/rewards/mean");
    // OpenRLHF: global_step, reward, policy_entropy; no eval
    let mut t = String::new();
    for (s, r, _, h) in &d.rows {
        t += &format!("{{\"global_step\": {s}, \"reward\": {r}, \"policy_entropy\": {}, \"kl\": 0.01, \"response_length\": 300}}\n", h.unwrap());
    }
    let v = check_sample("openrlhf.jsonl", t.as_bytes(), &d, &[], false);
    assert_eq!(v["keys"]["step"], "global_step");
    // TRL printed dicts with tqdm noise, eval dicts printed separately after the train dict
    let n = d.rows.len();
    let mut t = String::from("INFO 05-06 07:59:41 config.py:542] This model supports multiple tasks: {'generate', 'embed'}.\n");
    for (i, (s, r, e, h)) in d.rows.iter().enumerate() {
        t += &format!("\r {}%|#| {s}/{n} [00:10<00:10, 1.0s/it]{{'loss': 0.0, 'grad_norm': nan, 'reward': {r}, 'entropy': {}, 'epoch': {}}}\n", i * 100 / n, h.unwrap(), s / 100.0);
        if let Some(e) = e {
            t += &format!(
                "{{'eval_loss': 0.1, 'eval_reward': {e}, 'eval_runtime': 3.2, 'epoch': {}}}\n",
                s / 100.0
            );
        }
    }
    let v = check_sample("trl.log", t.as_bytes(), &d, &[], true);
    heads.push(("trl.log", v["diagnosis"].clone()));
    assert_eq!(v["format"], "text");
    assert!(
        v["ignored"]["non-finite grad_norm"].is_null(),
        "grad_norm is not read: {v}"
    );
    // trainer_state.json with NaN / Infinity tokens (Python's json) and separate eval entries
    let mut t = String::from("{\n  \"best_metric\": NaN,\n  \"log_history\": [\n");
    for (s, r, e, h) in &d.rows {
        t += &format!("    {{\"step\": {s}, \"reward\": {r}, \"entropy\": {}, \"grad_norm\": Infinity, \"loss\": -Infinity}},\n", h.unwrap());
        if let Some(e) = e {
            t += &format!("    {{\"step\": {s}, \"eval_reward\": {e}, \"eval_loss\": NaN}},\n");
        }
    }
    t += "    {\"train_runtime\": 100.0, \"step\": 1000000}\n  ],\n  \"global_step\": 218\n}\n";
    let v = check_sample("trainer_state.json", t.as_bytes(), &d, &[], true);
    heads.push(("trainer_state.json", v["diagnosis"].clone()));
    assert_eq!(v["format"], "trainer-state");
    // TensorBoard event file (PyTorch SummaryWriter: one Event per scalar, simple_value)
    let mut t = record(&event(0, &[]));
    for (s, r, e, h) in &d.rows {
        t.extend(record(&event(*s as i64, &[("train/reward", *r as f32)])));
        t.extend(record(&event(
            *s as i64,
            &[("train/entropy", h.unwrap() as f32)],
        )));
        if let Some(e) = e {
            t.extend(record(&event(*s as i64, &[("eval/reward", *e as f32)])));
        }
    }
    let v = check_sample("events.out.tfevents.1.host", &t, &d, &[], true);
    heads.push(("events.out.tfevents.1.host", v["diagnosis"].clone()));
    assert_eq!(v["format"], "tfevents");
    // the same run gives the same diagnosis whatever the trainer's format
    for (name, h) in &heads {
        assert_eq!(
            h["headline"], heads[0].1["headline"],
            "{name}: {h} vs {}",
            heads[0].1
        );
        assert_eq!(
            h["hacking"]["verdict"], heads[0].1["hacking"]["verdict"],
            "{name}"
        );
        assert_eq!(
            h["concentration"]["verdict"], heads[0].1["concentration"]["verdict"],
            "{name}"
        );
    }
}

#[test]
fn key_overrides_and_unknown_keys() {
    let mut t = String::from("it,score,heldout,ent,reward\n");
    for k in 1..=60 {
        let x = k as f64;
        t += &format!(
            "{k},{},{},{},{}\n",
            0.8 - 0.6 * (-x / 15.0).exp(),
            0.7 - 0.5 * (-x / 15.0).exp(),
            1.0 - 0.005 * x,
            5.0
        );
    }
    let path = tmp("override.csv");
    std::fs::write(&path, &t).unwrap();
    let out = Command::new(bin())
        .arg(&path)
        .args([
            "--step-key",
            "it",
            "--reward-key",
            "score",
            "--eval-key",
            "heldout",
            "--entropy-key",
            "ent",
            "--every",
            "1",
        ])
        .output()
        .unwrap();
    let s = ok(&out, "overrides");
    assert_eq!(s["keys"]["reward"], "score");
    assert_eq!(s["keys"]["step"], "it");
    assert!(
        s["diagnosis"].get("hacking").is_some() && s["diagnosis"].get("concentration").is_some()
    );
    let got = decisions(&out);
    assert_eq!(got[0], (1.0, 0.8 - 0.6 * (-1.0f64 / 15.0).exp()));
    // no usable reward: the message lists the keys seen and the ones accepted
    std::fs::write(&path, "step,loss,kl\n1,0.5,0.1\n2,0.4,0.1\n").unwrap();
    let out = Command::new(bin()).arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("numeric keys seen: [kl, loss, step]")
            && e.contains("critic_score_mean")
            && e.contains("--reward-key"),
        "{e}"
    );
}

#[test]
fn malformed_input_is_one_line_naming_file_and_line() {
    let events_ok = {
        let mut t = record(&event(1, &[("train/reward", 0.5)]));
        t.extend(record(&event(2, &[("train/reward", 0.6)])));
        t
    };
    let mut corrupt = events_ok.clone();
    let n = corrupt.len();
    corrupt[n - 6] ^= 0xff;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", b"".to_vec(), "no rewards found"),
        ("blank.jsonl", b"\n\n  \n".to_vec(), "no rewards found"),
        ("nocol.csv", b"step,loss\n1,2\n".to_vec(), "no rewards found; numeric keys seen: [loss, step]"),
        ("badnum.csv", b"step,reward\n1,0.2\n2,x\n".to_vec(), ":3: reward (\"reward\") is not a number (\"x\")"),
        ("badstep.csv", b"step,reward\n1,0.2\nabc,0.3\n".to_vec(), ":3: step (\"step\") is not a number (\"abc\")"),
        ("unsorted.csv", b"step,reward\n1,0.2\n3,0.3\n2,0.4\n".to_vec(), ":4: step 2 follows step 3"),
        ("cells.csv", b"step,reward\n1,0.2\n2,0.3,9\n".to_vec(), ":3: 3 cells, the header has 2"),
        ("quote.csv", b"step,reward\n1,\"0.2\n".to_vec(), ":2: unterminated quoted cell"),
        ("inf-step.jsonl", b"{\"step\": 1, \"reward\": 0.1}\n{\"step\": Infinity, \"reward\": 0.2}\n".to_vec(), ":2: step is not finite"),
        ("mid.jsonl", b"{\"step\": 1, \"reward\": 0.1}\n{\"step\": 2, \"reward\": }\n{\"step\": 3, \"reward\": 0.3}\n".to_vec(), ":2: not a JSON object: expected a value"),
        ("trailing.jsonl", b"{\"step\": 1, \"reward\": 0.1} x\n{\"step\": 2, \"reward\": 0.1}\n".to_vec(), ":1: text after the JSON object"),
        ("nostep.jsonl", b"{\"reward\": 0.1}\n{\"reward\": 0.2}\n".to_vec(), ":1: no step in this entry"),
        ("strreward.jsonl", b"{\"step\": 1, \"reward\": \"high\"}\n".to_vec(), ":1: reward (\"reward\") is not a number (\"high\")"),
        ("cut.json", b"{\n \"log_history\": [\n  {\"step\": 1, \"reward\": 0.1},\n  {\"step\": 2, \"rew".to_vec(), "log entry 4: unterminated string"),
        ("nohist.json", b"{\n \"global_step\": 3\n}\n".to_vec(), "without a 'log_history' array"),
        ("few.csv", b"step,reward\n1,0.1\n2,0.2\n3,0.3\n".to_vec(), "too few steps with a reward to fit a trajectory (3 given, at least 6 needed)"),
        ("corrupt.tfevents", corrupt, "record 2: record data checksum mismatch"),
    ];
    let svg = tmp("never.svg");
    for (name, text, needle) in cases {
        let path = tmp(name);
        std::fs::write(&path, &text).unwrap();
        let out = Command::new(bin())
            .arg(&path)
            .arg("--svg")
            .arg(&svg)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
        assert!(
            err.contains(&*path.to_string_lossy()),
            "{name}: names the file: {err}"
        );
        assert!(err.contains(needle), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(!svg.exists(), "{name}: wrote the svg on failure");
    }
    // options
    for (args, needle) in [
        (
            vec!["/nonexistent/file.csv"],
            "/nonexistent/file.csv: No such file",
        ),
        (vec!["--every"], "--every needs a value"),
        (vec!["--every", "0"], "--every: must be at least 1"),
        (
            vec!["--reward-min", "1", "--reward-max", "0"],
            "must be below --reward-max",
        ),
        (vec!["--select", "arm"], "expected KEY=VALUE"),
        (vec!["--bogus"], "unknown option --bogus"),
        (vec!["--format", "xml"], "expected json or text"),
        (
            vec!["--idle-exit", "1", "x.csv"],
            "--idle-exit needs --follow",
        ),
        (vec!["--group-size", "1"], "at least 2"),
        (vec!["--input-format", "parquet"], "expected csv, jsonl"),
        (vec!["a.csv", "b.csv"], "more than one input"),
    ] {
        let out = Command::new(bin()).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn a_half_written_last_line_is_not_an_error() {
    let mut t = String::new();
    for k in 1..=40 {
        t += &format!(
            "{{\"step\": {k}, \"reward\": {}}}\n",
            0.8 - 0.6 * (-(k as f64) / 10.0).exp()
        );
    }
    t += "{\"step\": 41, \"rew";
    let path = tmp("partial.jsonl");
    std::fs::write(&path, &t).unwrap();
    let out = Command::new(bin()).arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    let s = ok(&out, "partial");
    assert_eq!(s["points"], 40);
    assert_eq!(s["ignored"]["partial last line"], 1);
}

#[test]
fn text_format_is_one_line_per_decision() {
    let out = Command::new(bin())
        .args(["--format", "text", "--every", "100"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let l: Vec<&str> = text.lines().collect();
    assert_eq!(l.len(), 7, "{text}");
    assert!(l[0].starts_with("step 100 (100 pts): reward "), "{}", l[0]);
    assert!(
        l[6].starts_with("summary built-in demo: 600 steps, plateau "),
        "{}",
        l[6]
    );
    assert!(
        l[6].contains("skipped: concentration (no entropy)"),
        "{}",
        l[6]
    );
}

/// `docs/sidecar-example.svg` (the README's picture) is what the sidecar draws today for
/// `halflearned-qwen3-1.7b-gsm8k-grpo-lr1e5.csv`: regenerate it with
/// `cargo run --release -p grpo-sidecar -- ../shared/data/curves/halflearned-qwen3-1.7b-gsm8k-grpo-lr1e5.csv --svg docs/sidecar-example.svg`
#[test]
fn the_readme_plot_is_current_and_shows_every_element() {
    let path = curves_dir().join(RICH);
    if !path.exists() {
        eprintln!("skipped: no {}", path.display());
        return;
    }
    let svg = tmp("example.svg");
    let out = Command::new(bin())
        .arg(&path)
        .arg("--svg")
        .arg(&svg)
        .output()
        .unwrap();
    let s = ok(&out, "example");
    let doc = std::fs::read_to_string(&svg).unwrap();
    let _ = std::fs::remove_file(&svg);
    // data (218 dots), eval points (10 diamonds), the fitted law, the forecast bands, the
    // plateau band, the first stop advice, the run name
    assert_eq!(
        doc.matches("<circle cx").count(),
        218 + 1,
        "dots + legend glyph"
    );
    assert_eq!(
        doc.matches("<path d=\"M").count(),
        10 + 1,
        "diamonds + legend glyph"
    );
    assert_eq!(doc.matches("<polygon").count(), 2, "80 % and 95 % bands");
    assert!(doc.contains("fitted law Saturation"));
    assert!(doc.contains("fill=\"#f4a261\""), "plateau band");
    // the first stop advice is drawn when there is one, and only then
    match s["first_stop"]["step"].as_f64() {
        Some(stop) => assert!(doc.contains(&format!("first stop advice: step {stop}"))),
        None => assert!(!doc.contains("first stop advice: step")),
    }
    assert!(doc.contains(">halflearned-qwen3-1.7b-gsm8k-grpo-lr1e5<"));
    let kept = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/sidecar-example.svg");
    assert_eq!(
        std::fs::read_to_string(kept).unwrap(),
        doc,
        "docs/sidecar-example.svg is stale: regenerate it (see this test's doc)"
    );
}

/// Mutated copies of every format end in a summary (0) or a one-line error (2), never a panic.
#[test]
fn mutated_inputs_exit_0_or_2_without_panic() {
    let mut seeds: Vec<Vec<u8>> = vec![
        (1..=30)
            .map(|k| format!("{{\"step\": {k}, \"reward\": 0.{k:02}, \"entropy\": 1.0}}\n"))
            .collect::<String>()
            .into_bytes(),
        std::iter::once("step,reward,eval_reward\n".to_string())
            .chain((1..=30).map(|k| format!("{k},0.{k:02},\n")))
            .collect::<String>()
            .into_bytes(),
        format!(
            "{{\"log_history\": [{}]}}",
            (1..=30)
                .map(|k| format!("{{\"step\": {k}, \"reward\": 0.{k:02}}}"))
                .collect::<Vec<_>>()
                .join(",")
        )
        .into_bytes(),
    ];
    let mut tf = Vec::new();
    for k in 1..=30 {
        tf.extend(record(&event(k, &[("train/reward", k as f32 / 100.0)])));
    }
    seeds.push(tf);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let path = tmp("mutated");
    for round in 0..48 {
        let mut b = seeds[round % seeds.len()].clone();
        for _ in 0..1 + next() % 3 {
            let i = (next() as usize) % b.len();
            match next() % 3 {
                0 => b[i] = next() as u8,
                1 => {
                    b.remove(i);
                }
                _ => b.truncate(i.max(1)),
            }
        }
        std::fs::write(&path, &b).unwrap();
        let out = Command::new(bin()).arg(&path).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0) | Some(2)),
            "round {round}: {:?} {err}",
            out.status
        );
        assert!(!err.contains("panicked"), "round {round}: {err}");
        if out.status.code() == Some(2) {
            assert_eq!(err.trim_end().lines().count(), 1, "round {round}: {err}");
        }
    }
    let _ = std::fs::remove_file(&path);
}

/// Quantities logged on separate lines are joined by step, so every diagnostic with its data
/// runs; one without says why in "skipped".
#[test]
fn separate_lines_are_joined_by_step() {
    let Some(d) = rich() else {
        eprintln!("skipped: no {RICH}");
        return;
    };
    let mut t = String::new();
    for (i, (s, r, e, h)) in d.rows.iter().enumerate() {
        t += &format!("{{\"step\": {s}, \"reward\": {r}}}\n");
        t += &format!("{{\"step\": {s}, \"entropy\": {}}}\n", h.unwrap());
        t += &format!(
            "{{\"step\": {s}, \"frac_reward_zero_std\": {}, \"reward_std\": 0.3}}\n",
            0.1 + 0.3 * i as f64 / d.rows.len() as f64
        );
        if let Some(e) = e {
            t += &format!("{{\"step\": {s}, \"eval_reward\": {e}}}\n");
        }
    }
    let v = check_sample(
        "joined.jsonl",
        t.as_bytes(),
        &d,
        &["--group-size", "8"],
        true,
    );
    assert!(v["diagnosis"].get("degeneracy").is_some(), "{v}");
    assert_eq!(v["skipped"], serde_json::json!({}));
    assert_eq!(v["keys"]["reward_std"], "reward_std");
    let v = check_sample("joined.jsonl", t.as_bytes(), &d, &[], true);
    assert_eq!(v["skipped"]["degeneracy"], "needs --group-size");
}

/// A named pipe is read once (no counting pass that would eat its data).
#[test]
fn a_named_pipe_is_read_once() {
    let fifo = tmp("fifo.jsonl");
    let _ = std::fs::remove_file(&fifo);
    if !Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("skipped: no mkfifo");
        return;
    }
    let side = Command::new(bin())
        .arg(&fifo)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        for k in 1..=120 {
            writeln!(
                w,
                "{{\"step\": {k}, \"reward\": {}}}",
                0.8 - 0.6 * (-(k as f64) / 30.0).exp()
            )
            .unwrap();
        }
    }
    let out = side.wait_with_output().unwrap();
    let _ = std::fs::remove_file(&fifo);
    let s = ok(&out, "fifo");
    assert_eq!(s["points"], 120);
    // cadence 50 for a pipe: decisions at 50, 100 and the last step
    assert_eq!(
        decisions(&out).iter().map(|d| d.0).collect::<Vec<_>>(),
        vec![50.0, 100.0, 120.0]
    );
}
