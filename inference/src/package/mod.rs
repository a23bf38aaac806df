//! A model package folder (`encoder.onnx`, `decoder.onnx`, `manifest.json`), loaded and checked
//! before anything runs: files and hashes, graph interfaces, and that the manifest and both graphs
//! agree on the statistics convention and on which encoder they belong to.

mod graph_checks;
mod locate;

use std::path::{Path, PathBuf};

use adain_models::manifest::{Manifest, Role};
use adain_models::onnx::read_model;

pub use locate::{default_package_candidates, locate_default_package, DEFAULT_PACKAGE};

use crate::error::{AdainError, Result};

/// Precision of the graphs used when none is asked for.
pub const DEFAULT_PRECISION: &str = "fp32";

/// One passed check, for `adain info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub what: String,
    pub detail: String,
}

/// A checked model package.
#[derive(Debug, Clone)]
pub struct ModelPackage {
    dir: PathBuf,
    manifest: Manifest,
    precision: String,
    encoder_path: PathBuf,
    decoder_path: PathBuf,
    checks: Vec<Check>,
}

impl ModelPackage {
    /// Loads and checks the fp32 graphs of the package in `dir`.
    pub fn load(dir: &Path) -> Result<Self> {
        Self::load_with_precision(dir, DEFAULT_PRECISION)
    }

    /// Loads and checks the graphs of `precision` (as listed in the manifest: fp32, fp16, int8).
    pub fn load_with_precision(dir: &Path, precision: &str) -> Result<Self> {
        if !dir.is_dir() {
            return Err(AdainError::package(dir, "no such model folder (a model package holds manifest.json, encoder.onnx and decoder.onnx)"));
        }
        let manifest = Manifest::load(dir)?;
        let mut checks = vec![Check {
            what: "manifest".into(),
            detail: format!("{} {} ({}), convention matches", manifest.name, manifest.version, dir.join("manifest.json").display()),
        }];

        let graph_path = |role: Role| -> Result<PathBuf> {
            manifest.file(role, precision).map(|f| dir.join(&f.path)).ok_or_else(|| {
                AdainError::package(
                    dir.join("manifest.json"),
                    format!("no {role:?} graph of precision `{precision}` (listed: {:?})", manifest.precisions(role)),
                )
            })
        };
        let encoder_path = graph_path(Role::Encoder)?;
        let decoder_path = graph_path(Role::Decoder)?;

        manifest.verify_files(dir)?;
        checks.push(Check { what: "files".into(), detail: format!("{} listed files present, sha256s match", manifest.files.len()) });

        let encoder = read_model(&encoder_path)?;
        checks.extend(graph_checks::check_encoder(&encoder, &encoder_path, &manifest, precision)?);
        let decoder = read_model(&decoder_path)?;
        checks.extend(graph_checks::check_decoder(&decoder, &decoder_path, &manifest)?);

        Ok(Self { dir: dir.to_path_buf(), manifest, precision: precision.to_string(), encoder_path, decoder_path, checks })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    pub fn precision(&self) -> &str {
        &self.precision
    }
    pub fn encoder_path(&self) -> &Path {
        &self.encoder_path
    }
    pub fn decoder_path(&self) -> &Path {
        &self.decoder_path
    }
    /// Identity (sha256 of the weights) of the encoder; stats files must carry the same.
    pub fn encoder_identity(&self) -> &str {
        &self.manifest.encoder.identity
    }
    /// What was checked, in order.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }
}
