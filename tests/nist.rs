//! NIST StRD nonlinear regression: the 26 single-predictor problems (every one but Nelson) of
//! `$GRPO_NIST_DIR` (default `../shared/data/nist`; skipped with a message when absent), fitted
//! through the public `Model` trait with analytic gradients, from both NIST starts.
//!
//! Scoring as in the data's README (ceres-solver's convention): per parameter the log relative
//! error `LRE = -log10(|b - b_cert| / |b_cert|)`, capped at 11; a problem is solved from a start
//! when its smallest LRE is at least 4.
//!
//! * Tight options and a trust region (`ftol = xtol = 1e-15`, `gtol = 0`, `max_evaluations =
//!   100000`, `step_bound = 10`): 26/26 from both starts.
//! * Tight options alone: 25/26 from start 1 (BoxBOD from start 1 is the miss) and 26/26 from
//!   start 2.
//! * Default options (`Options::default()`): at least MINPACK's default counts (scipy
//!   `least_squares(method="lm")`: 20/26 from start 1, 23/26 from start 2).
//!
//! `cargo test --release --test nist -- --nocapture` prints the LRE table (docs/fit.md).

use grpo_dynamics::fit::{solve, Bounds, Curve, Model, Options};
use grpo_dynamics::Result;
use std::f64::consts::PI;
use std::path::PathBuf;

/// A NIST model: value and analytic gradient at `x`.
struct Nist<const P: usize>(fn(&[f64; P], f64) -> (f64, [f64; P]));

impl<const P: usize> Model<f64, P> for Nist<P> {
    fn eval(&self, b: &[f64; P], x: f64) -> Result<(f64, [f64; P])> {
        Ok((self.0)(b, x))
    }
}

struct Problem {
    name: String,
    start1: Vec<f64>,
    start2: Vec<f64>,
    cert: Vec<f64>,
    x: Vec<f64>,
    y: Vec<f64>,
}

fn dir() -> Option<PathBuf> {
    let d = std::env::var_os("GRPO_NIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/nist"));
    d.is_dir().then_some(d)
}

fn load(dir: &std::path::Path, name: &str) -> Problem {
    let text = std::fs::read_to_string(dir.join(format!("{name}.dat")))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let (mut start1, mut start2, mut cert) = (vec![], vec![], vec![]);
    let lines: Vec<&str> = text.lines().collect();
    for l in &lines {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() >= 6 && f[0].starts_with('b') && f[1] == "=" {
            start1.push(f[2].parse().unwrap());
            start2.push(f[3].parse().unwrap());
            cert.push(f[4].parse().unwrap());
        }
    }
    // the data follow the last line that starts with "Data:" (columns y x)
    let at = lines.iter().rposition(|l| l.starts_with("Data:")).unwrap();
    let (mut x, mut y) = (vec![], vec![]);
    for l in &lines[at + 1..] {
        let f: Vec<f64> = l
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        if f.len() == 2 {
            y.push(f[0]);
            x.push(f[1]);
        }
    }
    Problem {
        name: name.into(),
        start1,
        start2,
        cert,
        x,
        y,
    }
}

fn lre(b: &[f64], cert: &[f64]) -> f64 {
    b.iter()
        .zip(cert)
        .map(|(&v, &c)| {
            let rel = (v - c).abs() / c.abs();
            if rel == 0.0 {
                11.0
            } else {
                (-rel.log10()).min(11.0)
            }
        })
        .fold(11.0, f64::min)
        .max(0.0)
}

/// Minimum LRE from start 1 and start 2 (0 when the solver returns an error or NaN).
fn run<const P: usize>(
    p: &Problem,
    f: fn(&[f64; P], f64) -> (f64, [f64; P]),
    opts: &Options<f64>,
) -> [f64; 2] {
    assert_eq!(p.cert.len(), P, "{}", p.name);
    let cv = Curve::new(&p.x, &p.y, None).unwrap();
    let mut out = [0.0; 2];
    for (k, s) in [&p.start1, &p.start2].iter().enumerate() {
        let mut x0 = [0.0; P];
        x0.copy_from_slice(s);
        let r = solve(
            &Nist(f),
            std::slice::from_ref(&cv),
            x0,
            &Bounds::none(),
            opts,
        );
        out[k] = match r {
            Ok(r) => {
                let v = lre(&r.params, &p.cert);
                if v.is_nan() {
                    0.0
                } else {
                    v
                }
            }
            Err(_) => 0.0,
        };
    }
    out
}

fn exp_decay(b: &[f64; 2], x: f64) -> (f64, [f64; 2]) {
    let e = (-b[1] * x).exp();
    (b[0] * (1.0 - e), [1.0 - e, b[0] * x * e])
}
fn chwirut(b: &[f64; 3], x: f64) -> (f64, [f64; 3]) {
    let e = (-b[0] * x).exp();
    let d = b[1] + b[2] * x;
    (e / d, [-x * e / d, -e / (d * d), -x * e / (d * d)])
}
fn lanczos(b: &[f64; 6], x: f64) -> (f64, [f64; 6]) {
    let mut g = [0.0; 6];
    let mut f = 0.0;
    for k in 0..3 {
        let e = (-b[2 * k + 1] * x).exp();
        f += b[2 * k] * e;
        g[2 * k] = e;
        g[2 * k + 1] = -x * b[2 * k] * e;
    }
    (f, g)
}
fn gauss(b: &[f64; 8], x: f64) -> (f64, [f64; 8]) {
    let e = (-b[1] * x).exp();
    let mut g = [0.0; 8];
    g[0] = e;
    g[1] = -x * b[0] * e;
    let mut f = b[0] * e;
    for (a, m, s) in [(2, 3, 4), (5, 6, 7)] {
        let d = x - b[m];
        let q = (-d * d / (b[s] * b[s])).exp();
        f += b[a] * q;
        g[a] = q;
        g[m] = b[a] * q * 2.0 * d / (b[s] * b[s]);
        g[s] = b[a] * q * 2.0 * d * d / (b[s] * b[s] * b[s]);
    }
    (f, g)
}
fn misra1b(b: &[f64; 2], x: f64) -> (f64, [f64; 2]) {
    let u = 1.0 + b[1] * x / 2.0;
    (
        b[0] * (1.0 - u.powi(-2)),
        [1.0 - u.powi(-2), b[0] * x * u.powi(-3)],
    )
}
fn misra1c(b: &[f64; 2], x: f64) -> (f64, [f64; 2]) {
    let u = 1.0 + 2.0 * b[1] * x;
    (
        b[0] * (1.0 - u.powf(-0.5)),
        [1.0 - u.powf(-0.5), b[0] * x * u.powf(-1.5)],
    )
}
fn misra1d(b: &[f64; 2], x: f64) -> (f64, [f64; 2]) {
    let u = 1.0 + b[1] * x;
    (b[0] * b[1] * x / u, [b[1] * x / u, b[0] * x / (u * u)])
}
/// Rational `(b0 + b1 x + .. b_{k-1} x^{k-1}) / (1 + b_k x + ..)` with `K` numerator terms.
fn rational<const P: usize, const K: usize>(b: &[f64; P], x: f64) -> (f64, [f64; P]) {
    let (mut n, mut d, mut xp) = (0.0, 1.0, 1.0);
    let mut pw = [0.0; P];
    for (j, p) in pw.iter_mut().enumerate().take(K) {
        *p = xp;
        n += b[j] * xp;
        xp *= x;
    }
    let mut xq = x;
    for j in K..P {
        pw[j] = xq;
        d += b[j] * xq;
        xq *= x;
    }
    let f = n / d;
    let mut g = [0.0; P];
    for j in 0..P {
        g[j] = if j < K { pw[j] / d } else { -f * pw[j] / d };
    }
    (f, g)
}
fn mgh17(b: &[f64; 5], x: f64) -> (f64, [f64; 5]) {
    let (e4, e5) = ((-x * b[3]).exp(), (-x * b[4]).exp());
    (
        b[0] + b[1] * e4 + b[2] * e5,
        [1.0, e4, e5, -x * b[1] * e4, -x * b[2] * e5],
    )
}
fn roszman1(b: &[f64; 4], x: f64) -> (f64, [f64; 4]) {
    let d = x - b[3];
    let z = b[2] / d;
    let k = 1.0 / (PI * (1.0 + z * z));
    (
        b[0] - b[1] * x - z.atan() / PI,
        [1.0, -x, -k / d, -k * b[2] / (d * d)],
    )
}
fn enso(b: &[f64; 9], x: f64) -> (f64, [f64; 9]) {
    let (s12, c12) = (2.0 * PI * x / 12.0).sin_cos();
    let mut g = [0.0; 9];
    g[0] = 1.0;
    g[1] = c12;
    g[2] = s12;
    let mut f = b[0] + b[1] * c12 + b[2] * s12;
    for (p, a, s) in [(3, 4, 5), (6, 7, 8)] {
        let th = 2.0 * PI * x / b[p];
        let (sn, cs) = th.sin_cos();
        f += b[a] * cs + b[s] * sn;
        g[a] = cs;
        g[s] = sn;
        g[p] = (-b[a] * sn + b[s] * cs) * (-th / b[p]);
    }
    (f, g)
}
fn mgh09(b: &[f64; 4], x: f64) -> (f64, [f64; 4]) {
    let n = x * x + x * b[1];
    let d = x * x + x * b[2] + b[3];
    (
        b[0] * n / d,
        [
            n / d,
            b[0] * x / d,
            -b[0] * n * x / (d * d),
            -b[0] * n / (d * d),
        ],
    )
}
fn rat42(b: &[f64; 3], x: f64) -> (f64, [f64; 3]) {
    let e = (b[1] - b[2] * x).exp();
    let u = 1.0 + e;
    (
        b[0] / u,
        [1.0 / u, -b[0] * e / (u * u), b[0] * x * e / (u * u)],
    )
}
fn mgh10(b: &[f64; 3], x: f64) -> (f64, [f64; 3]) {
    let d = x + b[2];
    let e = (b[1] / d).exp();
    (b[0] * e, [e, b[0] * e / d, -b[0] * e * b[1] / (d * d)])
}
fn eckerle4(b: &[f64; 3], x: f64) -> (f64, [f64; 3]) {
    let u = (x - b[2]) / b[1];
    let e = (-0.5 * u * u).exp();
    (
        b[0] / b[1] * e,
        [
            e / b[1],
            b[0] * e / (b[1] * b[1]) * (u * u - 1.0),
            b[0] / b[1] * e * u / b[1],
        ],
    )
}
fn rat43(b: &[f64; 4], x: f64) -> (f64, [f64; 4]) {
    let e = (b[1] - b[2] * x).exp();
    let u = 1.0 + e;
    let p = u.powf(-1.0 / b[3]);
    let q = b[0] * p / (b[3] * u);
    (
        b[0] * p,
        [p, -q * e, q * e * x, b[0] * p * u.ln() / (b[3] * b[3])],
    )
}
fn bennett5(b: &[f64; 3], x: f64) -> (f64, [f64; 3]) {
    let u = b[1] + x;
    let p = u.powf(-1.0 / b[2]);
    (
        b[0] * p,
        [p, -b[0] * p / (b[2] * u), b[0] * p * u.ln() / (b[2] * b[2])],
    )
}
fn danwood(b: &[f64; 2], x: f64) -> (f64, [f64; 2]) {
    let p = x.powf(b[1]);
    (b[0] * p, [p, b[0] * p * x.ln()])
}

/// `(name, difficulty, [LRE start 1, LRE start 2])` for every problem with `opts`.
fn table(
    dir: &std::path::Path,
    opts: &Options<f64>,
) -> Vec<(&'static str, &'static str, [f64; 2])> {
    macro_rules! probs {
        ($($name:literal $lvl:literal => $f:expr;)*) => {
            vec![$(($name, $lvl, run(&load(dir, $name), $f, opts)),)*]
        };
    }
    probs! {
        "Misra1a" "lower" => exp_decay;
        "Chwirut2" "lower" => chwirut;
        "Chwirut1" "lower" => chwirut;
        "Lanczos3" "lower" => lanczos;
        "Gauss1" "lower" => gauss;
        "Gauss2" "lower" => gauss;
        "DanWood" "lower" => danwood;
        "Misra1b" "lower" => misra1b;
        "Kirby2" "average" => rational::<5, 3>;
        "Hahn1" "average" => rational::<7, 4>;
        "MGH17" "average" => mgh17;
        "Lanczos1" "average" => lanczos;
        "Lanczos2" "average" => lanczos;
        "Gauss3" "average" => gauss;
        "Misra1c" "average" => misra1c;
        "Misra1d" "average" => misra1d;
        "Roszman1" "average" => roszman1;
        "ENSO" "average" => enso;
        "MGH09" "higher" => mgh09;
        "Thurber" "higher" => rational::<7, 4>;
        "BoxBOD" "higher" => exp_decay;
        "Rat42" "higher" => rat42;
        "MGH10" "higher" => mgh10;
        "Eckerle4" "higher" => eckerle4;
        "Rat43" "higher" => rat43;
        "Bennett5" "higher" => bennett5;
    }
}

/// Tight tolerances: `ftol = xtol = 1e-15`, `gtol = 0`, `max_evaluations = 100000`.
fn tight() -> Options<f64> {
    Options {
        ftol: 1e-15,
        xtol: 1e-15,
        gtol: 0.0,
        max_evaluations: 100_000,
        ..Options::default()
    }
}

/// The options of the "all 26" claim: tight tolerances and MINPACK's trust region with initial
/// step bound factor 10 (`Options::step_bound`; MINPACK recommends 0.1..100, its default 100).
fn bounded() -> Options<f64> {
    Options {
        step_bound: 10.0,
        ..tight()
    }
}

#[test]
fn gradients_match_central_differences() {
    // the analytic gradients above against central differences at the certified values
    let Some(d) = dir() else {
        eprintln!("NIST data not found (set GRPO_NIST_DIR): skipped");
        return;
    };
    fn check<const P: usize>(p: &Problem, f: fn(&[f64; P], f64) -> (f64, [f64; P])) {
        let mut b = [0.0; P];
        b.copy_from_slice(&p.cert);
        for &x in p.x.iter().step_by(7) {
            let (v, g) = f(&b, x);
            for j in 0..P {
                let h = 1e-6 * b[j].abs().max(1e-8);
                let (mut bp, mut bm) = (b, b);
                bp[j] += h;
                bm[j] -= h;
                let fd = (f(&bp, x).0 - f(&bm, x).0) / (2.0 * h);
                // relative agreement, plus the rounding of the difference quotient (eps |f| / h)
                let tol =
                    1e-5 * g[j].abs().max(fd.abs()) + 1e3 * f64::EPSILON * (v.abs() + 1.0) / h;
                assert!(
                    (g[j] - fd).abs() <= tol,
                    "{} b{} x={x}: {} vs {fd}",
                    p.name,
                    j + 1,
                    g[j]
                );
            }
        }
    }
    check(&load(&d, "Misra1a"), exp_decay);
    check(&load(&d, "Chwirut1"), chwirut);
    check(&load(&d, "Lanczos1"), lanczos);
    check(&load(&d, "Gauss3"), gauss);
    check(&load(&d, "Misra1b"), misra1b);
    check(&load(&d, "Misra1c"), misra1c);
    check(&load(&d, "Misra1d"), misra1d);
    check(&load(&d, "Kirby2"), rational::<5, 3>);
    check(&load(&d, "Thurber"), rational::<7, 4>);
    check(&load(&d, "MGH17"), mgh17);
    check(&load(&d, "Roszman1"), roszman1);
    check(&load(&d, "ENSO"), enso);
    check(&load(&d, "MGH09"), mgh09);
    check(&load(&d, "Rat42"), rat42);
    check(&load(&d, "MGH10"), mgh10);
    check(&load(&d, "Eckerle4"), eckerle4);
    check(&load(&d, "Rat43"), rat43);
    check(&load(&d, "Bennett5"), bennett5);
    check(&load(&d, "DanWood"), danwood);
}

#[test]
fn nist_strd() {
    let Some(d) = dir() else {
        eprintln!("NIST data not found (set GRPO_NIST_DIR): skipped");
        return;
    };
    let bounded_rows = table(&d, &bounded());
    let tight_rows = table(&d, &tight());
    let default_rows = table(&d, &Options::default());
    println!("| problem | difficulty | LRE start 1 (tight, step bound 10) | LRE start 2 (tight, step bound 10) | LRE start 1 (tight) | LRE start 2 (tight) | LRE start 1 (default) | LRE start 2 (default) |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for ((name, lvl, b), ((_, _, t), (_, _, dflt))) in bounded_rows
        .iter()
        .zip(tight_rows.iter().zip(&default_rows))
    {
        println!(
            "| {name} | {lvl} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            b[0], b[1], t[0], t[1], dflt[0], dflt[1]
        );
    }
    let solved =
        |rows: &[(&str, &str, [f64; 2])], k: usize| rows.iter().filter(|r| r.2[k] >= 4.0).count();
    let (b1, b2) = (solved(&bounded_rows, 0), solved(&bounded_rows, 1));
    let (t1, t2) = (solved(&tight_rows, 0), solved(&tight_rows, 1));
    let (d1, d2) = (solved(&default_rows, 0), solved(&default_rows, 1));
    println!(
        "solved: tight + step bound 10 {b1}/26 and {b2}/26, tight {t1}/26 and {t2}/26, default {d1}/26 and {d2}/26"
    );
    assert_eq!(bounded_rows.len(), 26);
    // every problem from both starts with tight tolerances and the step bound
    let unsolved: Vec<_> = bounded_rows
        .iter()
        .filter(|r| r.2[0] < 4.0 || r.2[1] < 4.0)
        .collect();
    assert!(
        unsolved.is_empty(),
        "tight options with step bound 10, not solved: {unsolved:?}"
    );
    // Without the bound, BoxBOD from NIST's start 1 (b = 1, 1) is the one miss: the first
    // steps send b2 up the flat valley b2 -> inf (the model becomes the constant b1 = mean y, a
    // stationary point at infinity); MINPACK with its default factor 100 fails there too.
    assert!(t1 >= 25 && t2 == 26, "tight options: {t1}/26, {t2}/26");
    // MINPACK's default counts (scipy least_squares(method="lm"), same data)
    assert!(d1 >= 20 && d2 >= 23, "default options: {d1}/26, {d2}/26");
}
