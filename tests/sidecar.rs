//! Runs the sidecar example (the crate's main job) on every shared curve, on the built-in demo,
//! and on malformed input. Curves: `GRPO_CURVES_DIR`, default `../shared/data/curves`.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sidecar() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let st = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["build", "--release", "--quiet", "--example", "sidecar"])
        .status()
        .expect("cargo runs");
    assert!(st.success(), "building the sidecar failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    target.join("release").join("examples").join("sidecar")
}

fn curves_dir() -> PathBuf {
    std::env::var_os("GRPO_CURVES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/curves"))
}

fn summary(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines.len() >= 2,
        "expected progress lines and a summary, got {stdout}"
    );
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).expect("every line is one JSON object");
        assert!(v.is_object());
    }
    serde_json::from_str(lines[lines.len() - 1]).unwrap()
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
    ] {
        assert!(v.get(key).is_some(), "{what}: summary lacks {key}: {v}");
    }
    assert_eq!(v["summary"], serde_json::Value::Bool(true));
    let p = v["plateau"].as_f64().expect("finite plateau");
    let lo = v["plateau_lo80"].as_f64().expect("finite lo80");
    let hi = v["plateau_hi80"].as_f64().expect("finite hi80");
    assert!(
        lo <= p && p <= hi,
        "{what}: plateau {p} outside its 80% interval [{lo}, {hi}]"
    );
    let r2 = v["r2"].as_f64().expect("finite r2");
    assert!(r2 <= 1.0, "{what}: r2 {r2}");
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

#[test]
fn every_shared_curve_gives_a_summary() {
    let bin = sidecar();
    let dir = curves_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "skipped: no curves at {} (set GRPO_CURVES_DIR)",
            dir.display()
        );
        return;
    };
    let mut n = 0;
    for e in entries {
        let path = e.unwrap().path();
        if path.extension().and_then(|x| x.to_str()) != Some("csv") {
            continue;
        }
        let out = Command::new(&bin).arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        check_summary(&summary(&out), &path.display().to_string());
        n += 1;
    }
    assert!(n >= 10, "expected the shared curves, found {n}");
}

#[test]
fn builtin_demo_and_svg() {
    let bin = sidecar();
    let svg = std::env::temp_dir().join(format!("grpo-sidecar-{}.svg", std::process::id()));
    let out = Command::new(&bin).arg("--svg").arg(&svg).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = summary(&out);
    check_summary(&v, "demo");
    assert_eq!(v["input"], "built-in demo");
    let doc = std::fs::read_to_string(&svg).unwrap();
    assert!(doc.starts_with("<svg") && doc.trim_end().ends_with("</svg>"));
    assert!(
        doc.matches("<circle").count() >= 300,
        "one circle per observed point"
    );
    assert!(doc.contains("<polyline") && doc.contains("<polygon"));
    let _ = std::fs::remove_file(svg);
}

#[test]
fn stdin_json_lines() {
    use std::io::Write;
    let bin = sidecar();
    let mut child = Command::new(&bin)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        for k in 0..80 {
            let r = 0.8 - 0.6 * (-(k as f64) / 15.0).exp()
                + 0.01 * ((k * 7919 % 13) as f64 / 13.0 - 0.5);
            writeln!(stdin, "{{\"step\": {}, \"reward\": {r}}}", k + 1).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = summary(&out);
    check_summary(&v, "stdin");
    let p = v["plateau"].as_f64().unwrap();
    assert!((p - 0.8).abs() < 0.02, "plateau {p}");
}

#[test]
fn malformed_input_is_a_one_line_error() {
    let bin = sidecar();
    let dir = std::env::temp_dir();
    for (name, text, needle) in [
        ("empty", "", "empty"),
        ("nocol", "step,loss\n1,2\n", "missing column 'reward'"),
        ("badnum", "step,reward\n1,0.2\n2,x\n", "not a number"),
        (
            "unsorted",
            "step,reward\n1,0.2\n3,0.3\n2,0.4\n",
            "strictly increasing",
        ),
    ] {
        let path = dir.join(format!("grpo-sidecar-{name}-{}.csv", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let out = Command::new(&bin).arg(&path).output().unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
        assert!(err.contains(needle), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let out = Command::new(&bin)
        .arg("/nonexistent/file.csv")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(&bin).arg("--every").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
