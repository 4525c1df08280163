//! C ABI of the failure-mode diagnostics (spec E): `grpo_diagnose` over plain structs.

use super::bandit::to_lag;
use super::{disjoint, guard, input_one, out_ref, output_one, Buf};
use crate::diagnostics::{
    ConcentrationOptions, DegeneracyOptions, DiagnoseInput, DiagnoseOptions, HackingOptions,
    Optimizer,
};
use crate::error::{Param, Result};
use crate::predict::fit_and_diagnose;
use crate::stability::Hyper;

/// Inputs of `grpo_diagnose`. Every series has `n` entries (one per checkpoint); optional series
/// are NULL when absent.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug)]
pub struct grpo_diagnose_input {
    /// Number of checkpoints (at least 6).
    pub n: usize,
    /// Training steps, strictly increasing; NULL = 0, 1, 2, ...
    pub steps: *const f64,
    /// Mean training reward per checkpoint (required).
    pub reward: *const f64,
    /// Eval reward at the same checkpoints (NULL: no reward-hacking diagnostic).
    pub eval_reward: *const f64,
    /// Mean token entropy (NULL: no policy-concentration diagnostic).
    pub entropy: *const f64,
    /// Fraction of zero-variance groups, e.g. TRL `frac_reward_zero_std` (NULL: no degeneracy
    /// diagnostic).
    pub zero_std_frac: *const f64,
    /// Group size G (TRL `num_generations`); 0 = unknown (no degeneracy diagnostic).
    pub group_size: u32,
    /// 1 when `eta`, `mu`, `k_hat`, `kref`, `lag` are given (enables the Prop-9 margin and the
    /// exact criterion), else 0.
    pub has_hyper: u32,
    /// Refresh mode: 0 constant lag (spec C.1), 1 periodic refresh every `kref` steps (TRL:
    /// `kref = steps_per_generation * num_iterations`).
    pub lag: u32,
    /// Lowest possible train reward (usually 0; -INFINITY disables the degeneracy diagnostic).
    pub r_min: f64,
    /// Attainable maximum of the train reward (usually 1).
    pub r_max: f64,
    /// Attainable maximum of the eval reward (usually 1).
    pub r_max_eval: f64,
    /// Learning rate eta (> 0).
    pub eta: f64,
    /// Momentum mu in [0, 1) (Adam beta1 for Adam runs).
    pub mu: f64,
    /// Stiffness estimate K_hat (> 0).
    pub k_hat: f64,
    /// Refresh interval Kref (>= 0; periodic: an integer >= 1).
    pub kref: f64,
    /// Expected plateau for the premature-concentration test (e.g. the KL fixed point); NaN = the
    /// plateau fitted to the reward curve.
    pub expected_plateau: f64,
}

/// Thresholds of `grpo_diagnose` (fill with `grpo_diagnose_options_default`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct grpo_diagnose_options {
    /// Plateau ratio Phi below this: reward hacking (default 0.25).
    pub phi_hacking: f64,
    /// Phi below this: suspect (default 0.5).
    pub phi_suspect: f64,
    /// A falling eval counts as hacking only while the late train gain exceeds this (0.02).
    pub min_late_train_gain: f64,
    /// Fraction of checkpoints averaged for the plateaus (0.2).
    pub plateau_fraction: f64,
    /// Fraction of checkpoints of the late window (late slope; degeneracy average) (0.2).
    pub late_fraction: f64,
    /// Observed degenerate fraction above this: warning (0.5).
    pub degeneracy_warn: f64,
    /// Observed degenerate fraction above this: critical (0.8).
    pub degeneracy_critical: f64,
    /// Observed minus predicted degenerate fraction above this: heterogeneous prompts (0.1).
    pub heterogeneity: f64,
    /// Entropy ratio below this: collapse (0.2).
    pub collapse_ratio: f64,
    /// Collapse is premature while the gap to the plateau exceeds this fraction of the headroom
    /// (0.1).
    pub premature_gap: f64,
    /// Fraction of points averaged for H(0), H(t), R0, R(t) (0.1; 0 = single points).
    pub smoothing_fraction: f64,
}

/// Result of `grpo_diagnose`. Codes: severity 0 ok, 1 warning, 2 critical. Fields of a diagnostic
/// whose inputs were absent are NaN / 0 with `*_available = 0`.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct grpo_diagnosis {
    /// Worst mode: 0 healthy, 1 reward hacking, 2 advantage degeneracy, 3 policy concentration,
    /// 4 dynamical instability.
    pub headline: u32,
    /// Severity of the headline.
    pub severity: u32,
    /// 1 when the reward-hacking diagnostic ran.
    pub hacking_available: u32,
    /// 0 healthy, 1 suspect, 2 hacking.
    pub hacking_verdict: u32,
    /// Doubly-normalised plateau ratio Phi = g_ev(inf) / g_tr(inf).
    pub phi: f64,
    /// Train gain fraction g_tr(inf).
    pub train_gain: f64,
    /// Eval gain fraction g_ev(inf).
    pub eval_gain: f64,
    /// Late slope of g_ev against g_tr.
    pub late_slope: f64,
    /// Train gain over the late window.
    pub late_train_gain: f64,
    /// 1 when the degeneracy diagnostic ran.
    pub degeneracy_available: u32,
    /// Degeneracy severity.
    pub degeneracy_severity: u32,
    /// Observed degenerate fraction D_obs (late-window mean).
    pub degenerate_observed: f64,
    /// Predicted homogeneous fraction p_bar^G + (1 - p_bar)^G.
    pub degenerate_predicted: f64,
    /// 1 when D_obs - D(p_bar, G) exceeds the heterogeneity threshold.
    pub heterogeneous: u32,
    /// 1 when the policy-concentration diagnostic ran.
    pub concentration_available: u32,
    /// 0 healthy, 1 collapsed (at the plateau), 2 premature collapse.
    pub concentration_verdict: u32,
    /// Entropy ratio H(t) / H(0).
    pub entropy_ratio: f64,
    /// (r_star - R(t)) / (R_max - R0).
    pub gap_fraction: f64,
    /// 0 stable, 1 overshooting, 2 at risk (beyond Prop 9, exactly stable), 3 unstable.
    pub instability_verdict: u32,
    /// Exact criterion (constant lag: Kref >= d_c; periodic: spectral radius >= 1): 0 no, 1 yes,
    /// 2 unknown (no hyperparameters).
    pub exactly_unstable: u32,
    /// Prop-9 margin M = 1 - eta K Kref / (1 - mu) (NaN without hyperparameters).
    pub margin: f64,
    /// Prop-9 threshold (1 - mu) / (eta K) (NaN without hyperparameters).
    pub prop9_threshold: f64,
    /// Exact critical lag d_c (constant lag; NaN for periodic refresh or without
    /// hyperparameters).
    pub critical_lag: f64,
    /// Fitted damping ratio of the reward curve (NaN when the fit does not support one).
    pub zeta_hat: f64,
    /// Trajectory class of the reward curve: 0 monotone, 1 overshooting, 2 oscillatory,
    /// 3 unknown.
    pub curve_class: u32,
    /// Padding (always 0).
    pub reserved: u32,
    /// Fitted plateau of the reward curve.
    pub plateau: f64,
}

fn options_from_c(o: &grpo_diagnose_options) -> DiagnoseOptions<f64> {
    DiagnoseOptions {
        hacking: HackingOptions {
            phi_hacking: o.phi_hacking,
            phi_suspect: o.phi_suspect,
            min_late_train_gain: o.min_late_train_gain,
            plateau_fraction: o.plateau_fraction,
            late_fraction: o.late_fraction,
        },
        degeneracy: DegeneracyOptions {
            warn: o.degeneracy_warn,
            critical: o.degeneracy_critical,
            heterogeneity: o.heterogeneity,
        },
        concentration: ConcentrationOptions {
            collapse_ratio: o.collapse_ratio,
            premature_gap: o.premature_gap,
            smoothing_fraction: o.smoothing_fraction,
        },
    }
}

/// Write the default thresholds (spec E) into `out`. Cost: O(1).
///
/// # Safety
/// `out` must be NULL or point to a writable `grpo_diagnose_options`.
#[no_mangle]
pub unsafe extern "C" fn grpo_diagnose_options_default(out: *mut grpo_diagnose_options) -> i32 {
    guard(|| {
        // SAFETY: `out` is NULL or writable (caller contract); the only pointer of the call
        let out = unsafe { out_ref(out, Param::Output)? };
        let d = DiagnoseOptions::<f64>::default();
        *out = grpo_diagnose_options {
            phi_hacking: d.hacking.phi_hacking,
            phi_suspect: d.hacking.phi_suspect,
            min_late_train_gain: d.hacking.min_late_train_gain,
            plateau_fraction: d.hacking.plateau_fraction,
            late_fraction: d.hacking.late_fraction,
            degeneracy_warn: d.degeneracy.warn,
            degeneracy_critical: d.degeneracy.critical,
            heterogeneity: d.degeneracy.heterogeneity,
            collapse_ratio: d.concentration.collapse_ratio,
            premature_gap: d.concentration.premature_gap,
            smoothing_fraction: d.concentration.smoothing_fraction,
        };
        Ok(())
    })
}

/// An optional series: NULL = absent.
fn opt_series(ptr: *const f64, n: usize, p: Param) -> Result<Option<Buf<f64>>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        super::input(ptr, n, p).map(Some)
    }
}

/// Borrow an optional series.
///
/// # Safety
/// As [`Buf::get`].
unsafe fn opt_get<'a>(b: Option<Buf<f64>>) -> Option<&'a [f64]> {
    // SAFETY: forwarded to the caller
    b.map(|b| unsafe { b.get() })
}

/// Run every diagnostic the inputs allow (spec E) and pick the headline. `options` NULL = the
/// defaults. `out` is written only on success.
/// Cost: `O(n)` for the series statistics plus the fits of the reward curve (a predictor with a
/// 256-point window fed the `n` points: `O(n)` pushes and one refit of bounded iteration count),
/// and for the instability verdict the stability predicates (at most one exact spectrum of lag
/// `<= 1024`); independent of `group_size`.
///
/// # Safety
/// `input` must point to a valid `grpo_diagnose_input` whose non-NULL series hold `n` doubles;
/// `options` NULL or valid; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_diagnose(
    input: *const grpo_diagnose_input,
    options: *const grpo_diagnose_options,
    out: *mut grpo_diagnosis,
) -> i32 {
    guard(|| {
        let inp_buf = input_one(input, Param::Options)?;
        // SAFETY: `input` is a valid struct (caller contract); copied at once
        let inp = unsafe { *inp_buf.one() };
        let opt_buf = if options.is_null() {
            None
        } else {
            Some(input_one(options, Param::Options)?)
        };
        let out_buf = output_one(out, Param::Output)?;
        let n = inp.n;
        let reward = super::input(inp.reward, n, Param::Reward)?;
        let steps = opt_series(inp.steps, n, Param::Step)?;
        let eval_reward = opt_series(inp.eval_reward, n, Param::EvalReward)?;
        let entropy = opt_series(inp.entropy, n, Param::Entropy)?;
        let zero_std = opt_series(inp.zero_std_frac, n, Param::ZeroStdFrac)?;
        let mut spans = [inp_buf.span(); 8];
        let others = [steps, eval_reward, entropy, zero_std]
            .into_iter()
            .flatten()
            .map(|b| b.span())
            .chain(opt_buf.map(|b| b.span()))
            .chain([reward.span(), out_buf.span()]);
        let mut k = 1;
        for (slot, sp) in spans.iter_mut().skip(1).zip(others) {
            *slot = sp;
            k += 1;
        }
        // the output last: an overlap with it is reported as about `out`
        disjoint(spans.get(..k).unwrap_or(&[]))?;
        let opts = match opt_buf {
            None => DiagnoseOptions::default(),
            // SAFETY: `options` is a valid struct (caller contract), not the output (disjoint)
            Some(b) => options_from_c(unsafe { b.one() }),
        };
        let optimizer = if inp.has_hyper != 0 {
            let lag = to_lag(inp.lag)?;
            Some(Optimizer {
                hyper: Hyper::new(inp.eta, inp.mu, inp.k_hat)?,
                kref: inp.kref,
                lag,
            })
        } else {
            None
        };
        // SAFETY: every series holds n doubles (caller contract) and none overlaps the output
        let di = unsafe {
            DiagnoseInput {
                steps: opt_get(steps),
                reward: reward.get(),
                eval_reward: opt_get(eval_reward),
                entropy: opt_get(entropy),
                zero_std_frac: opt_get(zero_std),
                group_size: (inp.group_size != 0).then_some(inp.group_size),
                r_min: inp.r_min,
                r_max: inp.r_max,
                r_max_eval: inp.r_max_eval,
                optimizer,
                expected_plateau: (!inp.expected_plateau.is_nan()).then_some(inp.expected_plateau),
            }
        };
        let d = fit_and_diagnose(&di, &opts)?;
        let mut o = grpo_diagnosis {
            headline: d.headline as u32,
            severity: d.severity as u32,
            phi: f64::NAN,
            train_gain: f64::NAN,
            eval_gain: f64::NAN,
            late_slope: f64::NAN,
            late_train_gain: f64::NAN,
            degenerate_observed: f64::NAN,
            degenerate_predicted: f64::NAN,
            entropy_ratio: f64::NAN,
            gap_fraction: f64::NAN,
            instability_verdict: d.instability.verdict as u32,
            exactly_unstable: d.instability.evidence.exactly_unstable.map_or(2, u32::from),
            margin: d.instability.evidence.margin.unwrap_or(f64::NAN),
            prop9_threshold: d.instability.prop9_threshold,
            critical_lag: d.instability.critical_lag,
            zeta_hat: d.instability.evidence.zeta_hat.unwrap_or(f64::NAN),
            curve_class: d.instability.evidence.class.map_or(3, |c| c as u32),
            plateau: d.plateau,
            ..Default::default()
        };
        if let Some(h) = d.hacking {
            o.hacking_available = 1;
            o.hacking_verdict = h.verdict as u32;
            o.phi = h.phi;
            o.train_gain = h.train_gain;
            o.eval_gain = h.eval_gain;
            o.late_slope = h.late_slope;
            o.late_train_gain = h.late_train_gain;
        }
        if let Some(g) = d.degeneracy {
            o.degeneracy_available = 1;
            o.degeneracy_severity = g.severity as u32;
            o.degenerate_observed = g.observed;
            o.degenerate_predicted = g.predicted;
            o.heterogeneous = g.heterogeneous as u32;
        }
        if let Some(c) = d.concentration {
            o.concentration_available = 1;
            o.concentration_verdict = c.verdict as u32;
            o.entropy_ratio = c.entropy_ratio;
            o.gap_fraction = c.gap_fraction;
        }
        // SAFETY: `out` is writable (caller contract) and overlaps no input
        unsafe { *out_buf.one_mut() = o };
        Ok(())
    })
}
