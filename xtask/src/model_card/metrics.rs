//! A run's `metrics.jsonl` (schema: `adain_models::reports`) summarised for the card: the training
//! and validation curves, the training time, and each penalty's schedule.

use std::collections::BTreeMap;
use std::path::Path;

use adain_models::reports::{parse_metrics, MetricsRecord};
use anyhow::{Context, Result};

/// One point of a curve; the weighted style term is `loss − content`, whatever λ the run used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub iteration: u64,
    pub loss: f64,
    pub content: f64,
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

pub fn read(path: &Path) -> Result<Metrics> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(summarise(&parse_metrics(&text)))
}

pub fn summarise(records: &[MetricsRecord]) -> Metrics {
    let mut m = Metrics::default();
    let mut previous = 0u64;
    for record in records {
        match *record {
            MetricsRecord::Train {
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
                });
            }
            MetricsRecord::Val {
                iteration,
                loss,
                content,
                ..
            } => m.val.push(Point {
                iteration,
                loss,
                content,
            }),
            MetricsRecord::Penalties {
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

impl Metrics {
    /// A training series smoothed by an exponential moving average in log space (losses span
    /// decades), about 2 % of the run wide: the raw records are too noisy to read a level off.
    pub fn smoothed(&self, value: fn(&Point) -> f64) -> Vec<f64> {
        let k = 2.0 / ((self.train.len() / 50).max(1) as f64 + 1.0);
        let mut state: Option<f64> = None;
        self.train
            .iter()
            .map(|p| {
                let lv = value(p).max(f64::MIN_POSITIVE).ln();
                let s = state.map_or(lv, |s| s + k * (lv - s));
                state = Some(s);
                s.exp()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_curves_and_penalty_schedule_come_from_the_records() {
        let m = summarise(&parse_metrics(
            "{\"kind\":\"train\",\"iteration\":10,\"lr\":1e-4,\"loss\":30,\"content\":10,\"style\":2,\"seconds_per_iteration\":2}\n\
             {\"kind\":\"train\",\"iteration\":30,\"lr\":1e-4,\"loss\":20,\"content\":8,\"style\":1.2,\"seconds_per_iteration\":3}\n\
             {\"kind\":\"val\",\"iteration\":30,\"loss\":25,\"content\":5,\"style\":2}\n\
             {\"kind\":\"penalties\",\"iteration\":0,\"tv_weight\":0,\"grid_weight\":10}\n\
             {\"kind\":\"penalties\",\"iteration\":20,\"tv_weight\":0,\"grid_weight\":10}\n\
             {\"kind\":\"penalties\",\"iteration\":40,\"tv_weight\":0,\"grid_weight\":20}\n\
             {\"kind\":\"penalties\",\"iteration\":40,\"tv_weight\":0,\"grid_weight\":30}\n",
        ));
        assert_eq!(m.seconds, 10.0 * 2.0 + 20.0 * 3.0);
        assert_eq!((m.train.len(), m.val[0].loss), (2, 25.0));
        // An unchanged weight adds nothing; a rewrite at the same iteration replaces the change.
        assert_eq!(m.penalty_schedule["grid_weight"], [(0, 10.0), (40, 30.0)]);
        assert!(m.penalty_schedule["tv_weight"].is_empty());
    }

    #[test]
    fn smoothing_follows_the_level_in_log_space() {
        let noisy = Metrics {
            train: (0..1000)
                .map(|i| Point {
                    iteration: i,
                    loss: if i % 2 == 0 { 10.0 } else { 1000.0 },
                    content: 1.0,
                })
                .collect(),
            ..Metrics::default()
        };
        let s = noisy.smoothed(|p| p.loss);
        // 20 records wide: the geometric mean of 10 and 1000, 100, not either.
        assert!(s[999] > 50.0 && s[999] < 200.0, "{}", s[999]);
        assert_eq!(noisy.smoothed(|p| p.content)[999], 1.0);
    }
}
