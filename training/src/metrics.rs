//! `metrics.jsonl` in the run folder: one JSON object per logged interval or validation.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Result, TrainError};

/// The record schema is shared with the tools that read the log (`cargo xtask model-card`).
pub use adain_models::reports::{MetricsRecord as Record, METRICS_FILE};

pub struct MetricsLog {
    path: PathBuf,
}

impl MetricsLog {
    /// Opens the log of a run resumed at `iteration`: records past it (written after the checkpoint the
    /// run resumes from) are dropped so the curve carries on without duplicates.
    pub fn open(run_dir: &Path, iteration: u64) -> Result<Self> {
        let path = run_dir.join(METRICS_FILE);
        if path.is_file() {
            copy_up_to(&path, &path, iteration)?;
        }
        Ok(Self { path })
    }

    /// Records the penalty weights from `iteration` on, unless the log already holds them as the
    /// latest ones.
    pub fn note_penalties(
        &self,
        iteration: u64,
        tv_weight: f64,
        grid_weight: f64,
        stability_weight: f64,
        colour_weight: f64,
    ) -> Result<()> {
        let latest = if self.path.is_file() {
            read(&self.path)?
                .into_iter()
                .filter_map(|r| match r {
                    Record::Penalties {
                        tv_weight,
                        grid_weight,
                        stability_weight,
                        colour_weight,
                        ..
                    } => Some((tv_weight, grid_weight, stability_weight, colour_weight)),
                    _ => None,
                })
                .next_back()
        } else {
            None
        };
        let weights = (tv_weight, grid_weight, stability_weight, colour_weight);
        if latest.unwrap_or((0.0, 0.0, 0.0, 0.0)) == weights {
            return Ok(());
        }
        self.append(&Record::Penalties {
            iteration,
            tv_weight,
            grid_weight,
            stability_weight,
            colour_weight,
        })
    }

    pub fn append(&self, record: &Record) -> Result<()> {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| TrainError::io(&self.path, e))?;
        writeln!(
            f,
            "{}",
            serde_json::to_string(record).expect("record serialises")
        )
        .map_err(|e| TrainError::io(&self.path, e))
    }
}

/// Writes the records of `from` up to `iteration` to `to` (atomically; `to` may be `from`): a log cut
/// back to a checkpoint, for a resumed run or for the package exported from that checkpoint.
pub fn copy_up_to(from: &Path, to: &Path, iteration: u64) -> Result<()> {
    let text: String = read(from)?
        .iter()
        .filter(|r| r.iteration() <= iteration)
        .map(|r| serde_json::to_string(r).expect("record serialises") + "\n")
        .collect();
    adain_models::atomic_file::write(to, text.as_bytes())?;
    Ok(())
}

/// All records of a metrics file (a torn last line, from a kill mid-write, is ignored).
pub fn read(path: &Path) -> Result<Vec<Record>> {
    let text = std::fs::read_to_string(path).map_err(|e| TrainError::io(path, e))?;
    Ok(adain_models::reports::parse_metrics(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(iteration: u64) -> Record {
        Record::Val {
            iteration,
            loss: iteration as f64,
            content: 1.0,
            style: 2.0,
        }
    }

    #[test]
    fn a_log_is_cut_back_to_its_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir_all(&run).unwrap();
        let log = MetricsLog::open(&run, 0).unwrap();
        for i in [500, 1000, 1500] {
            log.append(&val(i)).unwrap();
        }
        // A package exported from the checkpoint at 1000 while the run went on to 1500.
        let package = dir.path().join("training_metrics.jsonl");
        copy_up_to(&run.join(METRICS_FILE), &package, 1000).unwrap();
        assert_eq!(read(&package).unwrap(), vec![val(500), val(1000)]);
        assert_eq!(
            read(&run.join(METRICS_FILE)).unwrap().len(),
            3,
            "the run's own log is untouched"
        );
        // Resuming from 500 cuts the run's log in place.
        MetricsLog::open(&run, 500).unwrap();
        assert_eq!(read(&run.join(METRICS_FILE)).unwrap(), vec![val(500)]);
    }

    #[test]
    fn penalty_weights_are_logged_when_they_change() {
        let dir = tempfile::tempdir().unwrap();
        let log = MetricsLog::open(dir.path(), 0).unwrap();
        let penalties = |iteration, grid_weight| Record::Penalties {
            iteration,
            tv_weight: 0.0,
            grid_weight,
            stability_weight: 0.0,
            colour_weight: 0.0,
        };
        log.note_penalties(0, 0.0, 0.0, 0.0, 0.0).unwrap();
        assert!(
            !dir.path().join(METRICS_FILE).exists(),
            "none: nothing to say"
        );
        log.note_penalties(100, 0.0, 10.0, 0.0, 0.0).unwrap();
        log.note_penalties(200, 0.0, 10.0, 0.0, 0.0).unwrap();
        log.append(&val(250)).unwrap();
        log.note_penalties(300, 0.0, 30.0, 0.0, 0.0).unwrap();
        let path = dir.path().join(METRICS_FILE);
        assert_eq!(
            read(&path).unwrap(),
            vec![penalties(100, 10.0), val(250), penalties(300, 30.0)]
        );
        // A resume from 250 drops the change at 300, so the weight at 250 is not written again.
        let log = MetricsLog::open(dir.path(), 250).unwrap();
        log.note_penalties(250, 0.0, 10.0, 0.0, 0.0).unwrap();
        assert_eq!(read(&path).unwrap(), vec![penalties(100, 10.0), val(250)]);
    }
}
