//! Joint fits across curves: the group-size invariance test (docs/model.md D) and the size exponent
//! alpha (docs/model.md B.3). Allocation-free: the caller passes slices of curves, at most `C` (const
//! generic) of them.
//!
//! Time convention for joint fits: every curve uses the time origin `t = 0` (its `t` values as
//! given), so curves of one run family are aligned on the training step.

#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use super::sets::{cv_span, fit_data, Fit, ParamSet};
use super::start::data_start;
use super::{Curve, Options, MAX_PARAMS};
use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::real::Real;

/// One reward curve of a joint fit, tagged with its group size `G` or model size `N`.
#[derive(Clone, Copy, Debug)]
pub struct Tagged<'a, T> {
    /// The tag: group size `G` (invariance test) or model size `N` (size exponent), `> 0`.
    pub tag: T,
    /// Times (strictly increasing).
    pub t: &'a [T],
    /// Rewards.
    pub y: &'a [T],
    /// Optional weights.
    pub w: Option<&'a [T]>,
}

/// Outcome of the group-size invariance test (docs/model.md D).
///
/// H0 (D.1): the deterministic trajectory does not depend on G, so one shared parameter set fits
/// every curve. Statistics (N points in total, C curves, P parameters per set):
/// `F = ((RSS_shared - RSS_separate) / (P (C - 1))) / (RSS_separate / (N - P C))`
/// (F distribution with `(df1, df2)` under H0 and Gaussian noise of one variance) and
/// `LR = N ln(RSS_shared / RSS_separate)` (asymptotically chi^2 with `df1`). D.2 predicts the
/// fluctuation variance `var_g ∝ 1/G`: `variance[g] = RSS_g / (n_g - P)` from the separate fits
/// and the slope of `ln var` on `ln G` (prediction -1) with its standard error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupInvariance<T, const C: usize> {
    /// Number of curves used.
    pub n_curves: usize,
    /// The shared fit (one parameter set for all curves).
    pub shared: Fit<T>,
    /// `sum_g 2 cost_g` of the separate fits.
    pub rss_separate: T,
    /// `2 cost` of the shared fit.
    pub rss_shared: T,
    /// `P (C - 1)`.
    pub df1: usize,
    /// `N - P C`.
    pub df2: usize,
    /// The F statistic (0 if negative by rounding).
    pub f_stat: T,
    /// The likelihood-ratio statistic.
    pub lr_stat: T,
    /// Per-curve fluctuation variance `RSS_g / (n_g - P)` (separate fits).
    pub variance: [T; C],
    /// Per-curve `G * variance` (constant under the 1/G law).
    pub g_variance: [T; C],
    /// Observed `variance[g] / variance[0]`.
    pub variance_ratio: [T; C],
    /// Predicted `G[0] / G[g]`.
    pub predicted_ratio: [T; C],
    /// Slope of `ln variance` on `ln G` (prediction -1).
    pub variance_slope: T,
    /// Its standard error (`+inf` with fewer than three distinct G).
    pub variance_slope_stderr: T,
}

/// Ordinary least-squares line `y = a + b x` with weights: `(a, b, stderr_b)`; the standard error
/// uses the residual variance (`+inf` with fewer than three points).
fn line<T: Real>(x: &[T], y: &[T], w: &[T]) -> Result<(T, T, T)> {
    let m = x.len().min(y.len()).min(w.len());
    let (mut sw, mut sx, mut sy) = (T::ZERO, T::ZERO, T::ZERO);
    for i in 0..m {
        sw += w[i];
        sx += w[i] * x[i];
        sy += w[i] * y[i];
    }
    if !(sw > T::ZERO) {
        return Err(Error::new(ErrorKind::TooFewPoints, Param::N));
    }
    let (mx, my) = (sx / sw, sy / sw);
    let (mut sxx, mut sxy) = (T::ZERO, T::ZERO);
    for i in 0..m {
        sxx += w[i] * (x[i] - mx) * (x[i] - mx);
        sxy += w[i] * (x[i] - mx) * (y[i] - my);
    }
    if !(sxx > T::ZERO) {
        return Err(Error::new(ErrorKind::Constant, Param::ModelSize));
    }
    let b = sxy / sxx;
    let a = my - b * mx;
    let se = if m > 2 {
        let mut rss = T::ZERO;
        for i in 0..m {
            let r = y[i] - a - b * x[i];
            rss += w[i] * r * r;
        }
        // normalise the weights to mean 1 so the residual variance is in y units
        let s2 = rss / T::from_usize(m - 2) * T::from_usize(m) / sw;
        (s2 / (sxx * T::from_usize(m) / sw)).sqrt()
    } else {
        T::INFINITY
    };
    Ok((a, b, se))
}

fn validate<'a, T: Real, const C: usize>(
    curves: &[Tagged<'a, T>],
    tag: Param,
) -> Result<[Curve<'a, T>; C]> {
    if curves.len() < 2 {
        return Err(Error::new(ErrorKind::TooFewPoints, Param::N));
    }
    if curves.len() > C {
        return Err(Error::new(ErrorKind::CapacityExceeded, Param::Capacity));
    }
    let first = Curve::new(curves[0].t, curves[0].y, curves[0].w)?;
    let mut out = [first; C];
    for (o, c) in out.iter_mut().zip(curves) {
        check::positive(c.tag, tag)?;
        *o = Curve::new(c.t, c.y, c.w)?;
    }
    Ok(out)
}

fn span_of<T: Real>(data: &[Curve<'_, T>]) -> T {
    // bounds for the time origin 0: the largest time in the data
    data.iter()
        .map(|c| cv_span(c) + c.t_min.max(T::ZERO))
        .fold(T::ZERO, |a, b| a.max(b))
}

/// Separate fit of one curve at origin 0 (multi-start from its data).
fn fit_one<T: Real>(set: ParamSet, cv: &Curve<'_, T>, opts: &Options<T>) -> Result<Fit<T>> {
    let (lo, hi) = set.default_bounds(span_of(core::slice::from_ref(cv)));
    let (mut starts, count) = set.starts(&data_start(cv));
    clamp_starts(&mut starts[..count], &lo, &hi);
    fit_data(
        set,
        core::slice::from_ref(cv),
        T::ZERO,
        &starts[..count],
        (&lo, &hi),
        opts,
        false,
    )
}

fn clamp_starts<T: Real>(s: &mut [[T; MAX_PARAMS]], lo: &[T; MAX_PARAMS], hi: &[T; MAX_PARAMS]) {
    for row in s {
        for ((x, &l), &h) in row.iter_mut().zip(lo).zip(hi) {
            *x = x.max(l).min(h);
        }
    }
}

/// Group-size invariance test of docs/model.md D on curves tagged with their group size `G`
/// (2 <= curves <= C). Each curve is fitted alone with `set`, then all curves together with one
/// shared parameter set (started from every separate solution, lowest objective kept).
pub fn group_invariance<T: Real, const C: usize>(
    set: ParamSet,
    curves: &[Tagged<'_, T>],
    opts: &Options<T>,
) -> Result<GroupInvariance<T, C>> {
    let data = validate::<T, C>(curves, Param::G)?;
    let m = curves.len();
    let data = &data[..m];
    let p = set.n_params();
    let mut variance = [T::ZERO; C];
    let mut g_variance = [T::ZERO; C];
    let mut variance_ratio = [T::ZERO; C];
    let mut predicted_ratio = [T::ZERO; C];
    let mut lnv = [T::ZERO; C];
    let mut lng = [T::ZERO; C];
    let mut starts = [[T::ZERO; MAX_PARAMS]; C];
    let mut rss_separate = T::ZERO;
    let mut n_total = 0usize;
    for (g, (cv, tagged)) in data.iter().zip(curves).enumerate() {
        let f = fit_one(set, cv, opts)?;
        let rss = T::TWO * f.cost;
        rss_separate += rss;
        n_total += cv.n_eff;
        let dof = cv.n_eff.saturating_sub(p).max(1);
        variance[g] = rss / T::from_usize(dof);
        g_variance[g] = variance[g] * tagged.tag;
        lnv[g] = variance[g].ln();
        lng[g] = tagged.tag.ln();
        starts[g] = f.params;
    }
    for g in 0..m {
        variance_ratio[g] = variance[g] / variance[0];
        predicted_ratio[g] = curves[0].tag / curves[g].tag;
    }
    let (lo, hi) = set.default_bounds(span_of(data));
    clamp_starts(&mut starts[..m], &lo, &hi);
    let shared = fit_data(set, data, T::ZERO, &starts[..m], (&lo, &hi), opts, false)?;
    let rss_shared = T::TWO * shared.cost;
    let df1 = p * (m - 1);
    let df2 = n_total.saturating_sub(p * m);
    let f_stat = if df2 > 0 && rss_separate > T::ZERO {
        ((rss_shared - rss_separate).max(T::ZERO) / T::from_usize(df1))
            / (rss_separate / T::from_usize(df2))
    } else {
        T::INFINITY
    };
    let lr_stat = if rss_separate > T::ZERO {
        (T::from_usize(n_total) * (rss_shared / rss_separate).ln()).max(T::ZERO)
    } else {
        T::INFINITY
    };
    let ones = [T::ONE; C];
    let (variance_slope, variance_slope_stderr) = match line(&lng[..m], &lnv[..m], &ones[..m]) {
        Ok((_, b, se)) => (b, se),
        Err(_) => (T::NAN, T::INFINITY),
    };
    Ok(GroupInvariance {
        n_curves: m,
        shared,
        rss_separate,
        rss_shared,
        df1,
        df2,
        f_stat,
        lr_stat,
        variance,
        g_variance,
        variance_ratio,
        predicted_ratio,
        variance_slope,
        variance_slope_stderr,
    })
}

/// The size exponent of docs/model.md B.3.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SizeExponent<T> {
    /// `alpha`: slope of `ln(1/tau)` on `ln N`.
    pub alpha: T,
    /// Its standard error (residual-based; `+inf` with two sizes).
    pub alpha_stderr: T,
    /// Intercept `ln(1/tau)` at `N = 1`, so `tau(N) = exp(-intercept) N^(-alpha)`.
    pub intercept: T,
    /// Number of sizes used.
    pub n_sizes: usize,
}

/// Size exponent from `(N, tau, stderr_tau)` triples: weighted regression of `ln(1/tau)` on
/// `ln N` with weights `(tau / stderr_tau)^2` (the inverse variance of `ln tau`; weight 1 where the
/// standard error is not finite and positive).
pub fn size_exponent<T: Real>(sizes: &[T], tau: &[T], tau_stderr: &[T]) -> Result<SizeExponent<T>> {
    check::same_len(sizes, tau, Param::Tau)?;
    check::same_len(sizes, tau_stderr, Param::Tau)?;
    if sizes.len() < 2 {
        return Err(Error::new(ErrorKind::TooFewPoints, Param::N));
    }
    let m = sizes.len();
    // at most 64 sizes on the stack
    const MAXS: usize = 64;
    if m > MAXS {
        return Err(Error::new(ErrorKind::CapacityExceeded, Param::ModelSize));
    }
    let (mut x, mut y, mut w) = ([T::ZERO; MAXS], [T::ZERO; MAXS], [T::ONE; MAXS]);
    for i in 0..m {
        x[i] = check::positive(sizes[i], Param::ModelSize)?.ln();
        y[i] = -check::positive(tau[i], Param::Tau)?.ln();
        let se = tau_stderr[i];
        if se.is_finite() && se > T::ZERO {
            let r = tau[i] / se;
            w[i] = r * r;
        }
    }
    let (a, b, se) = line(&x[..m], &y[..m], &w[..m])?;
    Ok(SizeExponent {
        alpha: b,
        alpha_stderr: se,
        intercept: a,
        n_sizes: m,
    })
}

/// Size exponent from curves tagged with their model size `N` (2 <= curves <= C): each curve is
/// fitted with `set` (saturation: `tau` = parameter 2; overdamped: `tau = gamma/k` = parameter 2),
/// then [`size_exponent`] regresses `ln(1/tau)` on `ln N`. Other sets: `OutOfRange` about `model`.
pub fn size_exponent_from_curves<T: Real, const C: usize>(
    set: ParamSet,
    curves: &[Tagged<'_, T>],
    opts: &Options<T>,
) -> Result<SizeExponent<T>> {
    if !matches!(set, ParamSet::Saturation | ParamSet::Overdamped) {
        return Err(Error::out_of_range(Param::Model));
    }
    let data = validate::<T, C>(curves, Param::ModelSize)?;
    let m = curves.len();
    let mut n = [T::ZERO; C];
    let mut tau = [T::ZERO; C];
    let mut se = [T::ZERO; C];
    for (i, (cv, c)) in data.iter().zip(curves).enumerate() {
        let f = fit_one(set, cv, opts)?;
        n[i] = c.tag;
        tau[i] = f.params[2];
        se[i] = f.stderr[2];
    }
    size_exponent(&n[..m], &tau[..m], &se[..m])
}
