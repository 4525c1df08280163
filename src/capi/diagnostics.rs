//! C ABI of the failure-mode diagnostics (docs/model.md E): `grpo_diagnose` over plain structs;
//! `grpo_diagnose_evidence` adds the level-drop test's settings and evidence, the skip reasons and
//! the thresholds applied, `grpo_diagnose_concentration` the E3 evidence (issue 19; new functions
//! and structs, the older structs are unchanged).

use super::bandit::to_lag;
use super::{disjoint, guard, in_ref, input_one, out_ref, output_one, Buf, Span};
use crate::diagnostics::{
    ConcentrationOptions, DegeneracyOptions, DiagnoseInput, DiagnoseOptions, Diagnosis,
    DropOptions, HackingOptions, Optimizer,
};
use crate::error::{Error, ErrorKind, Param, Result};
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
    /// Refresh mode: 0 constant lag (docs/model.md C.1), 1 periodic refresh every `kref` steps (TRL:
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
        drop: DropOptions::default(),
    }
}

/// Write the default thresholds (docs/model.md E) into `out`. Cost: O(1).
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

/// Run every diagnostic the inputs allow (docs/model.md E) and pick the headline. `options` NULL = the
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
        let mut slot = None;
        // SAFETY: the pointers are forwarded under this function's own contract
        let (o, _) = unsafe {
            diagnosis_of(input, options, None, || {
                let b = output_one(out, Param::Output)?;
                slot = Some(b);
                Ok([Some(b.span()), None])
            })
        }?;
        if let Some(b) = slot {
            // SAFETY: `out` is writable (caller contract) and overlaps no input (disjoint)
            unsafe { *b.one_mut() = o };
        }
        Ok(())
    })
}

/// The Rust diagnosis of a C input (shared by `grpo_diagnose` and `grpo_diagnose_evidence`);
/// `check_out` validates the output pointers after the options (the order of the checks, hence
/// the parameter an error names, is that of the first release) and returns their spans, which are
/// checked not to overlap any input (nor each other) before anything is borrowed.
///
/// # Safety
/// As `grpo_diagnose`.
unsafe fn diagnosis_of(
    input: *const grpo_diagnose_input,
    options: *const grpo_diagnose_options,
    drop: Option<DropOptions<f64>>,
    check_out: impl FnOnce() -> Result<[Option<Span>; 2]>,
) -> Result<(grpo_diagnosis, Diagnosis<f64>)> {
    let inp_buf = input_one(input, Param::Options)?;
    // SAFETY: `input` is a valid struct (caller contract); copied at once
    let inp = unsafe { *inp_buf.one() };
    let opt_buf = if options.is_null() {
        None
    } else {
        Some(input_one(options, Param::Options)?)
    };
    let outs = check_out()?.into_iter().flatten();
    let n = inp.n;
    let reward = super::input(inp.reward, n, Param::Reward)?;
    let steps = opt_series(inp.steps, n, Param::Step)?;
    let eval_reward = opt_series(inp.eval_reward, n, Param::EvalReward)?;
    let entropy = opt_series(inp.entropy, n, Param::Entropy)?;
    let zero_std = opt_series(inp.zero_std_frac, n, Param::ZeroStdFrac)?;
    let mut spans = [inp_buf.span(); 9];
    let others = [steps, eval_reward, entropy, zero_std]
        .into_iter()
        .flatten()
        .map(|b| b.span())
        .chain(opt_buf.map(|b| b.span()))
        .chain([reward.span()])
        .chain(outs);
    let mut k = 1;
    for (slot, sp) in spans.iter_mut().skip(1).zip(others) {
        *slot = sp;
        k += 1;
    }
    // the outputs last: an overlap with one is reported as about that output
    disjoint(spans.get(..k).unwrap_or(&[]))?;
    let mut opts = match opt_buf {
        None => DiagnoseOptions::default(),
        // SAFETY: `options` is a valid struct (caller contract), not the output (disjoint)
        Some(b) => options_from_c(unsafe { b.one() }),
    };
    if let Some(d) = drop {
        opts.drop = d;
    }
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
    Ok((o, d))
}

/// Settings of the level-drop (collapse) test of the instability diagnostic (fill with
/// `grpo_drop_options_default`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct grpo_drop_options {
    /// Significance level over the whole prefix (default 0.01), in (0, 0.5].
    pub alpha: f64,
    /// Smallest fraction of the level above the floor that must be lost (default 0.5).
    pub min_lost: f64,
    /// Level window as a fraction of the points (default 0.05), in (0, 1].
    pub window_fraction: f64,
    /// Fewest points of a level window (default 5, at least 2).
    pub min_window: u32,
    /// Padding (set to 0).
    pub reserved: u32,
}

/// Evidence behind `grpo_diagnosis`: why diagnostics were skipped, the level-drop test's numbers
/// and the thresholds applied. Skip codes: 0 ran, 1 series absent, 2 group size unknown,
/// 3 unbounded reward (an infinite bound it normalises by), 4 too few points.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct grpo_diagnosis_evidence {
    /// Reward hacking (needs eval_reward, finite r_max and r_max_eval).
    pub hacking_skipped: u32,
    /// Advantage degeneracy (needs zero_std_frac, group_size, finite r_min and r_max).
    pub degeneracy_skipped: u32,
    /// Policy concentration (needs entropy).
    pub concentration_skipped: u32,
    /// Level-drop test (needs 3 max(min_window, window_fraction n) points).
    pub drop_skipped: u32,
    /// 1 when the level-drop test detected a collapse (it then makes the instability verdict
    /// "unstable").
    pub drop_detected: u32,
    /// Points per level window w.
    pub drop_window: u32,
    /// Index (0-based) of the last point of the best window.
    pub drop_best_end: u64,
    /// Noise level of one point (1.4826 MAD of the first differences / sqrt 2).
    pub drop_sigma: f64,
    /// Current level: mean of the last w points.
    pub drop_current: f64,
    /// Best level: highest mean of w consecutive points ending at least w points before the end.
    pub drop_best: f64,
    /// Floor of the loss (r_min, or the run's lowest level before its best one, or the best
    /// level when there is none).
    pub drop_floor: f64,
    /// Standardised drop z = (best - current) / (sigma sqrt(2 / w)).
    pub drop_z: f64,
    /// Critical value Phi^-1(1 - alpha / m) (m candidate windows).
    pub drop_z_crit: f64,
    /// Fraction of the level above the floor lost, (best - current) / (best - floor).
    pub drop_lost: f64,
    /// Threshold on drop_lost.
    pub drop_min_lost: f64,
    /// Significance level used.
    pub drop_alpha: f64,
    /// Thresholds applied (as in `grpo_diagnose_options`).
    pub phi_hacking: f64,
    /// Phi suspect threshold.
    pub phi_suspect: f64,
    /// Degeneracy warning threshold on D_obs.
    pub degeneracy_warn: f64,
    /// Degeneracy critical threshold on D_obs.
    pub degeneracy_critical: f64,
    /// Heterogeneity threshold on D_obs - D(p_bar, G).
    pub heterogeneity: f64,
    /// Entropy-ratio collapse threshold.
    pub collapse_ratio: f64,
    /// Premature-collapse gap threshold.
    pub premature_gap: f64,
}

/// Write the default level-drop settings into `out`. Cost: O(1).
///
/// # Safety
/// `out` must be NULL or point to a writable `grpo_drop_options`.
#[no_mangle]
pub unsafe extern "C" fn grpo_drop_options_default(out: *mut grpo_drop_options) -> i32 {
    guard(|| {
        // SAFETY: `out` is NULL or writable (caller contract), the only pointer of the call
        let out = unsafe { out_ref(out, Param::Output) }?;
        let d = DropOptions::<f64>::default();
        *out = grpo_drop_options {
            alpha: d.alpha,
            min_lost: d.min_lost,
            window_fraction: d.window_fraction,
            min_window: u32::try_from(d.min_window).unwrap_or(u32::MAX),
            reserved: 0,
        };
        Ok(())
    })
}

/// `grpo_diagnose` with the level-drop settings (`drop_options` NULL = defaults) and the evidence:
/// writes the same `grpo_diagnosis` into `out` and the skip reasons, level-drop numbers and
/// thresholds into `evidence`. Both are written only on success; both must be non-NULL.
/// Cost: as `grpo_diagnose`, plus the level-drop test: `O(n)` and four bisection order
/// statistics of at most 256 passes over the `n - 1` differences; independent of `group_size`.
///
/// # Safety
/// As `grpo_diagnose`; `drop_options` NULL or valid; `evidence` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_diagnose_evidence(
    input: *const grpo_diagnose_input,
    options: *const grpo_diagnose_options,
    drop_options: *const grpo_drop_options,
    out: *mut grpo_diagnosis,
    evidence: *mut grpo_diagnosis_evidence,
) -> i32 {
    guard(|| {
        let drop = if drop_options.is_null() {
            None
        } else {
            // SAFETY: `drop_options` is valid (caller contract); read before anything is written
            let d = unsafe { in_ref(drop_options, Param::Options) }?;
            Some(DropOptions {
                alpha: d.alpha,
                min_lost: d.min_lost,
                window_fraction: d.window_fraction,
                min_window: d.min_window as usize,
            })
        };
        let mut slots = None;
        // SAFETY: the pointers are forwarded under this function's own contract
        let (o, d) = unsafe {
            diagnosis_of(input, options, drop, || {
                let ob = output_one(out, Param::Output)?;
                let eb = output_one(evidence, Param::Output)?;
                slots = Some((ob, eb));
                Ok([Some(ob.span()), Some(eb.span())])
            })
        }?;
        let Some((out, evidence)) = slots else {
            return Err(Error::new(ErrorKind::NullPointer, Param::Output));
        };
        let op = d.options;
        let mut e = grpo_diagnosis_evidence {
            hacking_skipped: d.skipped.hacking as u32,
            degeneracy_skipped: d.skipped.degeneracy as u32,
            concentration_skipped: d.skipped.concentration as u32,
            drop_skipped: d.skipped.level_drop as u32,
            drop_sigma: f64::NAN,
            drop_current: f64::NAN,
            drop_best: f64::NAN,
            drop_floor: f64::NAN,
            drop_z: f64::NAN,
            drop_z_crit: f64::NAN,
            drop_lost: f64::NAN,
            drop_min_lost: op.drop.min_lost,
            drop_alpha: op.drop.alpha,
            phi_hacking: op.hacking.phi_hacking,
            phi_suspect: op.hacking.phi_suspect,
            degeneracy_warn: op.degeneracy.warn,
            degeneracy_critical: op.degeneracy.critical,
            heterogeneity: op.degeneracy.heterogeneity,
            collapse_ratio: op.concentration.collapse_ratio,
            premature_gap: op.concentration.premature_gap,
            ..Default::default()
        };
        if let Some(l) = d.instability.level_drop {
            e.drop_detected = u32::from(l.detected);
            e.drop_window = u32::try_from(l.window).unwrap_or(u32::MAX);
            e.drop_best_end = l.best_end as u64;
            e.drop_sigma = l.sigma;
            e.drop_current = l.current;
            e.drop_best = l.best;
            e.drop_floor = l.floor;
            e.drop_z = l.z;
            e.drop_z_crit = l.z_crit;
            e.drop_lost = l.lost;
        }
        // SAFETY: both outputs are writable (caller contract) and overlap neither an input nor
        // each other (disjoint)
        unsafe {
            *out.one_mut() = o;
            *evidence.one_mut() = e;
        }
        Ok(())
    })
}

/// Evidence of the policy-concentration diagnostic (docs/model.md E3), written by
/// `grpo_diagnose_concentration` (a struct of its own: `grpo_diagnosis_evidence` is frozen).
/// Codes: `skipped` as in `grpo_diagnosis_evidence` (0 ran, 1 no entropy series); `verdict` 0
/// healthy, 1 collapsed at the plateau, 2 premature collapse; `severity` 0 ok, 2 critical (a
/// collapse at the plateau is the policy converging: severity 0). When E3 did not run
/// (`skipped != 0`) every code, `window` and `collapse_index` are 0 and every measured number is
/// NaN (the convention of `grpo_diagnosis_evidence`); the thresholds are always set.
/// `reserved` is padding, always 0 (no byte of the struct is left uninitialised).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct grpo_concentration_evidence {
    /// Why E3 did not run (0 = it ran, 1 = entropy series absent).
    pub skipped: u32,
    /// 0 healthy, 1 collapsed (at the plateau), 2 premature collapse.
    pub verdict: u32,
    /// Severity of the verdict: 0 ok, 2 critical (premature).
    pub severity: u32,
    /// 1 when the entropy collapse is in effect (the current windowed ratio is below
    /// `collapse_ratio`); `collapse_index` is then set.
    pub collapsed: u32,
    /// Points per window, max(1, floor(n smoothing_fraction)).
    pub window: u32,
    /// Padding (always 0).
    pub reserved: u32,
    /// Index (0-based) of the last point of the window where the collapse in effect began (the
    /// first window from which the windowed entropy ratio stays below `collapse_ratio` to the
    /// end); 0 when `collapsed` is 0.
    pub collapse_index: u64,
    /// Current entropy ratio rho_H = H(t) / H(0) (means over the last and first windows).
    pub entropy_ratio: f64,
    /// H(0): mean entropy of the first window.
    pub h0: f64,
    /// Mean reward over the window ending at the collapse (at the last point when there is none).
    pub reward_at_collapse: f64,
    /// Plateau r_star the gap is measured to (`expected_plateau`, else the fitted plateau).
    pub plateau: f64,
    /// Denominator of the gap: r_max - R0, or r_star - R0 for an unbounded reward
    /// (`r_max = +INFINITY`); NaN when the reward is unbounded and did not rise (r_star <= R0).
    pub headroom: f64,
    /// Gap to the plateau when the collapse began, (r_star - reward_at_collapse) / headroom
    /// (NaN when `headroom` is).
    pub gap_fraction: f64,
    /// Entropy-ratio collapse threshold applied.
    pub collapse_ratio: f64,
    /// Premature-collapse gap threshold applied.
    pub premature_gap: f64,
    /// Window fraction applied.
    pub smoothing_fraction: f64,
}

/// The E3 (policy-concentration) evidence of `grpo_diagnose` on the same input: the entropy ratio,
/// when the collapse began and the reward's gap to its plateau then, with the thresholds.
/// `options` NULL = the defaults; `out` is written only on success (the same input errors as
/// `grpo_diagnose`, e.g. `GRPO_ERR_TOO_FEW_POINTS`, `GRPO_ERR_NULL` for a NULL `out`,
/// `GRPO_ERR_BAD_BUFFER` when `out` overlaps an input). Without an entropy series the call
/// succeeds with `skipped = 1`. Cost: that of `grpo_diagnose` (it runs the same diagnosis: `O(n)`
/// plus one bounded refit of the reward curve and at most one exact spectrum of lag `<= 1024`).
///
/// # Safety
/// As `grpo_diagnose`; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_diagnose_concentration(
    input: *const grpo_diagnose_input,
    options: *const grpo_diagnose_options,
    out: *mut grpo_concentration_evidence,
) -> i32 {
    guard(|| {
        let mut slot = None;
        // SAFETY: the pointers are forwarded under this function's own contract
        let (_, d) = unsafe {
            diagnosis_of(input, options, None, || {
                let b = output_one(out, Param::Output)?;
                slot = Some(b);
                Ok([Some(b.span()), None])
            })
        }?;
        let Some(out) = slot else {
            return Err(Error::new(ErrorKind::NullPointer, Param::Output));
        };
        let op = d.options.concentration;
        let mut e = grpo_concentration_evidence {
            skipped: d.skipped.concentration as u32,
            entropy_ratio: f64::NAN,
            h0: f64::NAN,
            reward_at_collapse: f64::NAN,
            plateau: f64::NAN,
            headroom: f64::NAN,
            gap_fraction: f64::NAN,
            collapse_ratio: op.collapse_ratio,
            premature_gap: op.premature_gap,
            smoothing_fraction: op.smoothing_fraction,
            ..Default::default()
        };
        if let Some(c) = d.concentration {
            e.verdict = c.verdict as u32;
            e.severity = c.severity() as u32;
            e.collapsed = u32::from(c.collapse_index.is_some());
            e.window = u32::try_from(c.window).unwrap_or(u32::MAX);
            e.collapse_index = c.collapse_index.map_or(0, |i| i as u64);
            e.entropy_ratio = c.entropy_ratio;
            e.h0 = c.h0;
            e.reward_at_collapse = c.reward_at_collapse;
            e.plateau = c.plateau;
            e.headroom = c.headroom;
            e.gap_fraction = c.gap_fraction;
        }
        // SAFETY: `out` is writable (caller contract) and overlaps no input (disjoint)
        unsafe { *out.one_mut() = e };
        Ok(())
    })
}
