//! Hyperparameter calibration on the run itself (`grpo_dynamics::calibrate`, issue 18): a
//! `NativeCalibration` holding the Rust `Calibration` and its what-if answers. Every answer is a
//! `(value, lo, hi)` tuple: the value and its 80 % interval propagated from K's.

use crate::error::{err, vec, IntoPy};
use crate::stability::{lag, regime_name};
use grpo_dynamics::bandit::Lag;
use grpo_dynamics::calibrate::{calibrate as rs_calibrate, Calibration, Estimate, Settings};
use grpo_dynamics::{ErrorKind, Param};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

type Est = (f64, f64, f64);

fn est(e: Estimate<f64>) -> Est {
    (e.value, e.lo, e.hi)
}

/// A refresh interval from Python: `1 <= kref <= u32::MAX`, else `OutOfRange` about `kref`.
fn kref_u32(kref: i64) -> PyResult<u32> {
    u32::try_from(kref)
        .ok()
        .filter(|k| *k >= 1)
        .ok_or_else(|| err(ErrorKind::OutOfRange, Param::Kref))
}

/// A calibration (`grpo_dynamics::calibrate::Calibration<f64>`), immutable.
#[pyclass(module = "grpo_dynamics._core", frozen)]
pub struct NativeCalibration {
    c: Calibration<f64>,
}

#[pymethods]
impl NativeCalibration {
    /// Every field of the calibration (the C `grpo_calibration`'s), estimates as tuples.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = &self.c;
        let d = PyDict::new(py);
        d.set_item("r0", c.r0)?;
        d.set_item("r_star", est(c.r_star))?;
        d.set_item("k", est(c.k))?;
        d.set_item("k_determined", c.k_determined)?;
        d.set_item("rho", c.rho)?;
        d.set_item("eta", c.eta)?;
        d.set_item("mu", c.mu)?;
        d.set_item("kref", c.kref)?;
        d.set_item(
            "lag",
            match c.lag {
                Lag::Constant => "constant",
                Lag::Periodic => "periodic",
            },
        )?;
        d.set_item("delay", c.delay)?;
        d.set_item("flow50", est(c.flow50))?;
        d.set_item("flow90", est(c.flow90))?;
        d.set_item("t0", c.t0)?;
        Ok(d)
    }

    /// `K` with its interval; `GrpoError(kind="undetermined", param="K")` when the tail did not
    /// determine it.
    fn k(&self) -> PyResult<Est> {
        self.c.k().map(est).py()
    }

    /// The hyperparameter set `(r_star, r0, v0, omega, zeta)` of the first-order model at the
    /// run's settings (`Calibration::to_params`).
    fn oscillator(&self) -> PyResult<(f64, f64, f64, f64, f64)> {
        let h = self.c.to_params().py()?;
        let o = h.to_oscillator().py()?;
        Ok((o.r_star, o.r0, o.v0, o.omega, o.zeta))
    }

    fn zeta_at(&self, kref: i64) -> PyResult<Est> {
        self.c.zeta_at(kref_u32(kref)?).map(est).py()
    }

    /// `(regime at K, at K's lower end, at K's upper end)`.
    fn regime_at(&self, kref: i64) -> PyResult<(&'static str, &'static str, &'static str)> {
        let r = self.c.regime_at(kref_u32(kref)?).py()?;
        Ok((
            regime_name(r.regime),
            regime_name(r.at_k_lo),
            regime_name(r.at_k_hi),
        ))
    }

    /// `(exact d_c, Proposition 9 threshold)`.
    fn critical_kref(&self) -> PyResult<(Est, Est)> {
        let c = self.c.critical_kref().py()?;
        Ok((est(c.exact), est(c.prop9)))
    }

    fn largest_stable_lr(&self) -> PyResult<Est> {
        self.c.largest_stable_lr().map(est).py()
    }

    fn largest_monotone_lr(&self) -> PyResult<Est> {
        self.c.largest_monotone_lr().map(est).py()
    }

    /// Steps to `percent` (50 or 90) % of the gain at learning rate `lr`.
    fn steps(&self, lr: f64, percent: u32) -> PyResult<Est> {
        match percent {
            50 => self.c.t50(lr).map(est).py(),
            90 => self.c.t90(lr).map(est).py(),
            _ => Err(err(ErrorKind::OutOfRange, Param::Fraction)),
        }
    }
}

/// Calibrate on `(t, r)` with the run's settings (GIL released, on copies of the inputs).
#[pyfunction]
#[pyo3(signature = (t, r, lr, lr_column, beta1, kref, lag_mode, smooth))]
#[allow(clippy::too_many_arguments)]
fn calibrate(
    py: Python<'_>,
    t: PyReadonlyArray1<'_, f64>,
    r: PyReadonlyArray1<'_, f64>,
    lr: f64,
    lr_column: Option<PyReadonlyArray1<'_, f64>>,
    beta1: f64,
    kref: i64,
    lag_mode: &str,
    smooth: i64,
) -> PyResult<NativeCalibration> {
    let (t, r) = (vec(&t, Param::T)?, vec(&r, Param::Reward)?);
    let col = lr_column.map(|c| vec(&c, Param::Lr)).transpose()?;
    let kref = kref_u32(kref)?;
    let smooth = usize::try_from(smooth)
        .ok()
        .filter(|w| *w >= 1)
        .ok_or_else(|| err(ErrorKind::OutOfRange, Param::Capacity))?;
    let s = Settings {
        lr,
        lr_column: col.as_deref(),
        beta1,
        kref,
        lag: lag(lag_mode)?,
        smooth,
    };
    let c = py.detach(|| rs_calibrate(&t, &r, &s)).py()?;
    Ok(NativeCalibration { c })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeCalibration>()?;
    m.add_function(wrap_pyfunction!(calibrate, m)?)?;
    Ok(())
}
