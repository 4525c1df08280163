//! Fit every public reward curve with AUTO (all parameter sets, lowest AICc) and print a table.
//!
//! ```text
//! cargo run --release --example fit_curves [-- DIR]     (default $GRPO_CURVES_DIR or ../shared/data/curves)
//! ```

use grpo_dynamics::fit::{fit_auto, Options};

fn main() {
    let dir: std::path::PathBuf = std::env::args()
        .nth(1)
        .map(Into::into)
        .or_else(|| std::env::var_os("GRPO_CURVES_DIR").map(Into::into))
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/curves")
        });
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("csv"))
        .collect();
    paths.sort();
    println!("| curve | points | model (AICc) | R^2 | plateau +- stderr | termination |");
    println!("|---|---|---|---|---|---|");
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
        let (Some(is), Some(ir)) = (
            head.iter().position(|h| *h == "step"),
            head.iter().position(|h| *h == "reward"),
        ) else {
            continue;
        };
        let (mut t, mut y) = (vec![], vec![]);
        for l in lines {
            let v: Vec<&str> = l.split(',').collect();
            if let (Some(Ok(s)), Some(Ok(r))) = (
                v.get(is).map(|x| x.parse::<f64>()),
                v.get(ir).map(|x| x.parse::<f64>()),
            ) {
                t.push(s);
                y.push(r);
            }
        }
        let name = p.file_stem().unwrap().to_string_lossy();
        match fit_auto(&t, &y, None, &Options::default()) {
            Ok(f) => println!(
                "| {name} | {} | {:?} | {:.3} | {:.4} +- {:.4} | {:?} |",
                t.len(),
                f.set,
                f.r2,
                f.plateau,
                f.plateau_stderr,
                f.termination
            ),
            Err(e) => println!("| {name} | {} | error: {e} | | | |", t.len()),
        }
    }
}
