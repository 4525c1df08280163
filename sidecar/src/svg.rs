//! A hand-written SVG plot: observed rewards, eval points, the predictor's curve with its 80 % /
//! 95 % bands out to the horizon, the predicted plateau with its 80 % band, the plateau the
//! predictor announced at each decision point (how the advice evolved), the step of the first
//! stop advice, and the run name. Rows are the kept history (uniformly merged past
//! [`crate::run::HISTORY`] rows), so the document size is bounded.

use crate::keys::Field;
use crate::run::Run;
use grpo_dynamics::predict::Prediction;
use std::fmt::Write;

const W: f64 = 900.0;
const H: f64 = 520.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;
const SAMPLES: usize = 160;

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
    let pred = &mut run.pred;
    let horizon = p.horizon;
    let first = rewards.first().ok_or("no points")?.0;
    let last = rewards.last().ok_or("no points")?.0;
    let x1 = horizon.max(last);
    // the model curve with its bands, from the first step to the horizon
    let mut curve = Vec::with_capacity(SAMPLES + 1);
    for i in 0..=SAMPLES {
        let s = first + (x1 - first) * i as f64 / SAMPLES as f64;
        if let Ok(f) = pred.reward_at(s) {
            curve.push((s, f));
        }
    }
    let mut ylo = f64::INFINITY;
    let mut yhi = f64::NEG_INFINITY;
    for (_, v) in rewards.iter().chain(&evals) {
        ylo = ylo.min(*v);
        yhi = yhi.max(*v);
    }
    for (_, f) in &curve {
        for v in [f.lo95, f.hi95] {
            if v.is_finite() {
                ylo = ylo.min(v);
                yhi = yhi.max(v);
            }
        }
    }
    let pad = ((yhi - ylo) * 0.05).max(1e-6);
    let fr = Frame {
        x0: first,
        x1: if x1 > first { x1 } else { first + 1.0 },
        y0: ylo - pad,
        y1: yhi + pad,
    };

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    s.push_str("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    // axes and grid
    let (dx, dy) = (tick(fr.x1 - fr.x0), tick(fr.y1 - fr.y0));
    let mut v = (fr.x0 / dx).ceil() * dx;
    while v <= fr.x1 {
        let x = fr.x(v);
        let _ = writeln!(s, "<line x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>", H - BOTTOM, H - BOTTOM + 18.0, fmt_tick(v));
        v += dx;
    }
    let mut v = (fr.y0 / dy).ceil() * dy;
    while v <= fr.y1 {
        let y = fr.y(v);
        let _ = writeln!(s, "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>", W - RIGHT, LEFT - 6.0, y + 4.0, fmt_tick(v));
        v += dy;
    }
    let _ = writeln!(s, "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#444\"/>", W - LEFT - RIGHT, H - TOP - BOTTOM);
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">step</text>",
        (LEFT + W - RIGHT) / 2.0,
        H - 18.0
    );
    let _ = writeln!(
        s,
        "<text transform=\"translate(18 {:.1}) rotate(-90)\" text-anchor=\"middle\">reward</text>",
        (TOP + H - BOTTOM) / 2.0
    );

    // bands, curve, plateau
    let pts = |g: &dyn Fn(&grpo_dynamics::predict::Forecast<f64>) -> f64| -> Vec<(f64, f64)> {
        curve
            .iter()
            .map(|(x, f)| (fr.x(*x), fr.y(g(f).clamp(fr.y0, fr.y1))))
            .collect()
    };
    band(&mut s, &pts(&|f| f.lo95), &pts(&|f| f.hi95), "#dbe8f7");
    band(&mut s, &pts(&|f| f.lo80), &pts(&|f| f.hi80), "#b5cfee");
    let plat = p.plateau;
    if plat.lo80.is_finite() && plat.hi80.is_finite() {
        let (ya, yb) = (
            fr.y(plat.hi80.clamp(fr.y0, fr.y1)),
            fr.y(plat.lo80.clamp(fr.y0, fr.y1)),
        );
        let _ = writeln!(s, "<rect x=\"{LEFT}\" y=\"{ya:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#f4a261\" fill-opacity=\"0.18\"/>", W - LEFT - RIGHT, (yb - ya).max(0.5));
    }
    let yp = fr.y(plat.value.clamp(fr.y0, fr.y1));
    let _ = writeln!(s, "<line x1=\"{LEFT}\" y1=\"{yp:.1}\" x2=\"{:.1}\" y2=\"{yp:.1}\" stroke=\"#e76f51\" stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>", W - RIGHT);
    for (x, y) in &rewards {
        let _ = writeln!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\" fill=\"#333\" fill-opacity=\"0.65\"/>",
            fr.x(*x),
            fr.y(*y)
        );
    }
    for (x, y) in &evals {
        let (cx, cy) = (fr.x(*x), fr.y(*y));
        let _ = writeln!(
            s,
            "<path d=\"M{:.1},{:.1} l4,4 l-4,4 l-4,-4 z\" fill=\"#2a9d8f\" stroke=\"#1b6b61\"/>",
            cx,
            cy - 4.0
        );
    }
    // the plateau announced at each decision point (step line)
    let mut trace = Vec::new();
    for (i, (x, v, _, _)) in run.trace.iter().enumerate() {
        if !v.is_finite() {
            continue;
        }
        let y = fr.y(v.clamp(fr.y0, fr.y1));
        if i > 0 {
            if let Some(&(_, py)) = trace.last() {
                trace.push((fr.x(*x), py));
            }
        }
        trace.push((fr.x(*x), y));
    }
    if trace.len() > 1 {
        polyline(
            &mut s,
            &trace,
            "stroke=\"#8d5fd3\" stroke-width=\"1.3\" stroke-opacity=\"0.8\"",
        );
    }
    polyline(
        &mut s,
        &pts(&|f| f.value),
        "stroke=\"#1d4e89\" stroke-width=\"2\"",
    );
    let xl = fr.x(last);
    if let Some((stop, kind)) = run.first_stop {
        let xs = fr.x(stop);
        let _ = writeln!(s, "<line x1=\"{xs:.1}\" y1=\"{TOP}\" x2=\"{xs:.1}\" y2=\"{:.1}\" stroke=\"#c1121f\" stroke-width=\"1.5\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#c1121f\">first stop advice: step {} ({kind:?})</text>", H - BOTTOM, xs + 4.0, TOP + 14.0, fmt_tick(stop));
    }
    let _ = writeln!(s, "<line x1=\"{xl:.1}\" y1=\"{TOP}\" x2=\"{xl:.1}\" y2=\"{:.1}\" stroke=\"#999\" stroke-dasharray=\"2 3\"/>", H - BOTTOM);

    // title and legend
    let _ = writeln!(
        s,
        "<text x=\"{LEFT}\" y=\"24\" font-size=\"14\"><tspan font-weight=\"bold\">{}</tspan>  model {:?}, R\u{b2} = {:.3}; plateau {:.4} (80%: {:.4} .. {:.4}); {:?}</text>",
        escape(&run.name), p.model, p.r2, plat.value, plat.lo80, plat.hi80, p.advice.kind
    );
    let lx = W - RIGHT - 210.0;
    let ly = H - BOTTOM - 120.0;
    let _ = writeln!(s, "<rect x=\"{lx:.1}\" y=\"{ly:.1}\" width=\"200\" height=\"112\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#ccc\"/>");
    let items = [
        ("<circle cx=\"10\" cy=\"0\" r=\"3\" fill=\"#333\"/>", "observed reward"),
        ("<line x1=\"0\" y1=\"0\" x2=\"20\" y2=\"0\" stroke=\"#1d4e89\" stroke-width=\"2\"/>", "fitted curve"),
        ("<rect x=\"0\" y=\"-5\" width=\"20\" height=\"10\" fill=\"#b5cfee\"/>", "80% / 95% band"),
        ("<line x1=\"0\" y1=\"0\" x2=\"20\" y2=\"0\" stroke=\"#e76f51\" stroke-dasharray=\"6 4\"/>", "predicted plateau (80% band)"),
        ("<path d=\"M10,-4 l4,4 l-4,4 l-4,-4 z\" fill=\"#2a9d8f\"/>", "eval reward"),
        ("<line x1=\"0\" y1=\"0\" x2=\"20\" y2=\"0\" stroke=\"#8d5fd3\" stroke-width=\"1.3\"/>", "plateau announced online"),
    ];
    for (i, (glyph, label)) in items.iter().enumerate() {
        let y = ly + 14.0 + 17.0 * i as f64;
        let _ = writeln!(s, "<g transform=\"translate({:.1} {y:.1})\">{glyph}</g><text x=\"{:.1}\" y=\"{:.1}\">{label}</text>", lx + 8.0, lx + 36.0, y + 4.0);
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
