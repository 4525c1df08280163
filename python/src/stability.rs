//! Stability predicates (`grpo_dynamics::stability`) and group-size noise
//! (`grpo_dynamics::noise`) over the softmax bandit (`grpo_dynamics::bandit`).

use crate::error::{err, vec, IntoPy};
use grpo_dynamics::bandit::{Bandit, Kl, Lag, Normalization};
use grpo_dynamics::noise;
use grpo_dynamics::stability::{largest_stable_eta, CurveClass, Hyper};
use grpo_dynamics::{ErrorKind, Param};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn hyper(eta: f64, mu: f64, k: f64) -> PyResult<Hyper<f64>> {
    Hyper::new(eta, mu, k).py()
}

/// `"constant"` or `"periodic"` -> [`Lag`].
pub fn lag(s: &str) -> PyResult<Lag> {
    match s {
        "constant" => Ok(Lag::Constant),
        "periodic" => Ok(Lag::Periodic),
        _ => Err(err(ErrorKind::UnknownCode, Param::Lag)),
    }
}

/// Snake-case name of a linear / trajectory regime.
pub fn regime_name(r: CurveClass) -> &'static str {
    match r {
        CurveClass::Monotone => "monotone",
        CurveClass::Overshooting => "overshooting",
        CurveClass::Oscillatory => "oscillatory",
    }
}

/// Proposition 9 threshold `Kref* = (1 - mu) / (eta K)`.
#[pyfunction]
fn prop9_threshold(eta: f64, mu: f64, k: f64) -> PyResult<f64> {
    hyper(eta, mu, k)?.prop9_threshold().py()
}

/// First-order `zeta = 1` onset.
#[pyfunction]
fn zeta_one_onset(eta: f64, mu: f64, k: f64) -> PyResult<f64> {
    hyper(eta, mu, k)?.zeta_one_onset().py()
}

/// Exact critical lag `d_c` of the constant-lag map.
#[pyfunction]
fn critical_lag(eta: f64, mu: f64, k: f64) -> PyResult<f64> {
    hyper(eta, mu, k)?.critical_lag().py()
}

/// First-order damping ratio `zeta(Kref)`.
#[pyfunction]
fn zeta(eta: f64, mu: f64, k: f64, kref: f64) -> PyResult<f64> {
    hyper(eta, mu, k)?.zeta(kref).py()
}

/// Largest exactly stable refresh interval (`None` when even on-policy is unstable).
#[pyfunction]
fn largest_stable_kref(eta: f64, mu: f64, k: f64, lag_mode: &str) -> PyResult<Option<u32>> {
    hyper(eta, mu, k)?.largest_stable_kref(lag(lag_mode)?).py()
}

/// Largest refresh interval with a monotone linear regime (`None` when on-policy is not).
#[pyfunction]
fn largest_monotone_kref(eta: f64, mu: f64, k: f64, lag_mode: &str) -> PyResult<Option<u32>> {
    hyper(eta, mu, k)?
        .largest_monotone_kref(lag(lag_mode)?)
        .py()
}

/// Supremum of the stable learning rates at refresh interval `kref`.
#[pyfunction]
fn largest_stable_lr(kref: u32, lag_mode: &str, mu: f64, k: f64) -> PyResult<f64> {
    largest_stable_eta(kref, lag(lag_mode)?, mu, k).py()
}

/// Exact linear regime and per-step spectral radius at refresh interval `kref`.
#[pyfunction]
fn linear_regime(
    eta: f64,
    mu: f64,
    k: f64,
    kref: u32,
    lag_mode: &str,
) -> PyResult<(&'static str, f64)> {
    let s = hyper(eta, mu, k)?
        .linear_regime(kref, lag(lag_mode)?)
        .py()?;
    Ok((regime_name(s.regime), s.rho))
}

/// Stationary fluctuation prediction of a bandit at group size `g` (constant lag).
#[pyfunction]
#[pyo3(signature = (eta, mu, beta, p_ref, c, eps, kref, normalization, kl, lag_mode, g, bessel))]
#[allow(clippy::too_many_arguments)]
fn group_noise<'py>(
    py: Python<'py>,
    eta: f64,
    mu: f64,
    beta: f64,
    p_ref: f64,
    c: f64,
    eps: f64,
    kref: u32,
    normalization: &str,
    kl: &str,
    lag_mode: &str,
    g: u32,
    bessel: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let normalization = match normalization {
        "mean" => Normalization::Mean,
        "std" => Normalization::Std,
        _ => return Err(err(ErrorKind::UnknownCode, Param::Normalization)),
    };
    let kl = match kl {
        "direct" => Kl::Direct,
        "reverse" => Kl::Reverse,
        _ => return Err(err(ErrorKind::UnknownCode, Param::Kl)),
    };
    let b = Bandit::new(
        eta,
        mu,
        beta,
        p_ref,
        c,
        eps,
        kref,
        normalization,
        kl,
        lag(lag_mode)?,
    )
    .py()?;
    let n = py.detach(|| noise::group_noise(&b, g, bessel)).py()?;
    let d = PyDict::new(py);
    d.set_item("p_star", n.group.fixed_point.p)?;
    d.set_item("stiffness", n.group.stiffness)?;
    d.set_item("drift_var", n.group.drift_var)?;
    d.set_item("var_x", n.var_x)?;
    d.set_item("var_p", n.var_p)?;
    d.set_item("degeneracy", n.degeneracy)?;
    Ok(d)
}

/// Degeneracy probability `p^G + (1 - p)^G`.
#[pyfunction]
fn degeneracy(p: f64, g: u32) -> PyResult<f64> {
    noise::degeneracy(p, g).py()
}

/// Heterogeneous-prompt degeneracy `mean_q [p_q^G + (1 - p_q)^G]`.
#[pyfunction]
fn degeneracy_heterogeneous(ps: PyReadonlyArray1<'_, f64>, g: u32) -> PyResult<f64> {
    noise::degeneracy_heterogeneous(&vec(&ps, Param::P)?, g).py()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(prop9_threshold, m)?)?;
    m.add_function(wrap_pyfunction!(zeta_one_onset, m)?)?;
    m.add_function(wrap_pyfunction!(critical_lag, m)?)?;
    m.add_function(wrap_pyfunction!(zeta, m)?)?;
    m.add_function(wrap_pyfunction!(largest_stable_kref, m)?)?;
    m.add_function(wrap_pyfunction!(largest_monotone_kref, m)?)?;
    m.add_function(wrap_pyfunction!(largest_stable_lr, m)?)?;
    m.add_function(wrap_pyfunction!(linear_regime, m)?)?;
    m.add_function(wrap_pyfunction!(group_noise, m)?)?;
    m.add_function(wrap_pyfunction!(degeneracy, m)?)?;
    m.add_function(wrap_pyfunction!(degeneracy_heterogeneous, m)?)?;
    Ok(())
}
