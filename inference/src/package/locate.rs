//! Where the default model package is. The library knows no fixed place: callers pass the roots to
//! search (the `adain` command passes its executable's folder, where release archives put
//! `models/default`, then the source tree it was built from).

use std::path::{Path, PathBuf};

use crate::error::{AdainError, Result};

/// Folder of the default package, relative to a root (as archives and documents write it).
pub const DEFAULT_PACKAGE: &str = "models/default";

/// [`DEFAULT_PACKAGE`] below `root`, joined with the platform's separator.
pub fn default_package_in(root: impl AsRef<Path>) -> PathBuf {
    DEFAULT_PACKAGE
        .split('/')
        .fold(root.as_ref().to_path_buf(), |p, part| p.join(part))
}

/// The default package below each of `roots`, in order: the places [`locate_package`] tries.
pub fn default_package_search_order<P: AsRef<Path>>(roots: &[P]) -> Vec<PathBuf> {
    roots.iter().map(default_package_in).collect()
}

/// The first of `candidates` holding a manifest; the error lists every place and why it failed.
pub fn locate_package(candidates: &[PathBuf]) -> Result<PathBuf> {
    let manifest = adain_models::manifest::MANIFEST_FILE;
    if let Some(found) = candidates.iter().find(|dir| dir.join(manifest).is_file()) {
        return Ok(found.clone());
    }
    let tried = candidates
        .iter()
        .map(|p| {
            let why = if p.is_dir() {
                "has no manifest.json: no trained decoder there yet"
            } else {
                "no such folder"
            };
            format!("{} ({why})", p.display())
        })
        .collect();
    Err(AdainError::NoDefaultPackage { tried })
}
