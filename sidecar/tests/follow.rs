//! `--follow` against a writer process (`sh`) appending to a log: file growth, a line written in
//! two halves, truncation, rotation, SIGINT / SIGTERM, `--idle-exit`, and standard input as a
//! stream. Timing only orders events (the writer sleeps between writes, the sidecar polls every
//! 20 ms); no assertion depends on how fast anything runs.
mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_grpo-sidecar"))
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("grpo-sidecar-follow-{}-{name}", std::process::id()))
}

/// A shell writer: `script` with `$F` the log path.
fn writer(path: &PathBuf, script: &str) -> Child {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("F", path)
        .spawn()
        .expect("sh runs")
}

/// Shell lines appending JSON lines for steps `a..=b` (reward 0.3 + step / 100), one every 20 ms.
fn append(a: u32, b: u32) -> String {
    format!(
        "i={a}; while [ $i -le {b} ]; do printf '{{\"step\": %d, \"reward\": 0.%02d}}\\n' $i $((30 + i)) >> \"$F\"; sleep 0.02; i=$((i + 1)); done\n"
    )
}

fn follow(path: &PathBuf, extra: &[&str]) -> Child {
    Command::new(bin())
        .arg("--follow")
        .arg(path)
        .args(["--poll", "0.02"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn parse(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn steps(v: &[serde_json::Value]) -> Vec<(f64, f64)> {
    v.iter()
        .filter(|x| x.get("summary").is_none() && x.get("event").is_none())
        .map(|x| (x["step"].as_f64().unwrap(), x["reward"].as_f64().unwrap()))
        .collect()
}

fn expected(a: u32, b: u32) -> Vec<(f64, f64)> {
    (a..=b)
        .map(|i| (i as f64, format!("0.{:02}", 30 + i).parse().unwrap()))
        .collect()
}

#[test]
fn follows_a_growing_file_with_a_line_written_in_two_halves() {
    let path = tmp("grow.jsonl");
    let _ = std::fs::remove_file(&path);
    // the sidecar starts before the file exists
    let side = follow(&path, &["--idle-exit", "1.5"]);
    let script = append(1, 30)
        + "printf '{\"step\": 31, \"rew' >> \"$F\"; sleep 0.4; printf 'ard\": 0.77}\\n' >> \"$F\"\n";
    let mut w = writer(&path, &script);
    assert!(w.wait().unwrap().success());
    let out = side.wait_with_output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = parse(&out.stdout);
    let mut want = expected(1, 30);
    want.push((31.0, 0.77));
    // one decision line per new logged step, in order, then the summary
    assert_eq!(steps(&v), want);
    let s = v.last().unwrap();
    assert_eq!(s["summary"], true);
    assert_eq!(s["points"], 31);
    assert_eq!(s["last_step"], 31.0);
}

#[test]
fn truncation_starts_a_new_run_and_rotation_continues() {
    let path = tmp("rot.jsonl");
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, "").unwrap();
    let side = follow(&path, &["--idle-exit", "1.5"]);
    // 1..20, truncate, a new run 1..12, rotate (mv + new file), steps 13..25 continue it
    let script = append(1, 20)
        + "sleep 0.3; : > \"$F\"\n"
        + &append(1, 12)
        + "sleep 0.3; mv \"$F\" \"$F.1\"; sleep 0.2\n"
        + &append(13, 25);
    let mut w = writer(&path, &script);
    assert!(w.wait().unwrap().success());
    let out = side.wait_with_output().unwrap();
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(path.with_extension("jsonl.1"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = parse(&out.stdout);
    let restarts: Vec<usize> = v
        .iter()
        .enumerate()
        .filter(|(_, x)| x["event"] == "restart")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        restarts.len(),
        1,
        "one restart (the truncation), none for the rotation"
    );
    assert_eq!(steps(&v[..restarts[0]]), expected(1, 20));
    assert_eq!(steps(&v[restarts[0]..]), expected(1, 25));
    assert_eq!(v.last().unwrap()["points"], 25);
}

#[test]
fn sigint_and_sigterm_end_with_the_summary() {
    for sig in ["INT", "TERM"] {
        let path = tmp(&format!("sig{sig}.jsonl"));
        std::fs::write(&path, "").unwrap();
        let mut side = follow(&path, &[]);
        let stdout = side.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines() {
                if tx.send(l.unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut w = writer(&path, &append(1, 12));
        assert!(w.wait().unwrap().success());
        // wait for the 12 decision lines, then signal
        for _ in 0..12 {
            rx.recv_timeout(Duration::from_secs(30))
                .expect("a decision line per appended step");
        }
        let st = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(side.id().to_string())
            .status()
            .unwrap();
        assert!(st.success());
        let status = side.wait().unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(status.success(), "SIG{sig}: {status:?}");
        let last = rx.recv_timeout(Duration::from_secs(10)).expect("summary");
        let s: serde_json::Value = serde_json::from_str(&last).unwrap();
        assert_eq!(s["summary"], true, "SIG{sig}");
        assert_eq!(s["points"], 12);
    }
}

#[test]
fn standard_input_is_a_stream() {
    let mut side = Command::new(bin())
        .args(["--follow", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = side.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines() {
            if tx.send(l.unwrap()).is_err() {
                return;
            }
        }
    });
    let mut stdin = side.stdin.take().unwrap();
    for k in 1..=10 {
        writeln!(stdin, "{{\"step\": {k}, \"reward\": 0.{}}}", 30 + k).unwrap();
        stdin.flush().unwrap();
        // each line is answered while the stream is still open
        let l = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("a decision line before the end of the stream");
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["step"], k as f64);
    }
    // half a line, then the rest
    write!(stdin, "{{\"step\": 11, ").unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    writeln!(stdin, "\"reward\": 0.5}}").unwrap();
    drop(stdin);
    let status = side.wait().unwrap();
    assert!(status.success());
    let rest: Vec<serde_json::Value> = rx
        .iter()
        .map(|l| serde_json::from_str(&l).unwrap())
        .collect();
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert_eq!(rest[0]["step"], 11.0);
    assert_eq!(rest[0]["reward"], 0.5);
    assert_eq!(rest[1]["summary"], true);
    assert_eq!(rest[1]["points"], 11);
}

#[test]
fn standard_input_without_follow_is_read_to_its_end() {
    let mut side = Command::new(bin())
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = side.stdin.take().unwrap();
        for k in 0..80 {
            let r = 0.8 - 0.6 * (-(k as f64) / 15.0).exp()
                + 0.01 * ((k * 7919 % 13) as f64 / 13.0 - 0.5);
            writeln!(stdin, "{{\"step\": {}, \"reward\": {r}}}", k + 1).unwrap();
        }
    }
    let out = side.wait_with_output().unwrap();
    assert!(out.status.success());
    let v = parse(&out.stdout);
    let s = v.last().unwrap();
    assert_eq!(s["points"], 80);
    let p = s["plateau"].as_f64().unwrap();
    assert!((p - 0.8).abs() < 0.02, "plateau {p}");
}

#[test]
fn a_rewritten_trainer_state_feeds_only_its_new_steps() {
    let path = tmp("trainer_state.json");
    let doc = |n: u32| {
        let entries: Vec<String> = (1..=n)
            .map(|i| {
                format!(
                    "    {{\"step\": {i}, \"reward\": 0.{:02}, \"grad_norm\": NaN}}",
                    30 + i
                )
            })
            .collect();
        format!(
            "{{\n  \"best_metric\": null,\n  \"log_history\": [\n{}\n  ]\n}}\n",
            entries.join(",\n")
        )
    };
    std::fs::write(&path, doc(10)).unwrap();
    let side = follow(&path, &["--idle-exit", "1.5"]);
    // the trainer saves a checkpoint: the whole file is written again with more entries
    // (through a temporary file and a rename, and once more in place)
    let tmp_doc = path.with_extension("tmp");
    std::thread::sleep(Duration::from_millis(400));
    std::fs::write(&tmp_doc, doc(20)).unwrap();
    std::fs::rename(&tmp_doc, &path).unwrap();
    std::thread::sleep(Duration::from_millis(400));
    std::fs::write(&path, doc(25)).unwrap();
    let out = side.wait_with_output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = parse(&out.stdout);
    assert_eq!(steps(&v), expected(1, 25));
    assert!(
        v.iter().all(|x| x.get("event").is_none()),
        "no restart: {v:?}"
    );
    assert_eq!(v.last().unwrap()["format"], "trainer-state");
}

#[test]
fn follows_an_event_file_written_record_by_record() {
    let path = tmp("events.out.tfevents.1.host");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(&common::record(&common::event(0, &[])))
        .unwrap();
    let side = follow(&path, &["--idle-exit", "1.5"]);
    for k in 1..=12 {
        let r = common::record(&common::event(
            k,
            &[("train/reward", 0.3 + k as f32 / 100.0)],
        ));
        // each record in two writes: the reader waits for the rest
        let (a, b) = r.split_at(r.len() / 2);
        f.write_all(a).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(30));
        f.write_all(b).unwrap();
        f.write_all(&common::record(&common::event(
            k,
            &[("train/entropy", 1.0)],
        )))
        .unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(f);
    let out = side.wait_with_output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = parse(&out.stdout);
    let got = steps(&v);
    assert_eq!(got.len(), 12);
    for (k, (s, r)) in got.iter().enumerate() {
        assert_eq!(*s, (k + 1) as f64);
        assert_eq!(*r as f32, 0.3 + (k + 1) as f32 / 100.0);
    }
    assert_eq!(v.last().unwrap()["format"], "tfevents");
}

#[test]
fn a_named_pipe_is_followed_as_a_stream() {
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
    let side = follow(&fifo, &[]);
    let mut w = writer(
        &fifo,
        &format!("exec 3> \"$F\"; F=/dev/fd/3\n{}", append(1, 15)),
    );
    assert!(w.wait().unwrap().success());
    let out = side.wait_with_output().unwrap();
    let _ = std::fs::remove_file(&fifo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = parse(&out.stdout);
    assert_eq!(steps(&v), expected(1, 15));
    assert_eq!(v.last().unwrap()["points"], 15);
}
