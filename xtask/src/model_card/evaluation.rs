//! The card's tables from `adain-train eval --json` reports (schema: `adain_models::reports`): one
//! model's evaluation, and several models side by side on the same pairs (before and after).

use std::collections::BTreeSet;

use adain_models::reports::{EvalReport, PairReport};
use serde_json::json;

use super::markdown::{fill, pair, short, table};

/// How many of the baseline's worst-coloured pairs the before/after section follows.
const WORST: usize = 6;

/// The `## Evaluation` section: the primary numbers (what `adain stylize` writes) beside the
/// centre-crop float ones (what training's validation sees), each labelled with what it scores.
const EVALUATION: &str = "
## Evaluation

`adain-train eval`: {pairs} content × style pairs, α = 1.

- **whole image, 8-bit** (the primary numbers): what a user gets. Content and style whole, shorter side resized to {size} px; the decoder's output cropped to the content's size, clamped to [0, 1] and quantised to 8 bits, as `adain stylize` writes it.
- **centre crop, float** (`crop_float` in the report): {size}² centre crops and the decoder's raw float output, neither clamped nor quantised, like training's validation loss.

| scoring | content loss | style loss | content + 10·style |
|---|---|---|---|
| whole image, 8-bit | {content_loss:.4} | {style_loss:.4} | {total_loss:.4} |
| centre crop, float | {crop_float.content_loss:.4} | {crop_float.style_loss:.4} | {crop_float.total_loss:.4} |

Checkerboard: the spectrum at the decoder's upsampling periods (2, 4, 8 px) over its neighbourhood, along rows and columns (`adain-train eval`; about 1 = no periodic pattern), mean / worst over the pairs.

| | whole image, 8-bit | centre crop, float |
|---|---|---|
| stylized outputs | {checkerboard.outputs.mean:.2} / {checkerboard.outputs.max:.2} | {crop_float.checkerboard.outputs.mean:.2} / {crop_float.checkerboard.outputs.max:.2} |
| their contents | {checkerboard.contents.mean:.2} / {checkerboard.contents.max:.2} | {crop_float.checkerboard.contents.mean:.2} / {crop_float.checkerboard.contents.max:.2} |
";

/// The before/after section's text around its two tables, of the models and of the worst pairs.
const COMPARISON: &str = "
## Before and after: {labels}

`adain-train eval` of each model on the same {report.pairs} held-out content × style pairs, α = 1, whole images (shorter side resized to the size), outputs clamped and quantised to 8 bits as `adain stylize` writes them. The style loss is the sum of its mean (μ) and std (σ) parts over relu1_1 … relu4_1. Colour distance: the 2-Wasserstein distance between the output's and the style's colour distributions in CIELAB, each taken as a Gaussian (its mean and covariance), in Lab units; the contents themselves score {report.colour.contents.mean:.2} on average at {report.size} px.

{models}
The {worst} pairs whose colours {baseline} got furthest from the style's at {report.size} px (colour distance; style loss in brackets):

{worst_pairs}";

pub fn section(e: &EvalReport) -> String {
    let values = serde_json::to_value(e).unwrap_or_default();
    fill(EVALUATION, &values).unwrap_or_else(|| {
        tracing::warn!("the evaluation report has a number missing (NaN?): no Evaluation section");
        String::new()
    })
}

/// The before/after section for `(label, report)`s, the first label the baseline: per size a row
/// per model with the style loss split per layer and the colour distance, then the pairs whose
/// colours the baseline got most wrong, followed through the other models at its size.
pub fn comparison(reports: &[(String, EvalReport)]) -> String {
    let Some((baseline, first)) = reports.first() else {
        return String::new();
    };
    let mut seen = BTreeSet::new();
    let labels: Vec<&str> = reports.iter().map(|(label, _)| label.as_str()).collect();
    let labels: Vec<&str> = labels.into_iter().filter(|l| seen.insert(*l)).collect();
    let mut header = "size | model | content loss | style loss".to_string();
    for layer in &first.primary.style_layers {
        header += &format!(" | {} μ / σ", layer.layer);
    }
    let mut rows = Vec::new();
    let sizes: BTreeSet<u32> = reports.iter().map(|(_, r)| r.size).collect();
    for size in sizes {
        for (label, r) in reports.iter().filter(|(_, r)| r.size == size) {
            let (content, style, colour) = (
                r.primary.content_loss,
                r.primary.style_loss,
                &r.primary.colour.outputs,
            );
            let mut row = format!("{size} | {label} | {content:.4} | {style:.4}");
            for layer in &r.primary.style_layers {
                row += &format!(" | {}", pair(layer.mean, layer.std, 4));
            }
            rows.push(format!("{row} | {}", pair(colour.mean, colour.max, 2)));
        }
    }

    let at_its_size = |(_, r): &&(String, EvalReport)| r.size == first.size;
    let others: Vec<&(String, EvalReport)> = reports[1..].iter().filter(at_its_size).collect();
    let mut pair_header = format!("content | style | content itself | {baseline}");
    for (label, _) in &others {
        pair_header += &format!(" | {label}");
    }
    let scores = |p: &PairReport| format!("{:.1} ({:.2})", p.colour, p.style_loss);
    let mut worst: Vec<&PairReport> = first.pair_scores.iter().collect();
    worst.sort_by(|a, b| b.colour.total_cmp(&a.colour));
    let mut pair_rows = Vec::new();
    for w in worst.into_iter().take(WORST) {
        let (content, style, itself) = (short(&w.content), short(&w.style), w.content_colour);
        let mut row = format!("{content} | {style} | {itself:.1} | {}", scores(w));
        for (_, r) in &others {
            let same = |p: &&PairReport| p.content == w.content && p.style == w.style;
            let followed = r.pair_scores.iter().find(same).map_or("–".into(), scores);
            row += &format!(" | {followed}");
        }
        pair_rows.push(row);
    }
    let models = table(&format!("{header} | colour distance mean / worst"), &rows);
    let values = json!({
        "baseline": baseline, "report": first, "labels": labels.join(" → "), "worst": WORST,
        "models": models, "worst_pairs": table(&pair_header, &pair_rows),
    });
    fill(COMPARISON, &values).unwrap_or_else(|| {
        tracing::warn!("a compared report has a number missing (NaN?): no before/after section");
        String::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two pairs, a.jpg and b.jpg with one style; the crop scoring differs from the primary one.
    fn report(size: u32, style: f64, colours: [f64; 2]) -> EvalReport {
        let (q, worst) = (style / 4.0, colours[0].max(colours[1]));
        let mean = (colours[0] + colours[1]) / 2.0;
        let scores = |content: f64, board: f64| {
            format!(
                r#""content_loss": {content}, "style_loss": {style}, "total_loss": 9,
                "checkerboard": {{"outputs": {{"mean": {board}, "max": 2.5}},
                    "contents": {{"mean": 1, "max": 1.1}}}},
                "style_layers": [{{"layer": "relu1_1", "mean": {q}, "std": {q}}},
                    {{"layer": "relu4_1", "mean": {q}, "std": {q}}}],
                "colour": {{"outputs": {{"mean": {mean}, "max": {worst}}},
                    "contents": {{"mean": 30, "max": 30}}}}"#
            )
        };
        let pair = |content: &str, colour: f64| {
            format!(
                r#"{{"content": "{content}", "style": "/data/train/style/s.jpg", "content_loss": 6,
                "style_loss": {style}, "colour": {colour}, "content_colour": 30}}"#
            )
        };
        let (primary, crop) = (scores(6.0, 1.25), scores(1.25, 1.5));
        let (a, b) = (pair("a.jpg", colours[0]), pair("b.jpg", colours[1]));
        let json = format!(
            r#"{{"model": "m", "pairs": 2, "size": {size}, "match_style_color": false,
            "scoring": "", {primary}, "crop_float": {{"scoring": "", {crop}}},
            "pair_scores": [{a}, {b}]}}"#
        );
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn both_scorings_are_shown_and_named_the_primary_first() {
        let text = section(&report(256, 0.25, [1.0, 2.0]));
        assert!(text.contains("2 content × style pairs"), "{text}");
        assert!(text.contains("**centre crop, float** (`crop_float` in the report): 256² centre"));
        let whole = text.find("| whole image, 8-bit | 6.0000 | 0.2500 | 9.0000 |");
        let crop = text.find("| centre crop, float | 1.2500 | 0.2500 | 9.0000 |");
        assert!(whole.is_some() && crop.is_some() && whole < crop, "{text}");
        assert!(
            text.contains("| stylized outputs | 1.25 / 2.50 | 1.50 / 2.50 |"),
            "{text}"
        );
        assert!(
            text.contains("| their contents | 1.00 / 1.10 | 1.00 / 1.10 |"),
            "{text}"
        );
    }

    #[test]
    fn every_model_and_size_has_a_row_and_the_worst_pairs_are_followed() {
        let text = comparison(&[
            ("v1".into(), report(256, 1.0, [12.0, 20.0])),
            ("v1".into(), report(512, 2.0, [14.0, 22.0])),
            ("v2".into(), report(256, 0.5, [6.0, 8.0])),
            ("v2".into(), report(512, 1.0, [7.0, 9.0])),
        ]);
        assert!(text.contains("## Before and after: v1 → v2\n"), "{text}");
        let header =
            "| relu4_1 μ / σ | colour distance mean / worst |\n|---|---|---|---|---|---|---|\n";
        assert!(text.contains(header), "{text}");
        // By size, whatever the order given.
        let rows = "| 256 | v1 | 6.0000 | 1.0000 | 0.2500 / 0.2500 | 0.2500 / 0.2500 | 16.00 / 20.00 |\n\
                    | 256 | v2 | 6.0000 | 0.5000 | 0.1250 / 0.1250 | 0.1250 / 0.1250 | 7.00 / 8.00 |\n\
                    | 512 | v1 |";
        assert!(text.contains(rows), "{text}");
        // b.jpg is v1's worst at 256, listed first, with v2's numbers for the same pair.
        let pairs = "| b.jpg | train/style/s.jpg | 30.0 | 20.0 (1.00) | 8.0 (0.50) |\n\
                     | a.jpg | train/style/s.jpg | 30.0 | 12.0 (1.00) | 6.0 (0.50) |\n";
        assert!(text.ends_with(pairs), "{text}");
    }
}
