//! Trajectories: the damped oscillator given as its five parameters
//! `(r_star, r0, v0, omega, zeta)`, evaluated on numpy arrays.

use crate::error::{vec, IntoPy};
use grpo_dynamics::trajectory::{DampingRegime, Oscillator};
use grpo_dynamics::Param;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;

/// The five oscillator parameters as the Python layer passes them.
type P5 = (f64, f64, f64, f64, f64);

fn osc(p: P5) -> PyResult<Oscillator<f64>> {
    Oscillator::new(p.0, p.1, p.2, p.3, p.4).py()
}

fn tuple(o: Oscillator<f64>) -> P5 {
    (o.r_star, o.r0, o.v0, o.omega, o.zeta)
}

/// `r(t[i])` at arbitrary times `t[i] >= 0`.
#[pyfunction]
fn trajectory_eval<'py>(
    py: Python<'py>,
    p: P5,
    t: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let o = osc(p)?;
    let t = vec(&t, Param::T)?;
    let mut out = vec![0.0; t.len()];
    o.eval_slice(&t, &mut out).py()?;
    Ok(PyArray1::from_vec(py, out))
}

/// `r(t0 + i dt)`, `i < n`, by the recurrences of the grid walker.
#[pyfunction]
fn trajectory_grid<'py>(
    py: Python<'py>,
    p: P5,
    t0: f64,
    dt: f64,
    n: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let o = osc(p)?;
    let mut out = vec![0.0; n];
    o.eval_grid(t0, dt, &mut out).py()?;
    Ok(PyArray1::from_vec(py, out))
}

/// Values and the `n x 5` Jacobian `d r(t[i]) / d(r_star, r0, v0, omega, zeta)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn trajectory_jacobian<'py>(
    py: Python<'py>,
    p: P5,
    t: PyReadonlyArray1<'py, f64>,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray2<f64>>)> {
    let o = osc(p)?;
    let t = vec(&t, Param::T)?;
    let mut out = vec![0.0; t.len()];
    let mut grad = vec![[0.0; 5]; t.len()];
    o.eval_slice_gradient(&t, &mut out, &mut grad).py()?;
    let flat: Vec<f64> = grad.iter().flatten().copied().collect();
    let jac = PyArray1::from_vec(py, flat).reshape([t.len(), 5])?;
    Ok((PyArray1::from_vec(py, out), jac))
}

/// First time at which the fraction `f` of the gain is reached.
#[pyfunction]
fn time_to_fraction(p: P5, f: f64) -> PyResult<f64> {
    osc(p)?.time_to_fraction(f).py()
}

/// `"underdamped"`, `"critical"` or `"overdamped"`.
#[pyfunction]
fn damping_regime(p: P5) -> PyResult<&'static str> {
    Ok(match osc(p)?.regime().py()? {
        DampingRegime::Underdamped => "underdamped",
        DampingRegime::Critical => "critical",
        DampingRegime::Overdamped => "overdamped",
    })
}

/// Validate the five parameters (errors name the bad one).
#[pyfunction]
fn oscillator_new(p: P5) -> PyResult<P5> {
    osc(p).map(tuple)
}

/// From mass, damping and stiffness.
#[pyfunction]
fn oscillator_from_mgk(r_star: f64, r0: f64, v0: f64, m: f64, gamma: f64, k: f64) -> PyResult<P5> {
    Oscillator::from_mgk(r_star, r0, v0, m, gamma, k)
        .py()
        .map(tuple)
}

/// From the overdamped physical pair (`tau = gamma / k`, `t_m = m / gamma`), `v0 = 0`.
#[pyfunction]
fn oscillator_from_overdamped(r_star: f64, r0: f64, tau: f64, t_m: f64) -> PyResult<P5> {
    Oscillator::from_overdamped(r_star, r0, tau, t_m)
        .py()
        .map(tuple)
}

/// From optimizer hyperparameters (learning rate, momentum, curvature, refresh lag).
#[pyfunction]
fn oscillator_from_hyper(
    r_star: f64,
    r0: f64,
    eta: f64,
    mu: f64,
    k: f64,
    kref: f64,
) -> PyResult<P5> {
    Oscillator::from_hyper(r_star, r0, eta, mu, k, kref)
        .py()
        .map(tuple)
}

/// The critically damped slow start (`zeta = 1`, `v0 = 0`).
#[pyfunction]
fn oscillator_critical(r_star: f64, r0: f64, omega: f64) -> PyResult<P5> {
    Oscillator::critical(r_star, r0, omega).py().map(tuple)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(trajectory_eval, m)?)?;
    m.add_function(wrap_pyfunction!(trajectory_grid, m)?)?;
    m.add_function(wrap_pyfunction!(trajectory_jacobian, m)?)?;
    m.add_function(wrap_pyfunction!(time_to_fraction, m)?)?;
    m.add_function(wrap_pyfunction!(damping_regime, m)?)?;
    m.add_function(wrap_pyfunction!(oscillator_new, m)?)?;
    m.add_function(wrap_pyfunction!(oscillator_from_mgk, m)?)?;
    m.add_function(wrap_pyfunction!(oscillator_from_overdamped, m)?)?;
    m.add_function(wrap_pyfunction!(oscillator_from_hyper, m)?)?;
    m.add_function(wrap_pyfunction!(oscillator_critical, m)?)?;
    Ok(())
}
