//! The predictor as plain data: the form in which it lives in memory that someone else owns
//! (the C ABI keeps it in caller memory between calls).
//!
//! Every field of [`PredictorImage`] is a `u64` or an `f64` (no padding, no enum, no `Option`, no
//! container length with a safety invariant), so any bit pattern is a valid value and a copy
//! writes every byte. Discriminants, flags and lengths are stored as plain integers and converted
//! back with a check: [`PredictorImage::restore`] validates the whole state it will trust
//! (configuration, window length against capacity, every flag and discriminant, step order,
//! point values and weights, fitted parameters of the slots the model choice relies on) and
//! answers `Corrupted` (param `mem`) for anything a [`Predictor`] could not have written.

use super::{Config, ModelKind, Point, Predictor, Slot, Window};
use crate::error::{Error, ErrorKind, Param, Result};

/// One candidate slot as plain data.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SlotImage<const P: usize> {
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
    stop_gain: f64,
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
    sat: SlotImage<3>,
    crit: SlotImage<3>,
    slow: SlotImage<4>,
    level: f64,
    level_var: f64,
    level_aicc: f64,
    best: u64,
    r2: f64,
    inflation: f64,
    s2: f64,
    span: f64,
    best_level: f64,
    scale: f64,
    t_last: f64,
}

/// Number of 8-byte words of an image of capacity `n`: the layout has no padding iff the size is
/// exactly this.
const fn words(n: usize) -> usize {
    12 + 3 + 3 * n + 4 + (1 + 3 + 9 + 4) * 2 + (1 + 4 + 16 + 4) + 11
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

fn all_finite(xs: &[f64]) -> bool {
    xs.iter().all(|x| x.is_finite())
}

impl<const P: usize> SlotImage<P> {
    fn capture(s: &Slot<f64, P>) -> Self {
        SlotImage {
            valid: s.valid as u64,
            params: s.params,
            cov: s.cov,
            aicc: s.aicc,
            r2: s.r2,
            offset: s.offset,
            level_q: s.level_q,
        }
    }

    /// A fitted slot has finite parameters, covariance and AICc (what a fit writes).
    fn restore(&self) -> Result<Slot<f64, P>> {
        let valid = flag(self.valid)?;
        if valid
            && !(all_finite(&self.params)
                && self.cov.iter().all(|row| all_finite(row))
                && self.aicc.is_finite())
        {
            return Err(corrupted());
        }
        Ok(Slot {
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
        let c = &p.cfg;
        PredictorImage {
            reward_min: c.reward_min,
            reward_max: c.reward_max,
            refit_every: c.refit_every as u64,
            min_points: c.min_points as u64,
            interval_scale: c.interval_scale,
            drift: c.drift,
            huber_k: c.huber_k,
            stop_gain: c.stop_gain,
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
            sat: SlotImage::capture(&p.sat),
            crit: SlotImage::capture(&p.crit),
            slow: SlotImage::capture(&p.slow),
            level: p.level,
            level_var: p.level_var,
            level_aicc: p.level_aicc,
            best: p.best as u64,
            r2: p.r2,
            inflation: p.inflation,
            s2: p.s2,
            span: p.span,
            best_level: p.best_level,
            scale: p.scale,
            t_last: p.t_last,
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
            stop_gain: self.stop_gain,
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
        // compaction doubles the block weight from 1; the refit's summaries are finite (the
        // residual variance non-negative, the autocorrelation inflation in [1, 19])
        let summaries_ok = self.block.is_finite()
            && self.block >= 1.0
            && self.s2.is_finite()
            && self.s2 >= 0.0
            && self.inflation.is_finite()
            && self.inflation >= 1.0
            && self.span.is_finite()
            && self.scale.is_finite()
            && self.t_last.is_finite();
        if !summaries_ok {
            return Err(corrupted());
        }
        let best = model_kind(self.best)?;
        let (sat, crit, slow) = (
            self.sat.restore()?,
            self.crit.restore()?,
            self.slow.restore()?,
        );
        // the chosen model's slot must hold a fit
        let chosen_valid = match best {
            ModelKind::None | ModelKind::Constant => true,
            ModelKind::Saturation => sat.valid,
            ModelKind::Critical => crit.valid,
            ModelKind::SlowStart => slow.valid,
        };
        if !chosen_valid {
            return Err(corrupted());
        }
        Ok(Predictor {
            cfg,
            window: Window {
                points,
                last_step: has_last.then_some(self.last_step),
            },
            block: self.block,
            stale: flag(self.stale)?,
            since_fit: u32::try_from(self.since_fit).map_err(|_| corrupted())?,
            fitted: flag(self.fitted)?,
            sat,
            crit,
            slow,
            level: self.level,
            level_var: self.level_var,
            level_aicc: self.level_aicc,
            best,
            r2: self.r2,
            inflation: self.inflation,
            s2: self.s2,
            span: self.span,
            best_level: self.best_level,
            scale: self.scale,
            t_last: self.t_last,
        })
    }
}
