//! What the training tests share beyond the test kit: a small training configuration and an
//! untrained checkpoint.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use adain_models::{Architecture, Network};
use adain_test_kit::paths::default_encoder;
use adain_training::checkpoint::{Checkpoint, TrainConfig, CHECKPOINT_FILE};

/// A tiny but real configuration: batch 2, 32×32 crops.
pub fn small_config(content: &Path, style: &Path) -> TrainConfig {
    TrainConfig {
        content_dir: content.display().to_string(),
        style_dir: style.display().to_string(),
        holdout: 0.0,
        val_content: None,
        val_style: None,
        val_pairs: 4,
        val_every: 1000,
        encoder: default_encoder().display().to_string(),
        encoder_identity: String::new(),
        batch: 2,
        resize: 48,
        crop: 32,
        lr: 1e-4,
        lr_decay: 5e-5,
        style_weight: 10.0,
        content_weight: 1.0,
        tv_weight: 0.0,
        grid_weight: 0.0,
        stability_weight: 0.0,
        colour_weight: 0.0,
        init_decoder: None,
        seed: 3,
        precision: "fp32".into(),
    }
}

/// A checkpoint at iteration 0 holding `Network::seeded(decoder, seed)` (an untrained decoder) with
/// fresh Adam state, written into `run`; returns its path.
pub fn seeded_checkpoint(run: &Path, config: TrainConfig, seed: u64) -> PathBuf {
    let decoder = Network::seeded(Architecture::decoder(), seed);
    let zeros: Vec<Vec<f32>> = decoder
        .params()
        .iter()
        .flat_map(|p| [vec![0.0; p.weight.len()], vec![0.0; p.bias.len()]])
        .collect();
    std::fs::create_dir_all(run).unwrap();
    let checkpoint = run.join(CHECKPOINT_FILE);
    Checkpoint {
        iteration: 0,
        decoder,
        adam_m: zeros.clone(),
        adam_v: zeros,
        adam_steps: 0,
        config,
    }
    .save(&checkpoint)
    .unwrap();
    checkpoint
}
