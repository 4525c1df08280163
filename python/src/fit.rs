//! Levenberg-Marquardt fits of the ready parameter sets (`grpo_dynamics::fit`), GIL released.
//!
//! Same options and dispatch as the C `grpo_fit` (model code 5 = auto by AICc, data starts with
//! the damping multi-start, default bounds), plus caller start values.

use crate::error::{err, vec, IntoPy};
use grpo_dynamics::fit::{fit_auto, fit_curve, Curve, Fit, Loss, Options, ParamSet, Start};
use grpo_dynamics::{ErrorKind, Param};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Model code of AUTO (as in the C ABI).
const AUTO: u32 = 5;

fn options(
    loss: u32,
    loss_scale: f64,
    ftol: Option<f64>,
    xtol: Option<f64>,
    gtol: f64,
    max_evaluations: u32,
) -> PyResult<Options<f64>> {
    let d = Options::<f64>::default();
    let loss = match loss {
        0 => Loss::LeastSquares,
        1 => Loss::Huber(loss_scale),
        2 => Loss::Cauchy(loss_scale),
        _ => return Err(err(ErrorKind::UnknownCode, Param::Loss)),
    };
    Ok(Options {
        loss,
        ftol: ftol.unwrap_or(d.ftol),
        xtol: xtol.unwrap_or(d.xtol),
        gtol,
        max_evaluations,
        ..d
    })
}

fn to_dict<'py>(py: Python<'py>, f: &Fit<f64>) -> PyResult<Bound<'py, PyDict>> {
    let p = f.n_params;
    let d = PyDict::new(py);
    d.set_item("model", f.set as u32)?;
    d.set_item("termination", f.termination.code())?;
    d.set_item("params", PyArray1::from_slice(py, f.params()))?;
    d.set_item("stderr", PyArray1::from_slice(py, f.stderr()))?;
    let cov: Vec<f64> = f.covariance[..p]
        .iter()
        .flat_map(|row| row[..p].iter().copied())
        .collect();
    d.set_item("covariance", PyArray1::from_vec(py, cov).reshape([p, p])?)?;
    d.set_item("plateau", f.plateau)?;
    d.set_item("plateau_stderr", f.plateau_stderr)?;
    d.set_item("cost", f.cost)?;
    d.set_item("objective", f.objective)?;
    d.set_item("r2", f.r2)?;
    d.set_item("aicc", f.aicc)?;
    d.set_item("bic", f.bic)?;
    d.set_item("n", f.n)?;
    d.set_item("rank", f.rank)?;
    d.set_item("iterations", f.iterations)?;
    d.set_item("evaluations", f.evaluations)?;
    Ok(d)
}

/// Fit `(t, y)` with optional weights; `model` 0..=4 a parameter set, 5 auto; `loss` 0 least
/// squares, 1 Huber, 2 Cauchy; `start` caller start values (not with auto).
#[pyfunction]
#[pyo3(signature = (t, y, w, model, loss, loss_scale, ftol, xtol, gtol, max_evaluations, start))]
#[allow(clippy::too_many_arguments)]
fn fit<'py>(
    py: Python<'py>,
    t: PyReadonlyArray1<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    w: Option<PyReadonlyArray1<'py, f64>>,
    model: u32,
    loss: u32,
    loss_scale: f64,
    ftol: Option<f64>,
    xtol: Option<f64>,
    gtol: f64,
    max_evaluations: u32,
    start: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let set = if model == AUTO {
        None
    } else {
        Some(ParamSet::from_code(model).ok_or_else(|| err(ErrorKind::UnknownCode, Param::Model))?)
    };
    let opts = options(loss, loss_scale, ftol, xtol, gtol, max_evaluations)?;
    let t = vec(&t, Param::T)?;
    let y = vec(&y, Param::Y)?;
    let w = w.map(|w| vec(&w, Param::Weights)).transpose()?;
    let start = start.map(|s| vec(&s, Param::Start)).transpose()?;
    if set.is_none() && start.is_some() {
        return Err(err(ErrorKind::OutOfRange, Param::Start));
    }
    let f = py
        .detach(|| match set {
            None => fit_auto(&t, &y, w.as_deref(), &opts),
            Some(set) => {
                let cv = Curve::new(&t, &y, w.as_deref())?;
                let b = set.curve_bounds(&cv);
                let st = match &start {
                    Some(s) => Start::Given(s),
                    None => Start::Data,
                };
                fit_curve(set, &cv, st, (&b.0, &b.1), &opts)
            }
        })
        .py()?;
    to_dict(py, &f)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    Ok(())
}
