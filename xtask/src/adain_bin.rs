//! Building the `adain` command the way a user gets it.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::paths::{target_dir, workspace_root};

/// `cargo build --release -p adain-cli`; returns the binary's path.
pub fn build_release() -> Result<PathBuf> {
    tracing::info!("building adain (release)");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace_root())
        .args(["build", "--release", "--quiet", "-p", "adain-cli"])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("`cargo build --release -p adain-cli` failed ({status})");
    }
    let binary = target_dir().join("release").join("adain");
    anyhow::ensure!(
        binary.is_file(),
        "cargo built adain but {} is missing",
        binary.display()
    );
    Ok(binary)
}

/// The command that turns the default decoder's training run into `models/default`.
pub const EXPORT_DEFAULT: &str =
    "cargo xtask train-default, then target/release/adain-train export --checkpoint ~/.cache/adain/runs/default --out models/default --name default";

/// Fails with a clear message when `dir` is not a model package (no trained decoder yet).
pub fn require_package(dir: &std::path::Path, is_default: bool) -> Result<()> {
    if dir.join(adain_models::manifest::MANIFEST_FILE).is_file() {
        return Ok(());
    }
    if is_default {
        bail!(
            "{} has no trained decoder yet (no manifest.json). Create it with: {EXPORT_DEFAULT}",
            dir.display()
        );
    }
    bail!(
        "{} is not a model package (no manifest.json)",
        dir.display()
    );
}
