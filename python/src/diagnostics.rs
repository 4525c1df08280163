//! Failure-mode diagnostics (`grpo_dynamics::diagnostics::diagnose`), GIL released.

use crate::error::{snake, vec, IntoPy};
use crate::stability::{lag, regime_name};
use grpo_dynamics::diagnostics::{DiagnoseInput, DiagnoseOptions, Optimizer};
use grpo_dynamics::predict::fit_and_diagnose;
use grpo_dynamics::stability::Hyper;
use grpo_dynamics::Param;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Run every diagnostic the inputs allow on a reward series (fitted by a 256-point predictor
/// first, as the C `grpo_diagnose`). `optimizer = (eta, mu, k, kref, lag)`.
#[pyfunction]
#[pyo3(signature = (reward, steps, eval_reward, entropy, zero_std_frac, group_size, r_min, r_max, r_max_eval, optimizer, expected_plateau))]
#[allow(clippy::too_many_arguments)]
fn diagnose<'py>(
    py: Python<'py>,
    reward: PyReadonlyArray1<'py, f64>,
    steps: Option<PyReadonlyArray1<'py, f64>>,
    eval_reward: Option<PyReadonlyArray1<'py, f64>>,
    entropy: Option<PyReadonlyArray1<'py, f64>>,
    zero_std_frac: Option<PyReadonlyArray1<'py, f64>>,
    group_size: Option<u32>,
    r_min: f64,
    r_max: f64,
    r_max_eval: f64,
    optimizer: Option<(f64, f64, f64, f64, String)>,
    expected_plateau: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let reward = vec(&reward, Param::Reward)?;
    let steps = steps.map(|a| vec(&a, Param::Step)).transpose()?;
    let eval = eval_reward
        .map(|a| vec(&a, Param::EvalReward))
        .transpose()?;
    let entropy = entropy.map(|a| vec(&a, Param::Entropy)).transpose()?;
    let zero = zero_std_frac
        .map(|a| vec(&a, Param::ZeroStdFrac))
        .transpose()?;
    let optimizer = match optimizer {
        Some((eta, mu, k, kref, mode)) => Some(Optimizer {
            hyper: Hyper::new(eta, mu, k).py()?,
            kref,
            lag: lag(&mode)?,
        }),
        None => None,
    };
    let d = py
        .detach(|| {
            let mut input = DiagnoseInput::new(&reward);
            input.steps = steps.as_deref();
            input.eval_reward = eval.as_deref();
            input.entropy = entropy.as_deref();
            input.zero_std_frac = zero.as_deref();
            input.group_size = group_size;
            input.r_min = r_min;
            input.r_max = r_max;
            input.r_max_eval = r_max_eval;
            input.optimizer = optimizer;
            input.expected_plateau = expected_plateau;
            fit_and_diagnose(&input, &DiagnoseOptions::default())
        })
        .py()?;

    let out = PyDict::new(py);
    out.set_item("headline", snake(d.headline))?;
    out.set_item("severity", snake(d.severity))?;
    out.set_item("plateau", d.plateau)?;
    if let Some(h) = &d.hacking {
        let x = PyDict::new(py);
        x.set_item("train_gain", h.train_gain)?;
        x.set_item("eval_gain", h.eval_gain)?;
        x.set_item("phi", h.phi)?;
        x.set_item("late_slope", h.late_slope)?;
        x.set_item("late_train_gain", h.late_train_gain)?;
        x.set_item("verdict", snake(h.verdict))?;
        out.set_item("hacking", x)?;
    }
    if let Some(g) = &d.degeneracy {
        let x = PyDict::new(py);
        x.set_item("observed", g.observed)?;
        x.set_item("predicted", g.predicted)?;
        x.set_item("heterogeneous", g.heterogeneous)?;
        x.set_item("severity", snake(g.severity))?;
        out.set_item("degeneracy", x)?;
    }
    if let Some(c) = &d.concentration {
        let x = PyDict::new(py);
        x.set_item("entropy_ratio", c.entropy_ratio)?;
        x.set_item("gap_fraction", c.gap_fraction)?;
        x.set_item("h0", c.h0)?;
        x.set_item("window", c.window)?;
        x.set_item("collapse_index", c.collapse_index)?;
        x.set_item("reward_at_collapse", c.reward_at_collapse)?;
        x.set_item("plateau", c.plateau)?;
        x.set_item("headroom", c.headroom)?;
        x.set_item("verdict", snake(c.verdict))?;
        out.set_item("concentration", x)?;
    }
    let i = &d.instability;
    let x = PyDict::new(py);
    x.set_item("verdict", snake(i.verdict))?;
    x.set_item("prop9_threshold", i.prop9_threshold)?;
    x.set_item("critical_lag", i.critical_lag)?;
    x.set_item("margin", i.evidence.margin)?;
    x.set_item("exactly_unstable", i.evidence.exactly_unstable)?;
    x.set_item("zeta_hat", i.evidence.zeta_hat)?;
    x.set_item("curve_class", i.evidence.class.map(regime_name))?;
    out.set_item("instability", x)?;
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(diagnose, m)?)?;
    Ok(())
}
