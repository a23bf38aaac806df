//! The card's loss curves: the smoothed training loss and the validation loss against the
//! iteration, two polylines on a log-scale y axis with decade lines, in a plain SVG.

use std::fmt::Write as _;

use super::metrics::Metrics;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 400.0;
const MARGIN: f64 = 56.0;
/// At most this many points per line, so a long run's file stays small.
const MAX_POINTS: usize = 800;

pub fn loss_curves(m: &Metrics, title: &str) -> String {
    let train: Vec<(f64, f64)> = m
        .train
        .iter()
        .zip(m.smoothed(|p| p.loss))
        .map(|(p, loss)| (p.iteration as f64, loss))
        .collect();
    let val: Vec<(f64, f64)> = m.val.iter().map(|p| (p.iteration as f64, p.loss)).collect();
    let points = || train.iter().chain(&val).filter(|p| p.1 > 0.0);
    let x_max = points().map(|p| p.0).fold(1.0, f64::max);
    let lo = points().map(|p| p.1.log10()).fold(f64::MAX, f64::min);
    let hi = points().map(|p| p.1.log10()).fold(f64::MIN, f64::max);
    let (lo, hi) = if lo <= hi {
        (lo.floor(), hi.ceil().max(lo.floor() + 1.0))
    } else {
        (0.0, 1.0)
    };
    let x = |i: f64| MARGIN + i / x_max * (WIDTH - 2.0 * MARGIN);
    let y = |v: f64| HEIGHT - MARGIN - (v.log10() - lo) / (hi - lo) * (HEIGHT - 2.0 * MARGIN);

    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n\
         <text x=\"{}\" y=\"28\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
        WIDTH / 2.0,
        title.replace('&', "&amp;").replace('<', "&lt;")
    );
    // Decades, with 2 and 5 between them when the range is narrow enough to leave room.
    let steps: &[f64] = if hi - lo > 3.0 {
        &[1.0]
    } else {
        &[1.0, 2.0, 5.0]
    };
    for decade in lo as i32..=hi as i32 {
        for v in steps.iter().map(|m| m * 10f64.powi(decade)) {
            if v.log10() > hi + 1e-9 {
                continue;
            }
            let (at, text, right, left) = (y(v), label(v), WIDTH - MARGIN, MARGIN - 6.0);
            let _ = writeln!(
                svg,
                "<line x1=\"{MARGIN}\" x2=\"{right}\" y1=\"{at:.1}\" y2=\"{at:.1}\" stroke=\"#ddd\"/>\
                 <text x=\"{left}\" y=\"{:.1}\" text-anchor=\"end\">{text}</text>",
                at + 4.0
            );
        }
    }
    for k in 0..=4 {
        let i = x_max * f64::from(k) / 4.0;
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x(i),
            HEIGHT - MARGIN + 18.0,
            label(i.round())
        );
    }
    for (series, colour, name, row) in [
        (&train, "#08519c", "training loss, smoothed", 0.0),
        (&val, "#cb181d", "validation loss", 1.0),
    ] {
        let every = series.len().div_ceil(MAX_POINTS).max(1);
        let coords: Vec<String> = series
            .iter()
            .enumerate()
            .filter(|(i, p)| p.1 > 0.0 && (i % every == 0 || i + 1 == series.len()))
            .map(|(_, &(i, v))| format!("{:.1},{:.1}", x(i), y(v)))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" fill=\"{colour}\" text-anchor=\"end\">{name}</text>",
            coords.join(" "),
            WIDTH - MARGIN - 8.0,
            MARGIN + 16.0 + 16.0 * row
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">iteration (loss on a log scale)</text>\n</svg>",
        WIDTH / 2.0,
        HEIGHT - 14.0
    );
    svg
}

/// `12000` → `12k`; small numbers as they are, without trailing zeros.
fn label(v: f64) -> String {
    let (v, suffix) = if v >= 1e3 { (v / 1e3, "k") } else { (v, "") };
    format!("{}{suffix}", (v * 1000.0).round() / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_card::metrics::Point;

    #[test]
    fn both_curves_and_the_decades_they_span_are_drawn() {
        let point = |i: u64, loss| Point {
            iteration: i,
            loss,
            content: 1.0,
        };
        let m = Metrics {
            train: (1..=300)
                .map(|i| point(10 * i, 5000.0 / i as f64 + 20.0))
                .collect(),
            val: (1..=6).map(|k| point(500 * k, 30.0)).collect(),
            ..Metrics::default()
        };
        let svg = loss_curves(&m, "a <run>");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("a &lt;run>"));
        for tick in [">10<", ">100<", ">1k<", ">3k<", ">1.5k<"] {
            assert!(svg.contains(tick), "no {tick} in\n{svg}");
        }
        assert_eq!(label(0.5), "0.5");
    }
}
