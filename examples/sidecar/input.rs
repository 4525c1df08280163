//! Reward-log readers for the sidecar: CSV, JSON lines, Hugging Face `trainer_state.json`.
//!
//! Every reader yields the same [`Record`]s, sorted by strictly increasing step, or a one-line
//! error that says what is wrong and where.

use std::fmt;

/// One logged training step.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Record {
    pub step: f64,
    pub reward: f64,
    pub eval_reward: Option<f64>,
    pub entropy: Option<f64>,
    pub frac_reward_zero_std: Option<f64>,
    pub reward_std: Option<f64>,
}

/// A malformed input, with the place it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: String) -> Result<T, InputError> {
    Err(InputError(msg))
}

/// Column / key aliases accepted for each field (first match wins).
const STEP: &[&str] = &["step", "global_step"];
const REWARD: &[&str] = &["reward", "train/reward", "reward_mean", "rewards/mean"];
const EVAL: &[&str] = &["eval_reward", "eval_accuracy", "eval/reward"];
const ENTROPY: &[&str] = &["entropy", "entropy_mean"];
const ZERO_STD: &[&str] = &["frac_reward_zero_std"];
const REWARD_STD: &[&str] = &["reward_std"];

/// Parse a whole log, detecting the format from its first non-blank character:
/// `{` with a `log_history` key: trainer_state.json; `{` otherwise: JSON lines; else CSV.
pub fn parse(text: &str, source: &str) -> Result<Vec<Record>, InputError> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return err(format!("{source}: empty input (no header, no data)"));
    }
    let records = if trimmed.starts_with('{') {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) if v.get("log_history").is_some() => parse_trainer_state(&v, source)?,
            _ => parse_json_lines(text, source)?,
        }
    } else {
        parse_csv(text, source)?
    };
    if records.is_empty() {
        return err(format!("{source}: no data rows with a reward"));
    }
    for w in records.windows(2) {
        if w[1].step <= w[0].step {
            return err(format!(
                "{source}: steps must be strictly increasing (step {} follows step {})",
                w[1].step, w[0].step
            ));
        }
    }
    Ok(records)
}

fn parse_number(field: &str, what: &str, at: &str) -> Result<f64, InputError> {
    match field.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => err(format!("{at}: {what} is not finite ({:?})", field.trim())),
        Err(_) => err(format!("{at}: {what} is not a number ({:?})", field.trim())),
    }
}

fn find(header: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| header.iter().position(|h| h == n))
}

/// CSV with a header row naming at least `step` and `reward` (comma separated, no quoting needed
/// for numeric logs; empty cells mean "not logged at this step").
pub fn parse_csv(text: &str, source: &str) -> Result<Vec<Record>, InputError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, head)) = lines.next() else {
        return err(format!("{source}: empty input"));
    };
    let header: Vec<String> = head
        .split(',')
        .map(|h| h.trim().trim_matches('"').to_string())
        .collect();
    let Some(i_step) = find(&header, STEP) else {
        return err(format!(
            "{source}: missing column 'step' in header {head:?}"
        ));
    };
    let Some(i_reward) = find(&header, REWARD) else {
        return err(format!(
            "{source}: missing column 'reward' in header {head:?}"
        ));
    };
    let opt = |names| find(&header, names);
    let (i_eval, i_ent, i_zero, i_std) = (opt(EVAL), opt(ENTROPY), opt(ZERO_STD), opt(REWARD_STD));
    let mut out = Vec::new();
    for (lineno, line) in lines {
        let at = format!("{source}:{}", lineno + 1);
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != header.len() {
            return err(format!(
                "{at}: {} cells, header has {}",
                cells.len(),
                header.len()
            ));
        }
        let optional = |i: Option<usize>, what: &str| -> Result<Option<f64>, InputError> {
            match i.map(|i| cells[i].trim()) {
                None | Some("") => Ok(None),
                Some(c) => parse_number(c, what, &at).map(Some),
            }
        };
        if cells[i_reward].trim().is_empty() {
            continue; // an eval-only row
        }
        out.push(Record {
            step: parse_number(cells[i_step], "step", &at)?,
            reward: parse_number(cells[i_reward], "reward", &at)?,
            eval_reward: optional(i_eval, "eval_reward")?,
            entropy: optional(i_ent, "entropy")?,
            frac_reward_zero_std: optional(i_zero, "frac_reward_zero_std")?,
            reward_std: optional(i_std, "reward_std")?,
        });
    }
    Ok(out)
}

fn json_field(
    obj: &serde_json::Value,
    names: &[&str],
    what: &str,
    at: &str,
) -> Result<Option<f64>, InputError> {
    for n in names {
        if let Some(v) = obj.get(*n) {
            return match v {
                serde_json::Value::Null => Ok(None),
                serde_json::Value::Number(x) => match x.as_f64() {
                    Some(x) if x.is_finite() => Ok(Some(x)),
                    _ => err(format!("{at}: {what} is not a finite number")),
                },
                serde_json::Value::String(s) => parse_number(s, what, at).map(Some),
                _ => err(format!("{at}: {what} is not a number")),
            };
        }
    }
    Ok(None)
}

fn record_from_json(
    obj: &serde_json::Value,
    at: &str,
    step_fallback: Option<f64>,
) -> Result<Option<Record>, InputError> {
    let Some(reward) = json_field(obj, REWARD, "reward", at)? else {
        return Ok(None); // e.g. an eval-only or summary entry
    };
    let step = match json_field(obj, STEP, "step", at)?.or(step_fallback) {
        Some(s) => s,
        None => return err(format!("{at}: missing key 'step'")),
    };
    Ok(Some(Record {
        step,
        reward,
        eval_reward: json_field(obj, EVAL, "eval_reward", at)?,
        entropy: json_field(obj, ENTROPY, "entropy", at)?,
        frac_reward_zero_std: json_field(obj, ZERO_STD, "frac_reward_zero_std", at)?,
        reward_std: json_field(obj, REWARD_STD, "reward_std", at)?,
    }))
}

/// One JSON object per line with at least `step` and `reward`.
pub fn parse_json_lines(text: &str, source: &str) -> Result<Vec<Record>, InputError> {
    let mut out = Vec::new();
    for (lineno, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{source}:{}", lineno + 1);
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => return err(format!("{at}: not a JSON object ({e})")),
        };
        if !v.is_object() {
            return err(format!("{at}: not a JSON object"));
        }
        if let Some(r) = record_from_json(&v, &at, None)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Hugging Face `trainer_state.json`: the entries of `log_history` that carry a reward.
pub fn parse_trainer_state(v: &serde_json::Value, source: &str) -> Result<Vec<Record>, InputError> {
    let Some(hist) = v.get("log_history").and_then(|h| h.as_array()) else {
        return err(format!("{source}: 'log_history' is not an array"));
    };
    let mut out = Vec::new();
    for (i, entry) in hist.iter().enumerate() {
        let at = format!("{source}: log_history[{i}]");
        if let Some(r) = record_from_json(entry, &at, None)? {
            out.push(r);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_optional_columns() {
        let t = "step,reward,eval_accuracy,entropy\n1,0.5,,0.3\n2,0.6,0.7,0.25\n";
        let r = parse(t, "x").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].eval_reward, Some(0.7));
        assert_eq!(r[0].eval_reward, None);
    }

    #[test]
    fn malformed_inputs_are_one_line_errors() {
        for (t, needle) in [
            ("", "empty"),
            ("step,loss\n1,2\n", "missing column 'reward'"),
            ("step,reward\n1,abc\n", "not a number"),
            ("step,reward\n2,0.1\n1,0.2\n", "strictly increasing"),
            ("step,reward\n1,0.1\n1,0.2\n", "strictly increasing"),
            ("step,reward\n1,nan\n", "not finite"),
            ("{\"step\": 1}\n{\"reward\": 0.3}\n", "missing key 'step'"),
            ("{\"log_history\": 3}", "not an array"),
        ] {
            let e = parse(t, "x").unwrap_err().0;
            assert!(e.contains(needle), "{t:?}: {e}");
            assert!(!e.contains('\n'));
        }
    }

    #[test]
    fn json_lines_and_trainer_state() {
        let jl =
            "{\"step\": 1, \"reward\": 0.2}\n{\"step\": 2, \"reward\": 0.4, \"entropy\": 0.5}\n";
        assert_eq!(parse(jl, "x").unwrap().len(), 2);
        let ts = r#"{"log_history": [{"step": 5, "reward": 0.1}, {"step": 10, "eval_loss": 1.0},
                    {"step": 10, "reward": 0.3, "frac_reward_zero_std": 0.2}]}"#;
        let r = parse(ts, "x").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].frac_reward_zero_std, Some(0.2));
    }
}
