//! int8 and fp16 variants of an exported package: calibrate (int8), write the graphs beside the fp32
//! ones, list them in the manifest, validate each against fp32 and record the result.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use adain::package::kernels::{profile_graph, KernelProfile};
use adain::runtime::GraphInput;
use adain_models::manifest::{Manifest, Role, Validation};
use adain_models::onnx::quantize::{ActivationRanges, Clip};
use adain_models::package::{
    package_file, write_decoder_as, write_encoder_as, Precision, Variant, MIN_VALIDATED_PSNR_DB,
};

use super::validate::{Reference, VariantScore};
use super::Exported;
use crate::calibration::{calibrate, ImageSet};
use crate::data::ImageFolder;
use crate::error::{Result, TrainError};

/// Which variants to add and how to calibrate and validate them.
#[derive(Debug, Clone)]
pub struct VariantOptions {
    /// Besides fp32 (always written).
    pub precisions: Vec<Precision>,
    /// Calibration images: a folder with `content/` and `style/`, or one folder of images. Default: the
    /// run's training folders (without the held-out files).
    pub calibration_dir: Option<PathBuf>,
    /// Contents and styles (each) used for calibration.
    pub calibration_images: usize,
    /// Shorter side calibration images are resized to (centre-cropped square).
    pub calibration_size: u32,
    pub clip: Clip,
    /// Committed encoder ranges (`models/vgg16_int8_ranges.json`): used when they belong to the encoder,
    /// so the int8 encoder is exactly the one `cargo xtask setup` builds. Otherwise the encoder is
    /// calibrated with the decoder.
    pub encoder_ranges: Option<PathBuf>,
    /// Validation pairs: a folder as for calibration. Default: the run's held-out files, else its
    /// validation folders, else training images not used for calibration.
    pub validation_dir: Option<PathBuf>,
    pub validation_pairs: usize,
    pub validation_size: u32,
    /// ONNX Runtime intra-op threads.
    pub threads: usize,
}

impl Default for VariantOptions {
    fn default() -> Self {
        Self {
            precisions: vec![Precision::Int8, Precision::Fp16],
            calibration_dir: None,
            calibration_images: 32,
            calibration_size: 512,
            clip: Clip::Percentile(99.99),
            encoder_ranges: None,
            validation_dir: None,
            validation_pairs: 16,
            validation_size: 512,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// What was written and measured.
#[derive(Debug, Clone)]
pub struct ExportReport {
    pub manifest: Manifest,
    pub scores: Vec<VariantScore>,
    /// Kernels ONNX Runtime ran for the int8 graphs (encoder, decoder).
    pub int8_kernels: Option<(KernelProfile, KernelProfile)>,
}

/// int8 variants are validated by running them, which measures nothing but the kernels' saturation
/// on a CPU whose int8 kernels are not exact: refused there, before anything is written.
pub(super) fn check_int8_can_be_validated(v: &VariantOptions) -> Result<()> {
    if v.precisions.contains(&Precision::Int8) && !adain::package::int8_kernels_exact() {
        return Err(TrainError::Config(format!(
            "--precision int8 (or all) validates the int8 graphs by running them, and {}. Export \
             them on such a CPU, or ask for --precision fp16",
            adain::package::INT8_NEEDS_EXACT_KERNELS
        )));
    }
    Ok(())
}

pub(super) fn add_variants(
    dir: &Path,
    exported: Exported,
    v: &VariantOptions,
) -> Result<ExportReport> {
    let Exported {
        mut manifest,
        encoder,
        decoder,
        info,
        config,
    } = exported;
    let mut precisions: Vec<Precision> = v
        .precisions
        .iter()
        .copied()
        .filter(|p| *p != Precision::Fp32)
        .collect();
    precisions.sort();
    precisions.dedup();
    if precisions.is_empty() {
        return Ok(ExportReport {
            manifest,
            scores: Vec::new(),
            int8_kernels: None,
        });
    }
    let (calibration_set, validation_set) = image_sets(&config, v)?;
    let hash_encoder = manifest
        .file(Role::Encoder, "fp32")
        .is_some_and(|f| f.sha256.is_some());
    let mut notes: Vec<(Precision, String)> = Vec::new();
    let mut int8_kernels = None;

    for &precision in &precisions {
        match precision {
            Precision::Int8 => {
                let committed = match &v.encoder_ranges {
                    Some(path) if path.is_file() => {
                        Some(ActivationRanges::load(path)?).filter(|r| r.matches(&encoder))
                    }
                    _ => None,
                };
                tracing::info!(
                    "int8: calibrating on {} at {}²",
                    calibration_set.describe(),
                    v.calibration_size
                );
                let cal = calibrate(
                    &encoder,
                    Some(&decoder),
                    &calibration_set,
                    v.calibration_size,
                    v.threads,
                )?;
                let encoder_ranges = match committed {
                    Some(r) => {
                        tracing::info!(
                            "int8 encoder: committed ranges {}",
                            v.encoder_ranges.as_ref().expect("set").display()
                        );
                        r
                    }
                    None => cal.encoder.ranges(&encoder, v.clip, &cal.images),
                };
                let decoder_ranges = cal
                    .decoder
                    .as_ref()
                    .expect("calibrated with the decoder")
                    .ranges(&decoder, v.clip, &cal.images);
                write_encoder_as(dir, &encoder, &info, Variant::Int8(&encoder_ranges))?;
                write_decoder_as(
                    dir,
                    &decoder,
                    &encoder,
                    &info,
                    Variant::Int8(&decoder_ranges),
                )?;
                let kernels = (
                    profile_graph(
                        &dir.join(precision.file_name(Role::Encoder)),
                        &GraphInput::ENCODER,
                        256,
                        v.threads,
                        1,
                    )?,
                    profile_graph(
                        &dir.join(precision.file_name(Role::Decoder)),
                        &GraphInput::DECODER,
                        256,
                        v.threads,
                        1,
                    )?,
                );
                tracing::info!("int8 encoder kernels: {}", kernels.0.summary());
                tracing::info!("int8 decoder kernels: {}", kernels.1.summary());
                let float_convs = kernels.0.nodes_of("Conv") + kernels.1.nodes_of("Conv");
                let kept = encoder_ranges.keep_float.len() + decoder_ranges.keep_float.len();
                if float_convs != kept {
                    tracing::warn!("int8: ONNX Runtime runs {float_convs} convolutions in float, {kept} were meant to be");
                }
                notes.push((
                    precision,
                    format!(
                        "encoder ranges: {}; decoder ranges: {}; ONNX Runtime CPU kernels: encoder {}, decoder {}",
                        encoder_ranges.method,
                        decoder_ranges.method,
                        op_list(&kernels.0),
                        op_list(&kernels.1)
                    ),
                ));
                int8_kernels = Some(kernels);
            }
            Precision::Fp16 => {
                write_encoder_as(dir, &encoder, &info, Variant::Fp16)?;
                write_decoder_as(dir, &decoder, &encoder, &info, Variant::Fp16)?;
                notes.push((
                    precision,
                    "weights and activations in float16, Casts at the f32 interface".into(),
                ));
            }
            Precision::Fp32 => unreachable!("filtered out"),
        }
        manifest.set_file(package_file(dir, Role::Encoder, precision, hash_encoder)?);
        manifest.set_file(package_file(dir, Role::Decoder, precision, true)?);
        manifest.save(dir)?;
    }

    let pairs = validation_set
        .clone()
        .spread(v.validation_pairs)
        .pairs(v.validation_pairs);
    tracing::info!(
        "validating on {} pairs ({}) at {}²",
        pairs.len(),
        validation_set.describe(),
        v.validation_size
    );
    let reference = Reference::new(dir, pairs, v.validation_size, v.threads)?;
    let mut scores = Vec::new();
    for (precision, note) in notes {
        let score = reference.score(dir, precision, v.threads)?;
        let validated = score.psnr_db >= MIN_VALIDATED_PSNR_DB;
        tracing::info!(
            "{precision}: {:.2} dB PSNR against fp32 (worst pair {:.2} dB; encoder alone {:.2} dB, decoder alone {:.2} dB) — {}",
            score.psnr_db,
            score.min_psnr_db,
            score.encoder_only_db,
            score.decoder_only_db,
            if validated { "validated" } else { "NOT validated: `auto` will not pick it" }
        );
        let validation = Validation {
            psnr_db: round2(score.psnr_db),
            min_psnr_db: round2(score.min_psnr_db),
            pairs: reference.len(),
            size: v.validation_size,
            threshold_db: MIN_VALIDATED_PSNR_DB,
            validated,
            method: format!(
                "full pipeline ({precision} encoder + AdaIN + {precision} decoder) vs all-fp32, ONNX Runtime CPU, 8-bit outputs; \
                 pairs from {}; encoder alone {:.2} dB, decoder alone {:.2} dB; {note}",
                validation_set.describe(),
                score.encoder_only_db,
                score.decoder_only_db
            ),
        };
        for role in [Role::Encoder, Role::Decoder] {
            let mut file = manifest
                .file(role, precision.as_str())
                .cloned()
                .expect("listed above");
            file.validation = Some(validation.clone());
            manifest.set_file(file);
        }
        scores.push(score);
    }
    manifest.save(dir)?;
    Ok(ExportReport {
        manifest,
        scores,
        int8_kernels,
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `QLinearConv×8, MaxPool×3, …` (operators only).
fn op_list(p: &KernelProfile) -> String {
    p.kernels
        .iter()
        .map(|k| format!("{}×{}", k.op, k.nodes))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Calibration and validation images, disjoint.
fn image_sets(
    config: &crate::checkpoint::TrainConfig,
    v: &VariantOptions,
) -> Result<(ImageSet, ImageSet)> {
    let run_folders = || -> Result<(ImageSet, Option<ImageSet>)> {
        let hint = |e: TrainError| {
            TrainError::Config(format!("the run's training folders are not usable here ({e}); pass --calibration-dir and --validation-dir"))
        };
        let scan = |dir: &str| {
            ImageFolder::scan(Path::new(dir))
                .map(|(f, _)| f)
                .map_err(hint)
        };
        let (content, style) = (scan(&config.content_dir)?, scan(&config.style_dir)?);
        let source = format!(
            "the run's training folders ({}, {})",
            short(&config.content_dir),
            short(&config.style_dir)
        );
        if config.holdout > 0.0 {
            let (ck, ch) = content.split(config.holdout);
            let (sk, sh) = style.split(config.holdout);
            let held = ImageSet {
                contents: ch.files,
                styles: sh.files,
                source: format!("{source}, held out"),
            };
            return Ok((
                ImageSet {
                    contents: ck.files,
                    styles: sk.files,
                    source,
                },
                Some(held),
            ));
        }
        Ok((
            ImageSet {
                contents: content.files,
                styles: style.files,
                source,
            },
            None,
        ))
    };
    let explicit_validation = match (&v.validation_dir, &config.val_content, &config.val_style) {
        (Some(dir), _, _) => Some(ImageSet::from_dir(dir)?),
        // Folders, or list files (a run trained on a data mix).
        (None, Some(c), Some(s)) if Path::new(c).exists() && Path::new(s).exists() => {
            Some(ImageSet::from_folders(Path::new(c), Path::new(s))?)
        }
        _ => None,
    };
    let (calibration, held) = match &v.calibration_dir {
        Some(dir) => (ImageSet::from_dir(dir)?, None),
        None => run_folders()?,
    };
    let validation = explicit_validation.or(held);
    let calibration = match &validation {
        Some(val) => calibration.without(&val.files()),
        None => calibration,
    }
    .spread(v.calibration_images);
    let validation = match validation {
        Some(val) => val,
        None => {
            // Training images the calibration did not use.
            let (all, _) = match &v.calibration_dir {
                Some(dir) => (ImageSet::from_dir(dir)?, None),
                None => run_folders()?,
            };
            let used: HashSet<PathBuf> = calibration.files();
            let mut rest = all.without(&used);
            rest.source = format!("{} (not used for calibration)", rest.source);
            rest
        }
    };
    if calibration.is_empty() || validation.is_empty() {
        return Err(TrainError::Config(format!(
            "need calibration and validation images (calibration: {}; validation: {})",
            calibration.describe(),
            validation.describe()
        )));
    }
    Ok((calibration, validation))
}

fn short(p: &str) -> String {
    p.find("shared/data/")
        .map(|i| p[i..].to_string())
        .unwrap_or_else(|| p.to_string())
}
