//! Online prediction of a running reward curve.
//!
//! [`Window`] is a fixed-capacity buffer of `(step, reward, weight)` points fed one at a time.

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
    /// Positive weight.
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
    points: heapless::Vec<Point<T>, N>,
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
    }

    /// Validate a point against the window (without storing it).
    fn validate(&self, p: &Point<T>) -> Result<(), Error> {
        check::finite(p.step, Param::Step)?;
        check::finite(p.reward, Param::Reward)?;
        check::positive(p.weight, Param::Weights)?;
        if let Some(last) = self.points.last() {
            if p.step <= last.step {
                return Err(Error::new(ErrorKind::NotIncreasing, Param::Step));
            }
        }
        if self.is_full() {
            return Err(Error::new(ErrorKind::CapacityExceeded, Param::Capacity));
        }
        Ok(())
    }

    /// Append a point. A NaN/infinite value, a non-positive weight, a step not above the last one,
    /// or a full window leave the window unchanged and hand the point back with the reason.
    pub fn push(&mut self, p: Point<T>) -> Result<(), Rejected<T>> {
        match self.validate(&p) {
            Ok(()) => self.points.push(p).map_err(|point| Rejected {
                point,
                error: Error::new(ErrorKind::CapacityExceeded, Param::Capacity),
            }),
            Err(error) => Err(Rejected { point: p, error }),
        }
    }

    /// Halve the number of points by merging neighbours pairwise into their weighted mean
    /// (`step` and `reward` weighted by `weight`, weights added); the first point (the start of the
    /// run) and, for odd lengths, the last point are kept as they are. Steps stay strictly
    /// increasing. O(len). Used by the predictor to keep the whole history in a fixed window.
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
                let wt = a.weight + b.weight;
                r += 2;
                Point {
                    step: (a.step * a.weight + b.step * b.weight) / wt,
                    reward: (a.reward * a.weight + b.reward * b.weight) / wt,
                    weight: wt,
                }
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
