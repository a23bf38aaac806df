//! `adain-train` built for the lent GPU machine's PyTorch: that machine has torch 2.11 (CUDA 13) and
//! no Rust, while this workspace pins tch 0.26 (torch 2.13). A copy of the workspace's tracked files
//! in the cache, with tch pinned to the release made for 2.11, is built against a torch 2.11 venv;
//! there the binary loads that machine's own libtorch through `LD_LIBRARY_PATH`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::paths::workspace_root;
use crate::setup::torch_venv;

/// PyTorch on the lent machine (KINDS.md of the device tool: `torch 2.11.0+cu130`).
pub const DEVICE_TORCH: &str = "2.11.0";
/// The tch (and torch-sys) release made for [`DEVICE_TORCH`].
const DEVICE_TCH: &str = "0.24.0";
/// The workspace's own pin, replaced in the copy.
const WORKSPACE_TCH: &str = "0.26.0";

/// Builds the binary and returns its path.
pub fn adain_train_for_device() -> Result<PathBuf> {
    let libtorch = torch_venv::ensure(DEVICE_TORCH)?;
    let root = build_root();
    let source = root.join("src");
    mirror_tracked_files(&workspace_root(), &source)?;
    for manifest in ["training/Cargo.toml", "tests/Cargo.toml"] {
        pin_tch(&source.join(manifest))?;
    }
    tracing::info!(
        "building adain-train against torch {DEVICE_TORCH} (tch {DEVICE_TCH}) in {}",
        source.display()
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = root.join("target");
    let status = Command::new(cargo)
        .current_dir(&source)
        .env("LIBTORCH", &libtorch)
        .env("CARGO_TARGET_DIR", &target)
        .args([
            "build",
            "--release",
            "-p",
            "adain-training",
            "--bin",
            "adain-train",
        ])
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("building adain-train for torch {DEVICE_TORCH} failed ({status})");
    }
    Ok(target.join("release").join("adain-train"))
}

/// The copy and its target folder live in the cache: the dependencies build once per machine.
fn build_root() -> PathBuf {
    adain_models::install_paths::cache_dir()
        .join("build")
        .join("device-train")
}

/// Copies the files git tracks (as they are in the work tree) into `dest`, writing only those that
/// differ, so cargo's timestamps see unchanged crates as unchanged.
fn mirror_tracked_files(repo: &Path, dest: &Path) -> Result<()> {
    let out = Command::new("git")
        .current_dir(repo)
        .args(["ls-files", "-z"])
        .output()
        .context("running git ls-files")?;
    if !out.status.success() {
        bail!("git ls-files failed in {}", repo.display());
    }
    for name in out.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).context("a tracked file name is not UTF-8")?;
        let from = repo.join(name);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let to = dest.join(name);
        let bytes = std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
        if std::fs::read(&to).ok().as_deref() == Some(&bytes[..]) {
            continue;
        }
        std::fs::create_dir_all(to.parent().expect("a file has a folder"))?;
        std::fs::write(&to, &bytes).with_context(|| format!("writing {}", to.display()))?;
    }
    Ok(())
}

/// Replaces the workspace's tch and torch-sys pins in a manifest with [`DEVICE_TCH`].
fn pin_tch(manifest: &Path) -> Result<()> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let pinned = repin(&text);
    if pinned == text && !text.contains(&format!("\"={DEVICE_TCH}\"")) {
        bail!(
            "{}: no `tch = \"={WORKSPACE_TCH}\"` to re-pin (did the workspace's tch change?)",
            manifest.display()
        );
    }
    if pinned != text {
        std::fs::write(manifest, pinned)?;
    }
    Ok(())
}

fn repin(manifest: &str) -> String {
    manifest
        .lines()
        .map(|line| {
            let crate_name = line.split(" = ").next().unwrap_or("");
            if matches!(crate_name, "tch" | "torch-sys") {
                line.replace(
                    &format!("\"={WORKSPACE_TCH}\""),
                    &format!("\"={DEVICE_TCH}\""),
                )
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_tch_pins_change() {
        let manifest =
            "[dependencies]\ntch = \"=0.26.0\"\n# torch-sys = \"=0.26.0\" in a comment\n\
                        torch-sys = \"=0.26.0\"\nother = \"=0.26.0\"\n";
        let pinned = repin(manifest);
        assert_eq!(
            pinned,
            "[dependencies]\ntch = \"=0.24.0\"\n# torch-sys = \"=0.26.0\" in a comment\n\
             torch-sys = \"=0.24.0\"\nother = \"=0.26.0\"\n"
        );
    }

    #[test]
    fn the_workspace_still_pins_what_the_copy_replaces() {
        for manifest in ["training/Cargo.toml", "tests/Cargo.toml"] {
            let text = std::fs::read_to_string(workspace_root().join(manifest)).unwrap();
            assert!(
                text.contains(&format!("tch = \"={WORKSPACE_TCH}\"")),
                "{manifest} no longer pins tch {WORKSPACE_TCH}: update device_train/build.rs"
            );
            assert_ne!(repin(&text), text, "{manifest}");
        }
    }
}
