//! Compares int8 clipping rules by the PSNR of the whole pipeline against fp32: one calibration pass,
//! then for each rule an int8 encoder and decoder are written and scored on the same validation pairs.
//!
//! ```sh
//! cargo run --release -p adain-training --example int8_clip_sweep -- RUN_DIR OUT_DIR [CLIP ...]
//! ```
//! RUN_DIR holds a checkpoint trained with `--holdout` (its held-out files are the validation pairs);
//! OUT_DIR receives the package. CLIP: max, mse, percentile:P (default: a sweep of all).

use std::path::PathBuf;

use adain_models::manifest::Role;
use adain_models::onnx::quantize::Clip;
use adain_models::package::{write_decoder_as, write_encoder_as, Precision, Variant};
use adain_training::calibration::{calibrate, ImageSet};
use adain_training::checkpoint::CHECKPOINT_FILE;
use adain_training::data::ImageFolder;
use adain_training::export::{export, ExportOptions, Reference};
use adain_training::model::Encoder;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter("info,ort=warn")
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(
        args.len() >= 2,
        "usage: int8_clip_sweep RUN_DIR OUT_DIR [CLIP ...]"
    );
    let (run, out) = (PathBuf::from(&args[0]), PathBuf::from(&args[1]));
    let clips: Vec<Clip> = if args.len() > 2 {
        args[2..]
            .iter()
            .map(|c| c.parse().map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<_>>()?
    } else {
        [
            "max",
            "percentile:99.9",
            "percentile:99.99",
            "percentile:99.999",
            "mse",
        ]
        .iter()
        .map(|c| c.parse().unwrap())
        .collect()
    };
    let env_usize = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (cal_n, pairs_n, size, threads) = (
        env_usize("CAL_IMAGES", 32),
        env_usize("PAIRS", 16),
        env_usize("SIZE", 512) as u32,
        env_usize("THREADS", 2),
    );

    let checkpoint = run.join(CHECKPOINT_FILE);
    let manifest = export(&ExportOptions {
        checkpoint: &checkpoint,
        out: &out,
        name: "sweep".into(),
        version: "0".into(),
        encoder: None,
        provenance: Default::default(),
    })?;
    let ckpt = adain_training::checkpoint::Checkpoint::load(&checkpoint)?;
    let encoder = Encoder::load(&out.join("encoder.onnx"), tch::Device::Cpu)?;
    let encoder = encoder.network().clone();
    let info = adain_models::package::PackageInfo {
        name: manifest.name.clone(),
        version: manifest.version.clone(),
        encoder_source: manifest.encoder.source.clone(),
        provenance: manifest.provenance.clone(),
    };
    let c = &ckpt.config;
    let (content, style) = (
        ImageFolder::scan(c.content_dir.as_ref())?.0,
        ImageFolder::scan(c.style_dir.as_ref())?.0,
    );
    let (ck, ch) = content.split(c.holdout.max(0.05));
    let (sk, sh) = style.split(c.holdout.max(0.05));
    let cal_set = ImageSet {
        contents: ck.files,
        styles: sk.files,
        source: "training".into(),
    }
    .spread(cal_n);
    let val_set = ImageSet {
        contents: ch.files,
        styles: sh.files,
        source: "held out".into(),
    }
    .spread(pairs_n);

    let cal = calibrate(&encoder, Some(&ckpt.decoder), &cal_set, size, threads)?;
    let reference = Reference::new(&out, val_set.pairs(pairs_n), size, threads)?;
    println!("| clip | pipeline dB | worst pair dB | encoder alone dB | decoder alone dB |");
    println!("|---|---|---|---|---|");
    let list = |k: &str| {
        std::env::var(k)
            .map(|v| {
                v.split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (keep_enc, keep_dec): (Vec<String>, Vec<String>) =
        (list("KEEP_FLOAT_ENC"), list("KEEP_FLOAT_DEC"));
    let enc_convs: Vec<String> = encoder
        .architecture()
        .convs()
        .map(|c| c.name.to_string())
        .collect();
    let dec_convs: Vec<String> = ckpt
        .decoder
        .architecture()
        .convs()
        .map(|c| c.name.to_string())
        .collect();
    // SENSITIVITY=1: one int8 conv at a time, the rest in f32.
    let mut plans: Vec<(String, Clip, Vec<String>, Vec<String>)> = Vec::new();
    for &clip in &clips {
        if std::env::var("SENSITIVITY").is_ok() {
            for c in &enc_convs {
                plans.push((
                    format!("{clip} only {c}"),
                    clip,
                    enc_convs.iter().filter(|x| *x != c).cloned().collect(),
                    dec_convs.clone(),
                ));
            }
            for c in &dec_convs {
                plans.push((
                    format!("{clip} only {c}"),
                    clip,
                    enc_convs.clone(),
                    dec_convs.iter().filter(|x| *x != c).cloned().collect(),
                ));
            }
        } else {
            plans.push((format!("{clip}"), clip, keep_enc.clone(), keep_dec.clone()));
        }
    }
    for (label, clip, ke, kd) in plans {
        let mut er = cal.encoder.ranges(&encoder, clip, &cal.images);
        let mut dr = cal
            .decoder
            .as_ref()
            .unwrap()
            .ranges(&ckpt.decoder, clip, &cal.images);
        if std::env::var("KEEP_FLOAT_ENC").is_ok() || std::env::var("SENSITIVITY").is_ok() {
            er.keep_float = ke;
        }
        if std::env::var("KEEP_FLOAT_DEC").is_ok() || std::env::var("SENSITIVITY").is_ok() {
            dr.keep_float = kd;
        }
        write_encoder_as(&out, &encoder, &info, Variant::Int8(&er))?;
        write_decoder_as(&out, &ckpt.decoder, &encoder, &info, Variant::Int8(&dr))?;
        let s = reference.score(&out, Precision::Int8, threads)?;
        println!(
            "| {label} | {:.2} | {:.2} | {:.2} | {:.2} |",
            s.psnr_db, s.min_psnr_db, s.encoder_only_db, s.decoder_only_db
        );
        if std::env::var("DUMP").is_ok() {
            std::fs::copy(
                out.join(Precision::Int8.file_name(Role::Decoder)),
                out.join(format!("decoder.int8.{clip}.onnx")),
            )?;
        }
    }
    Ok(())
}
