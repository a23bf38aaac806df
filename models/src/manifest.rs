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
}

impl Manifest {
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| ModelError::io(&path, e))?;
        let m: Self = serde_json::from_str(&text)
            .map_err(|e| ModelError::format(&path, format!("not a model manifest: {e}")))?;
        if m.format != MANIFEST_FORMAT {
            return Err(ModelError::format(&path, format!("format `{}`, expected `{MANIFEST_FORMAT}`", m.format)));
        }
        if m.convention != crate::convention::CONVENTION {
            return Err(ModelError::format(
                &path,
                format!("statistics convention `{}`, expected `{}`", m.convention, crate::convention::CONVENTION),
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
        self.files.iter().find(|f| f.role == role && f.precision == precision)
    }

    /// Precisions available for a role.
    pub fn precisions(&self, role: Role) -> Vec<&str> {
        self.files.iter().filter(|f| f.role == role).map(|f| f.precision.as_str()).collect()
    }

    /// Checks that every listed file exists and matches its sha256.
    pub fn verify_files(&self, dir: &Path) -> Result<()> {
        for f in &self.files {
            let path = dir.join(&f.path);
            if !path.is_file() {
                let hint = if f.role == Role::Encoder && f.sha256.is_none() { " (run `cargo xtask setup` to build it)" } else { "" };
                return Err(ModelError::format(&path, format!("missing {:?} graph listed in the manifest{hint}", f.role)));
            }
            if let Some(expected) = &f.sha256 {
                let found = sha256_file(&path)?;
                if &found != expected {
                    return Err(ModelError::format(&path, format!("sha256 {found}, manifest expects {expected}")));
                }
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
