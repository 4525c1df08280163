//! `grpo-sidecar`: reads a GRPO training log (finished, or live with `--follow`), streams it into
//! the grpo-dynamics online predictor and prints one JSON object per decision point; the last
//! line is the summary (prediction, first stop advice, diagnosis, skipped diagnostics).
//!
//! ```text
//! grpo-sidecar                                  # built-in demo: a simulated GRPO run
//! grpo-sidecar run.csv --svg plot.svg           # a finished log, any supported format
//! grpo-sidecar --follow logs/train.jsonl        # a live run: one line per new logged step
//! tail -f train.log | grpo-sidecar --follow -   # a stream on standard input
//! ```
//!
//! Bad input or options exit with status 2 and one line on standard error naming the file, the
//! line and the problem; nothing is written to the `--svg` path then. `--help` lists every option
//! with its default.

mod args;
mod demo;
mod diagnosis;
mod follow;
mod formats;
mod hyper;
mod keys;
mod run;
mod svg;
mod tfevents;
mod value;

use args::{Args, Command, Style};
use formats::{Decoder, Entry, Malformed};
use run::Run;
use serde_json::Value;
use std::io::{Read, Write};
use std::process::ExitCode;

/// Where entries come from, for messages.
pub struct Source {
    /// File name as given (or "stdin").
    pub name: String,
}

impl Source {
    pub fn malformed(&self, dec: &Decoder, m: Malformed) -> String {
        self.at(dec, m.line, &m.problem)
    }

    pub fn at(&self, dec: &Decoder, line: u64, problem: &str) -> String {
        if dec.is_document() {
            format!("{}: log entry {line}: {problem}", self.name)
        } else if dec.format == Some(formats::Format::TfEvents) {
            format!("{}: record {line}: {problem}", self.name)
        } else {
            format!("{}:{line}: {problem}", self.name)
        }
    }
}

/// Standard output, with a closed pipe (`| head`) ending the run quietly.
pub struct Out {
    w: std::io::Stdout,
}

#[derive(Debug)]
pub enum Failure {
    /// Bad input or option: exit 2 with this line.
    Bad(String),
    /// Standard output was closed: stop, exit 0.
    Closed,
}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure::Bad(s)
    }
}

impl Out {
    pub fn lines(&mut self, lines: &mut Vec<String>) -> Result<(), Failure> {
        let mut w = self.w.lock();
        for l in lines.drain(..) {
            if let Err(e) = writeln!(w, "{l}") {
                return Err(match e.kind() {
                    std::io::ErrorKind::BrokenPipe => Failure::Closed,
                    _ => Failure::Bad(format!("standard output: {e}")),
                });
            }
        }
        w.flush().map_err(|_| Failure::Closed)
    }
}

/// Feeds decoded entries to the run and prints its decision lines.
pub fn feed(
    run: &mut Run,
    dec: &Decoder,
    src: &Source,
    entries: &mut Vec<Entry>,
    out: &mut Out,
) -> Result<(), Failure> {
    for e in entries.drain(..) {
        run.entry(&e).map_err(|m| src.at(dec, e.line, &m))?;
        if !run.out.is_empty() {
            out.lines(&mut run.out)?;
        }
    }
    Ok(())
}

/// The auto cadence: about 20 decision lines for a regular file (a first pass counts the entries
/// that carry a reward), at least every 5 steps; every 50 steps for a pipe.
fn auto_every(path: &str, a: &Args) -> Result<usize, String> {
    let mut f = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut dec = Decoder::new(a.input_format);
    let mut keys = keys::KeyMap::new(a.keys.clone());
    let mut n = 0usize;
    let mut count = |entries: &mut Vec<Entry>| {
        for e in entries.drain(..) {
            if keys.resolve(&e.fields)[keys::Field::Reward as usize].is_some() {
                n += 1;
            }
        }
    };
    let mut buf = vec![0u8; 1 << 16];
    let mut entries = Vec::new();
    loop {
        let k = f.read(&mut buf).map_err(|e| format!("{path}: {e}"))?;
        if k == 0 {
            break;
        }
        // a malformed file is reported by the real pass, with its line
        if dec.feed(&buf[..k], &mut entries).is_err() {
            return Ok(5);
        }
        count(&mut entries);
    }
    if dec.finish(&mut entries).is_err() {
        return Ok(5);
    }
    count(&mut entries);
    Ok((n / 20).max(5))
}

fn run_name(a: &Args) -> String {
    if let Some(n) = &a.name {
        return n.clone();
    }
    match a.input.as_deref() {
        None => "built-in demo".into(),
        Some("-") => "stdin".into(),
        Some(p) => {
            let file = std::path::Path::new(p)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.to_string());
            // strip the format's extension(s)
            let mut stem = file.as_str();
            for ext in [
                ".csv",
                ".jsonl",
                ".json",
                ".log",
                ".txt",
                ".trainer_state",
                ".train_metrics",
                ".verl_metrics",
                ".verl_arms",
                ".training",
            ] {
                stem = stem.strip_suffix(ext).unwrap_or(stem);
            }
            stem.to_string()
        }
    }
}

fn execute(a: Args) -> Result<(), Failure> {
    let name = run_name(&a);
    let input_label = a.input.clone().unwrap_or_else(|| "built-in demo".into());
    let mut out = Out {
        w: std::io::stdout(),
    };
    let src = Source {
        name: match a.input.as_deref() {
            Some("-") => "stdin".into(),
            Some(p) => p.to_string(),
            None => "built-in demo".into(),
        },
    };
    // a finished file is opened once (a pipe such as `<(zcat log.gz)` can be read once only)
    let file = match a.input.as_deref() {
        Some(p) if p != "-" && !a.follow => {
            Some(std::fs::File::open(p).map_err(|e| format!("{p}: {e}"))?)
        }
        _ => None,
    };
    let regular = match &file {
        Some(f) => f
            .metadata()
            .map_err(|e| format!("{}: {e}", src.name))?
            .is_file(),
        None => false,
    };
    let every = match (a.every, a.input.as_deref()) {
        (Some(k), _) => k,
        (None, None) => 30,
        (None, Some(p)) if regular => auto_every(p, &a)?,
        (None, Some(_)) => 50,
    };
    let mut run = Run::new(&a, name, input_label, every)?;
    let mut dec = Decoder::new(a.input_format);
    let mut entries = Vec::new();
    match a.input.as_deref() {
        None => {
            entries = demo::entries()?;
            feed(&mut run, &dec, &src, &mut entries, &mut out)?;
        }
        Some(path) if a.follow => {
            follow::follow(path, &a, &mut run, &mut dec, &src, &mut out)?;
        }
        Some(path) => {
            let mut reader: Box<dyn Read> = match file {
                Some(f) => Box::new(f),
                None if path == "-" => Box::new(std::io::stdin()),
                None => Box::new(std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?),
            };
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let k = match reader.read(&mut buf) {
                    Ok(k) => k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(Failure::Bad(format!("{}: {e}", src.name))),
                };
                if k == 0 {
                    break;
                }
                dec.feed(&buf[..k], &mut entries)
                    .map_err(|m| src.malformed(&dec, m))?;
                feed(&mut run, &dec, &src, &mut entries, &mut out)?;
            }
            dec.finish(&mut entries)
                .map_err(|m| src.malformed(&dec, m))?;
            feed(&mut run, &dec, &src, &mut entries, &mut out)?;
        }
    }
    conclude(run, &dec, &src, &a, &mut out)
}

/// Final prediction, summary, plot.
pub fn conclude(
    mut run: Run,
    dec: &Decoder,
    src: &Source,
    a: &Args,
    out: &mut Out,
) -> Result<(), Failure> {
    for (why, n) in &dec.ignored {
        *run.ignored.entry(why.to_string()).or_insert(0) += n;
    }
    let p = run.conclude().map_err(|m| format!("{}: {m}", src.name))?;
    out.lines(&mut run.out)?;
    let format = match (a.input.as_ref(), dec.format) {
        (None, _) => "demo",
        (_, Some(f)) => f.name(),
        (_, None) => "empty",
    };
    let mut summary = run.summary(&p, format);
    if let Some(h) = &a.hyper {
        let (t, r): (Vec<f64>, Vec<f64>) = run
            .history
            .rows
            .iter()
            .filter_map(|row| row.get(keys::Field::Reward).map(|y| (row.step, y)))
            .unzip();
        summary.insert("hyper".into(), hyper::hyper_json(&t, &r, h));
    }
    if let Some(path) = &a.svg {
        let doc = svg::plot(&mut run, &p).map_err(|e| format!("svg: {e}"))?;
        // written whole or not at all: a temporary file beside it, renamed into place
        let tmp = format!("{path}.tmp{}", std::process::id());
        std::fs::write(&tmp, doc)
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                format!("{path}: {e}")
            })?;
        summary.insert("svg".into(), Value::String(path.clone()));
    }
    let line = match a.style {
        Style::Json => Value::Object(summary).to_string(),
        Style::Text => run::summary_text(&summary),
    };
    out.lines(&mut vec![line])
}

fn main() -> ExitCode {
    let a = match args::parse(std::env::args().skip(1)) {
        Ok(Command::Run(a)) => *a,
        Ok(Command::Help) => {
            print!("{}", args::help());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("grpo-sidecar {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("grpo-sidecar: {e}");
            return ExitCode::from(2);
        }
    };
    match execute(a) {
        Ok(()) | Err(Failure::Closed) => ExitCode::SUCCESS,
        Err(Failure::Bad(e)) => {
            eprintln!("grpo-sidecar: {e}");
            ExitCode::from(2)
        }
    }
}
