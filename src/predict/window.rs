//! The predictor's window: a fixed-capacity buffer of `(step, reward, weight)` points with
//! strictly increasing steps, compacted pairwise when full so that it keeps the whole history at a
//! uniform, coarser resolution.

use crate::error::{check, Error, ErrorKind, Param};
use crate::real::Real;

/// One observation: a training step, its reward and a weight (the number of raw points it stands
/// for; 1 for a raw point).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Point<T> {
    /// Training step (strictly increasing along the window).
    pub step: T,
    /// Observed reward.
    pub reward: T,
    /// Positive weight (relative: a refit scales the window's weights to a maximum of 1).
    pub weight: T,
}

impl<T: Real> Point<T> {
    /// A raw point of weight 1.
    pub fn new(step: T, reward: T) -> Self {
        Point {
            step,
            reward,
            weight: T::ONE,
        }
    }
}

/// A point the [`Window`] refused, handed back with the reason.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Rejected<T> {
    /// The refused point, unchanged.
    pub point: Point<T>,
    /// Why: `NonFinite` (step/reward/weight NaN or infinite), `OutOfRange` (weight `<= 0`),
    /// `NotIncreasing` (step not above the last step) or `CapacityExceeded` (window full).
    pub error: Error,
}

/// A fixed-capacity window of `N` points with strictly increasing steps (no heap).
#[derive(Clone, Debug)]
pub struct Window<T, const N: usize> {
    pub(super) points: heapless::Vec<Point<T>, N>,
    /// Step of the last point accepted (merged points keep their mean step, new steps must
    /// still exceed every accepted step).
    pub(super) last_step: Option<T>,
}

impl<T: Real, const N: usize> Default for Window<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const N: usize> Window<T, N> {
    /// An empty window.
    pub const fn new() -> Self {
        Window {
            points: heapless::Vec::new(),
            last_step: None,
        }
    }

    /// Capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Number of points held.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// `true` when no point is held.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// `true` when `len() == N`.
    pub fn is_full(&self) -> bool {
        self.points.len() == N
    }

    /// The points, oldest first.
    pub fn points(&self) -> &[Point<T>] {
        self.points.as_slice()
    }

    /// The last point.
    pub fn last(&self) -> Option<&Point<T>> {
        self.points.last()
    }

    /// Remove every point.
    pub fn clear(&mut self) {
        self.points.clear();
        self.last_step = None;
    }

    /// Validate a point against the window (without storing it).
    fn validate_point(&self, p: &Point<T>) -> Result<(), Error> {
        check::finite(p.step, Param::Step)?;
        check::finite(p.reward, Param::Reward)?;
        check::positive(p.weight, Param::Weights)?;
        if let Some(last) = self.last_step {
            if p.step <= last {
                return Err(Error::new(ErrorKind::NotIncreasing, Param::Step));
            }
        }
        Ok(())
    }

    /// Validate a point against the window (without storing it).
    fn validate(&self, p: &Point<T>) -> Result<(), Error> {
        self.validate_point(p)?;
        if self.is_full() {
            return Err(Error::new(ErrorKind::CapacityExceeded, Param::Capacity));
        }
        Ok(())
    }

    /// Append a point. A NaN/infinite value, a non-positive weight, a step not above the last one,
    /// or a full window leave the window unchanged and hand the point back with the reason.
    pub fn push(&mut self, p: Point<T>) -> Result<(), Rejected<T>> {
        match self.validate(&p) {
            Ok(()) => {
                self.points.push(p).map_err(|point| Rejected {
                    point,
                    error: Error::new(ErrorKind::CapacityExceeded, Param::Capacity),
                })?;
                self.last_step = Some(p.step);
                Ok(())
            }
            Err(error) => Err(Rejected { point: p, error }),
        }
    }

    /// Like [`Window::push`], but when the window holds at least two points and the last one
    /// (never the first, the start of the run) weighs at most `block - p.weight`, `p` is merged
    /// into it (weighted means of step and reward, weights added) instead of taking a new slot.
    /// With `block = 2^k` after `k` compactions this keeps every point but the first and the last
    /// at the same weight: a uniform time resolution over the whole history.
    pub fn push_or_merge(&mut self, p: Point<T>, block: T) -> Result<(), Rejected<T>> {
        if let Err(error) = self.validate_point(&p) {
            return Err(Rejected { point: p, error });
        }
        let n = self.points.len();
        if n >= 2 {
            if let Some(last) = self.points.last_mut() {
                if last.weight + p.weight <= block {
                    *last = merge(*last, p);
                    self.last_step = Some(p.step);
                    return Ok(());
                }
            }
        }
        self.push(p)
    }

    /// Halve the number of points by merging neighbours pairwise into their weighted mean
    /// (`step` and `reward` weighted by `weight`, weights added); the first point (the start of the
    /// run) and, for odd lengths, the last point are kept as they are. Steps stay strictly
    /// increasing. O(len). Used by the predictor to keep the whole history in a fixed window: after
    /// `k` compactions every point stands for about `2^k` raw points, uniformly in time.
    ///
    /// A merged point carries the mean reward at the mean step, which differs from the curve value
    /// at the mean step by about `r''(t) var(t) / 2` over the merged block (second order; far
    /// below the noise of real reward curves, visible on noise-free synthetic curves).
    pub fn compact(&mut self) {
        let n = self.points.len();
        if n < 3 {
            return;
        }
        let pts = self.points.as_mut_slice();
        // keep point 0; merge (1,2), (3,4), ...; an unpaired last point is kept
        let mut w = 1;
        let mut r = 1;
        while r < n {
            let a = pts[r];
            let merged = if r + 1 < n {
                let b = pts[r + 1];
                r += 2;
                merge(a, b)
            } else {
                r += 1;
                a
            };
            pts[w] = merged;
            w += 1;
        }
        self.points.truncate(w);
    }
}

/// Weighted mean of two consecutive points (`a.step < b.step`): convex combinations of finite
/// values (no overflow), kept inside the pair so steps stay strictly increasing.
fn merge<T: Real>(a: Point<T>, b: Point<T>) -> Point<T> {
    let wt = (a.weight + b.weight).min(T::MAX);
    let (wa, wb) = (a.weight / wt, b.weight / wt);
    Point {
        step: (a.step * wa + b.step * wb).max(a.step).min(b.step),
        reward: (a.reward * wa + b.reward * wb)
            .max(a.reward.min(b.reward))
            .min(a.reward.max(b.reward)),
        weight: wt,
    }
}
