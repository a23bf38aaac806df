//! The loss curves as a self-contained SVG: training loss (raw, faint, and smoothed) with its content
//! and weighted style terms, and the validation loss, against the iteration; log-scale y axis.

use std::fmt::Write as _;

use super::metrics::{default_span, smooth, Metrics, Point};

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 430.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 44.0;
const BOTTOM: f64 = 52.0;
/// At most this many points per polyline (the file stays small for long runs).
const MAX_POINTS: usize = 800;

/// 1, 2 or 5 × 10ᵏ, the first at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.max(1e-12).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// `12000` → `12k`; small numbers keep up to three significant digits.
fn label(v: f64) -> String {
    if v >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if v >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.into()
    }
}

struct Axes {
    x_max: f64,
    log_min: f64,
    log_max: f64,
}

impl Axes {
    fn x(&self, iteration: f64) -> f64 {
        LEFT + iteration / self.x_max * (WIDTH - LEFT - RIGHT)
    }
    fn y(&self, loss: f64) -> f64 {
        let t = (loss.max(1e-300).log10() - self.log_min) / (self.log_max - self.log_min);
        HEIGHT - BOTTOM - t.clamp(-0.02, 1.02) * (HEIGHT - TOP - BOTTOM)
    }
}

fn polyline(svg: &mut String, axes: &Axes, points: &[(u64, f64)], style: &str) {
    if points.is_empty() {
        return;
    }
    let every = points.len().div_ceil(MAX_POINTS);
    let mut coords = String::new();
    for (i, (it, v)) in points.iter().enumerate() {
        if i % every == 0 || i == points.len() - 1 {
            let _ = write!(coords, "{:.1},{:.1} ", axes.x(*it as f64), axes.y(*v));
        }
    }
    let _ = writeln!(
        svg,
        r#"<polyline fill="none" {style} points="{}"/>"#,
        coords.trim_end()
    );
}

/// The chart for `metrics`, titled `title`.
pub fn loss_curves(metrics: &Metrics, title: &str) -> String {
    let train = &metrics.train;
    let span = default_span(train.len());
    let series = |f: fn(&Point) -> f64| -> Vec<f64> {
        smooth(&train.iter().map(f).collect::<Vec<_>>(), span)
    };
    let (loss, content, style) = (
        series(|p| p.loss),
        series(|p| p.content),
        series(|p| p.weighted_style),
    );
    let iterations: Vec<u64> = train.iter().map(|p| p.iteration).collect();
    let zip = |v: &[f64]| -> Vec<(u64, f64)> {
        iterations.iter().copied().zip(v.iter().copied()).collect()
    };
    let raw: Vec<(u64, f64)> = train.iter().map(|p| (p.iteration, p.loss)).collect();
    let val: Vec<(u64, f64)> = metrics.val.iter().map(|p| (p.iteration, p.loss)).collect();

    // The y range covers the smoothed curves and validation; raw spikes may leave the plot.
    let shown = loss
        .iter()
        .chain(&content)
        .chain(&style)
        .copied()
        .chain(val.iter().map(|v| v.1))
        .filter(|v| *v > 0.0 && v.is_finite());
    let (lo, hi) = shown.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (1.0, 10.0) };
    let axes = Axes {
        x_max: iterations
            .iter()
            .chain(metrics.val.iter().map(|p| &p.iteration))
            .copied()
            .max()
            .unwrap_or(1)
            .max(1) as f64,
        // A little room so no curve runs along the frame.
        log_min: (lo / 1.25).log10().floor(),
        log_max: (hi * 1.25)
            .log10()
            .ceil()
            .max((lo / 1.25).log10().floor() + 1.0),
    };

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
        WIDTH / 2.0,
        escape(title)
    );

    // Grid and ticks: decades (and 2, 5 between them when the range is narrow) on y, 1-2-5 steps on x.
    let decades = (axes.log_max - axes.log_min) as i32;
    for d in axes.log_min as i32..=axes.log_max as i32 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powi(d);
            if (m != 1.0 && decades > 3) || v.log10() > axes.log_max + 1e-9 {
                continue;
            }
            let y = axes.y(v);
            let stroke = if m == 1.0 { "#cccccc" } else { "#eeeeee" };
            let _ = writeln!(
                svg,
                r#"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="{stroke}"/>"#,
                WIDTH - RIGHT
            );
            let _ = writeln!(
                svg,
                r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                LEFT - 6.0,
                y + 4.0,
                label(v)
            );
        }
    }
    let step = nice_step(axes.x_max / 6.0);
    let mut t = 0.0;
    while t <= axes.x_max + 1e-9 {
        let x = axes.x(t);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{}" stroke="#eeeeee"/>"##,
            HEIGHT - BOTTOM
        );
        let _ = writeln!(
            svg,
            r#"<text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"#,
            HEIGHT - BOTTOM + 16.0,
            label(t)
        );
        t += step;
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{TOP}" width="{}" height="{}" fill="none" stroke="#444444"/>"##,
        WIDTH - LEFT - RIGHT,
        HEIGHT - TOP - BOTTOM
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">iteration</text>"#,
        (LEFT + WIDTH - RIGHT) / 2.0,
        HEIGHT - 12.0
    );
    let _ = writeln!(
        svg,
        r#"<text transform="translate(18 {}) rotate(-90)" text-anchor="middle">loss (log scale)</text>"#,
        (TOP + HEIGHT - BOTTOM) / 2.0
    );

    let _ = writeln!(
        svg,
        r#"<clipPath id="plot"><rect x="{LEFT}" y="{TOP}" width="{}" height="{}"/></clipPath>"#,
        WIDTH - LEFT - RIGHT,
        HEIGHT - TOP - BOTTOM
    );
    let _ = writeln!(svg, r#"<g clip-path="url(#plot)">"#);
    polyline(
        &mut svg,
        &axes,
        &raw,
        r##"stroke="#9ecae1" stroke-width="0.7""##,
    );
    polyline(
        &mut svg,
        &axes,
        &zip(&content),
        r##"stroke="#31a354" stroke-width="1.3""##,
    );
    polyline(
        &mut svg,
        &axes,
        &zip(&style),
        r##"stroke="#e6550d" stroke-width="1.3""##,
    );
    polyline(
        &mut svg,
        &axes,
        &zip(&loss),
        r##"stroke="#08519c" stroke-width="2""##,
    );
    polyline(
        &mut svg,
        &axes,
        &val,
        r##"stroke="#cb181d" stroke-width="1.5" stroke-dasharray="5 3""##,
    );
    for (it, v) in &val {
        let _ = writeln!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="2.6" fill="#cb181d"/>"##,
            axes.x(*it as f64),
            axes.y(*v)
        );
    }
    svg.push_str("</g>\n");

    let legend = [
        ("#9ecae1", "training loss (per logged interval)"),
        ("#08519c", "training loss, smoothed"),
        ("#31a354", "content term, smoothed"),
        ("#e6550d", "weighted style term, smoothed"),
        ("#cb181d", "validation loss"),
    ];
    let (lx, ly) = (WIDTH - RIGHT - 236.0, TOP + 10.0);
    let _ = writeln!(
        svg,
        r##"<rect x="{}" y="{}" width="228" height="{}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>"##,
        lx - 6.0,
        ly - 4.0,
        legend.len() as f64 * 16.0 + 6.0
    );
    for (i, (color, text)) in legend.iter().enumerate() {
        let y = ly + 8.0 + i as f64 * 16.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{lx}" x2="{}" y1="{y}" y2="{y}" stroke="{color}" stroke-width="2.5"/>"#,
            lx + 22.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}">{text}</text>"#,
            lx + 28.0,
            y + 4.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_card::metrics::parse;

    #[test]
    fn ticks_and_labels() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1300.0), 2000.0);
        assert_eq!(nice_step(4100.0), 5000.0);
        assert_eq!(label(20000.0), "20k");
        assert_eq!(label(2500.0), "2.5k");
        assert_eq!(label(0.5), "0.5");
        assert_eq!(label(0.0), "0");
    }

    #[test]
    fn chart_has_every_series_and_decade_ticks() {
        let mut text = String::new();
        for i in 1..=300u64 {
            let loss = 5000.0 / i as f64 + 20.0;
            text += &format!(
                "{{\"kind\":\"train\",\"iteration\":{},\"lr\":0.0001,\"loss\":{loss},\"content\":{},\"style\":{},\"seconds_per_iteration\":1.5}}\n",
                i * 10,
                loss * 0.4,
                loss * 0.06
            );
            if i % 50 == 0 {
                text += &format!(
                    "{{\"kind\":\"val\",\"iteration\":{},\"loss\":{},\"content\":1,\"style\":1}}\n",
                    i * 10,
                    loss * 1.1
                );
            }
        }
        let svg = loss_curves(&parse(&text), "test <run>");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 5);
        assert_eq!(svg.matches("<circle").count(), 6);
        assert!(svg.contains("test &lt;run&gt;"));
        for tick in [">10<", ">100<", ">1k<", ">3k<", ">iteration<"] {
            assert!(svg.contains(tick), "no {tick} in the chart");
        }
    }
}
