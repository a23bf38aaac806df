//! The card's `## Training` table: rows of text filled from the manifest and the run's metrics; a
//! row whose values are missing is left out.

use adain_models::manifest::Manifest;
use serde_json::{json, Value};

use super::markdown::{fill, table};
use super::metrics::{Metrics, Point};

/// The rows, one a line: the name, then the text (see `markdown::fill`; a zero weight is the
/// paper's objective, and a zero hold-out means the run's lists chose the split). Of two rows
/// with one name, the first filled wins.
const ROWS: &str = "\
model: `{name}` {version}
encoder: {encoder.architecture} ({encoder.source}), identity `{encoder.identity:.16}`
iterations: {provenance.iterations}
batch: {provenance.batch}
images: resized to {provenance.resize} (shorter side), random {provenance.crop}² crops
optimiser: Adam, lr {provenance.lr} / (1 + {provenance.lr_decay}·iteration)
loss weights: content {provenance.content_weight}, style λ = {provenance.style_weight}
total-variation penalty: weight {provenance.tv_weight>0} on the decoded image
upsampling-grid penalty: weight {provenance.grid_weight>0} on the energy at 2, 4 and 8 px periods
shift-stability term: weight {provenance.stability_weight>0} on decodings of a crop and of it moved by 1–7 px
colour term: weight {provenance.colour_weight>0} on the output's RGB mean and std against the style's
training precision: {provenance.training_precision}
content images: {provenance.content_data}
style images: {provenance.style_data}
data mix: {provenance.data_mix}
held out for validation: {provenance.holdout>0} of each folder
held out for validation: {provenance.validation_data}
seed: {provenance.seed}
started from: {provenance.initial_decoder}
trainer: {provenance.trainer}
training time: {run.hours:.1} h ({run.seconds_per_iteration:.2} s/iteration on average)
final training loss (smoothed): {run.loss:.2} (content {run.content:.2} + weighted style {run.style:.2})
validation loss: {run.first.loss:.2} at iteration {run.first.iteration} → {run.last.loss:.2} at \
{run.last.iteration} (lowest {run.lowest.loss:.2} at {run.lowest.iteration})";

pub fn section(manifest: &Manifest, metrics: Option<&Metrics>) -> String {
    let mut values = serde_json::to_value(manifest).unwrap_or_default();
    values["run"] = metrics.map_or(Value::Null, run_values);
    let mut rows: Vec<String> = Vec::new();
    for (name, text) in ROWS.lines().filter_map(|line| line.split_once(": ")) {
        let seen = rows
            .iter()
            .any(|row| row.starts_with(&format!("{name} | ")));
        let row = fill(text, &values).map(|value| format!("{name} | {value}"));
        rows.extend(row.filter(|_| !seen));
    }
    format!("## Training\n\n{}", table(" | ", &rows))
}

/// The run's numbers: the training time, the final smoothed losses, the validation loss's course.
fn run_values(m: &Metrics) -> Value {
    let iterations = m.train.last().map_or(1, |p| p.iteration.max(1)) as f64;
    let last = |f: fn(&Point) -> f64| m.smoothed(f).last().copied();
    let lowest = m.val.iter().min_by(|a, b| a.loss.total_cmp(&b.loss));
    json!({
        "hours": (m.seconds > 0.0).then_some(m.seconds / 3600.0),
        "seconds_per_iteration": m.seconds / iterations,
        // The weighted style term is `loss − content`, whatever λ the run used.
        "loss": last(|p| p.loss), "content": last(|p| p.content), "style": last(|p| p.loss - p.content),
        "first": m.val.first(), "last": m.val.last(), "lowest": lowest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_card::metrics::point;

    const MANIFEST: &str = r#"{"format": "", "name": "default", "version": "0.1.0", "convention": "",
        "files": [], "encoder": {"architecture": "vgg16", "identity": "0123456789abcdef0123",
        "source": "pypi"}, "provenance": {PROVENANCE}}"#;
    const GIVEN: &str = r#""iterations": "40000", "lr": "0.0001", "lr_decay": "0.00005",
        "tv_weight": "0", "grid_weight": "10000", "holdout": "0", "validation_data": "lists""#;

    fn card(provenance: &str, metrics: Option<&Metrics>) -> String {
        let manifest = serde_json::from_str(&MANIFEST.replace("PROVENANCE", provenance)).unwrap();
        section(&manifest, metrics)
    }

    #[test]
    fn rows_come_only_from_the_inputs() {
        let text = card(GIVEN, None);
        for row in [
            "| | |\n|---|---|\n| model | `default` 0.1.0 |\n",
            "| encoder | vgg16 (pypi), identity `0123456789abcdef` |\n| iterations | 40000 |",
            "| optimiser | Adam, lr 0.0001 / (1 + 0.00005·iteration) |",
            "| upsampling-grid penalty | weight 10000 on the energy at 2, 4 and 8 px periods |",
            "| held out for validation | lists |\n",
        ] {
            assert!(text.contains(row), "{row}\n{text}");
        }
        // Nothing that was not given, and no row for a zero weight.
        for absent in ["| images |", "| seed |", "training time", "total-variation"] {
            assert!(!text.contains(absent), "{absent} in\n{text}");
        }
        // A hold-out fraction wins over the description of the lists.
        let held = card(r#""holdout": "0.05", "validation_data": "lists""#, None);
        assert!(
            held.ends_with("| held out for validation | 0.05 of each folder |\n"),
            "{held}"
        );

        let val = [(100, 25.5), (200, 24.0), (300, 24.5)].map(|(i, l)| point(i, l, 10.0));
        let run = Metrics {
            train: vec![point(100, 30.0, 10.0)],
            val: val.to_vec(),
            seconds: 3600.0,
        };
        let text = card(GIVEN, Some(&run));
        let rows = "| training time | 1.0 h (36.00 s/iteration on average) |\n\
            | final training loss (smoothed) | 30.00 (content 10.00 + weighted style 20.00) |\n\
            | validation loss | 25.50 at iteration 100 → 24.50 at 300 (lowest 24.00 at 200) |\n";
        assert!(text.ends_with(rows), "{text}");
    }
}
