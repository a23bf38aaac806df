//! A run's training metrics (schema: `adain_models::reports`) reduced to what the card shows: the
//! training and validation curves and the training time. Penalty weights come from the manifest.

use std::path::Path;

use adain_models::reports::{parse_metrics, MetricsRecord};
use anyhow::{Context, Result};

/// One point of a curve; the weighted style term is `loss − content`, whatever λ the run used.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
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
}

pub fn read(path: &Path) -> Result<Metrics> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut m = Metrics::default();
    for record in parse_metrics(&text) {
        let (iteration, loss, content, into) = match record {
            MetricsRecord::Train {
                iteration: i,
                loss,
                content,
                seconds_per_iteration: s,
                ..
            } => {
                // A record averages the iterations since the one before it.
                m.seconds += s * i.saturating_sub(m.train.last().map_or(0, |p| p.iteration)) as f64;
                (i, loss, content, &mut m.train)
            }
            MetricsRecord::Val {
                iteration,
                loss,
                content,
                ..
            } => (iteration, loss, content, &mut m.val),
            MetricsRecord::Penalties { .. } => continue,
        };
        into.push(Point {
            iteration,
            loss,
            content,
        });
    }
    Ok(m)
}

impl Metrics {
    /// A training series smoothed by an exponential moving average in log space (losses span
    /// decades), about 2 % of the run wide: the raw records are too noisy to read a level off.
    pub fn smoothed(&self, value: fn(&Point) -> f64) -> Vec<f64> {
        let k = 2.0 / ((self.train.len() / 50).max(1) as f64 + 1.0);
        let mut state: Option<f64> = None;
        let mut step = |p: &Point| {
            let lv = value(p).max(f64::MIN_POSITIVE).ln();
            let s = state.map_or(lv, |s| s + k * (lv - s));
            state = Some(s);
            s.exp()
        };
        self.train.iter().map(&mut step).collect()
    }
}

/// A point, for the tests of the card's parts that read metrics.
#[cfg(test)]
pub fn point(iteration: u64, loss: f64, content: f64) -> Point {
    Point {
        iteration,
        loss,
        content,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_curves_and_smoothing_come_from_the_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.jsonl");
        let train = |i: u64, loss: f64, s: f64| {
            format!(
                r#"{{"kind": "train", "iteration": {i}, "lr": 1, "loss": {loss}, "content": 1,
                "style": 0, "seconds_per_iteration": {s}}}"#
            )
            .replace('\n', "")
                + "\n"
        };
        let mut text = train(10, 10.0, 2.0) + &train(30, 1000.0, 3.0);
        text += "{\"kind\":\"val\",\"iteration\":30,\"loss\":25,\"content\":5,\"style\":2}\n";
        text += "{\"kind\":\"penalties\",\"iteration\":30,\"tv_weight\":0,\"grid_weight\":1}\n";
        let alternating =
            (2..1000).map(|i| train(i * 10 + 20, [10.0, 1000.0][i as usize % 2], 0.0));
        std::fs::write(&path, text + &alternating.collect::<String>()).unwrap();
        let m = read(&path).unwrap();
        assert_eq!(m.seconds, 10.0 * 2.0 + 20.0 * 3.0);
        assert_eq!(
            (m.train.len(), &m.val[..]),
            (1000, &[point(30, 25.0, 5.0)][..])
        );
        // 20 records wide: about the geometric mean of 10 and 1000, 100, not either.
        let s = m.smoothed(|p| p.loss)[999];
        assert!(s > 50.0 && s < 200.0, "{s}");
        assert_eq!(m.smoothed(|p| p.content)[999], 1.0);
    }
}
