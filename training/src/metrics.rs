//! `metrics.jsonl` in the run folder: one JSON object per logged interval or validation.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

pub const METRICS_FILE: &str = "metrics.jsonl";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Record {
    /// Training losses averaged over the iterations since the previous record.
    Train {
        iteration: u64,
        lr: f64,
        loss: f64,
        content: f64,
        style: f64,
        seconds_per_iteration: f64,
    },
    /// Losses on the fixed validation pairs.
    Val {
        iteration: u64,
        loss: f64,
        content: f64,
        style: f64,
    },
}

impl Record {
    pub fn iteration(&self) -> u64 {
        match self {
            Record::Train { iteration, .. } | Record::Val { iteration, .. } => *iteration,
        }
    }
}

pub struct MetricsLog {
    path: PathBuf,
}

impl MetricsLog {
    /// Opens the log of a run resumed at `iteration`: records past it (written after the checkpoint the
    /// run resumes from) are dropped so the curve carries on without duplicates.
    pub fn open(run_dir: &Path, iteration: u64) -> Result<Self> {
        let path = run_dir.join(METRICS_FILE);
        if path.is_file() {
            let kept: Vec<Record> = read(&path)?
                .into_iter()
                .filter(|r| r.iteration() <= iteration)
                .collect();
            let text: String = kept
                .iter()
                .map(|r| serde_json::to_string(r).expect("record serialises") + "\n")
                .collect();
            adain_models::atomic_file::write(&path, text.as_bytes())?;
        }
        Ok(Self { path })
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

/// All records of a metrics file (a torn last line, from a kill mid-write, is ignored).
pub fn read(path: &Path) -> Result<Vec<Record>> {
    let text = std::fs::read_to_string(path).map_err(|e| TrainError::io(path, e))?;
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}
