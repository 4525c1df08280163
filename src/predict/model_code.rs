//! One numbering of the reward-curve models for every interface (issue 13): the fit module's
//! parameter sets ([`ParamSet`], codes 0..=4), the fit request "every set, lowest AICc" (5) and
//! the predictor's constant-level candidate (6). The C ABI exports the codes as `GRPO_MODEL_*`
//! (`grpo_fit_options.model`, `grpo_fit_result.model`, `grpo_prediction.model_code`), the Python
//! package as `MODEL_CODES`; docs/c.md "Model codes" has the table.
//!
//! The predictor's own [`ModelKind`] (and the legacy `grpo_prediction.model` field) keeps its
//! older numbering, 1 constant, 2 saturation, 3 critical, 4 slow start:
//! `ModelCode::from(kind)` / [`ModelCode::from_prediction_legacy`] convert.

use super::ModelKind;
use crate::error::{Error, ErrorKind, Param};
use crate::fit::ParamSet;

/// A reward-curve model in the one numbering of every interface (C `GRPO_MODEL_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum ModelCode {
    /// Single-exponential saturation `(plateau, r0, tau)` (0, = `ParamSet::Saturation`).
    Saturation = 0,
    /// Critically damped slow start `(r_star, r0, omega)` (1).
    Critical = 1,
    /// Slow-start oscillator `(r_star, r0, omega, zeta)`, `v0 = 0` (2).
    SlowStart = 2,
    /// Full oscillator `(r_star, r0, v0, omega, zeta)` (3).
    Full = 3,
    /// Overdamped oscillator `(r_star, r0, tau, t_m)` (4).
    Overdamped = 4,
    /// Fit request only: every parameter set, lowest AICc wins (5). Never a fitted model.
    Auto = 5,
    /// A constant level (the predictor's one-parameter candidate) (6).
    Constant = 6,
}

impl ModelCode {
    /// Every code, in numeric order.
    pub const ALL: [ModelCode; 7] = [
        ModelCode::Saturation,
        ModelCode::Critical,
        ModelCode::SlowStart,
        ModelCode::Full,
        ModelCode::Overdamped,
        ModelCode::Auto,
        ModelCode::Constant,
    ];

    /// The fit module's parameter set (`None` for `Auto` and `Constant`).
    pub const fn param_set(self) -> Option<ParamSet> {
        match self {
            ModelCode::Saturation => Some(ParamSet::Saturation),
            ModelCode::Critical => Some(ParamSet::Critical),
            ModelCode::SlowStart => Some(ParamSet::SlowStart),
            ModelCode::Full => Some(ParamSet::Full),
            ModelCode::Overdamped => Some(ParamSet::Overdamped),
            ModelCode::Auto | ModelCode::Constant => None,
        }
    }

    /// The code of a legacy `grpo_prediction.model` value (1 constant, 2 saturation, 3 critical,
    /// 4 slow start); `UnknownCode` (param `model`) for anything else.
    pub fn from_prediction_legacy(legacy: u32) -> Result<ModelCode, Error> {
        match legacy {
            1 => Ok(ModelCode::Constant),
            2 => Ok(ModelCode::Saturation),
            3 => Ok(ModelCode::Critical),
            4 => Ok(ModelCode::SlowStart),
            _ => Err(Error::new(ErrorKind::UnknownCode, Param::Model)),
        }
    }
}

/// Checked conversion of a C code: `UnknownCode` (param `model`) outside 0..=6.
impl TryFrom<u32> for ModelCode {
    type Error = Error;
    fn try_from(code: u32) -> Result<ModelCode, Error> {
        ModelCode::ALL
            .iter()
            .copied()
            .find(|m| *m as u32 == code)
            .ok_or(Error::new(ErrorKind::UnknownCode, Param::Model))
    }
}

impl From<ParamSet> for ModelCode {
    fn from(set: ParamSet) -> ModelCode {
        match set {
            ParamSet::Saturation => ModelCode::Saturation,
            ParamSet::Critical => ModelCode::Critical,
            ParamSet::SlowStart => ModelCode::SlowStart,
            ParamSet::Full => ModelCode::Full,
            ParamSet::Overdamped => ModelCode::Overdamped,
        }
    }
}

/// A predictor candidate's code; `NotReady` (param `model`) for [`ModelKind::None`] (no fit yet).
impl TryFrom<ModelKind> for ModelCode {
    type Error = Error;
    fn try_from(kind: ModelKind) -> Result<ModelCode, Error> {
        match kind {
            ModelKind::None => Err(Error::new(ErrorKind::NotReady, Param::Model)),
            ModelKind::Constant => Ok(ModelCode::Constant),
            ModelKind::Saturation => Ok(ModelCode::Saturation),
            ModelKind::Critical => Ok(ModelCode::Critical),
            ModelKind::SlowStart => Ok(ModelCode::SlowStart),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_reject_the_rest() {
        for m in ModelCode::ALL {
            assert_eq!(ModelCode::try_from(m as u32), Ok(m));
        }
        for bad in [7u32, 8, 255, u32::MAX] {
            let e = ModelCode::try_from(bad).unwrap_err();
            assert_eq!(
                (e.kind(), e.param()),
                (ErrorKind::UnknownCode, Param::Model)
            );
        }
    }

    #[test]
    fn fit_sets_keep_their_codes() {
        // the old grpo_fit numbering is the new one: a set's code is its ParamSet discriminant
        for set in ParamSet::ALL {
            assert_eq!(ModelCode::from(set) as u32, set as u32);
            assert_eq!(ModelCode::from(set).param_set(), Some(set));
        }
        assert_eq!(ModelCode::Auto.param_set(), None);
        assert_eq!(ModelCode::Constant.param_set(), None);
    }

    #[test]
    fn predictor_kinds_map_through_the_legacy_code() {
        // ModelKind's discriminant is the legacy grpo_prediction.model value
        for kind in [
            ModelKind::Constant,
            ModelKind::Saturation,
            ModelKind::Critical,
            ModelKind::SlowStart,
        ] {
            let code = ModelCode::try_from(kind).unwrap();
            assert_eq!(ModelCode::from_prediction_legacy(kind as u32), Ok(code));
        }
        assert!(ModelCode::try_from(ModelKind::None).is_err());
        assert!(ModelCode::from_prediction_legacy(0).is_err());
        assert!(ModelCode::from_prediction_legacy(5).is_err());
    }
}
