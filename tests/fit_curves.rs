//! Every public reward curve gives a finite fit or a typed error, never a panic.
//! Data: $GRPO_CURVES_DIR, default ../shared/data/curves relative to the crate root
//! (skipped with a message when absent).

use grpo_dynamics::fit::{fit, fit_auto, Options, ParamSet, Start};

fn curves_dir() -> std::path::PathBuf {
    std::env::var_os("GRPO_CURVES_DIR")
        .map(Into::into)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/curves")
        })
}

/// (step, reward) columns of a curve CSV, rows with an empty reward skipped.
pub fn read_curve(path: &std::path::Path) -> (Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let is = head.iter().position(|h| *h == "step").unwrap();
    let ir = head.iter().position(|h| *h == "reward").unwrap();
    let (mut t, mut y) = (vec![], vec![]);
    for l in lines {
        let v: Vec<&str> = l.split(',').collect();
        if let (Some(Ok(s)), Some(Ok(r))) =
            (v.get(is).map(|x| x.parse()), v.get(ir).map(|x| x.parse()))
        {
            t.push(s);
            y.push(r);
        }
    }
    (t, y)
}

#[test]
fn every_curve_fits_or_errors() {
    let dir = curves_dir();
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: no curves at {}", dir.display());
        return;
    };
    let mut count = 0;
    for e in rd {
        let p = e.unwrap().path();
        // every curve CSV; LABELS.csv is the labels table, not a curve
        if p.extension().and_then(|x| x.to_str()) != Some("csv") || p.ends_with("LABELS.csv") {
            continue;
        }
        // curve files only (LABELS.csv sits beside them)
        let head = std::fs::read_to_string(&p).unwrap();
        let head = head.lines().next().unwrap_or("");
        if !head.split(',').any(|h| h == "step") || !head.split(',').any(|h| h == "reward") {
            continue;
        }
        let (t, y) = read_curve(&p);
        count += 1;
        let o = Options::default();
        let mut results = vec![fit_auto(&t, &y, None, &o)];
        for set in ParamSet::ALL {
            results.push(fit(set, &t, &y, None, Start::Data, &o));
        }
        for r in results {
            match r {
                Ok(f) => {
                    assert!(f.params().iter().all(|x| x.is_finite()), "{}", p.display());
                    assert!(f.cost.is_finite() && f.r2.is_finite() && f.plateau.is_finite());
                    assert!(!f.plateau_stderr.is_nan());
                }
                Err(e) => eprintln!("{}: typed error {e:?}", p.display()),
            }
        }
    }
    assert!(count >= 10, "expected the shared curves, found {count}");
}
