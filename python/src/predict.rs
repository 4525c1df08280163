//! The online predictor (`grpo_dynamics::predict::Predictor`) as a Python class.
//!
//! The window capacity is a const generic in Rust; the class holds one of a few fixed capacities
//! (64, 256 = the C ABI's, 1024 = the sidecar's, 4096) behind one enum, so a Python predictor
//! with the same capacity and settings computes exactly what the Rust and C ones compute.

use crate::error::{err, snake, vec, IntoPy};
use grpo_dynamics::predict::{Config, Forecast, Prediction, Predictor};
use grpo_dynamics::{ErrorKind, Param};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// One predictor of each supported capacity (boxed: the window lives inline).
enum Inner {
    W64(Box<Predictor<f64, 64>>),
    W256(Box<Predictor<f64, 256>>),
    W1024(Box<Predictor<f64, 1024>>),
    W4096(Box<Predictor<f64, 4096>>),
}

/// Run `$body` with `$p` bound to the predictor whatever its capacity.
macro_rules! each {
    ($inner:expr, $p:ident => $body:expr) => {
        match $inner {
            Inner::W64($p) => $body,
            Inner::W256($p) => $body,
            Inner::W1024($p) => $body,
            Inner::W4096($p) => $body,
        }
    };
}

impl Inner {
    fn new(window: usize, cfg: Config<f64>) -> PyResult<Self> {
        Ok(match window {
            64 => Inner::W64(Box::new(Predictor::with_config(cfg).py()?)),
            256 => Inner::W256(Box::new(Predictor::with_config(cfg).py()?)),
            1024 => Inner::W1024(Box::new(Predictor::with_config(cfg).py()?)),
            4096 => Inner::W4096(Box::new(Predictor::with_config(cfg).py()?)),
            _ => return Err(err(ErrorKind::OutOfRange, Param::Capacity)),
        })
    }
}

/// The low-level predictor; `grpo_dynamics.Predictor` wraps it.
#[pyclass(module = "grpo_dynamics._core")]
pub struct NativePredictor {
    inner: Inner,
    window: usize,
}

/// `(value, sd, lo80, hi80, lo95, hi95)`.
type F6 = (f64, f64, f64, f64, f64, f64);

fn f6(f: &Forecast<f64>) -> F6 {
    (f.value, f.sd, f.lo80, f.hi80, f.lo95, f.hi95)
}

/// A prediction as a flat tuple (the Python layer builds the dataclasses): plateau forecast,
/// horizon, horizon forecast, model, regime, instability, advice (kind, current, plateau,
/// expected gain, at step), R^2.
type Flat = (
    F6,
    f64,
    F6,
    String,
    String,
    String,
    (String, f64, f64, f64, f64),
    f64,
);

fn flat(p: &Prediction<f64>) -> Flat {
    let a = &p.advice;
    (
        f6(&p.plateau),
        p.horizon,
        f6(&p.at_horizon),
        snake(p.model),
        snake(p.regime),
        snake(p.instability),
        (
            snake(a.kind),
            a.current,
            a.plateau,
            a.expected_gain,
            a.at_step,
        ),
        p.r2,
    )
}

#[pymethods]
impl NativePredictor {
    #[new]
    #[pyo3(signature = (reward_min, reward_max, window, refit_every, min_points, interval_scale, drift, huber_k, min_gain, min_gain_share, confidence, confirmations, power_weight, interval_k, collapse_drop, level_half_life, gain_shrink, min_stop_points))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        reward_min: f64,
        reward_max: f64,
        window: usize,
        refit_every: Option<u32>,
        min_points: Option<usize>,
        interval_scale: Option<f64>,
        drift: Option<f64>,
        huber_k: Option<f64>,
        min_gain: Option<f64>,
        min_gain_share: Option<f64>,
        confidence: Option<f64>,
        confirmations: Option<u32>,
        power_weight: Option<f64>,
        interval_k: Option<f64>,
        collapse_drop: Option<f64>,
        level_half_life: Option<f64>,
        gain_shrink: Option<f64>,
        min_stop_points: Option<f64>,
    ) -> PyResult<Self> {
        let mut c = Config::new(reward_min, reward_max);
        c.refit_every = refit_every.unwrap_or(c.refit_every);
        c.min_points = min_points.unwrap_or(c.min_points);
        c.interval_scale = interval_scale.unwrap_or(c.interval_scale);
        c.drift = drift.unwrap_or(c.drift);
        c.huber_k = huber_k.unwrap_or(c.huber_k);
        c.min_gain = min_gain.unwrap_or(c.min_gain);
        c.min_gain_share = min_gain_share.unwrap_or(c.min_gain_share);
        c.confidence = confidence.unwrap_or(c.confidence);
        c.confirmations = confirmations.unwrap_or(c.confirmations);
        c.power_weight = power_weight.unwrap_or(c.power_weight);
        c.interval_k = interval_k.unwrap_or(c.interval_k);
        c.collapse_drop = collapse_drop.unwrap_or(c.collapse_drop);
        c.level_half_life = level_half_life.unwrap_or(c.level_half_life);
        c.gain_shrink = gain_shrink.unwrap_or(c.gain_shrink);
        c.min_stop_points = min_stop_points.unwrap_or(c.min_stop_points);
        Ok(NativePredictor {
            inner: Inner::new(window, c)?,
            window,
        })
    }

    /// Feed one point.
    fn push(&mut self, step: f64, reward: f64) -> PyResult<()> {
        each!(&mut self.inner, p => p.push(step, reward)).py()
    }

    /// Feed many points in order (GIL released); stops at the first rejected point, whose index
    /// is reported with the error by the Python layer (`(index, None)` on success).
    fn push_many(
        &mut self,
        py: Python<'_>,
        steps: PyReadonlyArray1<'_, f64>,
        rewards: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<usize> {
        let s = vec(&steps, Param::Step)?;
        let r = vec(&rewards, Param::Reward)?;
        if s.len() != r.len() {
            return Err(err(ErrorKind::LengthMismatch, Param::Reward));
        }
        let inner = &mut self.inner;
        let res = py.detach(|| {
            for (i, (&si, &ri)) in s.iter().zip(&r).enumerate() {
                if let Err(e) = each!(&mut *inner, p => p.push(si, ri)) {
                    return Err((i, e));
                }
            }
            Ok(s.len())
        });
        match res {
            Ok(n) => Ok(n),
            Err((i, e)) => {
                let pe = crate::error::to_py(e);
                Python::attach(|py| pe.value(py).setattr("index", i))?;
                Err(pe)
            }
        }
    }

    /// Everything the predictor says for `horizon_step` (GIL released during the refit).
    fn predict(&mut self, py: Python<'_>, horizon_step: f64) -> PyResult<Flat> {
        let inner = &mut self.inner;
        let p = py
            .detach(|| each!(inner, p => p.predict(horizon_step)))
            .py()?;
        Ok(flat(&p))
    }

    /// Plateau forecast.
    fn plateau(&mut self, py: Python<'_>) -> PyResult<F6> {
        let inner = &mut self.inner;
        let f = py.detach(|| each!(inner, p => p.plateau())).py()?;
        Ok(f6(&f))
    }

    /// Reward forecast at `step`.
    fn reward_at(&mut self, py: Python<'_>, step: f64) -> PyResult<F6> {
        let inner = &mut self.inner;
        let f = py.detach(|| each!(inner, p => p.reward_at(step))).py()?;
        Ok(f6(&f))
    }

    /// Forget every point and fit (the settings stay).
    fn reset(&mut self) {
        each!(&mut self.inner, p => p.reset())
    }

    /// `true` once a fit exists.
    fn is_fitted(&self) -> bool {
        each!(&self.inner, p => p.is_fitted())
    }

    /// Points in the window (merged points count once).
    fn __len__(&self) -> usize {
        each!(&self.inner, p => p.window().len())
    }

    /// The window as `(steps, rewards, weights)` lists.
    fn points(&self) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        each!(&self.inner, p => {
            let pts = p.window().points();
            (
                pts.iter().map(|x| x.step).collect(),
                pts.iter().map(|x| x.reward).collect(),
                pts.iter().map(|x| x.weight).collect(),
            )
        })
    }

    /// The settings (every field of the Rust `Config`) and the window capacity.
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = each!(&self.inner, p => *p.config());
        let d = PyDict::new(py);
        d.set_item("reward_min", c.reward_min)?;
        d.set_item("reward_max", c.reward_max)?;
        d.set_item("window", self.window)?;
        d.set_item("refit_every", c.refit_every)?;
        d.set_item("min_points", c.min_points)?;
        d.set_item("interval_scale", c.interval_scale)?;
        d.set_item("drift", c.drift)?;
        d.set_item("huber_k", c.huber_k)?;
        d.set_item("min_gain", c.min_gain)?;
        d.set_item("min_gain_share", c.min_gain_share)?;
        d.set_item("confidence", c.confidence)?;
        d.set_item("confirmations", c.confirmations)?;
        d.set_item("power_weight", c.power_weight)?;
        d.set_item("interval_k", c.interval_k)?;
        d.set_item("collapse_drop", c.collapse_drop)?;
        d.set_item("level_half_life", c.level_half_life)?;
        d.set_item("gain_shrink", c.gain_shrink)?;
        d.set_item("min_stop_points", c.min_stop_points)?;
        Ok(d)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativePredictor>()?;
    Ok(())
}
