//! Shared fixtures: synthetic image folders and a small training configuration.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use adain_models::{Architecture, Network};
use adain_training::checkpoint::{Checkpoint, TrainConfig, CHECKPOINT_FILE};

/// The default package's encoder, built by `cargo xtask setup`.
pub fn encoder_path() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/default/encoder.onnx");
    assert!(
        p.is_file(),
        "{} is missing: run `cargo xtask setup` first (cargo xtask test does)",
        p.display()
    );
    p
}

/// Writes `n` synthetic RGB images (gradients, stripes and blobs varying with `seed`) of w×h.
pub fn synthetic_folder(dir: &Path, n: usize, w: u32, h: u32, seed: u32) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n as u32 {
        let k = seed * 31 + i * 7;
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let stripe = if ((x + k) / (3 + k % 5)).is_multiple_of(2) {
                60
            } else {
                0
            };
            let blob = {
                let (cx, cy) = ((k * 13) % w, (k * 17) % h);
                let d = ((x as i64 - cx as i64).pow(2) + (y as i64 - cy as i64).pow(2)) as f64;
                (120.0 * (-d / 200.0).exp()) as u32
            };
            image::Rgb([
                ((x * 255 / w + stripe) % 256) as u8,
                ((y * 255 / h + blob) % 256) as u8,
                (((x + y + k * 11) * 3) % 256) as u8,
            ])
        });
        img.save(dir.join(format!("img{i:03}.png"))).unwrap();
    }
    dir.to_path_buf()
}

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
        encoder: encoder_path().display().to_string(),
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
