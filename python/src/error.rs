//! `grpo_dynamics::Error` -> `grpo_dynamics.GrpoError(ValueError)` with `.kind`, `.param`, `.code`.

use grpo_dynamics::{Error, ErrorKind, Param};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

static GRPO_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Snake case of a `Debug` name (`OutOfRange` -> `out_of_range`): the names of every enum the
/// Python layer sees (error kinds, verdicts, models, regimes, advice).
pub fn snake(debug: impl core::fmt::Debug) -> String {
    let mut s = String::new();
    for (i, ch) in format!("{debug:?}").chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                s.push('_');
            }
            s.push(ch.to_ascii_lowercase());
        } else {
            s.push(ch);
        }
    }
    s
}

/// The Python exception for a Rust error: `GrpoError(message, kind, param, code)`.
pub fn to_py(e: Error) -> PyErr {
    Python::attach(|py| {
        let ty = GRPO_ERROR.get_or_try_init(py, || -> PyResult<Py<PyType>> {
            let m = py.import("grpo_dynamics._errors")?;
            Ok(m.getattr("GrpoError")?.cast_into::<PyType>()?.unbind())
        });
        match ty {
            Ok(ty) => {
                let args = (e.to_string(), snake(e.kind()), e.param().name(), e.code());
                match ty.bind(py).call1(args) {
                    Ok(obj) => PyErr::from_value(obj),
                    Err(err) => err,
                }
            }
            Err(err) => err,
        }
    })
}

/// `Result<T, Error>` -> `PyResult<T>`.
pub trait IntoPy<T> {
    /// Convert the error.
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// An error of `kind` about `param`, raised from the binding layer itself (same mechanism).
pub fn err(kind: ErrorKind, param: Param) -> PyErr {
    to_py(Error::new(kind, param))
}

/// A copy of a contiguous float64 array (the Python layer makes arrays contiguous); the copy lets
/// the GIL be released without another thread writing into the data.
pub fn vec(a: &PyReadonlyArray1<'_, f64>, p: Param) -> PyResult<Vec<f64>> {
    a.as_slice()
        .map(<[f64]>::to_vec)
        .map_err(|_| err(ErrorKind::BadBuffer, p))
}

/// (kind code, kind name, description).
type KindRow = (u8, String, &'static str);

/// Every (kind code, kind name, description) and (param code, param name): the Python layer
/// documents and tests the mapping with them.
#[pyfunction]
pub fn error_tables() -> (Vec<KindRow>, Vec<(u8, &'static str)>) {
    let kinds = ErrorKind::ALL
        .iter()
        .map(|k| (*k as u8, snake(*k), k.describe()))
        .collect();
    let params = Param::ALL.iter().map(|p| (*p as u8, p.name())).collect();
    (kinds, params)
}
