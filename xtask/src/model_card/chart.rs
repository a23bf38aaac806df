//! The card's loss curves: the smoothed training loss and the validation loss against the
//! iteration, two polylines on a log-scale y axis with a line at 1, 2 and 5 of each decade.

use super::metrics::Metrics;

/// The plot area's left, top, right and bottom edges, in px of a 720 × 400 picture.
const AREA: [f64; 4] = [56.0, 56.0, 664.0, 344.0];
/// At most about this many points a line, so that a long run's picture stays small.
const MAX_POINTS: usize = 800;

pub fn loss_curves(m: &Metrics, title: &str) -> String {
    let train = m
        .train
        .iter()
        .map(|p| p.iteration)
        .zip(m.smoothed(|p| p.loss));
    let train: Vec<(u64, f64)> = train.collect();
    let val: Vec<(u64, f64)> = m.val.iter().map(|p| (p.iteration, p.loss)).collect();
    let points = || train.iter().chain(&val).filter(|p| p.1 > 0.0);
    let last = points().map(|p| p.0).max().unwrap_or(1).max(1);
    let lo = points()
        .map(|p| p.1.log10().floor())
        .reduce(f64::min)
        .unwrap_or(0.0);
    let hi = points()
        .map(|p| p.1.log10().ceil())
        .fold(lo + 1.0, f64::max);
    let [left, top, right, bottom] = AREA;
    let x = |i: u64| left + i as f64 / last as f64 * (right - left);
    let y = |v: f64| bottom - (v.log10() - lo) / (hi - lo) * (bottom - top);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"400\" font-family=\"sans-serif\" \
         font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n\
         <text x=\"360\" y=\"28\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n\
         <text x=\"360\" y=\"386\" text-anchor=\"middle\">iteration, 0 to {last} (loss on a log scale; \
         blue: training, smoothed; red: validation)</text>\n",
        title.replace('&', "&amp;").replace('<', "&lt;")
    );
    let decades = (lo as i32..hi as i32).flat_map(|d| [1.0, 2.0, 5.0].map(|k| k * 10f64.powi(d)));
    for v in decades.chain([10f64.powf(hi)]) {
        let at = y(v);
        svg += &format!(
            "<line x1=\"{left}\" x2=\"{right}\" y1=\"{at:.1}\" y2=\"{at:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>\n",
            left - 6.0,
            at + 4.0
        );
    }
    for (series, colour) in [(&train, "#08519c"), (&val, "#cb181d")] {
        let every = series.len().div_ceil(MAX_POINTS).max(1);
        let kept = series
            .iter()
            .step_by(every)
            .chain(series.last().filter(|_| every > 1));
        let visible = kept.filter(|p| p.1 > 0.0);
        let coords: Vec<String> = visible
            .map(|&(i, v)| format!("{:.1},{:.1}", x(i), y(v)))
            .collect();
        let coords = coords.join(" ");
        svg += &format!("<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{coords}\"/>\n");
    }
    svg + "</svg>\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_card::metrics::point;

    #[test]
    fn both_curves_and_the_decades_they_span_are_drawn() {
        let train = (1..=3000).map(|i| point(i, 5000.0 / i as f64 + 20.0, 1.0));
        let val = (1..=6).map(|k| point(500 * k, 30.0, 1.0)).collect();
        let metrics = Metrics {
            train: train.collect(),
            val,
            seconds: 0.0,
        };
        let svg = loss_curves(&metrics, "a <run>");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        // Every 4th of the 3000 training points, and the last.
        let points = svg
            .split("points=\"")
            .nth(1)
            .and_then(|p| p.split('"').next());
        assert_eq!(points.map(|p| p.split(' ').count()), Some(751));
        assert!(svg.contains(">a &lt;run></text>") && svg.contains("iteration, 0 to 3000"));
        // Losses from about 20 to 5000: lines from 10 to 10000.
        for tick in [">10<", ">50<", ">5000<", ">10000<"] {
            assert!(svg.contains(tick), "no {tick} in\n{svg}");
        }
        assert!(!svg.contains(">20000<") && !svg.contains(">5<"), "{svg}");
    }
}
