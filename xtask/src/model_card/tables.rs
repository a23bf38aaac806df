//! The card's tables from `adain-train eval --json` reports (schema: `adain_models::reports`): one
//! model's evaluation, and several models side by side on the same pairs (before and after).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use adain_models::reports::{EvalReport, PairReport};

const WHOLE_8BIT: &str = "whole image, 8-bit";
const CROP_FLOAT: &str = "centre crop, float";
/// How many of the baseline's worst-coloured pairs the before/after section follows.
const WORST: usize = 6;

/// The `## Evaluation` section: the primary numbers (what `adain stylize` writes) beside the
/// centre-crop float ones (what training's validation sees), each labelled with what it scores.
pub fn evaluation(e: &EvalReport) -> String {
    let (size, crop) = (e.size, &e.crop_float);
    let mut s = format!(
        "\n## Evaluation\n\n`adain-train eval`: {} content × style pairs, α = 1.\n\n\
         - **{WHOLE_8BIT}** (the primary numbers): what a user gets. Content and style whole, shorter side \
         resized to {size} px; the decoder's output cropped to the content's size, clamped to [0, 1] and \
         quantised to 8 bits, as `adain stylize` writes it.\n\
         - **{CROP_FLOAT}** (`crop_float` in the report): {size}² centre crops and the decoder's raw float \
         output, neither clamped nor quantised, like training's validation loss.\n\n\
         | scoring | content loss | style loss | content + 10·style |\n|---|---|---|---|\n",
        e.pairs
    );
    for (name, content, style, total) in [
        (WHOLE_8BIT, e.content_loss, e.style_loss, e.total_loss),
        (
            CROP_FLOAT,
            crop.content_loss,
            crop.style_loss,
            crop.total_loss,
        ),
    ] {
        let _ = writeln!(s, "| {name} | {content:.4} | {style:.4} | {total:.4} |");
    }
    let _ = writeln!(
        s,
        "\nCheckerboard: the spectrum at the decoder's upsampling periods (2, 4, 8 px) over its neighbourhood, \
         along rows and columns (`adain-train eval`; about 1 = no periodic pattern), mean / worst over the pairs.\n\n\
         | | {WHOLE_8BIT} | {CROP_FLOAT} |\n|---|---|---|"
    );
    let (a, b) = (&e.checkerboard, &crop.checkerboard);
    for (label, x, y) in [
        ("stylized outputs", a.outputs, b.outputs),
        ("their contents", a.contents, b.contents),
    ] {
        let _ = writeln!(
            s,
            "| {label} | {:.2} / {:.2} | {:.2} / {:.2} |",
            x.mean, x.max, y.mean, y.max
        );
    }
    s
}

/// The before/after section for `(label, report)`s, the first label the baseline: per size a row
/// per model with the style loss split per layer and the colour distance, then the pairs whose
/// colours the baseline got most wrong, followed through the other models.
pub fn comparison(reports: &[(String, EvalReport)]) -> String {
    let mut s = String::new();
    let Some((baseline, first)) = reports.first() else {
        return s;
    };
    let mut labels: Vec<&str> = Vec::new();
    for (label, _) in reports {
        if !labels.contains(&label.as_str()) {
            labels.push(label);
        }
    }
    let _ = writeln!(
        s,
        "\n## Before and after: {}\n\n`adain-train eval` of each model on the same {} held-out content × style pairs, \
         α = 1, whole images (shorter side resized to the size), outputs clamped and quantised to 8 bits as \
         `adain stylize` writes them. The style loss is the sum of its mean (μ) and std (σ) parts over relu1_1 … \
         relu4_1. Colour distance: the 2-Wasserstein distance between the output's and the style's colour \
         distributions in CIELAB, each taken as a Gaussian (its mean and covariance), in Lab units; the \
         contents themselves score {:.2} on average at {} px.\n",
        labels.join(" → "),
        first.pairs,
        first.colour.contents.mean,
        first.size,
    );
    let header: String = first
        .style_layers
        .iter()
        .map(|l| format!(" {} μ / σ |", l.layer))
        .collect();
    let rule = "---|".repeat(first.style_layers.len());
    let _ = writeln!(
        s,
        "| size | model | content loss | style loss |{header} colour distance mean / worst |\n|---|---|---|---|{rule}---|"
    );
    let sizes: BTreeSet<u32> = reports.iter().map(|(_, r)| r.size).collect();
    for size in &sizes {
        for (label, r) in reports.iter().filter(|(_, r)| r.size == *size) {
            let layers: String = r
                .style_layers
                .iter()
                .map(|l| format!(" {:.4} / {:.4} |", l.mean, l.std))
                .collect();
            let _ = writeln!(
                s,
                "| {size} | {label} | {:.4} | {:.4} |{layers} {:.2} / {:.2} |",
                r.content_loss, r.style_loss, r.colour.outputs.mean, r.colour.outputs.max
            );
        }
    }
    let mut worst: Vec<&PairReport> = first.pair_scores.iter().collect();
    worst.sort_by(|a, b| b.colour.total_cmp(&a.colour));
    worst.truncate(WORST);
    let others: Vec<&(String, EvalReport)> = reports[1..]
        .iter()
        .filter(|(_, r)| r.size == first.size)
        .collect();
    let cols: String = others.iter().map(|(l, _)| format!(" {l} |")).collect();
    let _ = writeln!(
        s,
        "\nThe {WORST} pairs whose colours {baseline} got furthest from the style's at {} px (colour distance; \
         style loss in brackets):\n\n| content | style | content itself | {baseline} |{cols}\n|---|---|---|---|{}",
        first.size,
        "---|".repeat(others.len())
    );
    for pair in worst {
        let cells: String = others
            .iter()
            .map(|(_, r)| {
                r.pair_scores
                    .iter()
                    .find(|p| p.content == pair.content && p.style == pair.style)
                    .map_or(" – |".to_string(), |p| {
                        format!(" {:.1} ({:.2}) |", p.colour, p.style_loss)
                    })
            })
            .collect();
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} | {:.1} ({:.2}) |{cells}",
            short(&pair.content),
            short(&pair.style),
            pair.content_colour,
            pair.colour,
            pair.style_loss
        );
    }
    s
}

/// The last three parts of a path (set/kind/file), whatever folder the lists lay in.
pub fn short(path: &str) -> String {
    let parts: Vec<&str> = path.rsplit('/').take(3).collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use adain_models::reports::{Checkerboard, ColourFidelity, LayerTerms, Scores, Spread};

    fn spread(mean: f64, max: f64) -> Spread {
        Spread { mean, max }
    }

    fn report(size: u32, style: f64, colours: [f64; 2]) -> EvalReport {
        let scores = Scores {
            scoring: String::new(),
            content_loss: 6.0,
            style_loss: style,
            total_loss: 6.0 + 10.0 * style,
            checkerboard: Checkerboard {
                outputs: spread(1.25, 2.5),
                contents: spread(1.0, 1.1),
            },
            style_layers: ["relu1_1", "relu4_1"]
                .iter()
                .map(|l| LayerTerms {
                    layer: l.to_string(),
                    mean: style / 4.0,
                    std: style / 4.0,
                })
                .collect(),
            colour: ColourFidelity {
                outputs: spread((colours[0] + colours[1]) / 2.0, colours[0].max(colours[1])),
                contents: spread(30.0, 30.0),
            },
        };
        let pair = |content: &str, colour: f64| PairReport {
            content: content.into(),
            style: "s.jpg".into(),
            content_loss: 6.0,
            style_loss: style,
            colour,
            content_colour: 30.0,
        };
        EvalReport {
            model: "m".into(),
            pairs: 2,
            size,
            match_style_color: false,
            scoring: scores.scoring.clone(),
            content_loss: scores.content_loss,
            style_loss: scores.style_loss,
            total_loss: scores.total_loss,
            checkerboard: scores.checkerboard.clone(),
            style_layers: scores.style_layers.clone(),
            colour: scores.colour.clone(),
            crop_float: Scores {
                content_loss: 1.25,
                checkerboard: Checkerboard {
                    outputs: spread(1.5, 3.0),
                    contents: spread(1.02, 1.2),
                },
                ..scores
            },
            pair_scores: vec![pair("a.jpg", colours[0]), pair("b.jpg", colours[1])],
        }
    }

    #[test]
    fn both_scorings_are_shown_and_named_the_primary_first() {
        let text = evaluation(&report(256, 0.25, [1.0, 2.0]));
        assert!(text.contains("2 content × style pairs"), "{text}");
        assert!(
            text.contains("**centre crop, float** (`crop_float` in the report): 256² centre crops")
        );
        let whole = text.find("| whole image, 8-bit | 6.0000 | 0.2500 | 8.5000 |");
        let crop = text.find("| centre crop, float | 1.2500 | 0.2500 | 8.5000 |");
        assert!(whole.is_some() && crop.is_some() && whole < crop, "{text}");
        assert!(
            text.contains("| stylized outputs | 1.25 / 2.50 | 1.50 / 3.00 |")
                && text.contains("| their contents | 1.00 / 1.10 | 1.02 / 1.20 |"),
            "{text}"
        );
    }

    #[test]
    fn every_model_and_size_has_a_row_and_the_worst_pairs_are_followed() {
        let text = comparison(&[
            ("v1".into(), report(256, 1.0, [12.0, 20.0])),
            ("v2".into(), report(256, 0.5, [6.0, 8.0])),
            ("v1".into(), report(512, 2.0, [14.0, 22.0])),
            ("v2".into(), report(512, 1.0, [7.0, 9.0])),
        ]);
        assert!(text.contains("## Before and after: v1 → v2"), "{text}");
        assert!(text.contains("| relu1_1 μ / σ | relu4_1 μ / σ |"), "{text}");
        for row in [
            "| 256 | v1 | 6.0000 | 1.0000 | 0.2500 / 0.2500 | 0.2500 / 0.2500 | 16.00 / 20.00 |",
            "| 512 | v2 | 6.0000 | 1.0000 | 0.2500 / 0.2500 | 0.2500 / 0.2500 | 8.00 / 9.00 |",
        ] {
            assert!(text.contains(row), "{row}\n{text}");
        }
        // b.jpg is v1's worst at 256, listed first, with v2's numbers for the same pair.
        let b = text.find("| b.jpg | s.jpg | 30.0 | 20.0 (1.00) | 8.0 (0.50) |");
        let a = text.find("| a.jpg | s.jpg | 30.0 | 12.0 (1.00) | 6.0 (0.50) |");
        assert!(b.is_some() && a.is_some() && b < a, "{text}");
        assert_eq!(
            short("/w/../train-hr/style/0095.jpg"),
            "train-hr/style/0095.jpg"
        );
    }
}
