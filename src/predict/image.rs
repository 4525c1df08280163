//! The predictor as plain data: the form in which it lives in memory that someone else owns
//! (the C ABI keeps it in caller memory between calls).
//!
//! Every field of [`PredictorImage`] is a `u64` or an `f64` (no padding, no enum, no `Option`, no
//! container length with a safety invariant), so any bit pattern is a valid value and a copy
//! writes every byte. Discriminants, flags and lengths are stored as plain integers and converted
//! back with a check: [`PredictorImage::restore`] validates the whole state it will trust
//! (configuration, window length against capacity, every flag and discriminant, step order,
//! point values and weights, the block weight, the candidate table's kinds and the fitted entry
//! the model choice relies on) and answers `Corrupted` (param `mem`) for anything a [`Predictor`]
//! could not have written. Fitted numbers themselves may be any double (some are legitimately
//! infinite); a non-finite answer derived from altered numbers is refused by the C layer.

use super::candidates::{Candidate, RefitWork, Table, P};
use super::combine::Confirmations;
use super::power::PowerLaw;
use super::snapshot::Snapshot;
use super::{Config, ModelKind, Point, Predictor, Window};
use crate::error::{Error, ErrorKind, Param, Result};

/// One candidate of the table as plain data.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CandidateImage {
    kind: u64,
    valid: u64,
    params: [f64; P],
    cov: [[f64; P]; P],
    aicc: f64,
    r2: f64,
    offset: f64,
    level_q: f64,
}

/// A [`Predictor<f64, N>`] as plain data (see the module docs).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PredictorImage<const N: usize> {
    reward_min: f64,
    reward_max: f64,
    refit_every: u64,
    min_points: u64,
    interval_scale: f64,
    drift: f64,
    huber_k: f64,
    power_weight: f64,
    interval_k: f64,
    min_gain: f64,
    min_gain_share: f64,
    confidence: f64,
    confirmations: u64,
    collapse_drop: f64,
    level_half_life: f64,
    gain_shrink: f64,
    min_stop_points: f64,
    len: u64,
    has_last_step: u64,
    last_step: f64,
    /// `(step, reward, weight)`; slots at and beyond `len` are zero.
    points: [[f64; 3]; N],
    block: f64,
    stale: u64,
    since_fit: u64,
    fitted: u64,
    table: [CandidateImage; 4],
    best: u64,
    inflation: f64,
    s2: f64,
    span: f64,
    best_level: f64,
    scale: f64,
    t_last: f64,
    origin: f64,
    snap_last_step: f64,
    evidence: f64,
    collapsed: u64,
    has_power: u64,
    /// `(a, b, c, shift)` of the power law; zero when `has_power` is 0.
    power: [f64; 4],
    spread: f64,
    noise: f64,
    recent: [f64; 2],
    /// The stop rule's confirmation counter: `(evidence, before, last)`.
    confirm_evidence: f64,
    confirm_before: u64,
    confirm_last: u64,
}

/// Number of 8-byte words of an image of capacity `n`: the layout has no padding iff the size is
/// exactly this.
const fn words(n: usize) -> usize {
    17 + 3 + 3 * n + 4 + 4 * (2 + P + P * P + 4) + 20 + 3
}
const _: () = assert!(core::mem::size_of::<PredictorImage<256>>() == 8 * words(256));
const _: () = assert!(core::mem::size_of::<PredictorImage<8>>() == 8 * words(8));

fn corrupted() -> Error {
    Error::new(ErrorKind::Corrupted, Param::Memory)
}

/// A stored flag: 0 or 1.
fn flag(x: u64) -> Result<bool> {
    match x {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(corrupted()),
    }
}

/// A stored model discriminant, converted with a check.
fn model_kind(x: u64) -> Result<ModelKind> {
    Ok(match x {
        0 => ModelKind::None,
        1 => ModelKind::Constant,
        2 => ModelKind::Saturation,
        3 => ModelKind::Critical,
        4 => ModelKind::SlowStart,
        _ => return Err(corrupted()),
    })
}

impl CandidateImage {
    fn capture(c: &Candidate<f64>) -> Self {
        CandidateImage {
            kind: c.kind as u64,
            valid: c.valid as u64,
            params: c.params,
            cov: c.cov,
            aicc: c.aicc,
            r2: c.r2,
            offset: c.offset,
            level_q: c.level_q,
        }
    }

    /// Entry `i` of the table holds the model of code `i + 1`; its flag is 0 or 1. (Its numbers
    /// may legitimately be infinite: an AICc with no degree of freedom left, the covariance of
    /// an unidentified parameter; a non-finite answer derived from them is refused by the
    /// caller.)
    fn restore(&self, i: usize) -> Result<Candidate<f64>> {
        let kind = model_kind(self.kind)?;
        if kind as usize != i + 1 {
            return Err(corrupted());
        }
        let valid = flag(self.valid)?;
        Ok(Candidate {
            kind,
            valid,
            params: self.params,
            cov: self.cov,
            aicc: self.aicc,
            r2: self.r2,
            offset: self.offset,
            level_q: self.level_q,
        })
    }
}

impl<const N: usize> PredictorImage<N> {
    /// The plain-data form of `p` (every byte defined; unused window slots zero).
    pub fn capture(p: &Predictor<f64, N>) -> Self {
        let mut points = [[0.0; 3]; N];
        for (slot, pt) in points.iter_mut().zip(p.window.points.iter()) {
            *slot = [pt.step, pt.reward, pt.weight];
        }
        let s = &p.snap;
        let c = &s.cfg;
        let t = &s.table.0;
        PredictorImage {
            reward_min: c.reward_min,
            reward_max: c.reward_max,
            refit_every: c.refit_every as u64,
            min_points: c.min_points as u64,
            interval_scale: c.interval_scale,
            drift: c.drift,
            huber_k: c.huber_k,
            power_weight: c.power_weight,
            interval_k: c.interval_k,
            min_gain: c.min_gain,
            min_gain_share: c.min_gain_share,
            confidence: c.confidence,
            confirmations: c.confirmations as u64,
            collapse_drop: c.collapse_drop,
            level_half_life: c.level_half_life,
            gain_shrink: c.gain_shrink,
            min_stop_points: c.min_stop_points,
            len: p.window.points.len() as u64,
            has_last_step: p.window.last_step.is_some() as u64,
            last_step: p.window.last_step.unwrap_or(0.0),
            points,
            block: p.block,
            stale: p.stale as u64,
            since_fit: p.since_fit as u64,
            fitted: p.fitted as u64,
            table: [
                CandidateImage::capture(&t[0]),
                CandidateImage::capture(&t[1]),
                CandidateImage::capture(&t[2]),
                CandidateImage::capture(&t[3]),
            ],
            best: s.best as u64,
            inflation: s.inflation,
            s2: s.s2,
            span: s.span,
            best_level: s.best_level,
            scale: s.scale,
            t_last: s.t_last,
            origin: s.origin,
            snap_last_step: s.last_step,
            evidence: s.evidence,
            collapsed: s.collapsed as u64,
            has_power: s.power.is_some() as u64,
            power: s.power.map_or([0.0; 4], |w| [w.a, w.b, w.c, w.shift]),
            spread: s.spread,
            noise: s.noise,
            recent: [s.recent.0, s.recent.1],
            confirm_evidence: p.confirm.evidence,
            confirm_before: p.confirm.before as u64,
            confirm_last: p.confirm.last as u64,
        }
    }

    /// The predictor this image describes, after checking everything it will trust; `Corrupted`
    /// (param `mem`) otherwise. Cost: `O(N)`.
    pub fn restore(&self) -> Result<Predictor<f64, N>> {
        let cfg = Config {
            reward_min: self.reward_min,
            reward_max: self.reward_max,
            refit_every: u32::try_from(self.refit_every).map_err(|_| corrupted())?,
            min_points: usize::try_from(self.min_points).map_err(|_| corrupted())?,
            interval_scale: self.interval_scale,
            drift: self.drift,
            huber_k: self.huber_k,
            power_weight: self.power_weight,
            interval_k: self.interval_k,
            min_gain: self.min_gain,
            min_gain_share: self.min_gain_share,
            confidence: self.confidence,
            confirmations: u32::try_from(self.confirmations).map_err(|_| corrupted())?,
            collapse_drop: self.collapse_drop,
            level_half_life: self.level_half_life,
            gain_shrink: self.gain_shrink,
            min_stop_points: self.min_stop_points,
        };
        cfg.validate().map_err(|_| corrupted())?;
        // the window: length within capacity, finite points inside the reward bounds with
        // positive weights, strictly increasing steps, the last accepted step at or after them
        let len = usize::try_from(self.len).map_err(|_| corrupted())?;
        let stored = self.points.get(..len).ok_or_else(corrupted)?;
        let has_last = flag(self.has_last_step)?;
        if has_last != (len > 0) || (has_last && !self.last_step.is_finite()) {
            return Err(corrupted());
        }
        let mut points = heapless::Vec::<Point<f64>, N>::new();
        let mut prev = f64::NEG_INFINITY;
        for &[step, reward, weight] in stored {
            let ok = step.is_finite()
                && step > prev
                && reward >= cfg.reward_min
                && reward <= cfg.reward_max
                && reward.is_finite()
                && weight.is_finite()
                && weight > 0.0;
            if !ok {
                return Err(corrupted());
            }
            prev = step;
            points
                .push(Point {
                    step,
                    reward,
                    weight,
                })
                .map_err(|_| corrupted())?;
        }
        if has_last && self.last_step < prev {
            return Err(corrupted());
        }
        // compaction doubles the block weight from 1 (the merge arithmetic relies on it)
        if !(self.block.is_finite() && self.block >= 1.0) {
            return Err(corrupted());
        }
        let best = model_kind(self.best)?;
        let table = Table([
            self.table[0].restore(0)?,
            self.table[1].restore(1)?,
            self.table[2].restore(2)?,
            self.table[3].restore(3)?,
        ]);
        // the chosen model's entry must hold a fit
        if best != ModelKind::None && !table.get(best).is_some_and(|c| c.valid) {
            return Err(corrupted());
        }
        // the power law: a flag, then its numbers (unused ones zero)
        let power = if flag(self.has_power)? {
            let [a, b, c, shift] = self.power;
            Some(PowerLaw { a, b, c, shift })
        } else if self.power == [0.0; 4] {
            None
        } else {
            return Err(corrupted());
        };
        // the confirmation counter: a run of holds either restarts at 0 or extends the previous
        // count by one (saturating)
        let before = u32::try_from(self.confirm_before).map_err(|_| corrupted())?;
        let last = u32::try_from(self.confirm_last).map_err(|_| corrupted())?;
        if self.confirm_evidence.is_nan() || (last != 0 && last != before.saturating_add(1)) {
            return Err(corrupted());
        }
        Ok(Predictor {
            window: Window {
                points,
                last_step: has_last.then_some(self.last_step),
            },
            block: self.block,
            stale: flag(self.stale)?,
            since_fit: u32::try_from(self.since_fit).map_err(|_| corrupted())?,
            fitted: flag(self.fitted)?,
            snap: Snapshot {
                cfg,
                table,
                best,
                inflation: self.inflation,
                s2: self.s2,
                span: self.span,
                best_level: self.best_level,
                scale: self.scale,
                t_last: self.t_last,
                origin: self.origin,
                last_step: self.snap_last_step,
                evidence: self.evidence,
                collapsed: flag(self.collapsed)?,
                power,
                spread: self.spread,
                noise: self.noise,
                recent: (self.recent[0], self.recent[1]),
            },
            confirm: Confirmations {
                evidence: self.confirm_evidence,
                before,
                last,
            },
            work: RefitWork::default(),
        })
    }
}
