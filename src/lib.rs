//! # grpo-dynamics
//!
//! A closed-form, allocation-free model of GRPO (group relative policy optimization) training
//! dynamics. The mean reward `r(t)` of a GRPO run moves like a damped oscillator
//!
//! ```text
//! r'' + 2 zeta omega r' + omega^2 (r - r_star) = 0,    r(0) = r0,  r'(0) = v0
//! ```
//!
//! whose fixed point `r_star` is the plateau, whose stiffness sets the timescale and whose damping
//! is eroded by off-policy lag (the refresh interval). The crate evaluates that law exactly in every
//! damping regime, fits it to reward curves, predicts stability from optimizer hyperparameters,
//! and exposes all of it through a C ABI.
//!
//! * [`trajectory`]: the oscillator and the saturation law, values and analytic Jacobians.
//! * [`fit`]: Levenberg-Marquardt on fixed buffers.
//! * [`bandit`], [`stability`], [`noise`]: the exact softmax-bandit reduction, stability
//!   predicates, group-size predictions.
//! * [`diagnostics`]: failure-mode diagnostics of a run; [`predict`]: the online predictor.
//! * [`numerics`]: the general numerics every module shares (roots, random numbers, complex
//!   arithmetic, a noise estimate).
//!
//! Modules depend only on modules listed before them: `real`, `error`, then `numerics`,
//! `trajectory`, `bandit`, then `fit`, `stability`, then `noise`, `diagnostics`, `predict`, and the
//! C ABI on top.
//! * `capi` (feature `capi`): the C ABI, header `include/grpo_dynamics.h`.
//!
//! The library is `#![no_std]`, never allocates, and works in `f32` and `f64` through the sealed
//! [`Real`] trait. Bad input returns an [`Error`] naming the parameter; nothing panics.
#![no_std]
#![deny(missing_docs)]
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "std")]
extern crate std;

pub mod error;
pub mod real;

pub mod bandit;
pub(crate) mod binomial;
pub mod calibrate;
pub mod diagnostics;
pub mod fit;
pub mod noise;
pub mod numerics;
pub mod predict;
pub mod stability;
pub mod trajectory;

#[cfg(feature = "capi")]
#[allow(unsafe_code)]
pub mod capi;

pub use error::{Error, ErrorKind, Param, Result};
pub use real::Real;

/// The crate version, `CARGO_PKG_VERSION`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The documentation under `docs/`: any Rust code block in it is compiled and run as a doctest
/// (formulas and other languages are fenced as `text`, `sh`, `c`, `python`).
#[cfg(doctest)]
pub mod docs_doctests {
    #[doc = include_str!("../docs/model.md")]
    pub struct Model;
    #[doc = include_str!("../docs/accuracy.md")]
    pub struct Accuracy;
    #[doc = include_str!("../docs/speed.md")]
    pub struct Speed;
    #[doc = include_str!("../docs/prediction.md")]
    pub struct Prediction;
    #[doc = include_str!("../docs/fitting.md")]
    pub struct Fitting;
    #[doc = include_str!("../docs/embedded.md")]
    pub struct Embedded;
    #[doc = include_str!("../docs/c.md")]
    pub struct CUsage;
    #[doc = include_str!("../docs/fuzzing.md")]
    pub struct Fuzzing;
    #[doc = include_str!("../docs/calibration.md")]
    pub struct Calibration;
}
