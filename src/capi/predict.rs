//! C ABI of the online predictor: the predictor lives in caller memory.
//!
//! ```c
//! void *mem = aligned_alloc(grpo_predictor_align(), grpo_predictor_size());
//! grpo_predictor_init(mem, grpo_predictor_size(), 0.0, 1.0);
//! grpo_predictor_push(mem, step, reward);            /* every logged step */
//! grpo_prediction p; grpo_predictor_predict(mem, 1000.0, &p);
//! ```

use super::{guard, in_ref, out_ref};
use crate::error::{Error, ErrorKind, Param, Result};
use crate::predict::{Config, Predictor};

/// Window capacity of the C predictor (points; longer histories are compacted pairwise).
pub const GRPO_PREDICTOR_WINDOW: usize = 256;

/// `grpo_prediction.advice`: not enough data yet (counts as continue).
pub const GRPO_ADVICE_NOT_READY: u32 = 0;
/// `grpo_prediction.advice`: continue training.
pub const GRPO_ADVICE_CONTINUE: u32 = 1;
/// `grpo_prediction.advice`: stop, the remaining gain to the horizon is not worth it.
pub const GRPO_ADVICE_STOP_PLATEAU: u32 = 2;
/// `grpo_prediction.advice`: stop, the run is collapsing (regime collapsing, dynamics unstable).
pub const GRPO_ADVICE_STOP_COLLAPSING: u32 = 3;
/// `grpo_prediction.regime`: not fitted yet.
pub const GRPO_REGIME_UNKNOWN: u32 = 0;
/// `grpo_prediction.regime`: flat.
pub const GRPO_REGIME_FLAT: u32 = 1;
/// `grpo_prediction.regime`: saturating (damped).
pub const GRPO_REGIME_SATURATING: u32 = 2;
/// `grpo_prediction.regime`: oscillating (zeta < 1).
pub const GRPO_REGIME_OSCILLATING: u32 = 3;
/// `grpo_prediction.regime`: collapsing.
pub const GRPO_REGIME_COLLAPSING: u32 = 4;

/// Predictor settings for `grpo_predictor_init_config`; fill with
/// `grpo_predictor_config_default()` and change what you need. The stop rule: stop when the
/// upper `confidence` bound of the gain to the horizon is below
/// `min_gain + min_gain_share * (observed p90 - p10 spread)`, at `confirmations` consecutive
/// predictions (with new points in between), after at least `min_points` points.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct grpo_predictor_config {
    /// Lowest possible reward (may be -INFINITY; default -INFINITY).
    pub reward_min: f64,
    /// Highest possible reward (may be +INFINITY; default +INFINITY).
    pub reward_max: f64,
    /// Absolute minimum gain (reward units, >= 0; default 0).
    pub min_gain: f64,
    /// Minimum gain as a share of the observed p90 - p10 spread (>= 0; default 0.05).
    pub min_gain_share: f64,
    /// Confidence of a stop, in (0.5, 1) (default 0.8).
    pub confidence: f64,
    /// Fewest points seen before any stop (>= 0; default 20).
    pub min_points: f64,
    /// Weight of the power-law component of the forecast, in [0, 1] (default 0.5).
    pub power_weight: f64,
    /// Interval factor of the forecast (> 0; default 0.24, calibrated).
    pub interval_k: f64,
    /// Consecutive predictions at which the stop criterion must hold (>= 1; default 1).
    pub confirmations: u32,
}

impl From<&Config<f64>> for grpo_predictor_config {
    fn from(c: &Config<f64>) -> Self {
        grpo_predictor_config {
            reward_min: c.reward_min,
            reward_max: c.reward_max,
            min_gain: c.min_gain,
            min_gain_share: c.min_gain_share,
            confidence: c.confidence,
            min_points: c.min_stop_points,
            power_weight: c.power_weight,
            interval_k: c.interval_k,
            confirmations: c.confirmations,
        }
    }
}

/// The default predictor settings (unbounded rewards).
#[no_mangle]
pub extern "C" fn grpo_predictor_config_default() -> grpo_predictor_config {
    grpo_predictor_config::from(&Config::new(f64::NEG_INFINITY, f64::INFINITY))
}

/// Tag written by `grpo_predictor_init` at offset 0 ("GRPOPRED").
const MAGIC: u64 = 0x4752_504F_5052_4544;

#[repr(C)]
struct CPredictor {
    magic: u64,
    inner: Predictor<f64, GRPO_PREDICTOR_WINDOW>,
}

/// Everything the predictor says for one horizon. Intervals are clipped to the reward bounds given
/// to `grpo_predictor_init`.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct grpo_prediction {
    /// Predicted plateau (model-averaged over the candidates by Akaike weights).
    pub plateau: f64,
    /// Lower end of the 80 % plateau interval.
    pub plateau_lo80: f64,
    /// Upper end of the 80 % plateau interval.
    pub plateau_hi80: f64,
    /// Lower end of the 95 % plateau interval.
    pub plateau_lo95: f64,
    /// Upper end of the 95 % plateau interval.
    pub plateau_hi95: f64,
    /// The horizon step asked for.
    pub horizon: f64,
    /// Predicted reward at the horizon step.
    pub reward_at_horizon: f64,
    /// Lower end of the 80 % interval of the reward at the horizon.
    pub horizon_lo80: f64,
    /// Upper end of the 80 % interval of the reward at the horizon.
    pub horizon_hi80: f64,
    /// Model with the lowest AICc: 1 constant level, 2 single-exponential saturation,
    /// 3 critically damped slow start, 4 slow-start oscillator (r*, r0, omega, zeta).
    pub model: u32,
    /// Regime: 1 flat, 2 saturating (damped), 3 oscillating (zeta < 1), 4 collapsing.
    pub regime: u32,
    /// Early-stop advice: 1 continue, 2 stop (plateau reached), 3 stop (collapsing or unstable).
    pub advice: u32,
    /// R^2 of the best model on the window.
    pub r2: f64,
}

/// Bytes of caller memory one predictor needs.
#[no_mangle]
pub extern "C" fn grpo_predictor_size() -> usize {
    core::mem::size_of::<CPredictor>()
}

/// Alignment (bytes) the predictor memory needs.
#[no_mangle]
pub extern "C" fn grpo_predictor_align() -> usize {
    core::mem::align_of::<CPredictor>()
}

fn bad_mem() -> Error {
    Error::new(ErrorKind::BadBuffer, Param::Memory)
}

/// Check `mem` (NULL, alignment) and the tag; return the initialised predictor.
///
/// # Safety
/// `mem` must be NULL or point to at least `grpo_predictor_size()` bytes the caller owns.
unsafe fn predictor<'a>(mem: *mut core::ffi::c_void) -> Result<&'a mut CPredictor> {
    if mem.is_null() {
        return Err(Error::new(ErrorKind::NullPointer, Param::Memory));
    }
    if !(mem as usize).is_multiple_of(core::mem::align_of::<CPredictor>()) {
        return Err(bad_mem());
    }
    // the tag sits at offset 0 (repr(C)); uninitialised memory fails this check
    let tag = core::ptr::read_volatile(mem as *const u64);
    if tag != MAGIC {
        return Err(bad_mem());
    }
    Ok(&mut *(mem as *mut CPredictor))
}

/// Initialise a predictor in caller memory `mem` of `mem_len` bytes (at least
/// `grpo_predictor_size()`, aligned to `grpo_predictor_align()`, else `GRPO_ERR_BAD_BUFFER`).
/// Rewards are bounded by `[reward_min, reward_max]`; either may be -INFINITY / +INFINITY.
/// On error the memory is left untouched.
///
/// # Safety
/// `mem` must be NULL or point to `mem_len` writable bytes owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn grpo_predictor_init(
    mem: *mut core::ffi::c_void,
    mem_len: usize,
    reward_min: f64,
    reward_max: f64,
) -> i32 {
    guard(|| init_with(mem, mem_len, Config::new(reward_min, reward_max)))
}

/// Check `mem`, build the predictor from `cfg` and write it (memory untouched on error).
unsafe fn init_with(mem: *mut core::ffi::c_void, mem_len: usize, cfg: Config<f64>) -> Result<()> {
    if mem.is_null() {
        return Err(Error::new(ErrorKind::NullPointer, Param::Memory));
    }
    if !(mem as usize).is_multiple_of(core::mem::align_of::<CPredictor>())
        || mem_len < core::mem::size_of::<CPredictor>()
    {
        return Err(bad_mem());
    }
    let inner = Predictor::with_config(cfg)?;
    core::ptr::write(
        mem as *mut CPredictor,
        CPredictor {
            magic: MAGIC,
            inner,
        },
    );
    Ok(())
}

/// Initialise a predictor like `grpo_predictor_init`, with the settings `cfg` (see
/// `grpo_predictor_config`; a bad setting gives `GRPO_ERR_OUT_OF_RANGE` / `GRPO_ERR_NON_FINITE`
/// and leaves the memory untouched).
///
/// # Safety
/// `mem` as for `grpo_predictor_init`; `cfg` NULL or readable.
#[no_mangle]
pub unsafe extern "C" fn grpo_predictor_init_config(
    mem: *mut core::ffi::c_void,
    mem_len: usize,
    cfg: *const grpo_predictor_config,
) -> i32 {
    guard(|| {
        let c = in_ref(cfg, Param::Options)?;
        let mut k = Config::new(c.reward_min, c.reward_max);
        k.min_gain = c.min_gain;
        k.min_gain_share = c.min_gain_share;
        k.confidence = c.confidence;
        k.min_stop_points = c.min_points;
        k.power_weight = c.power_weight;
        k.interval_k = c.interval_k;
        k.confirmations = c.confirmations;
        init_with(mem, mem_len, k)
    })
}

/// Feed one point. NaN/infinite values (`GRPO_ERR_NON_FINITE`) and steps not above the last one
/// (`GRPO_ERR_NOT_INCREASING`) are rejected and never enter the window. Memory not initialised by
/// `grpo_predictor_init` gives `GRPO_ERR_BAD_BUFFER`.
///
/// # Safety
/// `pred` must be NULL or point to memory of at least `grpo_predictor_size()` bytes, not used
/// concurrently.
#[no_mangle]
pub unsafe extern "C" fn grpo_predictor_push(
    pred: *mut core::ffi::c_void,
    step: f64,
    reward: f64,
) -> i32 {
    guard(|| predictor(pred)?.inner.push(step, reward))
}

/// Refit if needed and predict for `horizon_step` (any finite step at or after the first point).
/// `GRPO_ERR_NOT_READY` before 6 points. `out` is written only on success.
///
/// # Safety
/// `pred` as for `grpo_predictor_push`; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_predictor_predict(
    pred: *mut core::ffi::c_void,
    horizon_step: f64,
    out: *mut grpo_prediction,
) -> i32 {
    guard(|| {
        let p = predictor(pred)?;
        let out = out_ref(out, Param::Output)?;
        let r = p.inner.predict(horizon_step)?;
        *out = grpo_prediction {
            plateau: r.plateau.value,
            plateau_lo80: r.plateau.lo80,
            plateau_hi80: r.plateau.hi80,
            plateau_lo95: r.plateau.lo95,
            plateau_hi95: r.plateau.hi95,
            horizon: r.horizon,
            reward_at_horizon: r.at_horizon.value,
            horizon_lo80: r.at_horizon.lo80,
            horizon_hi80: r.at_horizon.hi80,
            model: r.model as u32,
            regime: r.regime as u32,
            advice: r.advice.kind as u32,
            r2: r.r2,
        };
        Ok(())
    })
}

// Compile-time bound of the caller-allocated predictor storage (`grpo_predictor_size()`, issue 7):
// the tag plus a `Predictor<f64, GRPO_PREDICTOR_WINDOW>`, i.e. 24 bytes per window point and at
// most 2 KiB of fixed state.
const _: () =
    assert!(core::mem::size_of::<CPredictor>() <= 8 + GRPO_PREDICTOR_WINDOW * 3 * 8 + 2048);
