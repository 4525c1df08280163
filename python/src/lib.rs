//! `grpo_dynamics._core`: the PyO3 layer over the `grpo-dynamics` Rust API (f64).
//!
//! Thin and flat on purpose: every function takes numbers and contiguous float64 numpy arrays,
//! calls the Rust API once and returns numbers, tuples or numpy arrays. The typed public API
//! (dataclasses, docstrings, defaults) is the Python package `grpo_dynamics` around it; the stub
//! `_core.pyi` documents this layer. Errors of the Rust API become `grpo_dynamics.GrpoError`
//! (a `ValueError`) carrying the error kind and the parameter name. Fits and predictions run with
//! the GIL released, on copies of the inputs.
//!
//! Data flows one way: numerics <- trajectory <- fit <- predict <- these bindings.

mod calibrate;
mod diagnostics;
mod error;
mod fit;
mod predict;
mod stability;
mod trajectory;

use pyo3::prelude::*;

/// Version of the bound Rust crate (`grpo_dynamics::VERSION`).
#[pyfunction]
fn version() -> &'static str {
    grpo_dynamics::VERSION
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add("DEFAULT_WINDOW", grpo_dynamics::predict::DEFAULT_WINDOW)?;
    m.add_function(wrap_pyfunction!(error::error_tables, m)?)?;
    trajectory::register(m)?;
    fit::register(m)?;
    stability::register(m)?;
    diagnostics::register(m)?;
    predict::register(m)?;
    calibrate::register(m)?;
    Ok(())
}
