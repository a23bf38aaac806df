//! models/default/encoder.onnx, built from the cached VGG16 weights and the committed channel scales.
//! Never committed: its weights come from a registry package.

use anyhow::{Context, Result};

use adain_models::install_paths::keras_vgg16_path;
use adain_models::manifest::{Manifest, Role};
use adain_models::onnx::{metadata, read_model};
use adain_models::package::{keys, write_encoder, PackageInfo, ENCODER_FILE};
use adain_models::vgg::{default_encoder, DEFAULT_ENCODER_SOURCE};

use crate::paths::{channel_scales_file, default_package};

pub fn build_default() -> Result<()> {
    let scales = channel_scales_file();
    anyhow::ensure!(
        scales.is_file(),
        "{} is missing: it is committed with the repository (recreate it with `cargo xtask calibrate-encoder`)",
        scales.display()
    );
    let encoder = default_encoder(&keras_vgg16_path(), &scales)?;
    let dir = default_package();
    let target = dir.join(ENCODER_FILE);
    let identity = encoder.identity();
    let info = package_info(&dir)?;
    if target.is_file() {
        let existing = read_model(&target).ok().map(|m| metadata(&m));
        let same = existing.as_ref().is_some_and(|m| {
            m.get(keys::ENCODER_IDENTITY) == Some(&identity) && m.get(keys::MODEL_NAME) == Some(&info.name)
        });
        if same {
            tracing::info!("encoder: {} (identity {})", target.display(), &identity[..12]);
            return Ok(());
        }
    }
    write_encoder(&dir, &encoder, &info)?;
    tracing::info!("encoder: built {} (identity {})", target.display(), &identity[..12]);
    Ok(())
}

/// Name and version from the default package's manifest when it exists (a trained decoder is there).
fn package_info(dir: &std::path::Path) -> Result<PackageInfo> {
    let (name, version) = if dir.join(adain_models::manifest::MANIFEST_FILE).is_file() {
        let m = Manifest::load(dir).context("reading the default package's manifest")?;
        if let Some(f) = m.file(Role::Encoder, "fp32") {
            anyhow::ensure!(f.path == ENCODER_FILE, "unexpected encoder path {} in the manifest", f.path);
        }
        (m.name, m.version)
    } else {
        ("default".to_string(), env!("CARGO_PKG_VERSION").to_string())
    };
    Ok(PackageInfo { name, version, encoder_source: DEFAULT_ENCODER_SOURCE.into(), provenance: Default::default() })
}
