//! The whole chain: train a few iterations → export a package → evaluate it → load and check it in
//! the inference crate → stylize an odd-sized image.

use std::path::PathBuf;

use adain::ops::adain_stats;
use adain::ops::StyleMix;
use adain::package::ModelPackage;
use adain::runtime::SessionOptions;
use adain::Stylizer;
use adain_e2e::default_encoder;
use adain_training::checkpoint::{TrainConfig, CHECKPOINT_FILE};
use adain_training::eval::evaluate;
use adain_training::export::{export, ExportOptions};
use adain_training::trainer::{train, TrainOptions};

fn folder(dir: PathBuf, seed: u32) -> PathBuf {
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..3u32 {
        let img = image::RgbImage::from_fn(48, 40, |x, y| {
            image::Rgb([
                (x * 5 + seed * 40) as u8,
                (y * 6 + i * 30) as u8,
                ((x ^ y) * 7) as u8,
            ])
        });
        img.save(dir.join(format!("{i}.png"))).unwrap();
    }
    dir
}

#[test]
fn trained_checkpoint_exports_a_package_that_stylizes() {
    tch::set_num_threads(2);
    let dir = tempfile::tempdir().unwrap();
    let content = folder(dir.path().join("content"), 1);
    let style = folder(dir.path().join("style"), 2);
    let run = dir.path().join("run");
    let config = TrainConfig {
        content_dir: content.display().to_string(),
        style_dir: style.display().to_string(),
        holdout: 0.0,
        val_content: Some(content.display().to_string()),
        val_style: Some(style.display().to_string()),
        val_pairs: 2,
        val_every: 2,
        encoder: default_encoder().display().to_string(),
        encoder_identity: String::new(),
        batch: 2,
        resize: 40,
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
        seed: 1,
        precision: "bf16".into(),
    };
    train(TrainOptions {
        config,
        run_dir: run.clone(),
        resume: false,
        retune: Default::default(),
        iters: 4,
        save_every: 2,
        log_every: 1,
        device: tch::Device::Cpu,
        progress: false,
        time_limit: None,
    })
    .unwrap();

    let package_dir = dir.path().join("models/tiny");
    let manifest = export(&ExportOptions {
        checkpoint: &run.join(CHECKPOINT_FILE),
        out: &package_dir,
        name: "tiny".into(),
        version: "0.0.1".into(),
        encoder: None,
        provenance: Default::default(),
    })
    .unwrap();
    assert_eq!(manifest.provenance["iterations"], "4");
    assert!(package_dir.join("training_metrics.jsonl").is_file());

    let report = evaluate(&package_dir, &content, &style, 32, false, tch::Device::Cpu).unwrap();
    assert_eq!(report.pairs, 9, "3 contents × 3 styles");
    assert!(report.content_loss > 0.0 && report.style_loss > 0.0);
    assert!((report.total_loss - report.content_loss - 10.0 * report.style_loss).abs() < 1e-6);
    let board = &report.checkerboard;
    for spread in [board.outputs, board.contents] {
        assert!(spread.mean > 0.0 && spread.mean <= spread.max && spread.max.is_finite());
    }

    let package =
        ModelPackage::load(&package_dir, adain::Precision::Fp32, adain::Provider::Cpu).unwrap();
    let mut stylizer = Stylizer::new(
        &package,
        &SessionOptions {
            threads: 2,
            ..SessionOptions::default()
        },
    )
    .unwrap();
    let content_img = image::RgbImage::from_fn(333, 257, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let style_img = image::RgbImage::from_fn(120, 90, |x, y| {
        image::Rgb([((x * y) % 256) as u8, 30, (x % 256) as u8])
    });
    let stats = stylizer
        .style_statistics(&style_img, Default::default())
        .unwrap();
    let out = stylizer
        .stylize(&content_img, StyleMix::One(&adain_stats(&stats)), 1.0)
        .unwrap();
    assert_eq!(out.dimensions(), (333, 257));
}
