//! Reading a run's `metrics.jsonl` (written by training/src/metrics.rs; xtask cannot depend on the
//! tch crate, so the record shape is mirrored here) and summarising it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Record {
    /// Training losses averaged since the previous record.
    Train {
        iteration: u64,
        loss: f64,
        content: f64,
        seconds_per_iteration: f64,
    },
    /// Losses on the fixed validation pairs.
    Val {
        iteration: u64,
        loss: f64,
        content: f64,
    },
    /// Penalty weights from `iteration` on (written when they change).
    Penalties {
        iteration: u64,
        tv_weight: f64,
        grid_weight: f64,
        #[serde(default)]
        stability_weight: f64,
        #[serde(default)]
        colour_weight: f64,
    },
}

/// One point of a curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub iteration: u64,
    pub loss: f64,
    pub content: f64,
    /// The weighted style term (loss − content), whatever λ the run used.
    pub weighted_style: f64,
}

#[derive(Debug, Default)]
pub struct Metrics {
    pub train: Vec<Point>,
    pub val: Vec<Point>,
    /// Training seconds, summed over the logged intervals.
    pub seconds: f64,
    /// Each penalty's weight changes as (iteration, weight), keyed by its config name (`grid_weight`).
    pub penalty_schedule: BTreeMap<&'static str, Vec<(u64, f64)>>,
}

/// Parses the records of a metrics file; unreadable lines (a torn last line) are skipped.
pub fn parse(text: &str) -> Metrics {
    let mut m = Metrics::default();
    let mut previous = 0u64;
    for record in text
        .lines()
        .filter_map(|l| serde_json::from_str::<Record>(l).ok())
    {
        match record {
            Record::Train {
                iteration,
                loss,
                content,
                seconds_per_iteration,
                ..
            } => {
                m.seconds += seconds_per_iteration * iteration.saturating_sub(previous) as f64;
                previous = iteration;
                m.train.push(Point {
                    iteration,
                    loss,
                    content,
                    weighted_style: loss - content,
                });
            }
            Record::Val {
                iteration,
                loss,
                content,
                ..
            } => {
                m.val.push(Point {
                    iteration,
                    loss,
                    content,
                    weighted_style: loss - content,
                });
            }
            Record::Penalties {
                iteration,
                tv_weight,
                grid_weight,
                stability_weight,
                colour_weight,
            } => {
                for (key, weight) in [
                    ("tv_weight", tv_weight),
                    ("grid_weight", grid_weight),
                    ("stability_weight", stability_weight),
                    ("colour_weight", colour_weight),
                ] {
                    let changes = m.penalty_schedule.entry(key).or_default();
                    // A resume that rewrites the weights at the same iteration replaces the entry.
                    if changes.last().is_some_and(|&(i, _)| i == iteration) {
                        changes.pop();
                    }
                    if changes.last().map_or(0.0, |&(_, w)| w) != weight {
                        changes.push((iteration, weight));
                    }
                }
            }
        }
    }
    m
}

pub fn read(path: &Path) -> Result<Metrics> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(parse(&text))
}

/// Exponential moving average in log space (losses span decades), `span` records wide.
pub fn smooth(values: &[f64], span: usize) -> Vec<f64> {
    let k = 2.0 / (span.max(1) as f64 + 1.0);
    let mut out = Vec::with_capacity(values.len());
    let mut state: Option<f64> = None;
    for &v in values {
        let lv = v.max(f64::MIN_POSITIVE).ln();
        let s = state.map_or(lv, |s| s + k * (lv - s));
        state = Some(s);
        out.push(s.exp());
    }
    out
}

/// A smoothing span for `n` training records: about 2% of the run, at least one record.
pub fn default_span(n: usize) -> usize {
    (n / 50).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records_sums_time_and_skips_torn_lines() {
        let text = r#"{"kind":"train","iteration":10,"lr":0.0001,"loss":30.0,"content":10.0,"style":2.0,"seconds_per_iteration":2.0}
{"kind":"val","iteration":10,"loss":25.0,"content":5.0,"style":2.0}
{"kind":"train","iteration":30,"lr":0.0001,"loss":20.0,"content":8.0,"style":1.2,"seconds_per_iteration":1.0}
{"kind":"train","iter"#;
        let m = parse(text);
        assert_eq!(m.train.len(), 2);
        assert_eq!(m.val.len(), 1);
        assert_eq!(m.seconds, 10.0 * 2.0 + 20.0 * 1.0);
        assert_eq!(m.train[1].weighted_style, 12.0);
        assert!(m.penalty_schedule.is_empty());
    }

    #[test]
    fn penalty_records_give_each_weights_changes() {
        let text = r#"{"kind":"penalties","iteration":100,"tv_weight":0.0,"grid_weight":10.0}
{"kind":"train","iteration":110,"loss":30.0,"content":10.0,"grid":0.0002,"seconds_per_iteration":1.0}
{"kind":"penalties","iteration":200,"tv_weight":0.0,"grid_weight":20.0}
{"kind":"penalties","iteration":200,"tv_weight":0.0,"grid_weight":30.0}
{"kind":"penalties","iteration":300,"tv_weight":5.0,"grid_weight":30.0}"#;
        let m = parse(text);
        assert_eq!(
            m.penalty_schedule["grid_weight"],
            vec![(100, 10.0), (200, 30.0)]
        );
        assert_eq!(m.penalty_schedule["tv_weight"], vec![(300, 5.0)]);
    }

    #[test]
    fn smoothing_follows_a_constant_and_damps_noise() {
        assert!(smooth(&[5.0; 4], 3).iter().all(|v| (v - 5.0).abs() < 1e-9));
        let noisy: Vec<f64> = (0..100)
            .map(|i| if i % 2 == 0 { 10.0 } else { 1000.0 })
            .collect();
        let s = smooth(&noisy, 20);
        assert!(s[99] > 50.0 && s[99] < 200.0, "{}", s[99]);
    }
}
