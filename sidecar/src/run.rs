//! One run being read: entries joined by step into rows, rows streamed into the online
//! predictor, a decision line every K rows, and the summary at the end.
//!
//! Memory is bounded whatever the length of the log: the predictor's window ([`WINDOW`] points,
//! merged pairwise when full), the row history kept for the diagnosis and the plot
//! ([`HISTORY`] rows, merged pairwise the same way), the advice trace ([`TRACE`] points,
//! thinned by half when full), and the key map (at most 200 key names): about 24, 230 and
//! 32 KiB and the names, plus the decoder's buffer (one line, at most
//! [`crate::formats::MAX_LINE`], and a 64 KiB read buffer). Whole-document formats
//! (`trainer_state.json`) hold their document. Measured by `benches/throughput.rs`: peak
//! resident memory of the whole process 4-5 MiB for 10^5 and for 10^6 lines.

use crate::args::{Args, Style};
use crate::formats::Entry;
use crate::keys::{Field, KeyMap};
use crate::value::Scalar;
use grpo_dynamics::predict::{AdviceKind, Config, Point, Prediction, Predictor};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Window of the predictor (points; older points are merged pairwise when it is full).
pub const WINDOW: usize = 1024;
/// Rows kept for the diagnosis and the plot.
pub const HISTORY: usize = 2048;
/// Decision points kept for the plot.
pub const TRACE: usize = 1024;

/// One logged step, with whatever quantities were logged for it (possibly on several lines).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Row {
    pub step: f64,
    /// Indexed by `Field as usize` (the step slot is unused).
    pub v: [Option<f64>; 6],
    /// Raw rows merged into this one.
    pub w: f64,
}

impl Row {
    pub fn get(&self, f: Field) -> Option<f64> {
        self.v[f as usize]
    }

    /// Weighted mean of two rows (each quantity over the rows that have it).
    fn merge(a: &Row, b: &Row) -> Row {
        let mut v = [None; 6];
        for (i, slot) in v.iter_mut().enumerate() {
            *slot = match (a.v[i], b.v[i]) {
                (Some(x), Some(y)) => Some((x * a.w + y * b.w) / (a.w + b.w)),
                (x, y) => x.or(y),
            };
        }
        Row {
            step: (a.step * a.w + b.step * b.w) / (a.w + b.w),
            v,
            w: a.w + b.w,
        }
    }
}

/// Rows at a uniform, coarsening resolution (the predictor's scheme: pairwise merge when full,
/// later rows merged into the last until it has the block weight).
#[derive(Debug, Default)]
pub struct History {
    pub rows: Vec<Row>,
    block: f64,
}

impl History {
    fn push(&mut self, r: Row) {
        if self.block == 0.0 {
            self.block = 1.0;
        }
        if let Some(last) = self.rows.last_mut() {
            if last.w < self.block {
                *last = Row::merge(last, &r);
                return;
            }
        }
        if self.rows.len() == HISTORY {
            self.rows = self
                .rows
                .chunks(2)
                .map(|c| {
                    if c.len() == 2 {
                        Row::merge(&c[0], &c[1])
                    } else {
                        c[0]
                    }
                })
                .collect();
            self.block *= 2.0;
        }
        self.rows.push(r);
    }
}

/// A decision point kept for the plot: (step, plateau, lo80, hi80).
pub type TracePoint = (f64, f64, f64, f64);

pub struct Run {
    pub name: String,
    pub input: String,
    every: usize,
    horizon: Option<f64>,
    bounds: Option<(f64, f64)>,
    /// Rewards seen so far all lie in [0, 1] (then the bounds are [0, 1]).
    unit: bool,
    eval_max: f64,
    group_size: Option<u32>,
    select: Option<(String, String)>,
    style: Style,
    pub keys: KeyMap,
    pub pred: Box<Predictor<f64, WINDOW>>,
    pending: Option<Row>,
    pub rows: u64,
    implicit: u64,
    since: usize,
    pub first_step: Option<f64>,
    pub last_step: Option<f64>,
    pub history: History,
    pub trace: Vec<TracePoint>,
    trace_stride: usize,
    trace_skip: usize,
    pub first_stop: Option<(f64, AdviceKind)>,
    pub last: Option<Prediction<f64>>,
    pub ignored: BTreeMap<String, u64>,
    /// Lines to print (decision points), drained by the caller.
    pub out: Vec<String>,
    /// The followed file was truncated or replaced: a first step not above the last one starts
    /// a new run.
    pub fresh: bool,
    /// Entries at or below this step are already read (a whole document read again).
    pub skip_through: Option<f64>,
}

fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

pub fn prediction_json(p: &Prediction<f64>) -> Map<String, Value> {
    let v = json!({
        "model": format!("{:?}", p.model),
        "plateau": num(p.plateau.value),
        "plateau_lo80": num(p.plateau.lo80),
        "plateau_hi80": num(p.plateau.hi80),
        "plateau_lo95": num(p.plateau.lo95),
        "plateau_hi95": num(p.plateau.hi95),
        "horizon": num(p.horizon),
        "reward_at_horizon": num(p.at_horizon.value),
        "horizon_lo80": num(p.at_horizon.lo80),
        "horizon_hi80": num(p.at_horizon.hi80),
        "r2": num(p.r2),
        "regime": format!("{:?}", p.regime),
        "advice": format!("{:?}", p.advice.kind),
        "expected_gain": num(p.advice.expected_gain),
        "current": num(p.advice.current),
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl Run {
    pub fn new(args: &Args, name: String, input: String, every: usize) -> Result<Run, String> {
        let bounds = match (args.reward_min, args.reward_max) {
            (None, None) => None,
            (lo, hi) => Some((lo.unwrap_or(f64::NEG_INFINITY), hi.unwrap_or(f64::INFINITY))),
        };
        let (lo, hi) = bounds.unwrap_or((0.0, 1.0));
        let pred = Box::new(
            Predictor::with_config(Config::new(lo, hi))
                .map_err(|e| format!("reward bounds: {e}"))?,
        );
        Ok(Run {
            name,
            input,
            every: every.max(1),
            horizon: args.horizon,
            bounds,
            unit: true,
            eval_max: args.eval_max,
            group_size: args.group_size,
            select: args.select.clone(),
            style: args.style,
            keys: KeyMap::new(args.keys.clone()),
            pred,
            pending: None,
            rows: 0,
            implicit: 0,
            since: 0,
            first_step: None,
            last_step: None,
            history: History::default(),
            trace: Vec::new(),
            trace_stride: 1,
            trace_skip: 0,
            first_stop: None,
            last: None,
            ignored: BTreeMap::new(),
            out: Vec::new(),
            fresh: false,
            skip_through: None,
        })
    }

    /// The reward bounds in force: given, else [0, 1] while every reward lies in it.
    pub fn reward_bounds(&self) -> (f64, f64) {
        self.bounds.unwrap_or(if self.unit {
            (0.0, 1.0)
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        })
    }

    fn ignore(&mut self, why: &str) {
        *self.ignored.entry(why.to_string()).or_insert(0) += 1;
    }

    /// Last step joined so far (pending or finished).
    pub fn last_seen_step(&self) -> Option<f64> {
        self.pending.map(|p| p.step).or(self.last_step)
    }

    /// One entry. Errors are one line without the location (the caller adds `file:line`).
    pub fn entry(&mut self, e: &Entry) -> Result<(), String> {
        if let Some((k, want)) = &self.select {
            let hit = e.fields.iter().any(|(name, v)| {
                name == k
                    && match v {
                        Scalar::Str(s) => s == want,
                        Scalar::Num(x) => want.parse::<f64>().ok() == Some(*x),
                        Scalar::Other => false,
                    }
            });
            if !hit {
                self.ignore("entries not selected");
                return Ok(());
            }
        }
        let idx = self.keys.resolve(&e.fields);
        let mut row = Row {
            w: 1.0,
            ..Row::default()
        };
        let mut any = false;
        for f in [
            Field::Reward,
            Field::Eval,
            Field::Entropy,
            Field::ZeroStd,
            Field::RewardStd,
        ] {
            let Some(i) = idx[f as usize] else { continue };
            let (key, v) = &e.fields[i];
            match v {
                Scalar::Num(x) if x.is_finite() => {
                    row.v[f as usize] = Some(*x);
                    any = true;
                }
                Scalar::Num(_) => self.ignore(&format!("non-finite {}", f.name())),
                Scalar::Str(s) => {
                    return Err(format!("{} ({key:?}) is not a number ({s:?})", f.name()))
                }
                Scalar::Other => {}
            }
        }
        let step = match idx[Field::Step as usize] {
            Some(i) => match &e.fields[i].1 {
                Scalar::Num(x) if x.is_finite() => Some(*x),
                Scalar::Num(x) => return Err(format!("step is not finite ({x})")),
                Scalar::Str(s) => {
                    return Err(format!(
                        "step ({:?}) is not a number ({s:?})",
                        e.fields[i].0
                    ))
                }
                Scalar::Other => return Err(format!("step ({:?}) is not a number", e.fields[i].0)),
            },
            None => None,
        };
        if !any {
            self.ignore("entries without a known quantity");
            return Ok(());
        }
        let step = match (step, e.bar_step, e.implicit_step) {
            (Some(s), _, _) => s,
            (None, Some(s), _) => s,
            (None, None, true) => {
                if row.get(Field::Reward).is_some() {
                    self.implicit += 1;
                    self.implicit as f64
                } else {
                    // an eval dict printed after the train dict of its step
                    match self.last_seen_step() {
                        Some(s) => s,
                        None => {
                            self.ignore("entries without a known quantity");
                            return Ok(());
                        }
                    }
                }
            }
            (None, None, false) => {
                return Err(format!(
                    "no step in this entry; {}",
                    self.keys.explain(Field::Step)
                ))
            }
        };
        if self.skip_through.is_some_and(|t| step <= t) {
            return Ok(());
        }
        if std::mem::take(&mut self.fresh) && self.last_seen_step().is_some_and(|l| step <= l) {
            self.restart()?;
            let line = json!({"event": "restart", "step": step, "reason": "the followed file was truncated or replaced and its steps start again"});
            self.out.push(match self.style {
                Style::Json => line.to_string(),
                Style::Text => {
                    format!("restart at step {step}: the followed file was truncated or replaced")
                }
            });
        }
        row.step = step;
        self.join(row)
    }

    fn join(&mut self, row: Row) -> Result<(), String> {
        match self.pending {
            None if self.last_step.is_some_and(|l| row.step == l) => {
                // more quantities of a step already settled (an eval line after its train
                // line): they join the kept row; a second reward is not used
                if let Some(last) = self.history.rows.last_mut() {
                    if last.step == row.step && last.w == 1.0 {
                        for i in 0..6 {
                            if i != Field::Reward as usize && row.v[i].is_some() {
                                last.v[i] = row.v[i];
                            }
                        }
                    }
                }
                if row.get(Field::Reward).is_some() {
                    self.ignore("second reward at a step already decided");
                }
            }
            None if self.last_step.is_some_and(|l| row.step < l) => {
                return Err(format!(
                    "step {} follows step {}: steps must not decrease (a log holding several runs? keep one with --select KEY=VALUE)",
                    row.step,
                    self.last_step.unwrap_or(0.0)
                ))
            }
            None => self.pending = Some(row),
            Some(mut p) if row.step == p.step => {
                for i in 0..6 {
                    if row.v[i].is_some() {
                        p.v[i] = row.v[i];
                    }
                }
                self.pending = Some(p);
            }
            Some(p) if row.step > p.step => {
                self.finish_row(p)?;
                self.pending = Some(row);
            }
            Some(p) => {
                return Err(format!(
                    "step {} follows step {}: steps must not decrease (a log holding several runs? keep one with --select KEY=VALUE)",
                    row.step, p.step
                ))
            }
        }
        Ok(())
    }

    /// Forget the row being joined and the step order (the followed file was replaced by a new
    /// run): the next entries start a new run in the same output.
    pub fn restart(&mut self) -> Result<(), String> {
        self.flush()?;
        let (lo, hi) = self.reward_bounds();
        *self.pred = Predictor::with_config(Config::new(lo, hi))
            .map_err(|e| format!("reward bounds: {e}"))?;
        self.history = History::default();
        self.trace.clear();
        self.first_step = None;
        self.last_step = None;
        self.first_stop = None;
        self.implicit = 0;
        self.since = 0;
        self.rows = 0;
        self.last = None;
        Ok(())
    }

    /// The reader caught up with the writer: the row being joined is decided now (when it has
    /// a reward) instead of when the next step arrives, so a live run gets its decision line
    /// without waiting a step. Quantities of the same step arriving later join the kept row.
    pub fn settle(&mut self) -> Result<(), String> {
        if self.pending.is_some_and(|p| p.get(Field::Reward).is_some()) {
            self.flush()?;
        }
        Ok(())
    }

    /// End of input: the last row counts.
    pub fn flush(&mut self) -> Result<(), String> {
        if let Some(p) = self.pending.take() {
            self.finish_row(p)?;
        }
        Ok(())
    }

    fn finish_row(&mut self, row: Row) -> Result<(), String> {
        self.history.push(row);
        let Some(r) = row.get(Field::Reward) else {
            return Ok(());
        };
        if self.bounds.is_none() && self.unit && !(0.0..=1.0).contains(&r) {
            // the rewards leave [0, 1]: unbounded from now on; refeed what is kept
            self.unit = false;
            *self.pred = Predictor::with_config(Config::new(f64::NEG_INFINITY, f64::INFINITY))
                .map_err(|e| format!("reward bounds: {e}"))?;
            for h in &self.history.rows {
                if let Some(hr) = h.get(Field::Reward) {
                    self.pred
                        .push_point(Point {
                            step: h.step,
                            reward: hr,
                            weight: h.w,
                        })
                        .map_err(|e| format!("step {}: {e}", h.step))?;
                }
            }
        } else {
            self.pred
                .push(row.step, r)
                .map_err(|e| format!("step {}: {e}", row.step))?;
        }
        self.rows += 1;
        self.first_step.get_or_insert(row.step);
        self.last_step = Some(row.step);
        self.since += 1;
        if self.since >= self.every {
            self.since = 0;
            self.decide(row.step, r);
        }
        Ok(())
    }

    fn horizon(&self) -> f64 {
        let last = self.last_step.unwrap_or(0.0);
        let first = self.first_step.unwrap_or(0.0);
        self.horizon.unwrap_or(last + (last - first).max(1.0))
    }

    fn decide(&mut self, step: f64, reward: f64) {
        let h = self.horizon();
        let mut line = Map::new();
        line.insert("step".into(), json!(step));
        line.insert("points".into(), json!(self.rows));
        line.insert("reward".into(), json!(reward));
        let text = match self.pred.predict(h) {
            Ok(p) => {
                line.extend(prediction_json(&p));
                if self.first_stop.is_none()
                    && matches!(
                        p.advice.kind,
                        AdviceKind::StopPlateau | AdviceKind::StopDiverging
                    )
                {
                    self.first_stop = Some((step, p.advice.kind));
                }
                self.push_trace((step, p.plateau.value, p.plateau.lo80, p.plateau.hi80));
                self.last = Some(p);
                format!(
                    "step {step} ({} pts): reward {reward:.4} | plateau {:.4} [{:.4}, {:.4}] | {:?} | {:?}, {:+.4} by step {h}",
                    self.rows,
                    p.plateau.value,
                    p.plateau.lo80,
                    p.plateau.hi80,
                    p.regime,
                    p.advice.kind,
                    p.advice.expected_gain
                )
            }
            Err(e) => {
                line.insert("status".into(), json!(e.to_string()));
                format!("step {step} ({} pts): reward {reward:.4} | {e}", self.rows)
            }
        };
        self.out.push(match self.style {
            Style::Json => Value::Object(line).to_string(),
            Style::Text => text,
        });
    }

    fn push_trace(&mut self, t: TracePoint) {
        self.trace_skip += 1;
        if self.trace_skip < self.trace_stride {
            return;
        }
        self.trace_skip = 0;
        if self.trace.len() == TRACE {
            let kept: Vec<TracePoint> = self.trace.iter().step_by(2).copied().collect();
            self.trace = kept;
            self.trace_stride *= 2;
        }
        self.trace.push(t);
    }

    /// The final prediction (a decision at the last row when the cadence did not land on it).
    pub fn conclude(&mut self) -> Result<Prediction<f64>, String> {
        self.flush()?;
        if self.since > 0 || self.last.is_none() {
            if let (Some(step), Some(r)) = (
                self.last_step,
                self.history.rows.last().and_then(|h| h.get(Field::Reward)),
            ) {
                self.since = 0;
                self.decide(step, r);
            }
        }
        if self.rows == 0 {
            return Err(format!(
                "no rewards found; {}",
                self.keys.explain(Field::Reward)
            ));
        }
        match self.pred.predict(self.horizon()) {
            Ok(p) => Ok(p),
            Err(_) => Err(format!(
                "too few steps with a reward to fit a trajectory ({} given, at least {} needed)",
                self.rows,
                self.pred.config().min_points
            )),
        }
    }

    /// The diagnosis of the kept rows, and why a diagnostic did not run (`crate::diagnosis`).
    /// Every diagnostic reads the fit of the predictor that made the predictions (one fit of
    /// the whole run: its model-averaged plateau and fitted damping).
    pub fn diagnosis(&mut self) -> (Value, Map<String, Value>) {
        let fit = self
            .pred
            .fit()
            .and_then(|s| s.curve_fit())
            .map_err(|e| e.to_string());
        let ctx = crate::diagnosis::Context {
            fit,
            bounds: self.reward_bounds(),
            eval_max: self.eval_max,
            group_size: self.group_size,
        };
        let rows: Vec<&Row> = self
            .history
            .rows
            .iter()
            .filter(|r| r.get(Field::Reward).is_some())
            .collect();
        crate::diagnosis::diagnosis(&rows, &ctx)
    }

    /// The summary object (an open map: later options add their own keys).
    pub fn summary(&mut self, p: &Prediction<f64>, format: &str) -> Map<String, Value> {
        let mut s = prediction_json(p);
        s.insert("summary".into(), json!(true));
        s.insert("name".into(), json!(self.name));
        s.insert("input".into(), json!(self.input));
        s.insert("format".into(), json!(format));
        s.insert("points".into(), json!(self.rows));
        s.insert("first_step".into(), json!(self.first_step));
        s.insert("last_step".into(), json!(self.last_step));
        let (lo, hi) = self.reward_bounds();
        s.insert("reward_bounds".into(), json!([num(lo), num(hi)]));
        let mut keys = Map::new();
        for f in crate::keys::FIELDS {
            if let Some(k) = self.keys.chosen(f) {
                keys.insert(f.name().into(), json!(k));
            }
        }
        s.insert("keys".into(), Value::Object(keys));
        s.insert(
            "first_stop".into(),
            match self.first_stop {
                Some((step, kind)) => json!({"step": step, "advice": format!("{kind:?}")}),
                None => Value::Null,
            },
        );
        let (d, skipped) = self.diagnosis();
        s.insert("diagnosis".into(), d);
        s.insert("skipped".into(), Value::Object(skipped));
        s.insert("ignored".into(), json!(self.ignored));
        s
    }
}

/// The one-line human summary of `--format text`.
pub fn summary_text(s: &Map<String, Value>) -> String {
    let f = |k: &str| s.get(k).cloned().unwrap_or(Value::Null);
    let num = |k: &str| {
        f(k).as_f64()
            .map_or("n/a".to_string(), |x| format!("{x:.4}"))
    };
    let stop = match s.get("first_stop") {
        Some(Value::Object(m)) => format!(
            " (first stop advice at step {})",
            m.get("step").cloned().unwrap_or(Value::Null)
        ),
        _ => String::new(),
    };
    let skipped = match s.get("skipped") {
        Some(Value::Object(m)) if !m.is_empty() => format!(
            "; skipped: {}",
            m.iter()
                .map(|(k, v)| format!("{k} ({})", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    };
    let evidence = s
        .get("diagnosis")
        .map(crate::diagnosis::evidence_text)
        .filter(|t| !t.is_empty())
        .map_or(String::new(), |t| format!("; evidence: {t}"));
    format!(
        "summary {}: {} steps, plateau {} [{}, {}], {} {}, advice {}{stop}; diagnosis {}{skipped}{evidence}",
        f("name").as_str().unwrap_or(""),
        f("points"),
        num("plateau"),
        num("plateau_lo80"),
        num("plateau_hi80"),
        f("model").as_str().unwrap_or(""),
        f("regime").as_str().unwrap_or(""),
        f("advice").as_str().unwrap_or(""),
        s.get("diagnosis")
            .and_then(|d| d.get("headline"))
            .and_then(Value::as_str)
            .unwrap_or("n/a"),
    )
}
