//! Builds and runs the C and Python schedulers (examples/c/scheduler.c against the static library,
//! examples/python/scheduler.py through ctypes against the shared library) on the built-in input
//! and on real curves (`GRPO_CURVES_DIR`, default `../shared/data/curves`), and checks their
//! output: known advice / regime / model words, every plateau inside its printed 80 % interval,
//! the synthetic plateau recovered, the preset-A stability numbers of spec C.10 and the closed-form
//! Prop-9 threshold in every row of the stability table (C only: the Python example is trimmed to
//! the predictor, what a scheduler author copies), clear errors with exit code 1 on malformed
//! input, and the Python output identical byte for byte to the C output before its stability
//! table.
//!
//! The C example is compiled with `-fsanitize=address,undefined` when the compiler supports it.
//! A missing C compiler or python3 skips that half with a notice. The libraries are built with
//! `cargo rustc` into `target/ffi-examples` (a separate target directory, so the nested cargo
//! never waits for the lock of the `cargo test` that runs this file; cached after the first run).

#![cfg(feature = "capi")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Stiffness of spec preset A (C.10).
const K_PRESET_A: f64 = 0.01885910853;
const ADVICE: [&str; 3] = ["continue", "stop-plateau", "stop-unstable"];
const REGIMES: [&str; 4] = ["flat", "saturating", "oscillating", "collapsing"];
const MODELS: [&str; 4] = ["constant", "saturation", "critical", "oscillator"];
const LINEAR: [&str; 3] = ["monotone", "overshooting", "oscillatory"];
/// Real curves run by both examples: bounded rewards, unbounded rewards (minesweeper scores),
/// a short run.
const CURVES: [&str; 3] = [
    "halflearned-qwen3-1.7b-gsm8k-grpo-lr1e5.csv",
    "srinathmanda-gptoss20b-minesweeper-grpo.csv",
    "sunshine-qwen35-9b-gsm8k-rho1-s42.csv",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn out_dir() -> PathBuf {
    root().join("target/ffi-examples")
}

/// `cargo rustc --release --lib --features capi --crate-type KIND [-- extra]`; returns stderr.
fn cargo_rustc(kind: &str, extra: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(root())
        .env("CARGO_TARGET_DIR", out_dir().join("cargo"))
        .args([
            "rustc",
            "--release",
            "--lib",
            "--features",
            "capi",
            "--crate-type",
            kind,
        ]);
    if !extra.is_empty() {
        cmd.arg("--").args(extra);
    }
    let out = cmd.output().expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "cargo rustc {kind} failed:\n{stderr}");
    stderr
}

fn lib_dir() -> PathBuf {
    out_dir().join("cargo/release")
}

fn works(cmd: &mut Command) -> bool {
    cmd.output().map(|o| o.status.success()).unwrap_or(false)
}

/// Builds the static and the shared library once; returns the native libraries a static link
/// needs (`--print native-static-libs`).
fn libs() -> &'static [String] {
    static NATIVE: OnceLock<Vec<String>> = OnceLock::new();
    NATIVE.get_or_init(|| {
        let stderr = cargo_rustc("staticlib", &["--print", "native-static-libs"]);
        cargo_rustc("cdylib", &[]);
        stderr
            .lines()
            .filter_map(|l| l.split("native-static-libs: ").nth(1))
            .next_back()
            .expect("rustc prints native-static-libs")
            .split_whitespace()
            .map(String::from)
            .collect()
    })
}

fn cc() -> Option<String> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    if works(Command::new(&cc).arg("--version")) {
        Some(cc)
    } else {
        eprintln!("NOTICE: no C compiler ({cc}): C scheduler not tested");
        None
    }
}

/// C flags of the examples: strict warnings, and no fused multiply-adds (bit-identical synthetic
/// input in C and Python).
const CFLAGS: [&str; 7] = [
    "-std=c11",
    "-O1",
    "-g",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-ffp-contract=off",
];

/// The C scheduler linked against the static library, built once (None without a C compiler).
fn c_scheduler() -> Option<&'static PathBuf> {
    static EXE: OnceLock<Option<PathBuf>> = OnceLock::new();
    EXE.get_or_init(|| {
        let cc = cc()?;
        let native = libs();
        std::fs::create_dir_all(out_dir()).unwrap();
        let probe_src = out_dir().join("probe.c");
        std::fs::write(&probe_src, "int main(void) { return 0; }\n").unwrap();
        let san = [
            "-fsanitize=address,undefined",
            "-fno-omit-frame-pointer",
            "-fno-sanitize-recover=undefined",
        ];
        let sanitize = works(
            Command::new(&cc)
                .args(san)
                .arg(&probe_src)
                .arg("-o")
                .arg(out_dir().join("probe")),
        );
        if !sanitize {
            eprintln!("NOTICE: {cc} has no ASan/UBSan: C scheduler built without sanitizers");
        }
        let exe = out_dir().join("scheduler");
        let mut cmd = Command::new(&cc);
        cmd.current_dir(root()).args(CFLAGS);
        if sanitize {
            cmd.args(san);
        }
        let out = cmd
            .args(["-Iinclude", "examples/c/scheduler.c"])
            .arg(lib_dir().join("libgrpo_dynamics.a"))
            .args(native)
            .arg("-o")
            .arg(&exe)
            .output()
            .expect("cc runs");
        assert!(
            out.status.success(),
            "cc failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(exe)
    })
    .as_ref()
}

/// `python3` with GRPO_LIB set to the freshly built shared library (None without python3).
fn python() -> Option<Command> {
    static LIB: OnceLock<Option<PathBuf>> = OnceLock::new();
    let lib = LIB.get_or_init(|| {
        if !works(Command::new("python3").arg("--version")) {
            eprintln!("NOTICE: no python3: Python scheduler not tested");
            return None;
        }
        libs();
        Some(lib_dir().join("libgrpo_dynamics.so"))
    });
    let lib = lib.as_ref()?;
    let mut cmd = Command::new("python3");
    cmd.current_dir(root())
        .env("GRPO_LIB", lib)
        .arg("examples/python/scheduler.py");
    Some(cmd)
}

fn run(mut cmd: Command, args: &[&Path]) -> Output {
    cmd.args(args).output().expect("scheduler starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// `key=value` of a line of the form `tag key=value key=value ...`.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

fn number(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

/// Checks one successful run (`table`: the C example's stability table follows); returns the
/// final (plateau, lo95, hi95).
fn check_output(out: &Output, input_points: Option<usize>, table: bool) -> (f64, f64, f64) {
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(
        out.status.success(),
        "scheduler failed:\n{stdout}\n{stderr}"
    );
    assert!(stderr.is_empty(), "unexpected stderr:\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "grpo-dynamics scheduler (library {})",
            env!("CARGO_PKG_VERSION")
        )
    );
    let points: usize = number(field(lines[1], "points")) as usize;
    if let Some(n) = input_points {
        assert_eq!(points, n, "{}", lines[1]);
    }
    let mut predictions = 0;
    for line in lines
        .iter()
        .filter(|l| l.starts_with("advice-change ") || l.starts_with("progress "))
    {
        predictions += 1;
        assert!(ADVICE.contains(&field(line, "advice")), "{line}");
        assert!(REGIMES.contains(&field(line, "regime")), "{line}");
        assert!(MODELS.contains(&field(line, "model")), "{line}");
        let (p, lo, hi) = (
            number(field(line, "plateau")),
            number(field(line, "lo80")),
            number(field(line, "hi80")),
        );
        assert!(
            lo <= p && p <= hi,
            "plateau outside its 80% interval: {line}"
        );
        let r2 = number(field(line, "r2"));
        assert!((0.0..=1.0).contains(&r2), "{line}");
    }
    assert!(
        predictions > points.saturating_sub(6) / 25,
        "too few prediction lines:\n{stdout}"
    );
    let fin = lines
        .iter()
        .find(|l| l.starts_with("final "))
        .expect("final line");
    assert!(ADVICE.contains(&field(fin, "advice")), "{fin}");
    assert!(REGIMES.contains(&field(fin, "regime")), "{fin}");
    let plateau = lines
        .iter()
        .find(|l| l.starts_with("plateau "))
        .expect("plateau line");
    let v: Vec<f64> = plateau
        .split_whitespace()
        .skip(1)
        .step_by(2)
        .map(number)
        .collect();
    let w: Vec<&str> = plateau.split_whitespace().step_by(2).collect();
    assert_eq!(w, ["plateau", "lo80", "hi80", "lo95", "hi95"], "{plateau}");
    let (p, lo80, hi80, lo95, hi95) = (v[0], v[1], v[2], v[3], v[4]);
    assert!(
        lo95 <= lo80 && lo80 <= p && p <= hi80 && hi80 <= hi95,
        "{plateau}"
    );
    if table {
        check_stability_table(&lines);
    } else {
        assert_eq!(
            lines.last(),
            Some(plateau),
            "the plateau line ends the output"
        );
    }
    (p, lo95, hi95)
}

fn check_stability_table(lines: &[&str]) {
    let k_line = lines
        .iter()
        .find(|l| l.starts_with("stability: preset A"))
        .expect("K line");
    assert_eq!(field(k_line, "K"), format!("{K_PRESET_A:.6}"));
    assert_eq!(field(k_line, "p_star"), format!("{:.6}", 0.30434400724));
    let header = lines
        .iter()
        .position(|l| l.trim_start().starts_with("eta "))
        .expect("header");
    let rows: Vec<Vec<&str>> = lines[header + 1..]
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 9, "3 x 3 grid");
    let mut preset_a = false;
    for r in &rows {
        assert_eq!(r.len(), 11, "{r:?}");
        let (eta, mu, dc) = (number(r[0]), number(r[1]), number(r[4]));
        // Prop 9 closed form: (1 - mu) / (eta K), to the printed precision.
        let prop9 = (1.0 - mu) / (eta * K_PRESET_A);
        assert!(
            (number(r[2]) - prop9).abs() <= 1.5e-3,
            "prop9 {r:?} vs {prop9}"
        );
        // Prop 9 is sufficient: its threshold lies below the exact critical lag.
        assert!(number(r[2]) < dc, "{r:?}");
        // Constant lag: largest stable Kref = ceil(d_c) - 1 (d_c is not an integer here).
        assert_eq!(number(r[5]), dc.ceil() - 1.0, "{r:?}");
        assert!(LINEAR.contains(&r[8]), "{r:?}");
        let rho = number(r[9]);
        assert_eq!(r[10], if 16.0 < dc { "yes" } else { "NO" }, "{r:?}");
        assert_eq!(rho < 1.0, 16.0 < dc, "rho and d_c disagree: {r:?}");
        if r[0] == "0.30" && r[1] == "0.80" {
            preset_a = true;
            // spec C.10 preset A: Prop 9 35.34985, zeta=1 onset 7.81178, d_c 51.48475,
            // exact-linear regime S from Kref 8 to 51 (so monotone up to 7, overshooting at 16).
            assert_eq!(
                &r[2..9],
                ["35.350", "7.812", "51.485", "51", r[6], "7", "overshooting"]
            );
        }
    }
    assert!(preset_a, "no eta=0.30 mu=0.80 row");
}

fn curves_dir() -> Option<PathBuf> {
    let dir = std::env::var("GRPO_CURVES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("../shared/data/curves"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "NOTICE: no curves at {}: real-curve runs skipped",
            dir.display()
        );
        None
    }
}

fn data_rows(path: &Path) -> usize {
    let s = std::fs::read_to_string(path).unwrap();
    s.lines().skip(1).filter(|l| !l.trim().is_empty()).count()
}

/// Every input the examples run on: None = the built-in stream.
fn inputs() -> Vec<Option<PathBuf>> {
    let mut v = vec![None];
    if let Some(dir) = curves_dir() {
        v.extend(CURVES.iter().map(|c| Some(dir.join(c))));
    }
    v
}

fn check_run(out: &Output, input: &Option<PathBuf>, table: bool) {
    let (p, lo95, hi95) = check_output(out, input.as_deref().map(data_rows), table);
    if input.is_none() {
        // the synthetic stream is r* = 0.7 plus noise of amplitude 0.02
        assert!((p - 0.7).abs() < 0.01, "plateau {p}");
        assert!(
            lo95 <= 0.7 && 0.7 <= hi95,
            "true plateau outside [{lo95}, {hi95}]"
        );
    }
}

#[test]
fn c_scheduler_runs_and_prints_checked_output() {
    let Some(exe) = c_scheduler() else { return };
    for input in inputs() {
        let args: Vec<&Path> = input.iter().map(|p| p.as_path()).collect();
        check_run(&run(Command::new(exe), &args), &input, true);
    }
}

#[test]
fn python_scheduler_runs_and_prints_checked_output() {
    if python().is_none() {
        return;
    }
    for input in inputs() {
        let args: Vec<&Path> = input.iter().map(|p| p.as_path()).collect();
        check_run(&run(python().unwrap(), &args), &input, false);
    }
}

#[test]
fn c_and_python_print_the_same_bytes() {
    let (Some(exe), Some(_)) = (c_scheduler(), python()) else {
        return;
    };
    for input in inputs() {
        let args: Vec<&Path> = input.iter().map(|p| p.as_path()).collect();
        let c = run(Command::new(exe), &args);
        let py = run(python().unwrap(), &args);
        assert!(c.status.success() && py.status.success());
        let c_out = text(&c.stdout);
        let table = c_out
            .find("stability: preset A")
            .expect("C stability table");
        assert!(
            c_out[..table] == text(&py.stdout),
            "outputs differ on {input:?}:\n--- C\n{}\n--- Python\n{}",
            &c_out[..table],
            text(&py.stdout)
        );
    }
}

/// Malformed inputs: exit code 1, one clear `error:` line naming the problem, the same in C and
/// Python (no crash, no sanitizer report).
#[test]
fn malformed_input_gives_a_clear_error() {
    let dir = out_dir().join("malformed");
    std::fs::create_dir_all(&dir).unwrap();
    let good: String = (1..=10).map(|i| format!("{i},0.{i}\n")).collect();
    let cases: [(&str, String, &str); 8] = [
        ("empty.csv", String::new(), "empty file"),
        (
            "no_reward.csv",
            format!("step,score\n{good}"),
            "header lacks a 'reward' column",
        ),
        (
            "bad_number.csv",
            format!("step,reward\n{good}11,0.5x\n"),
            ":12: bad reward value",
        ),
        (
            "short_row.csv",
            "step,eval,reward\n1,,0.5\n2,0.1\n".to_string(),
            ":3: missing step or reward",
        ),
        (
            "unsorted.csv",
            format!("step,reward\n{good}10,0.9\n"),
            "point 11): step:",
        ),
        (
            "nan.csv",
            format!("step,reward\n{good}11,nan\n"),
            "point 11): reward:",
        ),
        (
            "hex.csv",
            "step,reward\n0x1,0.5\n".to_string(),
            ":2: bad step value",
        ),
        (
            "too_short.csv",
            "step,reward\n1,0.1\n2,0.2\n3,0.3\n".to_string(),
            "fewer than 6 points",
        ),
    ];
    let c = c_scheduler();
    for (name, body, want) in &cases {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let mut outs = Vec::new();
        if let Some(exe) = c {
            outs.push(("C", run(Command::new(exe), &[&path])));
        }
        if let Some(py) = python() {
            outs.push(("Python", run(py, &[&path])));
        }
        for (who, out) in &outs {
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{who} {name}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{who} {name}: {stderr}");
            assert!(
                stderr.starts_with("error: ") && stderr.contains(want),
                "{who} {name}: {stderr}"
            );
        }
        if let [(_, a), (_, b)] = &outs[..] {
            assert_eq!(
                text(&a.stderr),
                text(&b.stderr),
                "{name}: C and Python errors differ"
            );
            assert_eq!(text(&a.stdout), text(&b.stdout), "{name}");
        }
    }
}

/// examples/c/gen-pc.sh writes a pkg-config file whose version is the crate's, whose flags find
/// the header and the library, and whose `Libs.private` are rustc's native libraries; the
/// scheduler built from those flags against the SHARED library prints what the static one prints.
#[test]
fn pkg_config_file_links_the_shared_library() {
    let Some(static_exe) = c_scheduler() else {
        return;
    };
    if !works(Command::new("pkg-config").arg("--version")) {
        eprintln!("NOTICE: no pkg-config: pkg-config file not tested");
        return;
    }
    let pc_dir = out_dir().join("pkgconfig");
    let out = Command::new("examples/c/gen-pc.sh")
        .current_dir(root())
        .env("CARGO_TARGET_DIR", out_dir().join("cargo"))
        .env("OUT", pc_dir.join("grpo_dynamics.pc"))
        .output()
        .expect("gen-pc.sh runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pkg = |args: &[&str]| -> String {
        let out = Command::new("pkg-config")
            .env("PKG_CONFIG_PATH", &pc_dir)
            .args(args)
            .arg("grpo_dynamics")
            .output()
            .expect("pkg-config runs");
        assert!(
            out.status.success(),
            "pkg-config {args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout).trim().to_string()
    };
    assert_eq!(pkg(&["--modversion"]), env!("CARGO_PKG_VERSION"));
    let include = pkg(&["--variable=includedir"]);
    assert!(
        Path::new(&include).join("grpo_dynamics.h").is_file(),
        "{include}"
    );
    let libdir = pkg(&["--variable=libdir"]);
    assert!(
        Path::new(&libdir).join("libgrpo_dynamics.so").is_file(),
        "{libdir}"
    );
    let static_libs = pkg(&["--static", "--libs"]);
    for lib in libs() {
        assert!(
            static_libs.split_whitespace().any(|w| w == lib),
            "{lib} not in {static_libs}"
        );
    }
    let flags = pkg(&["--cflags", "--libs"]);
    let exe = out_dir().join("scheduler-shared");
    let cc = cc().expect("checked by c_scheduler");
    let out = Command::new(&cc)
        .current_dir(root())
        .args(CFLAGS)
        .arg("examples/c/scheduler.c")
        .args(flags.split_whitespace())
        .arg(format!("-Wl,-rpath,{libdir}"))
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("cc runs");
    assert!(out.status.success(), "cc failed:\n{}", text(&out.stderr));
    // cargo test puts target/release (and deps) on LD_LIBRARY_PATH, which the loader searches
    // before the rpath: a stale libgrpo_dynamics.so there would be run instead of the one built
    // here, so the shared scheduler runs with the rpath alone.
    let mut shared_cmd = Command::new(&exe);
    shared_cmd.env_remove("LD_LIBRARY_PATH");
    let shared = run(shared_cmd, &[]);
    check_output(&shared, None, true);
    let stat = run(Command::new(static_exe), &[]);
    assert_eq!(text(&shared.stdout), text(&stat.stdout));
}
