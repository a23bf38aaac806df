//! The run folder: created with what interrupted checkpoint writes left behind removed, the run's
//! settings (`config.json`), and the checkpoint itself, written atomically.

use std::path::Path;

use super::Trainer;
use crate::checkpoint::{Checkpoint, TrainConfig, CHECKPOINT_FILE};
use crate::error::{Result, TrainError};
use crate::model::tensor_to_vec;

/// Creates the run folder and removes temporary files of checkpoint writes that were killed.
pub(super) fn prepare_run_dir(run_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(run_dir).map_err(|e| TrainError::io(run_dir, e))?;
    remove_stale_temporaries(run_dir);
    Ok(())
}

/// `config.json`: the settings this invocation trains with, for people and tools to read.
pub(super) fn write_config(run_dir: &Path, config: &TrainConfig) -> Result<()> {
    let path = run_dir.join("config.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(config).expect("serialises"),
    )
    .map_err(|e| TrainError::io(path, e))
}

/// Temporary files of checkpoints whose writer was killed mid-write (never renamed into place).
fn remove_stale_temporaries(run_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(run_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&format!(".{CHECKPOINT_FILE}.tmp-")) {
            tracing::info!(
                "removing {} left by an interrupted checkpoint write",
                entry.path().display()
            );
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Trainer {
    /// The state after `iteration` iterations (decoder, Adam moments, settings) as the checkpoint.
    pub(super) fn save(&self, path: &Path, iteration: u64) -> Result<()> {
        Checkpoint {
            iteration,
            decoder: self.decoder.to_network()?,
            adam_m: self.adam.m.iter().map(tensor_to_vec).collect(),
            adam_v: self.adam.v.iter().map(tensor_to_vec).collect(),
            adam_steps: self.adam.steps,
            config: self.config.clone(),
        }
        .save(path)
    }
}
