//! C ABI of the fitting module: `grpo_fit_options_default`, `grpo_fit`.

use super::{disjoint, guard, input, input_one, out_ref, output_one};
use crate::error::{Error, ErrorKind, Param, Result};
use crate::fit::{fit_auto, fit_curve, Curve, Fit, Loss, Options, ParamSet, Start, MAX_PARAMS};
use crate::predict::ModelCode;

/// Model code (the one numbering of `grpo_fit_options.model`, `grpo_fit_result.model` and
/// `grpo_prediction.model_code`; docs/c.md "Model codes"): single-exponential saturation
/// (plateau, r0, tau).
pub const GRPO_MODEL_SATURATION: u32 = 0;
/// Model code: critically damped slow start (r_star, r0, omega).
pub const GRPO_MODEL_CRITICAL: u32 = 1;
/// Model code: slow-start oscillator (r_star, r0, omega, zeta), v0 = 0.
pub const GRPO_MODEL_SLOW_START: u32 = 2;
/// Model code: full oscillator (r_star, r0, v0, omega, zeta).
pub const GRPO_MODEL_FULL: u32 = 3;
/// Model code: overdamped oscillator (r_star, r0, tau, t_m).
pub const GRPO_MODEL_OVERDAMPED: u32 = 4;
/// Model code, fit request only: every parameter set, lowest AICc (never a fitted model).
pub const GRPO_MODEL_AUTO: u32 = 5;
/// Model code: a constant level (the predictor's one-parameter candidate; not a `grpo_fit` set).
pub const GRPO_MODEL_CONSTANT: u32 = 6;

/// Fit options. `model` (a `GRPO_MODEL_*` code): 0 saturation (plateau, r0, tau), 1 critical
/// (r_star, r0, omega), 2 slow-start (r_star, r0, omega, zeta), 3 full (r_star, r0, v0, omega,
/// zeta), 4 overdamped (r_star, r0, tau, t_m), 5 auto (every set, lowest AICc); 6 (constant) and
/// above give `GRPO_ERR_UNKNOWN_CODE`. `loss`: 0 least squares, 1 huber,
/// 2 cauchy, with scale `loss_scale > 0` (residual units). `max_evaluations`: model passes per
/// start, 0 = 100 (P + 1). Tolerances as MINPACK (`ftol = xtol = 1.49012e-8`, `gtol = 0`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct grpo_fit_options {
    /// Parameter set code, `GRPO_MODEL_SATURATION` ..= `GRPO_MODEL_AUTO` (0..=5, 5 = auto).
    pub model: u32,
    /// Loss code (0 least squares, 1 huber, 2 cauchy).
    pub loss: u32,
    /// Robust-loss scale (used when `loss != 0`).
    pub loss_scale: f64,
    /// Evaluation budget per start (0 = 100 (P + 1)).
    pub max_evaluations: u32,
    /// Relative objective-reduction tolerance.
    pub ftol: f64,
    /// Relative step tolerance.
    pub xtol: f64,
    /// Gradient (cosine) tolerance.
    pub gtol: f64,
}

/// Result of `grpo_fit`. `termination`: 1 ftol, 2 xtol, 3 gtol (converged), 4 evaluation budget,
/// 5 non-finite model, 6 singular. `params` / `stderr` in the documented order of `model`
/// (unused slots 0); `cost = 0.5 sum w r^2` with plain residuals; `aicc` with k = P + 1;
/// `iterations` / `evaluations` summed over the starts (and over the sets for auto).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct grpo_fit_result {
    /// The parameter set that was fitted (the chosen one for auto), a `GRPO_MODEL_*` code in
    /// 0..=4.
    pub model: u32,
    /// Termination reason code.
    pub termination: i32,
    /// Number of used parameters.
    pub n_params: u32,
    /// Parameters.
    pub params: [f64; 8],
    /// Standard errors (`inf` when a parameter is not identified). Where the libc defines a
    /// `stderr` macro (musl, Apple) read them with `grpo_fit_result_stderr(&result)`.
    pub stderr: [f64; 8],
    /// Plateau (parameter 0 of every set).
    pub plateau: f64,
    /// Standard error of the plateau.
    pub plateau_stderr: f64,
    /// `0.5 sum w r^2`.
    pub cost: f64,
    /// Weighted R^2.
    pub r2: f64,
    /// AICc.
    pub aicc: f64,
    /// LM iterations.
    pub iterations: u32,
    /// Model passes.
    pub evaluations: u32,
}

fn defaults() -> grpo_fit_options {
    let o = Options::<f64>::default();
    grpo_fit_options {
        model: GRPO_MODEL_AUTO,
        loss: 0,
        loss_scale: 1.0,
        max_evaluations: 0,
        ftol: o.ftol,
        xtol: o.xtol,
        gtol: o.gtol,
    }
}

/// Fill `o` with the defaults: auto model, least squares, `loss_scale = 1`, budget 0 (= 100 (P+1)),
/// `ftol = xtol = 1.49012e-8`, `gtol = 0`. NULL-safe (does nothing). Cost: O(1).
///
/// # Safety
/// `o` must be NULL or point to writable memory for one `grpo_fit_options`.
#[no_mangle]
pub unsafe extern "C" fn grpo_fit_options_default(o: *mut grpo_fit_options) {
    let _ = guard(|| {
        // SAFETY: `o` is NULL or writable (caller contract); the only pointer of the call
        if let Ok(o) = unsafe { out_ref(o, Param::Options) } {
            *o = defaults();
        }
        Ok(())
    });
}

fn to_options(o: &grpo_fit_options) -> Result<(Option<ParamSet>, Options<f64>)> {
    // Auto and Constant have no parameter set: Constant is not a grpo_fit model
    let code = ModelCode::try_from(o.model)?;
    let set = match (code, code.param_set()) {
        (ModelCode::Auto, _) => None,
        (_, Some(set)) => Some(set),
        (_, None) => return Err(Error::new(ErrorKind::UnknownCode, Param::Model)),
    };
    let loss = match o.loss {
        0 => Loss::LeastSquares,
        1 => Loss::Huber(o.loss_scale),
        2 => Loss::Cauchy(o.loss_scale),
        _ => return Err(Error::new(ErrorKind::UnknownCode, Param::Loss)),
    };
    let opts = Options {
        loss,
        ftol: o.ftol,
        xtol: o.xtol,
        gtol: o.gtol,
        max_evaluations: o.max_evaluations,
        // not in the C struct (its layout is a contract): the default, no step bound
        ..Options::default()
    };
    Ok((set, opts))
}

fn to_result(f: &Fit<f64>) -> grpo_fit_result {
    let mut params = [0.0; 8];
    let mut stderr = [0.0; 8];
    let n = f.n_params.min(MAX_PARAMS);
    params[..n].copy_from_slice(&f.params[..n]);
    stderr[..n].copy_from_slice(&f.stderr[..n]);
    grpo_fit_result {
        model: ModelCode::from(f.set) as u32,
        termination: f.termination.code(),
        n_params: n as u32,
        params,
        stderr,
        plateau: f.plateau,
        plateau_stderr: f.plateau_stderr,
        cost: f.cost,
        r2: f.r2,
        aicc: f.aicc,
        iterations: f.iterations,
        evaluations: f.evaluations,
    }
}

/// Fit a reward curve `(t[i], y[i])`, `i < n`, with optional weights (`w_or_null`, NULL = all 1).
/// Start values come from the data (with the under/critical/over multi-start for the oscillator
/// sets); default bounds keep `tau, t_m, omega > 0` and `0 <= zeta <= 100`. `o` NULL uses the
/// defaults. Writes `out` only on success. Returns `GRPO_OK` or a status (bad data, unknown model
/// or loss code, ...). A fit that stops on its budget or on a non-finite model is still a success
/// status: read `out->termination`.
/// Cost: `O(max_evaluations x n)` model passes per start, at most 3 starts per parameter set and 5
/// sets for auto: bounded by the evaluation budget (default `100 (P + 1)` per start), linear in
/// `n`.
///
/// # Safety
/// `t`, `y` (and `w_or_null` if not NULL) must point to `n` doubles; `o` must be NULL or valid;
/// `out` must point to writable memory for one `grpo_fit_result`.
#[no_mangle]
pub unsafe extern "C" fn grpo_fit(
    t: *const f64,
    y: *const f64,
    w_or_null: *const f64,
    n: usize,
    o: *const grpo_fit_options,
    out: *mut grpo_fit_result,
) -> i32 {
    guard(|| {
        let t = input(t, n, Param::T)?;
        let y = input(y, n, Param::Y)?;
        let w = if w_or_null.is_null() {
            None
        } else {
            Some(input(w_or_null, n, Param::Weights)?)
        };
        let o_buf = if o.is_null() {
            None
        } else {
            Some(input_one(o, Param::Options)?)
        };
        let out = output_one(out, Param::Output)?;
        let mut spans = [t.span(), y.span(), out.span(), out.span(), out.span()];
        let mut k = 2;
        for sp in [w.map(|b| b.span()), o_buf.map(|b| b.span())]
            .into_iter()
            .flatten()
        {
            spans[k] = sp;
            k += 1;
        }
        spans[k] = out.span();
        disjoint(spans.get(..=k).unwrap_or(&[]))?;
        // SAFETY: `o` is a valid struct (caller contract), copied at once
        let o = o_buf.map_or_else(defaults, |b| unsafe { *b.one() });
        // SAFETY: the series hold n doubles (caller contract); none overlaps the output
        let (t, y, w) = unsafe { (t.get(), y.get(), w.map(|b| b.get())) };
        let (set, opts) = to_options(&o)?;
        let f = match set {
            None => fit_auto(t, y, w, &opts)?,
            Some(set) => {
                let cv = Curve::new(t, y, w)?;
                let b = set.curve_bounds(&cv);
                fit_curve(set, &cv, Start::Data, (&b.0, &b.1), &opts)?
            }
        };
        // SAFETY: `out` is writable (caller contract) and overlaps no input
        unsafe { *out.one_mut() = to_result(&f) };
        Ok(())
    })
}

// Compile-time layout bounds of the C structs (issue 7): the result has 3 + 2 32-bit fields,
// 2 x 8 + 5 doubles and at most 4 bytes of padding after `n_params`; the options 3 32-bit fields,
// 4 doubles and at most 4 bytes of padding.
const _: () = assert!(
    core::mem::size_of::<grpo_fit_result>() <= 5 * 4 + (2 * 8 + 5) * 8 + 4
        && core::mem::size_of::<grpo_fit_options>() <= 3 * 4 + 4 * 8 + 4
);
