//! The model card's before/after section: several models' `adain-train eval --json` reports on the
//! same pairs, side by side per size, with the style loss split per layer, the colour fidelity, and
//! the pairs whose colours the first (baseline) model got most wrong.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Deserialize;

use super::evaluation::Spread;

/// What the section reads of a report (training/src/eval/mod.rs).
#[derive(Debug, Deserialize)]
pub struct Report {
    pub pairs: usize,
    pub size: u32,
    pub content_loss: f64,
    pub style_loss: f64,
    pub style_layers: Vec<Layer>,
    pub colour: Colour,
    pub pair_scores: Vec<Pair>,
}

#[derive(Debug, Deserialize)]
pub struct Layer {
    pub layer: String,
    pub mean: f64,
    pub std: f64,
}

#[derive(Debug, Deserialize)]
pub struct Colour {
    pub outputs: Spread,
    pub contents: Spread,
}

#[derive(Debug, Deserialize)]
pub struct Pair {
    pub content: String,
    pub style: String,
    pub content_loss: f64,
    pub style_loss: f64,
    pub colour: f64,
    pub content_colour: f64,
}

/// How many of the baseline's worst-coloured pairs the section lists.
const WORST: usize = 6;

/// The section for `(label, report)`s; the first label is the baseline.
pub fn markdown(reports: &[(String, Report)]) -> String {
    let mut s = String::new();
    let Some((baseline, first)) = reports.first() else {
        return s;
    };
    let labels: Vec<&str> = dedup(reports.iter().map(|(l, _)| l.as_str()));
    let sizes: BTreeSet<u32> = reports.iter().map(|(_, r)| r.size).collect();
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
    let rule: String = first.style_layers.iter().map(|_| "---|").collect();
    let _ = writeln!(
        s,
        "| size | model | content loss | style loss |{header} colour distance mean / worst |\n|---|---|---|---|{rule}---|"
    );
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
    // The baseline's worst pairs at its first size, and what each other model makes of them.
    let mut worst: Vec<&Pair> = first.pair_scores.iter().collect();
    worst.sort_by(|a, b| b.colour.total_cmp(&a.colour));
    worst.truncate(WORST);
    let others: Vec<&(String, Report)> = reports[1..]
        .iter()
        .filter(|(_, r)| r.size == first.size)
        .collect();
    let _ = writeln!(
        s,
        "\nThe {WORST} pairs whose colours {baseline} got furthest from the style's at {} px (colour distance; \
         style loss in brackets):\n",
        first.size
    );
    let cols: String = others.iter().map(|(l, _)| format!(" {l} |")).collect();
    let rule: String = others.iter().map(|_| "---|").collect();
    let _ = writeln!(
        s,
        "| content | style | content itself | {baseline} |{cols}\n|---|---|---|---|{rule}"
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
fn short(path: &str) -> String {
    let parts: Vec<&str> = path.rsplit('/').take(3).collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

fn dedup<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for l in labels {
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(size: u32, style: f64, colours: [f64; 2]) -> Report {
        let pair = |content: &str, colour: f64| Pair {
            content: content.into(),
            style: "s.jpg".into(),
            content_loss: 6.0,
            style_loss: style,
            colour,
            content_colour: 30.0,
        };
        Report {
            pairs: 2,
            size,
            content_loss: 6.0,
            style_loss: style,
            style_layers: ["relu1_1", "relu4_1"]
                .iter()
                .map(|l| Layer {
                    layer: l.to_string(),
                    mean: style / 4.0,
                    std: style / 4.0,
                })
                .collect(),
            colour: Colour {
                outputs: Spread {
                    mean: (colours[0] + colours[1]) / 2.0,
                    max: colours[0].max(colours[1]),
                },
                contents: Spread {
                    mean: 30.0,
                    max: 30.0,
                },
            },
            pair_scores: vec![pair("a.jpg", colours[0]), pair("b.jpg", colours[1])],
        }
    }

    #[test]
    fn every_model_and_size_has_a_row_and_the_worst_pairs_are_followed() {
        let text = markdown(&[
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
            short("/w/../shared/data/train/../train-hr/style/0095.jpg"),
            "train-hr/style/0095.jpg"
        );
    }
}
