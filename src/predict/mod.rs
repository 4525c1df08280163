//! Online prediction of a running reward curve (for schedulers and early stopping).
//!
//! * [`Window`]: a fixed-capacity buffer (`heapless`, const-generic capacity) of
//!   `(step, reward, weight)` points fed one at a time; `push` hands a refused point back with a
//!   typed error (NaN/infinite value, step not increasing, window full).
//! * [`Predictor`]: the window plus candidate fits. Candidates are the fit module's ready sets
//!   (saturation law, critical slow start, slow-start oscillator), fitted by Levenberg-Marquardt
//!   with a Huber loss, warm-started from the previous parameters, refitted every `k` points
//!   ([`Config::refit_every`]) or on demand (and lazily before any answer when new points
//!   arrived). The best model is the one with the lowest AICc; forecasts are its forecast,
//!   anchored at the local level of the most recent points and with the extrapolated gain shrunk
//!   by its signal-to-noise ratio; their variance is Akaike-weighted over the candidates.
//! * Answers: plateau with 80 % / 95 % intervals ([`Predictor::plateau`]), reward at a future
//!   step with intervals ([`Predictor::reward_at`]), step at which a fraction `f` of the remaining
//!   gain is reached ([`Predictor::step_to_fraction`], docs/model.md A.7), step to a reward target
//!   ([`Predictor::step_to_target`]), regime and instability risk ([`Predictor::regime`],
//!   [`Predictor::instability`]), early-stop advice with its numbers ([`Predictor::advice`]), or
//!   everything at once ([`Predictor::predict`]).
//! * Intervals: delta method from the fit covariance, inflated by `(1 + rho1) / (1 - rho1)` for the
//!   lag-1 autocorrelation `rho1` of the residuals, plus the noise of the local level, the
//!   between-model spread and an extrapolation-drift term calibrated on real curves
//!   ([`CALIBRATED_DRIFT`]).
//! * Reward bounds (`reward_min`, `reward_max`, either may be infinite) bound the plateau
//!   parameters of every fit and clip every prediction and interval.
//!
//! No allocation (the refit works on stack copies of the window), no panic; a refit costs O(N)
//! per LM iteration.
//!
//! Modules: [`window`] (the points), `config` (the settings), `candidates` (the table of
//! candidate fits, one entry per [`ModelKind`]), `snapshot` (one refit and every answer read from
//! it), `predictor` (the window plus the last snapshot), `segments` (the window as fit data in
//! uniform-grid parts), `power` (the power-law component).

mod candidates;
mod combine;
mod config;
mod image;
mod model_code;
mod power;
mod predictor;
mod segments;
mod snapshot;
pub mod window;

pub use candidates::{ModelKind, RefitWork};
pub use combine::{
    normal_quantile, CALIBRATED_INTERVAL_K, CURRENT_FRACTION, DEFAULT_CONFIDENCE,
    DEFAULT_MIN_GAIN_SHARE,
};
pub use config::{
    Config, CALIBRATED_DRIFT, CALIBRATED_SCALE, DEFAULT_LEVEL_HALF_LIFE, DEFAULT_MIN_STOP_POINTS,
};
pub use image::PredictorImage;
pub use model_code::ModelCode;
pub use power::{PowerLaw, POWER_EXPONENTS};
pub use predictor::{Predictor, DEFAULT_WINDOW};
pub use snapshot::{Advice, AdviceKind, Forecast, Prediction, RunRegime, Snapshot, Z80, Z95};
pub use window::{Point, Rejected, Window};

use crate::diagnostics::{check_input, diagnose, DiagnoseInput, DiagnoseOptions, Diagnosis};
use crate::error::{Error, ErrorKind, Param};
use crate::real::Real;

/// [`diagnose`] for a whole reward series: fits `input.reward` (at `input.steps`) with a
/// [`Predictor`] of window [`DEFAULT_WINDOW`] and bounds `[r_min, r_max]`, then diagnoses with
/// its model-averaged plateau and fitted damping ([`Snapshot::curve_fit`]). This is what the C
/// `grpo_diagnose` runs; a caller that already feeds a predictor with the curve passes that
/// predictor's [`Snapshot::curve_fit`] to [`diagnose`] instead (one fit, its own window).
/// Errors: the input checks of [`diagnose`], then `TooFewPoints` (fewer than
/// [`Config::min_points`] points) and the predictor's errors (steps not increasing, a fit that
/// fails).
pub fn fit_and_diagnose<T: Real>(
    input: &DiagnoseInput<'_, T>,
    opts: &DiagnoseOptions<T>,
) -> Result<Diagnosis<T>, Error> {
    check_input(input)?;
    let r = input.reward;
    let mut pred = Predictor::<T>::new(input.r_min, input.r_max)?;
    if r.len() < pred.config().min_points {
        return Err(Error::new(ErrorKind::TooFewPoints, Param::Reward));
    }
    for (i, &ri) in r.iter().enumerate() {
        let step = match input.steps {
            Some(s) => s.get(i).copied().unwrap_or(T::NAN),
            None => T::from_usize(i),
        };
        pred.push(step, ri)?;
    }
    let fit = pred.fit()?.curve_fit()?;
    diagnose(input, &fit, opts)
}

/// Compile-time size bounds of the predictor's fixed buffers (issue 7): a [`Window`] is its `N`
/// points plus the length and the last step; a [`Predictor`] adds the settings, a table of four
/// candidates (`P = 4` parameters, `P x P` covariance, AICc, R^2, level offset and variance
/// factor, a flag and the kind each) and 28 scalars of state (16 for the candidates' summary, 12
/// for the combination: power law with its tag, spread, noise, current level and its weight,
/// confirmation counter).
/// Checked for the capacities in use (8, 64, the C API's 256, 1024) in f32 and f64.
const fn window_bound<T, const N: usize>() -> usize {
    use core::mem::size_of;
    N * 3 * size_of::<T>() + 2 * size_of::<T>() + 2 * size_of::<usize>()
}
const fn candidate_bound<T>() -> usize {
    const P: usize = 4;
    (P * P + P + 4) * core::mem::size_of::<T>() + 8
}
const fn predictor_fits<T: Real, const N: usize>() -> bool {
    use core::mem::size_of;
    size_of::<Point<T>>() == 3 * size_of::<T>()
        && size_of::<Window<T, N>>() <= window_bound::<T, N>()
        && size_of::<candidates::Candidate<T>>() <= candidate_bound::<T>()
        && size_of::<Predictor<T, N>>()
            <= window_bound::<T, N>()
                + 4 * candidate_bound::<T>()
                + size_of::<Config<T>>()
                + 28 * size_of::<T>()
}
const _: () = assert!(size_of_config_ok());
const fn size_of_config_ok() -> bool {
    use core::mem::size_of;
    // 15 scalars, `refit_every: u32`, `confirmations: u32`, `min_points: usize`
    size_of::<Config<f64>>() <= 15 * 8 + 2 * size_of::<usize>()
        && size_of::<Config<f32>>() <= 15 * 4 + 2 * size_of::<usize>()
}
const _: () = assert!(predictor_fits::<f32, 8>() && predictor_fits::<f64, 8>());
const _: () = assert!(predictor_fits::<f32, 64>() && predictor_fits::<f64, 64>());
const _: () = assert!(predictor_fits::<f32, 256>() && predictor_fits::<f64, 256>());
const _: () = assert!(predictor_fits::<f32, 1024>() && predictor_fits::<f64, 1024>());
