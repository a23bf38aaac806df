//! Checkpoint → model package (encoder.onnx, decoder.onnx, manifest.json with sha256s and provenance),
//! optionally with int8 and fp16 variants of both graphs, calibrated and validated against fp32
//! ([`export_with_variants`]).

mod validate;
mod variants;

pub use validate::{psnr, PairScore, Reference, VariantScore};
pub use variants::{ExportReport, VariantOptions};

use std::collections::BTreeMap;
use std::path::Path;

use adain_models::manifest::Manifest;
use adain_models::package::{write_package, PackageInfo};
use adain_models::vgg::DEFAULT_ENCODER_SOURCE;
use adain_models::Network;

use crate::checkpoint::{Checkpoint, TrainConfig};
use crate::error::{Result, TrainError};
use crate::metrics::METRICS_FILE;
use crate::model::Encoder;

/// Where and under which name to export.
pub struct ExportOptions<'a> {
    pub checkpoint: &'a Path,
    pub out: &'a Path,
    pub name: String,
    pub version: String,
    /// Overrides the encoder recorded in the checkpoint's configuration.
    pub encoder: Option<&'a Path>,
    /// Extra provenance (e.g. training time), merged over what the checkpoint knows.
    pub provenance: BTreeMap<String, String>,
}

/// Writes the fp32 package.
pub fn export(opts: &ExportOptions) -> Result<Manifest> {
    Ok(export_fp32(opts)?.manifest)
}

/// Writes the fp32 package, then the variants of `variants.precisions` beside it, each validated against
/// fp32 and recorded in the manifest.
pub fn export_with_variants(
    opts: &ExportOptions,
    variants: &VariantOptions,
) -> Result<ExportReport> {
    variants::check_int8_can_be_validated(variants)?;
    let exported = export_fp32(opts)?;
    variants::add_variants(opts.out, exported, variants)
}

/// What the fp32 export wrote, and the networks and records the variants are built from.
struct Exported {
    manifest: Manifest,
    encoder: Network,
    decoder: Network,
    info: PackageInfo,
    config: TrainConfig,
}

fn export_fp32(opts: &ExportOptions) -> Result<Exported> {
    let ckpt = Checkpoint::load(opts.checkpoint)?;
    let encoder_path = opts
        .encoder
        .map(Path::to_path_buf)
        .unwrap_or_else(|| ckpt.config.encoder.clone().into());
    let encoder = Encoder::load(&encoder_path, tch::Device::Cpu)?;
    let encoder = encoder.network();
    if encoder.identity() != ckpt.config.encoder_identity {
        return Err(TrainError::Config(format!(
            "{} is not the encoder {} was trained with (identity {} vs {})",
            encoder_path.display(),
            opts.checkpoint.display(),
            &encoder.identity()[..12],
            &ckpt.config.encoder_identity[..ckpt.config.encoder_identity.len().min(12)]
        )));
    }
    let c = &ckpt.config;
    let mut provenance: BTreeMap<String, String> = [
        ("iterations", ckpt.iteration.to_string()),
        ("content_data", c.content_dir.clone()),
        ("style_data", c.style_dir.clone()),
        ("holdout", c.holdout.to_string()),
        ("batch", c.batch.to_string()),
        ("resize", c.resize.to_string()),
        ("crop", c.crop.to_string()),
        ("lr", c.lr.to_string()),
        ("lr_decay", c.lr_decay.to_string()),
        ("style_weight", c.style_weight.to_string()),
        ("content_weight", c.content_weight.to_string()),
        ("tv_weight", c.tv_weight.to_string()),
        ("grid_weight", c.grid_weight.to_string()),
        ("stability_weight", c.stability_weight.to_string()),
        ("colour_weight", c.colour_weight.to_string()),
        (
            "initial_decoder",
            c.init_decoder
                .clone()
                .unwrap_or_else(|| format!("seeded random weights ({})", c.seed)),
        ),
        ("seed", c.seed.to_string()),
        ("training_precision", c.precision.clone()),
        (
            "trainer",
            format!("adain-train {}", env!("CARGO_PKG_VERSION")),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let (Some(content), Some(style)) = (&c.val_content, &c.val_style) {
        provenance.insert("validation_data".into(), format!("{content}, {style}"));
    }
    provenance.extend(opts.provenance.clone());
    let source = if encoder.architecture().name == "vgg16-relu4_1" {
        DEFAULT_ENCODER_SOURCE.to_string()
    } else {
        encoder_path.display().to_string()
    };
    let info = PackageInfo {
        name: opts.name.clone(),
        version: opts.version.clone(),
        encoder_source: source,
        provenance,
    };
    let manifest = write_package(opts.out, encoder, &ckpt.decoder, &info, true)?;
    let encoder = encoder.clone();
    // Keep the loss curve with the package, up to the exported checkpoint (the run may have gone on).
    if let Some(run_dir) = opts.checkpoint.parent() {
        let metrics = run_dir.join(METRICS_FILE);
        if metrics.is_file() {
            crate::metrics::copy_up_to(
                &metrics,
                &opts.out.join("training_metrics.jsonl"),
                ckpt.iteration,
            )?;
        }
    }
    Ok(Exported {
        manifest,
        encoder,
        decoder: ckpt.decoder,
        info,
        config: ckpt.config,
    })
}
