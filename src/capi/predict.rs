//! C ABI of the online predictor: the predictor lives in caller memory.
//!
//! ```c
//! void *mem = aligned_alloc(grpo_predictor_align(), grpo_predictor_size());
//! grpo_predictor_init(mem, grpo_predictor_size(), 0.0, 1.0);
//! grpo_predictor_push(mem, step, reward);            /* every logged step */
//! grpo_prediction p; grpo_predictor_predict(mem, 1000.0, &p);
//! ```

use super::{disjoint, guard, in_ref, output, output_one};
use crate::error::{Error, ErrorKind, Param, Result};
use crate::predict::{Config, ModelCode, Predictor, PredictorImage};
use core::ptr::addr_of_mut;

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
    /// Minimum gain as a share of the observed p90 - p10 spread (>= 0; default 0.075).
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

/// The default predictor settings (unbounded rewards). Cost: O(1).
#[no_mangle]
pub extern "C" fn grpo_predictor_config_default() -> grpo_predictor_config {
    grpo_predictor_config::from(&Config::new(f64::NEG_INFINITY, f64::INFINITY))
}

/// Tag written by `grpo_predictor_init` at offset 0 ("GRPOPRED").
const MAGIC: u64 = 0x4752_504F_5052_4544;

/// The caller's memory: the tag, then the predictor as plain data (every field a `u64` or `f64`:
/// any bit pattern is a valid value, every byte is written by init, and every discriminant,
/// flag and length is converted back with a check on each call).
#[repr(C)]
struct CPredictor {
    magic: u64,
    image: PredictorImage<GRPO_PREDICTOR_WINDOW>,
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
    /// Legacy model code (kept for old clients; new code reads `model_code`): the model with the
    /// lowest AICc as 1 constant level, 2 single-exponential saturation, 3 critically damped slow
    /// start, 4 slow-start oscillator (r*, r0, omega, zeta).
    pub model: u32,
    /// Regime: 1 flat, 2 saturating (damped), 3 oscillating (zeta < 1), 4 collapsing.
    pub regime: u32,
    /// Early-stop advice: 1 continue, 2 stop (plateau reached), 3 stop (collapsing or unstable).
    pub advice: u32,
    /// The model with the lowest AICc in the one numbering (`GRPO_MODEL_*`, as `grpo_fit`):
    /// `GRPO_MODEL_CONSTANT` (6), `GRPO_MODEL_SATURATION` (0), `GRPO_MODEL_CRITICAL` (1) or
    /// `GRPO_MODEL_SLOW_START` (2). Added in the 4 bytes that were padding after `advice`:
    /// size and every other offset unchanged.
    pub model_code: u32,
    /// R^2 of the best model on the window.
    pub r2: f64,
}

/// Bytes of caller memory one predictor needs. Cost: O(1).
#[no_mangle]
pub extern "C" fn grpo_predictor_size() -> usize {
    core::mem::size_of::<CPredictor>()
}

/// Alignment (bytes) the predictor memory needs. Cost: O(1).
#[no_mangle]
pub extern "C" fn grpo_predictor_align() -> usize {
    core::mem::align_of::<CPredictor>()
}

fn bad_mem() -> Error {
    Error::new(ErrorKind::BadBuffer, Param::Memory)
}

/// Check `mem` (NULL, alignment, tag) and return a pointer to the predictor's bytes.
///
/// # Safety
/// `mem` must be NULL or point to at least `grpo_predictor_size()` bytes the caller owns.
unsafe fn tagged(mem: *mut core::ffi::c_void) -> Result<*mut CPredictor> {
    if mem.is_null() {
        return Err(Error::new(ErrorKind::NullPointer, Param::Memory));
    }
    if !(mem as usize).is_multiple_of(core::mem::align_of::<CPredictor>()) {
        return Err(bad_mem());
    }
    // the tag sits at offset 0 (repr(C)); memory never initialised fails this check
    // SAFETY: non-NULL, aligned (checked) and at least 8 bytes (caller contract)
    let tag = unsafe { core::ptr::read_volatile(mem as *const u64) };
    if tag != MAGIC {
        return Err(bad_mem());
    }
    Ok(mem as *mut CPredictor)
}

/// Run `op` on the predictor stored at `mem`: the stored state is validated and copied out
/// (`GRPO_ERR_CORRUPTED` if any field is one the library cannot have written), `op` runs on the
/// copy, and the state is written back only when `op` succeeds.
///
/// # Safety
/// `mem` must be NULL or point to at least `grpo_predictor_size()` bytes the caller owns, not
/// accessed otherwise during the call.
unsafe fn with_predictor<R>(
    mem: *mut core::ffi::c_void,
    op: impl FnOnce(&mut Predictor<f64, GRPO_PREDICTOR_WINDOW>) -> Result<R>,
) -> Result<R> {
    // SAFETY: forwarded contract
    let c = unsafe { tagged(mem)? };
    // SAFETY: `c` is aligned and points to `size_of::<CPredictor>()` caller bytes; every field
    // is a u64 or f64, so any initialised bytes are a valid value; the copy ends the borrow
    let image = unsafe { core::ptr::addr_of!((*c).image).read() };
    let mut p = image.restore()?;
    let r = op(&mut p)?;
    let new = PredictorImage::capture(&p);
    // SAFETY: as above, for writing (the caller owns the bytes and does not access them during
    // the call)
    unsafe { core::ptr::addr_of_mut!((*c).image).write(new) };
    Ok(r)
}

/// Initialise a predictor in caller memory `mem` of `mem_len` bytes (at least
/// `grpo_predictor_size()`, aligned to `grpo_predictor_align()`, else `GRPO_ERR_BAD_BUFFER`).
/// Rewards are bounded by `[reward_min, reward_max]`; either may be -INFINITY / +INFINITY.
/// On success every byte of the first `grpo_predictor_size()` bytes is written (no padding, unused
/// window slots zero: nothing of the caller's old memory or of the library's stack remains); on
/// error the memory is left untouched. Cost: O(`GRPO_PREDICTOR_WINDOW`).
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
    // SAFETY: `mem` is forwarded under this function's own contract.
    guard(|| unsafe { init_with(mem, mem_len, Config::new(reward_min, reward_max)) })
}

/// Check `mem`, build the predictor from `cfg` and write its image (memory untouched on error).
///
/// # Safety
/// `mem` NULL or, when aligned and `mem_len` is large enough, writable for
/// `size_of::<CPredictor>()` bytes (caller contract).
unsafe fn init_with(mem: *mut core::ffi::c_void, mem_len: usize, cfg: Config<f64>) -> Result<()> {
    if mem.is_null() {
        return Err(Error::new(ErrorKind::NullPointer, Param::Memory));
    }
    if !(mem as usize).is_multiple_of(core::mem::align_of::<CPredictor>())
        || mem_len < core::mem::size_of::<CPredictor>()
    {
        return Err(bad_mem());
    }
    let image = PredictorImage::capture(&Predictor::with_config(cfg)?);
    // SAFETY: `mem` is non-NULL, aligned and at least `size_of::<CPredictor>()` writable
    // bytes (checked above, caller contract). `CPredictor` has no padding (u64 / f64 fields
    // only, checked at compile time), so this writes every byte.
    unsafe {
        core::ptr::write(
            mem as *mut CPredictor,
            CPredictor {
                magic: MAGIC,
                image,
            },
        )
    };
    Ok(())
}

/// Initialise a predictor like `grpo_predictor_init`, with the settings `cfg` (see
/// `grpo_predictor_config`; a bad setting gives `GRPO_ERR_OUT_OF_RANGE` / `GRPO_ERR_NON_FINITE`
/// and leaves the memory untouched). Cost: O(`GRPO_PREDICTOR_WINDOW`).
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
        // SAFETY: `cfg` is NULL or valid (caller contract); copied before `mem` is written
        let c = *unsafe { in_ref(cfg, Param::Options) }?;
        let mut k = Config::new(c.reward_min, c.reward_max);
        k.min_gain = c.min_gain;
        k.min_gain_share = c.min_gain_share;
        k.confidence = c.confidence;
        k.min_stop_points = c.min_points;
        k.power_weight = c.power_weight;
        k.interval_k = c.interval_k;
        k.confirmations = c.confirmations;
        // SAFETY: `mem` is forwarded under this function's own contract.
        unsafe { init_with(mem, mem_len, k) }
    })
}

/// Feed one point. NaN/infinite values (`GRPO_ERR_NON_FINITE`), steps not above the last one
/// (`GRPO_ERR_NOT_INCREASING`) and rewards outside `[reward_min, reward_max]`
/// (`GRPO_ERR_OUT_OF_RANGE`, param `reward`) are rejected and never enter the window. Memory not
/// initialised by `grpo_predictor_init` gives `GRPO_ERR_BAD_BUFFER`; memory whose state fails the
/// consistency checks (window length against capacity, every flag and model code, step order,
/// point values) gives `GRPO_ERR_CORRUPTED`. Nothing is written on error.
/// Cost: O(`GRPO_PREDICTOR_WINDOW`) (state validation, a compaction when the window is full), plus
/// a refit when `refit_every` is due (never with the defaults).
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
    // SAFETY: `pred` is NULL or caller memory of `grpo_predictor_size()` bytes (caller contract)
    guard(|| unsafe { with_predictor(pred, |p| p.push(step, reward)) })
}

/// Refit if needed and predict for `horizon_step` (any finite step at or after the first point).
/// `GRPO_ERR_NOT_READY` before 6 points; `GRPO_ERR_CORRUPTED` as for `grpo_predictor_push`;
/// `GRPO_ERR_BAD_BUFFER` (param `out`) when `out` overlaps the predictor's memory;
/// `GRPO_ERR_DIVERGED` (param `horizon`) rather than a non-finite answer. `out` (and the refit
/// state) are written only on success.
/// Cost: a refit of the candidate models when points arrived since the last one: a bounded number
/// of Levenberg-Marquardt iterations per candidate over at most `GRPO_PREDICTOR_WINDOW` points.
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
        // SAFETY: `pred` is NULL or caller memory of `grpo_predictor_size()` bytes (caller
        // contract)
        unsafe { tagged(pred)? };
        let out = output_one(out, Param::Output)?;
        // `out` must not overlap the predictor's bytes (checked non-NULL and aligned above)
        let mem = output(pred as *mut u8, grpo_predictor_size(), Param::Memory)?;
        disjoint(&[mem.span(), out.span()])?;
        // SAFETY: as above; `out` is outside the predictor's memory
        let answer = unsafe {
            with_predictor(pred, |p| {
                let r = p.predict(horizon_step)?;
                let answer = grpo_prediction {
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
                    model_code: ModelCode::try_from(r.model)? as u32,
                    r2: r.r2,
                };
                let fields = [
                    answer.plateau,
                    answer.plateau_lo80,
                    answer.plateau_hi80,
                    answer.plateau_lo95,
                    answer.plateau_hi95,
                    answer.horizon,
                    answer.reward_at_horizon,
                    answer.horizon_lo80,
                    answer.horizon_hi80,
                ];
                // never OK with a non-finite answer (r2 may be NaN: a window without variance)
                if !fields.iter().all(|x| x.is_finite()) {
                    return Err(Error::new(ErrorKind::Diverged, Param::Horizon));
                }
                Ok(answer)
            })?
        };
        // field by field (the struct has no padding left since `model_code` took the 4 bytes
        // after `advice`; kept field-wise so a future padding never carries stack bytes)
        let o = out.one_mut_ptr();
        // SAFETY: `out` is non-NULL, aligned and writable (caller contract) and outside the
        // predictor's memory; each write stays inside one field of `*o`
        unsafe {
            addr_of_mut!((*o).plateau).write(answer.plateau);
            addr_of_mut!((*o).plateau_lo80).write(answer.plateau_lo80);
            addr_of_mut!((*o).plateau_hi80).write(answer.plateau_hi80);
            addr_of_mut!((*o).plateau_lo95).write(answer.plateau_lo95);
            addr_of_mut!((*o).plateau_hi95).write(answer.plateau_hi95);
            addr_of_mut!((*o).horizon).write(answer.horizon);
            addr_of_mut!((*o).reward_at_horizon).write(answer.reward_at_horizon);
            addr_of_mut!((*o).horizon_lo80).write(answer.horizon_lo80);
            addr_of_mut!((*o).horizon_hi80).write(answer.horizon_hi80);
            addr_of_mut!((*o).model).write(answer.model);
            addr_of_mut!((*o).regime).write(answer.regime);
            addr_of_mut!((*o).advice).write(answer.advice);
            addr_of_mut!((*o).model_code).write(answer.model_code);
            addr_of_mut!((*o).r2).write(answer.r2);
        }
        Ok(())
    })
}

// The frozen layout of `grpo_prediction` (a contract: `model_code` fills what was padding).
const _: () = assert!(
    core::mem::size_of::<grpo_prediction>() == 96
        && core::mem::offset_of!(grpo_prediction, model) == 72
        && core::mem::offset_of!(grpo_prediction, regime) == 76
        && core::mem::offset_of!(grpo_prediction, advice) == 80
        && core::mem::offset_of!(grpo_prediction, model_code) == 84
        && core::mem::offset_of!(grpo_prediction, r2) == 88
);

// Compile-time bound of the caller-allocated predictor storage (`grpo_predictor_size()`, issue 7):
// the tag plus the plain-data image of a `Predictor<f64, GRPO_PREDICTOR_WINDOW>`, i.e. 24 bytes
// per window point and at most 2 KiB of fixed state.
const _: () =
    assert!(core::mem::size_of::<CPredictor>() <= 8 + GRPO_PREDICTOR_WINDOW * 3 * 8 + 2048);
