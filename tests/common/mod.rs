//! Helpers shared by the integration tests (`mod common;` in each test crate).
#![allow(dead_code)] // each test crate uses its own subset

use grpo_dynamics::numerics::{Rng as _, SplitMix64};

/// The crate's SplitMix64 with the two draws the tests need: uniform in [0, 1) and normal.
pub struct Rng(SplitMix64);

impl Rng {
    /// A generator with the given seed.
    pub fn new(seed: u64) -> Self {
        Rng(SplitMix64::new(seed))
    }

    /// Uniform in [0, 1) (53 random bits).
    pub fn next(&mut self) -> f64 {
        self.0.next_f64()
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.next().max(1e-300);
        let v = self.next();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}
