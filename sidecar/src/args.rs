//! Command line: every option, its default, and the help text built from the same table.

use crate::formats::Format;
use crate::keys::Field;

/// Output style of the progress lines and the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Json,
    Text,
}

#[derive(Debug, Clone)]
pub struct Args {
    /// None: the built-in demo; "-": standard input.
    pub input: Option<String>,
    pub follow: bool,
    pub idle_exit: Option<f64>,
    pub poll: f64,
    pub svg: Option<String>,
    pub every: Option<usize>,
    pub reward_min: Option<f64>,
    pub reward_max: Option<f64>,
    pub eval_max: f64,
    pub group_size: Option<u32>,
    pub horizon: Option<f64>,
    pub keys: [Option<String>; 6],
    pub select: Option<(String, String)>,
    pub input_format: Option<Format>,
    pub style: Style,
    pub name: Option<String>,
    /// `--lr` given: the calibrated `hyper` object in the summary.
    pub hyper: Option<crate::hyper::HyperArgs>,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            input: None,
            follow: false,
            idle_exit: None,
            poll: 0.2,
            svg: None,
            every: None,
            reward_min: None,
            reward_max: None,
            eval_max: 1.0,
            group_size: None,
            horizon: None,
            keys: Default::default(),
            select: None,
            input_format: None,
            style: Style::Json,
            name: None,
            hyper: None,
        }
    }
}

/// (flag, value name, default, description): the source of `--help`.
pub const OPTIONS: &[(&str, &str, &str, &str)] = &[
    ("-f, --follow", "", "off", "keep reading as the file grows (or standard input as a stream); handles truncation and rotation; exits with the summary on SIGINT/SIGTERM, at the end of a piped stream, or after --idle-exit"),
    ("--idle-exit", "SECONDS", "never", "with --follow: exit (with the summary) after this long without new data"),
    ("--poll", "SECONDS", "0.2", "with --follow: how often a file is checked for new data"),
    ("--every", "K", "1 with --follow; else about 20 lines per file (50 for standard input)", "one decision line (prediction + advice) every K logged steps"),
    ("--format", "json|text", "json", "output: one JSON object per line, or one human-readable status line"),
    ("--svg", "PATH", "none", "write a plot (data, eval points, fitted curve, 80/95 % bands, plateau band, first stop advice); written only on success"),
    ("--name", "NAME", "input file stem", "run name shown in the summary and the plot"),
    ("--reward-key", "KEY", "auto", "log key of the training reward"),
    ("--step-key", "KEY", "auto", "log key of the step"),
    ("--eval-key", "KEY", "auto", "log key of the eval reward (enables the reward-hacking check)"),
    ("--entropy-key", "KEY", "auto", "log key of the policy entropy (enables the concentration check)"),
    ("--zero-std-key", "KEY", "auto", "log key of the fraction of zero-std groups (degeneracy check)"),
    ("--select", "KEY=VALUE", "all entries", "keep only entries whose KEY equals VALUE (one run of a file holding several, e.g. arm=pure-GRPO)"),
    ("--input-format", "csv|jsonl|trainer-state|text|tfevents", "auto", "skip the format detection"),
    ("--reward-min", "X", "0 while every reward lies in [0, 1], else unbounded", "lowest possible reward"),
    ("--reward-max", "Y", "1 while every reward lies in [0, 1], else unbounded", "highest possible reward"),
    ("--eval-max", "Y", "1", "highest possible eval reward (inf: unbounded, skips the hacking check)"),
    ("--group-size", "G", "none", "GRPO group size (TRL num_generations); enables the degeneracy check"),
    ("--horizon", "STEP", "the last step plus the span logged so far", "step the forecast and the advice look ahead to"),
    ("--lr", "ETA", "none", "the optimizer's learning rate; adds the calibrated \"hyper\" object (K, damping, regime, critical Kref, largest stable / monotone lr) to the summary"),
    ("--beta1", "MU", "0.9", "Adam beta1 (momentum), in [0, 1)"),
    ("--kref", "K", "1", "refresh interval: optimizer steps per generated batch (or give the two TRL settings below)"),
    ("--num-iterations", "N", "1", "TRL num_iterations (Kref = num_iterations x steps_per_generation)"),
    ("--steps-per-generation", "S", "1", "TRL steps_per_generation"),
    ("--whatif-lr", "X", "none", "with --lr: predicted steps to 50 % / 90 % of the gain at learning rate X (\"whatif\" in \"hyper\")"),
    ("-h, --help", "", "", "print this help and exit"),
    ("-V, --version", "", "", "print the version and exit"),
];

pub fn help() -> String {
    let mut s = format!(
        "grpo-sidecar {}: streams a GRPO training log into the grpo-dynamics online predictor\n\n\
         usage: grpo-sidecar [FILE | -] [OPTIONS]      (options may come before or after the input)\n\n\
         FILE   a training log: CSV (W&B / TensorBoard / verl exports), JSON lines (TRL, verl flat or\n       \
         nested, OpenRLHF), a trainer_state.json (NaN/Infinity allowed), a text log with printed dicts\n       \
         (TRL stdout), or a TensorBoard event file; the format is detected\n\
         -      standard input\n\
         (none) the built-in demo: a simulated GRPO run\n\n\
         output: one JSON line per decision point, then a summary line (\"summary\": true) with the\n\
         prediction, the first stop advice, the diagnosis and the diagnostics skipped and why.\n\
         exit status: 0 success, 2 bad input or option (one line on standard error).\n\noptions:\n",
        env!("CARGO_PKG_VERSION")
    );
    for (flag, val, default, what) in OPTIONS {
        let head = if val.is_empty() {
            flag.to_string()
        } else {
            format!("{flag} {val}")
        };
        s.push_str(&format!("  {head}\n      {what}"));
        if !default.is_empty() {
            s.push_str(&format!(" [default: {default}]"));
        }
        s.push('\n');
    }
    s
}

/// What the command line asks for.
pub enum Command {
    Run(Box<Args>),
    Help,
    Version,
}

fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    v.parse().map_err(|_| format!("{flag}: cannot parse {v:?}"))
}

fn finite(flag: &str, v: Option<String>) -> Result<f64, String> {
    let x: f64 = value(flag, v)?;
    if x.is_nan() {
        return Err(format!("{flag}: NaN is not a value"));
    }
    Ok(x)
}

fn positive_int(flag: &str, v: Option<String>) -> Result<u32, String> {
    let k: u32 = value(flag, v)?;
    if k < 1 {
        return Err(format!("{flag}: must be at least 1 (got {k})"));
    }
    Ok(k)
}

pub fn parse(mut it: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut a = Args::default();
    let mut every_given = false;
    let (mut lr, mut beta1, mut kref, mut whatif) = (None, 0.9, None, None);
    let (mut iters, mut spg) = (None::<u32>, None::<u32>);
    while let Some(arg) = it.next() {
        // --flag=value is accepted too
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut next = || inline.clone().or_else(|| it.next());
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "-f" | "--follow" => a.follow = true,
            "--idle-exit" => {
                let s = finite(&flag, next())?;
                if s.is_nan() || s <= 0.0 {
                    return Err(format!("{flag}: must be > 0 seconds (got {s})"));
                }
                a.idle_exit = Some(s);
            }
            "--poll" => {
                let s = finite(&flag, next())?;
                if s.is_nan() || s <= 0.0 || s > 60.0 {
                    return Err(format!("{flag}: must be in (0, 60] seconds (got {s})"));
                }
                a.poll = s;
            }
            "--every" => {
                let k: usize = value(&flag, next())?;
                if k == 0 {
                    return Err(format!("{flag}: must be at least 1"));
                }
                a.every = Some(k);
                every_given = true;
            }
            "--format" => {
                a.style = match next().as_deref() {
                    Some("json") => Style::Json,
                    Some("text") => Style::Text,
                    other => return Err(format!("{flag}: expected json or text, got {other:?}")),
                }
            }
            "--svg" => a.svg = Some(value(&flag, next())?),
            "--name" => a.name = Some(value(&flag, next())?),
            "--reward-min" => a.reward_min = Some(finite(&flag, next())?),
            "--reward-max" => a.reward_max = Some(finite(&flag, next())?),
            "--eval-max" => a.eval_max = finite(&flag, next())?,
            "--group-size" => {
                let g: u32 = value(&flag, next())?;
                if g < 2 {
                    return Err(format!(
                        "{flag}: a group has at least 2 completions (got {g})"
                    ));
                }
                a.group_size = Some(g);
            }
            "--horizon" => a.horizon = Some(finite(&flag, next())?),
            "--lr" | "--whatif-lr" => {
                let x = finite(&flag, next())?;
                if !(x > 0.0 && x.is_finite()) {
                    return Err(format!("{flag}: must be > 0 (got {x})"));
                }
                if flag == "--lr" {
                    lr = Some(x);
                } else {
                    whatif = Some(x);
                }
            }
            "--beta1" => {
                let x = finite(&flag, next())?;
                if !(0.0..1.0).contains(&x) {
                    return Err(format!("{flag}: must be in [0, 1) (got {x})"));
                }
                beta1 = x;
            }
            "--kref" => kref = Some(positive_int(&flag, next())?),
            "--num-iterations" => iters = Some(positive_int(&flag, next())?),
            "--steps-per-generation" => spg = Some(positive_int(&flag, next())?),
            "--select" => {
                let v: String = value(&flag, next())?;
                let Some((k, val)) = v.split_once('=') else {
                    return Err(format!("{flag}: expected KEY=VALUE, got {v:?}"));
                };
                a.select = Some((k.to_string(), val.to_string()));
            }
            "--input-format" => {
                let v: String = value(&flag, next())?;
                a.input_format = Some(Format::parse(&v).ok_or_else(|| {
                    format!(
                        "{flag}: expected csv, jsonl, trainer-state, text or tfevents, got {v:?}"
                    )
                })?);
            }
            f => {
                let key_flag = [
                    Field::Step,
                    Field::Reward,
                    Field::Eval,
                    Field::Entropy,
                    Field::ZeroStd,
                ]
                .into_iter()
                .find(|k| k.flag() == Some(f));
                if let Some(k) = key_flag {
                    a.keys[k as usize] = Some(value(f, next())?);
                } else if f.starts_with('-') && f != "-" {
                    return Err(format!("unknown option {f} (see --help)"));
                } else if a.input.is_some() {
                    return Err(format!("more than one input ({arg:?})"));
                } else {
                    a.input = Some(arg);
                }
            }
        }
    }
    if let (Some(lo), Some(hi)) = (a.reward_min, a.reward_max) {
        if lo >= hi {
            return Err(format!(
                "--reward-min ({lo}) must be below --reward-max ({hi})"
            ));
        }
    }
    if a.idle_exit.is_some() && !a.follow {
        return Err("--idle-exit needs --follow".into());
    }
    if a.follow && a.input.is_none() {
        return Err("--follow needs an input (FILE or -)".into());
    }
    let trl = iters.unwrap_or(1).checked_mul(spg.unwrap_or(1));
    let kref = match (kref, iters.or(spg)) {
        (Some(_), Some(_)) => {
            return Err("--kref and --num-iterations / --steps-per-generation: give one".into())
        }
        (Some(k), None) => k,
        (None, _) => trl.ok_or("--num-iterations x --steps-per-generation: too large")?,
    };
    match lr {
        Some(lr) => {
            a.hyper = Some(crate::hyper::HyperArgs {
                lr,
                beta1,
                kref,
                whatif_lr: whatif,
            })
        }
        None if whatif.is_some() => return Err("--whatif-lr needs --lr".into()),
        None => {}
    }
    if !every_given && a.follow {
        a.every = Some(1);
    }
    Ok(Command::Run(Box::new(a)))
}
