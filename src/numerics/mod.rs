//! General numerics shared by the model's modules, with no model in them: scalar roots
//! (`roots`), random numbers and the binomial distribution ([`rng`]), complex arithmetic
//! (`complex`), a first-difference noise estimate (`stats`) and the standard normal quantile
//! ([`normal`]).
//!
//! Every routine is allocation-free with a fixed iteration budget.

pub(crate) mod complex;
pub mod normal;
pub mod rng;
pub(crate) mod roots;
pub(crate) mod stats;

pub use normal::normal_quantile;
pub use rng::{binomial, Rng, SplitMix64, Xoshiro256pp};
