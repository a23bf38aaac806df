//! The model card's evaluation section, from an `adain-train eval --json` report: the primary
//! numbers (whole images, 8-bit outputs, what `adain stylize` writes) beside the centre-crop float
//! numbers, each labelled with what it scores.

use std::fmt::Write as _;

use serde::Deserialize;

/// The fields of `adain-train eval --json` (training/src/eval/mod.rs) the section uses.
#[derive(Debug, Deserialize)]
pub struct EvalReport {
    pub pairs: usize,
    pub size: u32,
    /// The primary scoring.
    #[serde(flatten)]
    pub primary: Scores,
    /// Centre crops with the decoder's float output. Absent from reports written before eval scored
    /// whole 8-bit images: their top-level numbers are themselves this measure.
    #[serde(default)]
    pub crop_float: Option<Scores>,
}

/// One scoring's numbers.
#[derive(Debug, Deserialize)]
pub struct Scores {
    pub content_loss: f64,
    pub style_loss: f64,
    pub total_loss: f64,
    /// Absent from reports written before eval measured it.
    #[serde(default)]
    pub checkerboard: Option<Checkerboard>,
}

/// `checkerboard_score` (training/src/checkerboard.rs) of the outputs and of their contents.
#[derive(Debug, Deserialize)]
pub struct Checkerboard {
    pub outputs: Spread,
    pub contents: Spread,
}

#[derive(Debug, Deserialize)]
pub struct Spread {
    pub mean: f64,
    pub max: f64,
}

const WHOLE_8BIT: &str = "whole image, 8-bit";
const CROP_FLOAT: &str = "centre crop, float";

/// Each scoring in the report with its label, the primary one first.
fn scorings(e: &EvalReport) -> Vec<(&'static str, &Scores)> {
    match &e.crop_float {
        Some(crop) => vec![(WHOLE_8BIT, &e.primary), (CROP_FLOAT, crop)],
        None => vec![(CROP_FLOAT, &e.primary)],
    }
}

/// The `## Evaluation` section.
pub fn markdown(e: &EvalReport) -> String {
    let mut s = String::new();
    let size = e.size;
    let _ = writeln!(
        s,
        "\n## Evaluation\n\n`adain-train eval`: {} content × style pairs, α = 1.",
        e.pairs
    );
    if e.crop_float.is_some() {
        let _ = writeln!(
            s,
            "\n- **{WHOLE_8BIT}** (the primary numbers): what a user gets. Content and style whole, shorter side \
             resized to {size} px; the decoder's output cropped to the content's size, clamped to [0, 1] and \
             quantised to 8 bits, as `adain stylize` writes it.\n\
             - **{CROP_FLOAT}** (`crop_float` in the report): {size}² centre crops and the decoder's raw float \
             output, neither clamped nor quantised, like training's validation loss."
        );
    } else {
        let _ = writeln!(
            s,
            "\nScored on {size}² centre crops with the decoder's raw float output (a report written before \
             eval scored whole 8-bit images)."
        );
    }
    let _ = writeln!(
        s,
        "\n| scoring | content loss | style loss | content + 10·style |\n|---|---|---|---|"
    );
    for (name, scores) in scorings(e) {
        let _ = writeln!(
            s,
            "| {name} | {:.4} | {:.4} | {:.4} |",
            scores.content_loss, scores.style_loss, scores.total_loss
        );
    }
    checkerboard_table(&mut s, e);
    s
}

/// The checkerboard scores, one column per scoring that has them.
fn checkerboard_table(s: &mut String, e: &EvalReport) {
    let columns: Vec<(&str, &Checkerboard)> = scorings(e)
        .into_iter()
        .filter_map(|(name, scores)| scores.checkerboard.as_ref().map(|c| (name, c)))
        .collect();
    if columns.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\nCheckerboard: the spectrum at the decoder's upsampling periods (2, 4, 8 px) over its neighbourhood, \
         along rows and columns (`adain-train eval`; about 1 = no periodic pattern), mean / worst over the pairs.\n"
    );
    let header: String = columns
        .iter()
        .map(|(name, _)| format!(" {name} |"))
        .collect();
    let rule: String = columns.iter().map(|_| "---|").collect();
    let _ = writeln!(s, "| |{header}\n|---|{rule}");
    for (label, pick) in [
        (
            "stylized outputs",
            (|c: &Checkerboard| &c.outputs) as fn(&Checkerboard) -> &Spread,
        ),
        ("their contents", |c| &c.contents),
    ] {
        let cells: String = columns
            .iter()
            .map(|(_, c)| {
                let spread = pick(c);
                format!(" {:.2} / {:.2} |", spread.mean, spread.max)
            })
            .collect();
        let _ = writeln!(s, "| {label} |{cells}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report as `adain-train eval --json` writes it now.
    const REPORT: &str = r#"{
        "model": "models/default", "pairs": 16, "size": 256,
        "scoring": "whole image ...",
        "content_loss": 1.5, "style_loss": 0.25, "total_loss": 4.0,
        "checkerboard": {"outputs": {"mean": 1.25, "max": 2.5}, "contents": {"mean": 1.0, "max": 1.1}},
        "crop_float": {
            "scoring": "centre crops ...",
            "content_loss": 1.25, "style_loss": 0.125, "total_loss": 2.5,
            "checkerboard": {"outputs": {"mean": 1.5, "max": 3.0}, "contents": {"mean": 1.02, "max": 1.2}}
        }
    }"#;

    #[test]
    fn both_scorings_are_shown_and_named_the_primary_first() {
        let report: EvalReport = serde_json::from_str(REPORT).unwrap();
        let text = markdown(&report);
        assert!(text.contains("16 content × style pairs"), "{text}");
        assert!(
            text.contains("**whole image, 8-bit** (the primary numbers)")
                && text.contains("clamped to [0, 1] and quantised to 8 bits")
                && text.contains(
                    "**centre crop, float** (`crop_float` in the report): 256² centre crops"
                ),
            "{text}"
        );
        let whole = text.find("| whole image, 8-bit | 1.5000 | 0.2500 | 4.0000 |");
        let crop = text.find("| centre crop, float | 1.2500 | 0.1250 | 2.5000 |");
        assert!(whole.is_some() && crop.is_some() && whole < crop, "{text}");
        assert!(
            text.contains("| | whole image, 8-bit | centre crop, float |")
                && text.contains("| stylized outputs | 1.25 / 2.50 | 1.50 / 3.00 |")
                && text.contains("| their contents | 1.00 / 1.10 | 1.02 / 1.20 |"),
            "{text}"
        );
    }

    #[test]
    fn an_older_report_is_labelled_as_the_crop_float_measure_it_was() {
        let report: EvalReport = serde_json::from_str(
            r#"{"pairs": 4, "size": 128, "content_loss": 2.0, "style_loss": 0.5, "total_loss": 7.0}"#,
        )
        .unwrap();
        let text = markdown(&report);
        assert!(
            text.contains("| centre crop, float | 2.0000 | 0.5000 | 7.0000 |"),
            "{text}"
        );
        assert!(
            !text.contains(WHOLE_8BIT) && !text.contains("Checkerboard"),
            "{text}"
        );
    }
}
