//! A hand-written SVG plot of a run:
//!
//! * observed rewards (dots) and eval rewards (diamonds), from the kept rows (uniformly merged
//!   past [`crate::run::HISTORY`] rows, so the document size is bounded);
//! * the fitted law over the observed steps: `fit::fit_auto` (every parameter set, lowest AICc)
//!   on those rows;
//! * the predictor's forecast from the last step to the horizon with its 80 % / 95 % bands, and
//!   the predicted plateau with its 80 % band over the same range;
//! * the plateau the predictor announced at each decision point (how the advice evolved), the
//!   step of the first stop advice, the last logged step;
//! * the run name and the final numbers in the title.

use crate::keys::Field;
use crate::run::Run;
use grpo_dynamics::fit::{
    fit_auto, CriticalModel, Fit, FullModel, Model, Options, OverdampedModel, ParamSet,
    SaturationModel, SlowStartModel,
};
use grpo_dynamics::predict::{Forecast, ModelKind, Prediction};
use std::fmt::Write;

const W: f64 = 1000.0;
const H: f64 = 540.0;
const LEFT: f64 = 64.0;
/// The legend column right of the plot.
const RIGHT: f64 = 236.0;
const TOP: f64 = 58.0;
const BOTTOM: f64 = 50.0;
const SAMPLES: usize = 200;

struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn x(&self, v: f64) -> f64 {
        LEFT + (v - self.x0) / (self.x1 - self.x0) * (W - LEFT - RIGHT)
    }
    fn y(&self, v: f64) -> f64 {
        H - BOTTOM - (v - self.y0) / (self.y1 - self.y0) * (H - TOP - BOTTOM)
    }
}

/// "Nice" tick spacing for a range.
fn tick(span: f64) -> f64 {
    let raw = span / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    mag * if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    }
}

fn polyline(out: &mut String, pts: &[(f64, f64)], style: &str) {
    let _ = write!(out, "<polyline fill=\"none\" {style} points=\"");
    for (x, y) in pts {
        let _ = write!(out, "{x:.1},{y:.1} ");
    }
    out.push_str("\"/>\n");
}

fn band(out: &mut String, lo: &[(f64, f64)], hi: &[(f64, f64)], fill: &str) {
    let _ = write!(out, "<polygon fill=\"{fill}\" stroke=\"none\" points=\"");
    for (x, y) in lo.iter().chain(hi.iter().rev()) {
        let _ = write!(out, "{x:.1},{y:.1} ");
    }
    out.push_str("\"/>\n");
}

/// The fitted law's value at `t` (time origin `origin`, the first step).
fn law(f: &Fit<f64>, origin: f64, t: f64) -> Option<f64> {
    let p = &f.params;
    let v = match f.set {
        ParamSet::Saturation => SaturationModel { origin }
            .eval(&[p[0], p[1], p[2]], t)
            .map(|v| v.0),
        ParamSet::Critical => CriticalModel { origin }
            .eval(&[p[0], p[1], p[2]], t)
            .map(|v| v.0),
        ParamSet::SlowStart => SlowStartModel { origin }
            .eval(&[p[0], p[1], p[2], p[3]], t)
            .map(|v| v.0),
        ParamSet::Overdamped => OverdampedModel { origin }
            .eval(&[p[0], p[1], p[2], p[3]], t)
            .map(|v| v.0),
        ParamSet::Full => FullModel { origin }
            .eval(&[p[0], p[1], p[2], p[3], p[4]], t)
            .map(|v| v.0),
    };
    v.ok().filter(|v| v.is_finite())
}

/// AICc = n ln(RSS / n) + 2k + 2k(k + 1) / (n - k - 1), k = parameters + 1 (the noise level).
fn aicc(n: usize, rss: f64, params: usize) -> f64 {
    let (n, k) = (n as f64, params as f64 + 1.0);
    if n - k - 1.0 <= 0.0 || rss <= 0.0 {
        return f64::INFINITY;
    }
    n * (rss / n).ln() + 2.0 * k + 2.0 * k * (k + 1.0) / (n - k - 1.0)
}

/// The law is drawn only when it beats a flat level by AICc (and the predictor itself did not
/// settle on its constant candidate); a noisy flat run otherwise gets a law that rings through
/// its noise.
fn beats_constant(f: &Fit<f64>, y: &[f64]) -> bool {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let rss0: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    aicc(n, 2.0 * f.cost, f.n_params) < aicc(n, rss0, 1)
}

/// The whole document.
pub fn plot(run: &mut Run, p: &Prediction<f64>) -> Result<String, String> {
    let rows = run.history.rows.clone();
    let rewards: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| r.get(Field::Reward).map(|v| (r.step, v)))
        .collect();
    let evals: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| r.get(Field::Eval).map(|v| (r.step, v)))
        .collect();
    let horizon = p.horizon;
    let first = rewards.first().ok_or("no points")?.0;
    let last = rewards.last().ok_or("no points")?.0;
    let x1 = horizon.max(last);
    // the fitted law over the observed steps
    let (t, y): (Vec<f64>, Vec<f64>) = rewards.iter().copied().unzip();
    let fit = fit_auto(&t, &y, None, &Options::default())
        .ok()
        .filter(|f| p.model != ModelKind::Constant && beats_constant(f, &y));
    let mut fitted = Vec::new();
    match &fit {
        Some(f) => {
            for i in 0..=SAMPLES {
                let s = first + (last - first) * i as f64 / SAMPLES as f64;
                if let Some(v) = law(f, first, s) {
                    fitted.push((s, v));
                }
            }
        }
        None => {
            // no law beats a flat level: the mean is the fitted curve
            let mean = y.iter().sum::<f64>() / y.len() as f64;
            fitted = vec![(first, mean), (last, mean)];
        }
    }
    // the forecast with its bands, from the last step to the horizon
    let mut forecast: Vec<(f64, Forecast<f64>)> = Vec::new();
    if x1 > last {
        for i in 0..=SAMPLES {
            let s = last + (x1 - last) * i as f64 / SAMPLES as f64;
            if let Ok(f) = run.pred.reward_at(s) {
                forecast.push((s, f));
            }
        }
    }
    // vertical range: the data, the fitted law and the forecast; bands may widen it by at most
    // half the data's range (an unbounded reward has very wide bands)
    let (mut ylo, mut yhi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in rewards.iter().chain(&evals).chain(&fitted).map(|x| x.1) {
        ylo = ylo.min(v);
        yhi = yhi.max(v);
    }
    let span = (yhi - ylo).max(1e-9);
    let (clo, chi) = (ylo - 0.5 * span, yhi + 0.5 * span);
    let plat = p.plateau;
    for v in forecast
        .iter()
        .flat_map(|(_, f)| [f.lo95, f.hi95, f.value])
        .chain([plat.lo80, plat.hi80, plat.value])
    {
        if v.is_finite() {
            ylo = ylo.min(v.max(clo));
            yhi = yhi.max(v.min(chi));
        }
    }
    let pad = ((yhi - ylo) * 0.04).max(1e-6);
    let fr = Frame {
        x0: first,
        x1: if x1 > first { x1 } else { first + 1.0 },
        y0: ylo - pad,
        y1: yhi + pad,
    };
    let cy = |v: f64| fr.y(v.clamp(fr.y0, fr.y1));
    let (pl, pr, pt, pb) = (LEFT, W - RIGHT, TOP, H - BOTTOM);

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    s.push_str("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    // grid and ticks
    let (dx, dy) = (tick(fr.x1 - fr.x0), tick(fr.y1 - fr.y0));
    let mut v = (fr.x0 / dx).ceil() * dx;
    while v <= fr.x1 {
        let x = fr.x(v);
        let _ = writeln!(s, "<line x1=\"{x:.1}\" y1=\"{pt}\" x2=\"{x:.1}\" y2=\"{pb}\" stroke=\"#eee\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>", pb + 16.0, fmt_tick(v));
        v += dx;
    }
    let mut v = (fr.y0 / dy).ceil() * dy;
    while v <= fr.y1 {
        let y = fr.y(v);
        let _ = writeln!(s, "<line x1=\"{pl}\" y1=\"{y:.1}\" x2=\"{pr}\" y2=\"{y:.1}\" stroke=\"#eee\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>", pl - 6.0, y + 4.0, fmt_tick(v));
        v += dy;
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">step</text>",
        (pl + pr) / 2.0,
        H - 12.0
    );
    let _ = writeln!(
        s,
        "<text transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">reward</text>",
        (pt + pb) / 2.0
    );
    // forecast bands and plateau band, right of the last step
    let xl = fr.x(last);
    let pts = |g: &dyn Fn(&Forecast<f64>) -> f64| -> Vec<(f64, f64)> {
        forecast.iter().map(|(x, f)| (fr.x(*x), cy(g(f)))).collect()
    };
    if forecast.len() > 1 {
        band(&mut s, &pts(&|f| f.lo95), &pts(&|f| f.hi95), "#dbe8f7");
        band(&mut s, &pts(&|f| f.lo80), &pts(&|f| f.hi80), "#b5cfee");
    }
    if plat.lo80.is_finite() && plat.hi80.is_finite() && pr > xl {
        let (ya, yb) = (cy(plat.hi80), cy(plat.lo80));
        let _ = writeln!(s, "<rect x=\"{xl:.1}\" y=\"{ya:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#f4a261\" fill-opacity=\"0.10\" stroke=\"#e76f51\" stroke-opacity=\"0.7\" stroke-dasharray=\"2 2\"/>", pr - xl, (yb - ya).max(0.5));
    }
    if plat.value.is_finite() {
        let yp = cy(plat.value);
        let _ = writeln!(s, "<line x1=\"{xl:.1}\" y1=\"{yp:.1}\" x2=\"{pr}\" y2=\"{yp:.1}\" stroke=\"#e76f51\" stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>");
    }
    // data
    for (x, y) in &rewards {
        let _ = writeln!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\" fill=\"#333\" fill-opacity=\"0.6\"/>",
            fr.x(*x),
            fr.y(*y)
        );
    }
    for (x, y) in &evals {
        let _ = writeln!(
            s,
            "<path d=\"M{:.1},{:.1} l4.5,4.5 l-4.5,4.5 l-4.5,-4.5 z\" fill=\"#2a9d8f\" stroke=\"#1b6b61\"/>",
            fr.x(*x),
            fr.y(*y) - 4.5
        );
    }
    // the fitted law and the forecast
    let line: Vec<(f64, f64)> = fitted.iter().map(|(x, v)| (fr.x(*x), cy(*v))).collect();
    if line.len() > 1 {
        polyline(&mut s, &line, "stroke=\"#1d4e89\" stroke-width=\"2.2\"");
    }
    if forecast.len() > 1 {
        polyline(
            &mut s,
            &pts(&|f| f.value),
            "stroke=\"#1d4e89\" stroke-width=\"2\" stroke-dasharray=\"7 4\"",
        );
    }
    // the plateau announced at each decision point (step line)
    let mut trace: Vec<(f64, f64)> = Vec::new();
    for (x, v, _, _) in &run.trace {
        if !v.is_finite() {
            continue;
        }
        if let Some(&(_, py)) = trace.last() {
            trace.push((fr.x(*x), py));
        }
        trace.push((fr.x(*x), cy(*v)));
    }
    if trace.len() > 1 {
        polyline(
            &mut s,
            &trace,
            "stroke=\"#8d5fd3\" stroke-width=\"1.4\" stroke-opacity=\"0.85\"",
        );
    }
    let _ = writeln!(s, "<line x1=\"{xl:.1}\" y1=\"{pt}\" x2=\"{xl:.1}\" y2=\"{pb}\" stroke=\"#777\" stroke-dasharray=\"2 3\"/>");
    if let Some((stop, kind)) = run.first_stop {
        let xs = fr.x(stop);
        let anchor = if xs > (pl + pr) / 2.0 { "end" } else { "start" };
        let tx = if anchor == "end" { xs - 4.0 } else { xs + 4.0 };
        let _ = writeln!(s, "<line x1=\"{xs:.1}\" y1=\"{pt}\" x2=\"{xs:.1}\" y2=\"{pb}\" stroke=\"#c1121f\" stroke-width=\"1.5\"/><text x=\"{tx:.1}\" y=\"{:.1}\" fill=\"#c1121f\" text-anchor=\"{anchor}\">first stop advice: step {} ({kind:?})</text>", pt + 14.0, fmt_tick(stop));
    }
    let _ = writeln!(s, "<rect x=\"{pl}\" y=\"{pt}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#444\"/>", pr - pl, pb - pt);

    // title
    let _ = writeln!(
        s,
        "<text x=\"{pl}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}</text>",
        escape(&run.name)
    );
    let law_txt = match &fit {
        Some(f) => format!("fitted law {:?} (R\u{b2} {:.2})", f.set, f.r2),
        None => "fitted law: a flat level".into(),
    };
    let _ = writeln!(
        s,
        "<text x=\"{pl}\" y=\"42\" fill=\"#333\">{} steps; {law_txt}; forecast {:?}, plateau {:.4} (80%: {:.4} .. {:.4}); regime {:?}; advice {:?}</text>",
        run.rows, p.model, plat.value, plat.lo80, plat.hi80, p.regime, p.advice.kind
    );
    // legend column
    let lx = pr + 16.0;
    let items = [
        ("<circle cx=\"10\" cy=\"0\" r=\"3\" fill=\"#333\"/>", "train reward"),
        ("<path d=\"M10,-4.5 l4.5,4.5 l-4.5,4.5 l-4.5,-4.5 z\" fill=\"#2a9d8f\"/>", "eval reward"),
        ("<line x1=\"0\" y1=\"0\" x2=\"20\" y2=\"0\" stroke=\"#1d4e89\" stroke-width=\"2.2\"/>", "fitted law"),
        ("<line x1=\"0\" y1=\"0\" x2=\"20\" y2=\"0\" stroke=\"#1d4e89\" stroke-width=\"2\" stroke-dasharray=\"7 4\"/>", "forecast to the horizon"),
        ("<rect x=\"0\" y=\"-6\" width=\"10\" height=\"12\" fill=\"#b5cfee\"/><rect x=\"10\" y=\"-6\" width=\"10\" height=\"12\" fill=\"#dbe8f7\"/>", "80 % / 95 % forecast band"),
        ("<rect x=\"0\" y=\"-6\" width=\"20\" height=\"12\" fill=\"#f4a261\" fill-opacity=\"0.10\" stroke=\"#e76f51\" stroke-dasharray=\"2 2\"/><line x1=\"0\" y1=\"0\" x2=\"20\" y2=\"0\" stroke=\"#e76f51\" stroke-dasharray=\"6 4\"/>", "plateau, 80 % band"),
        ("<line x1=\"0\" y1=\"0\" x2=\"20\" y2=\"0\" stroke=\"#8d5fd3\" stroke-width=\"1.4\"/>", "plateau announced online"),
        ("<line x1=\"10\" y1=\"-7\" x2=\"10\" y2=\"7\" stroke=\"#c1121f\" stroke-width=\"1.5\"/>", "first stop advice"),
        ("<line x1=\"10\" y1=\"-7\" x2=\"10\" y2=\"7\" stroke=\"#777\" stroke-dasharray=\"2 3\"/>", "last logged step"),
    ];
    for (i, (glyph, label)) in items.iter().enumerate() {
        let y = pt + 10.0 + 22.0 * i as f64;
        let _ = writeln!(s, "<g transform=\"translate({lx:.1} {y:.1})\">{glyph}</g><text x=\"{:.1}\" y=\"{:.1}\">{label}</text>", lx + 28.0, y + 4.0);
    }
    s.push_str("</svg>\n");
    Ok(s)
}

/// Text safe inside an SVG element.
fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn fmt_tick(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 1000.0 || (v.fract() == 0.0 && v.abs() >= 1.0) {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
