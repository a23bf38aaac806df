//! Where the default model package is: next to the executable (a dist tarball ships
//! `adain` + `models/default/`), else in the source tree the binary was built from.

use std::path::{Path, PathBuf};

use crate::error::{AdainError, Result};

/// Folder of the default package, relative to a root (as archives and documents write it).
pub const DEFAULT_PACKAGE: &str = "models/default";

/// [`DEFAULT_PACKAGE`] below `root`, joined with the platform's separator.
pub fn default_package_in(root: &Path) -> PathBuf {
    DEFAULT_PACKAGE
        .split('/')
        .fold(root.to_path_buf(), |p, part| p.join(part))
}

/// Places searched for the default package, in order.
pub fn default_package_candidates() -> Vec<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        candidates.push(default_package_in(&exe_dir));
    }
    // inference/ → workspace root; known at compile time, right for `cargo run` and tests.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."));
    candidates.push(default_package_in(workspace));
    candidates
}

/// The first candidate holding a manifest.
pub fn locate_default_package() -> Result<PathBuf> {
    let candidates = default_package_candidates();
    candidates.iter().find(|dir| dir.join(adain_models::manifest::MANIFEST_FILE).is_file()).cloned().ok_or_else(|| {
        let tried: Vec<String> = candidates
            .iter()
            .map(|p| {
                let why = if p.is_dir() { "has no manifest.json: no trained decoder there yet" } else { "no such folder" };
                format!("  - {} ({why})", p.display())
            })
            .collect();
        AdainError::InvalidArgument(format!(
            "no default model package found; looked in:\n{}\npass --model DIR, or run `cargo xtask setup`",
            tried.join("\n")
        ))
    })
}
