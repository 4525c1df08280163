//! AUTO's cost against one default full-oscillator fit, for instruction counting
//! (`tools/auto-cost.sh` runs it under callgrind; docs/fit.md, AUTO).
//!
//! ```text
//! MODE=none|full|auto cargo run --release --example auto_cost -- DATA_DIR CASE
//! ```
//!
//! Reads the harness's `DATA_DIR/CASE.csv` (`../shared/anchors/lm/gen_data.py`) and runs, per
//! curve, nothing (`none`: the parsing alone), `fit(Full, Start::Data)` (`full`), `fit_auto`
//! (`auto`) or the harness's default fit (`default`: the saturation law on `sat_*` cases, the
//! full oscillator otherwise, as `examples/harness_fit.rs` fits them) once; `dump` prints that
//! fit's termination code, evaluations, cost and parameters per curve.

use grpo_dynamics::fit::{fit, fit_auto, Options, ParamSet, Start};
use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dir, case) = (&args[1], &args[2]);
    let mode = std::env::var("MODE").unwrap_or_default();
    let text = std::fs::read_to_string(format!("{dir}/{case}.csv")).expect("harness CSV");
    let opts = Options::default();
    for line in text.lines().skip(1) {
        let v: Vec<&str> = line.split(',').collect();
        let n: usize = v[2].parse().expect("n");
        let y: Vec<f64> = (0..n).map(|i| v[14 + i].parse().expect("y")).collect();
        let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
        match mode.as_str() {
            "full" => {
                black_box(fit(ParamSet::Full, &t, &y, None, Start::Data, &opts).ok());
            }
            "default" => {
                let set = if case.starts_with("sat") {
                    ParamSet::Saturation
                } else {
                    ParamSet::Full
                };
                black_box(fit(set, &t, &y, None, Start::Data, &opts).ok());
            }
            "dump" => {
                // the default fit's outcome per curve (to compare two builds line by line)
                let set = if case.starts_with("sat") {
                    ParamSet::Saturation
                } else {
                    ParamSet::Full
                };
                match fit(set, &t, &y, None, Start::Data, &opts) {
                    Ok(f) => println!(
                        "{} {} {:.17e} {:?}",
                        f.termination.code(),
                        f.evaluations,
                        f.cost,
                        f.params()
                    ),
                    Err(e) => println!("error {e:?}"),
                }
            }
            "auto" => {
                black_box(fit_auto(&t, &y, None, &opts).ok());
            }
            _ => {
                black_box((&t, &y));
            }
        }
    }
}
