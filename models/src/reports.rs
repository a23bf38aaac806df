//! The reports the training side writes and the project's tools read: `adain-train eval --json`
//! ([`EvalReport`]) and a run's `metrics.jsonl` ([`MetricsRecord`], one JSON object a line). One
//! definition, so a field renamed on one side cannot silently vanish from the other.

use serde::{Deserialize, Serialize};

/// The file a run logs its metrics to, in the run folder.
pub const METRICS_FILE: &str = "metrics.jsonl";

/// `adain-train eval --json`: the paper's losses of a model over every content × style pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub model: String,
    pub pairs: usize,
    pub size: u32,
    /// Whether the primary scores are of outputs recoloured to their style's colours, as
    /// `adain stylize --match-style-color` writes them (the centre-crop float scores never are).
    pub match_style_color: bool,
    /// The primary scores, of whole images with the output quantised to 8 bits as `adain stylize`
    /// writes it; their fields sit at the top level of the JSON, where every reader has them.
    #[serde(flatten)]
    pub primary: Scores,
    /// The same pairs scored on centre crops with the decoder's raw float output.
    pub crop_float: Scores,
    /// Every pair's primary scores, content-major.
    pub pair_scores: Vec<PairReport>,
}

/// One scoring's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// What these numbers score, in words.
    pub scoring: String,
    pub content_loss: f64,
    pub style_loss: f64,
    /// content + 10 · style, the training objective with the paper's weights.
    pub total_loss: f64,
    /// The checkerboard score of the stylized outputs and, as the baseline, of the contents.
    pub checkerboard: Checkerboard,
    /// The style loss's parts per layer; they sum to `style_loss`.
    pub style_layers: Vec<LayerTerms>,
    pub colour: ColourFidelity,
}

/// One layer's share of the style loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerTerms {
    pub layer: String,
    /// ‖μ(output) − μ(style)‖² (mean over channels).
    pub mean: f64,
    /// ‖σ(output) − σ(style)‖² (mean over channels).
    pub std: f64,
}

/// Distances between colour distributions in CIELAB (Lab units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColourFidelity {
    /// Output against its style.
    pub outputs: Spread,
    /// Content against the style (what an unstylized image scores), for scale.
    pub contents: Spread,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkerboard {
    pub outputs: Spread,
    pub contents: Spread,
}

/// Mean and worst (largest) over the pairs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub mean: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: &[f32]) -> Self {
        Spread {
            mean: values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len().max(1) as f64,
            max: values.iter().copied().fold(0.0, f32::max).into(),
        }
    }
}

/// One pair's primary scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairReport {
    pub content: String,
    pub style: String,
    pub content_loss: f64,
    pub style_loss: f64,
    pub colour: f64,
    /// The content's own colour distance to the style.
    pub content_colour: f64,
}

/// One line of `metrics.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum MetricsRecord {
    /// Training losses averaged over the iterations since the previous record. `loss` is the paper's
    /// objective (content + λ·style), comparable across runs; a run with penalties minimises `loss`
    /// plus each penalty times its weight.
    Train {
        iteration: u64,
        lr: f64,
        loss: f64,
        content: f64,
        style: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tv: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        grid: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stability: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        colour: Option<f64>,
        seconds_per_iteration: f64,
    },
    /// Losses on the fixed validation pairs.
    Val {
        iteration: u64,
        loss: f64,
        content: f64,
        style: f64,
    },
    /// The penalty weights from `iteration` on, written whenever they differ from the last such
    /// record (a run without one had none), so the log keeps the schedule a resumed run followed.
    Penalties {
        iteration: u64,
        tv_weight: f64,
        grid_weight: f64,
        /// Absent from logs written before the stability term existed.
        #[serde(default)]
        stability_weight: f64,
        /// Absent from logs written before the colour term existed.
        #[serde(default)]
        colour_weight: f64,
    },
}

impl MetricsRecord {
    pub fn iteration(&self) -> u64 {
        match self {
            MetricsRecord::Train { iteration, .. }
            | MetricsRecord::Val { iteration, .. }
            | MetricsRecord::Penalties { iteration, .. } => *iteration,
        }
    }
}

/// The records of a metrics file's text. A line that does not parse is skipped: the last one may be
/// torn by a kill mid-write.
pub fn parse_metrics(text: &str) -> Vec<MetricsRecord> {
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(mean: f64) -> Spread {
        Spread {
            mean,
            max: 2.0 * mean,
        }
    }

    fn scores(scoring: &str, content_loss: f64) -> Scores {
        Scores {
            scoring: scoring.into(),
            content_loss,
            style_loss: 0.5,
            total_loss: content_loss + 5.0,
            checkerboard: Checkerboard {
                outputs: spread(1.2),
                contents: spread(1.0),
            },
            style_layers: vec![LayerTerms {
                layer: "relu1_1".into(),
                mean: 0.25,
                std: 0.25,
            }],
            colour: ColourFidelity {
                outputs: spread(9.0),
                contents: spread(28.0),
            },
        }
    }

    #[test]
    fn an_eval_report_reads_back_as_written_with_its_flat_layout() {
        let report = EvalReport {
            model: "models/default".into(),
            pairs: 1,
            size: 256,
            match_style_color: false,
            primary: scores("whole", 6.0),
            crop_float: scores("crop", 7.0),
            pair_scores: vec![PairReport {
                content: "train-hr/content/0001.jpg".into(),
                style: "train-hr/style/0002.jpg".into(),
                content_loss: 6.0,
                style_loss: 0.5,
                colour: 9.0,
                content_colour: 28.0,
            }],
        };
        let json = serde_json::to_value(&report).unwrap();
        // The primary scores sit at the top level, where earlier reports and readers have them.
        assert_eq!(json["content_loss"], 6.0);
        assert_eq!(json["crop_float"]["content_loss"], 7.0);
        assert_eq!(json["checkerboard"]["outputs"]["max"], 2.4);
        let back: EvalReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
        let err = serde_json::from_str::<EvalReport>(r#"{"pairs": 4, "size": 128}"#).unwrap_err();
        assert!(err.to_string().contains("missing field"), "{err}");
    }

    #[test]
    fn metrics_records_read_back_and_a_torn_line_is_skipped() {
        let records = vec![
            MetricsRecord::Penalties {
                iteration: 0,
                tv_weight: 0.0,
                grid_weight: 30000.0,
                stability_weight: 0.0,
                colour_weight: 500.0,
            },
            MetricsRecord::Train {
                iteration: 10,
                lr: 1e-4,
                loss: 30.0,
                content: 10.0,
                style: 2.0,
                tv: None,
                grid: Some(1e-4),
                stability: None,
                colour: None,
                seconds_per_iteration: 7.5,
            },
            MetricsRecord::Val {
                iteration: 10,
                loss: 25.0,
                content: 5.0,
                style: 2.0,
            },
        ];
        let mut text: String = records
            .iter()
            .map(|r| serde_json::to_string(r).unwrap() + "\n")
            .collect();
        assert!(text.contains(r#""kind":"train""#) && !text.contains("\"tv\""));
        text.push_str(r#"{"kind":"val","itera"#);
        assert_eq!(parse_metrics(&text), records);
        assert_eq!(records[1].iteration(), 10);
        // Logs from before the stability and colour terms still read.
        let old = r#"{"kind":"penalties","iteration":5,"tv_weight":1,"grid_weight":2}"#;
        assert!(matches!(
            parse_metrics(old)[..],
            [MetricsRecord::Penalties {
                colour_weight: 0.0,
                ..
            }]
        ));
    }
}
