//! models/default/encoder.onnx, built from the cached VGG16 weights and the committed channel scales,
//! and its variants: encoder.int8.onnx (from the committed activation ranges,
//! models/vgg16_int8_ranges.json) and encoder.fp16.onnx. Never committed: their weights come from a
//! registry package. Built deterministically, so they are byte for byte what `adain-train export`
//! writes for the same package (same weights, ranges and metadata).

use std::path::Path;

use anyhow::{Context, Result};

use adain_models::install_paths::keras_vgg16_path;
use adain_models::manifest::{Manifest, Role};
use adain_models::network::Network;
use adain_models::onnx::quantize::ActivationRanges;
use adain_models::onnx::{model_bytes, PadMode};
use adain_models::package::{
    encoder_graph_as, PackageInfo, Precision, Variant, VGG16_INT8_RANGES_FILE,
};
use adain_models::vgg::{default_encoder, DEFAULT_ENCODER_SOURCE};

use crate::paths::{channel_scales_file, default_package, workspace_root};

pub fn build_default() -> Result<()> {
    let scales = channel_scales_file();
    anyhow::ensure!(
        scales.is_file(),
        "{} is missing: it is committed with the repository (recreate it with `cargo xtask calibrate-encoder`)",
        scales.display()
    );
    let encoder = default_encoder(&keras_vgg16_path(), &scales)?;
    let dir = default_package();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let info = package_info(&dir)?;
    write_if_changed(&dir, &encoder, &info, Variant::Fp32)?;
    tracing::info!("encoder identity {}", &encoder.identity()[..12]);
    build_variants(&dir, &encoder, &info)
}

/// encoder.fp16.onnx, and encoder.int8.onnx when the committed ranges belong to this encoder.
fn build_variants(dir: &Path, encoder: &Network, info: &PackageInfo) -> Result<()> {
    write_if_changed(dir, encoder, info, Variant::Fp16)?;
    let ranges_file = workspace_root().join("models").join(VGG16_INT8_RANGES_FILE);
    if !ranges_file.is_file() {
        tracing::warn!(
            "encoder: no {} (make it with `adain-train calibrate-int8`); the int8 encoder is not built",
            ranges_file.display()
        );
        return Ok(());
    }
    let ranges = ActivationRanges::load(&ranges_file)?;
    ranges.check(encoder).with_context(|| {
        format!("{} does not belong to the default encoder: recreate it with `adain-train calibrate-int8`", ranges_file.display())
    })?;
    write_if_changed(dir, encoder, info, Variant::Int8(&ranges))
}

/// Writes the encoder graph of `variant` unless the file already holds exactly those bytes.
fn write_if_changed(
    dir: &Path,
    encoder: &Network,
    info: &PackageInfo,
    variant: Variant<'_>,
) -> Result<()> {
    let path = dir.join(variant.precision().file_name(Role::Encoder));
    let bytes = model_bytes(&encoder_graph_as(encoder, info, PadMode::Reflect, variant)?);
    if std::fs::read(&path).ok().as_deref() == Some(&bytes[..]) {
        tracing::info!("encoder: {}", path.display());
        return Ok(());
    }
    adain_models::atomic_file::write(&path, &bytes)?;
    tracing::info!(
        "encoder: built {} ({})",
        path.display(),
        variant.precision()
    );
    Ok(())
}

/// Name, version and provenance from the default package's manifest when it exists (a trained decoder
/// is there), so the graphs' metadata is what the exporter wrote.
fn package_info(dir: &Path) -> Result<PackageInfo> {
    if dir.join(adain_models::manifest::MANIFEST_FILE).is_file() {
        let m = Manifest::load(dir).context("reading the default package's manifest")?;
        for p in Precision::ALL {
            if let Some(f) = m.file(Role::Encoder, p.as_str()) {
                anyhow::ensure!(
                    f.path == p.file_name(Role::Encoder),
                    "unexpected {p} encoder path {} in the manifest",
                    f.path
                );
            }
        }
        return Ok(PackageInfo {
            name: m.name,
            version: m.version,
            encoder_source: m.encoder.source,
            provenance: m.provenance,
        });
    }
    Ok(PackageInfo {
        name: "default".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        encoder_source: DEFAULT_ENCODER_SOURCE.into(),
        provenance: Default::default(),
    })
}
