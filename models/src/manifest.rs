//! The model package manifest (`manifest.json` in `models/<name>/`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ModelError, Result};

pub const MANIFEST_FILE: &str = "manifest.json";
pub const MANIFEST_FORMAT: &str = "adain-model-package/1";

/// What a file of the package is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Encoder,
    Decoder,
}

/// One graph of the package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageFile {
    pub role: Role,
    /// Relative to the package folder.
    pub path: String,
    /// Numeric precision of the graph: `fp32`, `fp16`, `int8`.
    #[serde(default = "fp32")]
    pub precision: String,
    /// sha256 of the file; absent for a graph built on the user's machine (the default encoder is
    /// built by `cargo xtask setup` from registry weights, and checked through its identity instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// For a reduced-precision graph: how the pipeline in this precision compares with fp32.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<Validation>,
}

/// How a reduced-precision pipeline (encoder + AdaIN + decoder, all of one precision) compares with the
/// all-fp32 one on validation pairs. Recorded by the exporter on both graphs of the precision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// PSNR of the stylized images against the fp32 ones, over all pairs' pixels pooled (dB; images
    /// in [0, 1], 8-bit as written).
    pub psnr_db: f64,
    /// The worst pair's PSNR.
    pub min_psnr_db: f64,
    pub pairs: usize,
    /// Image side the pairs were stylized at.
    pub size: u32,
    /// `psnr_db` a variant needs to be used automatically.
    pub threshold_db: f64,
    /// `psnr_db >= threshold_db`: `--precision auto` may pick this precision.
    pub validated: bool,
    /// Where the pairs and (for int8) the calibration came from, and what ran.
    pub method: String,
}

fn fp32() -> String {
    "fp32".into()
}

/// The encoder a package was trained against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderInfo {
    pub architecture: String,
    pub identity: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub name: String,
    pub version: String,
    pub convention: String,
    pub encoder: EncoderInfo,
    pub files: Vec<PackageFile>,
    /// Free-form record: weights source, iterations, data, hyperparameters.
    #[serde(default)]
    pub provenance: BTreeMap<String, String>,
    /// Reduced arithmetic a runtime applies to the fp32 graphs (no files of their own), validated as
    /// the variants are: e.g. `openvino-bf16`, OpenVINO running the fp32 graphs in bfloat16.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub runtime_validations: BTreeMap<String, Validation>,
}

/// The key of [`Manifest::runtime_validations`] for OpenVINO's bf16 arithmetic.
pub const OPENVINO_BF16: &str = "openvino-bf16";

impl Manifest {
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| ModelError::io(&path, e))?;
        Self::from_json(&text, &path)
    }

    /// [`Self::load`] of a manifest's text; `path` names it in errors.
    pub fn from_json(text: &str, path: &Path) -> Result<Self> {
        let m: Self = serde_json::from_str(text)
            .map_err(|e| ModelError::format(path, format!("not a model manifest: {e}")))?;
        if m.format != MANIFEST_FORMAT {
            return Err(ModelError::format(
                path,
                format!("format `{}`, expected `{MANIFEST_FORMAT}`", m.format),
            ));
        }
        if m.convention != crate::convention::CONVENTION {
            return Err(ModelError::format(
                path,
                format!(
                    "statistics convention `{}`, expected `{}`",
                    m.convention,
                    crate::convention::CONVENTION
                ),
            ));
        }
        if let Some(f) = m.files.iter().find(|f| !stays_inside(&f.path)) {
            return Err(ModelError::format(
                path,
                format!("lists the file `{}`: package files are named relative to the package folder, without `..`", f.path),
            ));
        }
        Ok(m)
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("manifest serialises") + "\n";
        crate::atomic_file::write(&dir.join(MANIFEST_FILE), text.as_bytes())
    }

    /// The graph with this role and precision.
    pub fn file(&self, role: Role, precision: &str) -> Option<&PackageFile> {
        self.files
            .iter()
            .find(|f| f.role == role && f.precision == precision)
    }

    /// Precisions available for a role.
    pub fn precisions(&self, role: Role) -> Vec<&str> {
        self.files
            .iter()
            .filter(|f| f.role == role)
            .map(|f| f.precision.as_str())
            .collect()
    }

    /// Checks that every listed file exists and matches its sha256.
    pub fn verify_files(&self, dir: &Path) -> Result<()> {
        self.files.iter().try_for_each(|f| f.verify(dir))
    }

    /// Whether both graphs of `precision` are listed and their validation passed its threshold.
    pub fn is_validated(&self, precision: &str) -> bool {
        [Role::Encoder, Role::Decoder].iter().all(|&role| {
            self.file(role, precision)
                .and_then(|f| f.validation.as_ref())
                .is_some_and(|v| v.validated && v.psnr_db >= v.threshold_db)
        })
    }

    /// The validation recorded for `precision` (on its decoder, else its encoder).
    pub fn validation(&self, precision: &str) -> Option<&Validation> {
        [Role::Decoder, Role::Encoder].iter().find_map(|&role| {
            self.file(role, precision)
                .and_then(|f| f.validation.as_ref())
        })
    }

    /// The validation of a runtime's arithmetic (`OPENVINO_BF16`), when recorded and passed.
    pub fn validated_runtime(&self, key: &str) -> Option<&Validation> {
        self.runtime_validations
            .get(key)
            .filter(|v| v.validated && v.psnr_db >= v.threshold_db)
    }

    /// Adds `file`, replacing the entry of the same role and precision.
    pub fn set_file(&mut self, file: PackageFile) {
        match self
            .files
            .iter_mut()
            .find(|f| f.role == file.role && f.precision == file.precision)
        {
            Some(existing) => *existing = file,
            None => self.files.push(file),
        }
    }
}

/// A non-empty relative path that cannot leave the folder it is joined to.
fn stays_inside(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

impl PackageFile {
    /// Checks that the file exists in `dir` and matches its sha256.
    pub fn verify(&self, dir: &Path) -> Result<()> {
        let path = dir.join(&self.path);
        if !path.is_file() {
            let hint = if self.role == Role::Encoder && self.sha256.is_none() {
                " (run `cargo xtask setup` to build it)"
            } else {
                ""
            };
            return Err(ModelError::format(
                &path,
                format!(
                    "missing {} {:?} graph listed in the manifest{hint}",
                    self.precision, self.role
                ),
            ));
        }
        if let Some(expected) = &self.sha256 {
            let found = sha256_file(&path)?;
            if &found != expected {
                return Err(ModelError::format(
                    &path,
                    format!("sha256 {found}, manifest expects {expected}"),
                ));
            }
        }
        Ok(())
    }
}

/// Hex sha256 of a file's bytes.
pub fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| ModelError::io(path, e))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = include_str!("../default/manifest.json");

    fn with_first_path(path: &str) -> String {
        let mut value: serde_json::Value = serde_json::from_str(DEFAULT).unwrap();
        value["files"][0]["path"] = path.into();
        value.to_string()
    }

    #[test]
    fn the_default_manifest_reads() {
        let m = Manifest::from_json(DEFAULT, Path::new("default/manifest.json")).unwrap();
        assert!(m.file(Role::Decoder, "fp32").is_some());
    }

    #[test]
    fn files_outside_the_package_folder_are_refused_naming_the_manifest() {
        for path in [
            "",
            "/etc/passwd",
            "../other/encoder.onnx",
            "sub/../../x.onnx",
        ] {
            let err = Manifest::from_json(&with_first_path(path), Path::new("pkg/manifest.json"))
                .expect_err(path)
                .to_string();
            assert!(
                err.starts_with("pkg/manifest.json: lists the file"),
                "{path}: {err}"
            );
        }
        assert!(
            Manifest::from_json(&with_first_path("graphs/encoder.onnx"), Path::new("m")).is_ok()
        );
    }
}
