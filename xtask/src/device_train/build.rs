//! `adain-train` built for the GPU machine's PyTorch: that machine has torch 2.11 (CUDA 13) and
//! no Rust, while this workspace pins tch 0.26 (torch 2.13). A copy of the workspace's tracked files
//! in the cache, with tch pinned to the release made for 2.11, is built against a torch 2.11 venv;
//! there the binary loads that machine's own libtorch through `LD_LIBRARY_PATH`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::paths::workspace_root;
use crate::setup::torch_venv;

/// PyTorch on the GPU machine (`torch 2.11.0+cu130`).
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
    mirror_work_tree(&workspace_root(), &source)?;
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

/// Mirrors the work tree's source files (tracked, and untracked ones git does not ignore) into
/// `dest`, with tch re-pinned in the manifests that name it. Only files whose bytes differ are
/// written, so cargo sees unchanged crates as unchanged; files gone from the work tree are removed.
/// The copy keeps its own Cargo.lock (it resolves tch differently).
fn mirror_work_tree(repo: &Path, dest: &Path) -> Result<()> {
    let mut wanted = std::collections::BTreeSet::new();
    for name in super::bundle::work_tree_files(repo)? {
        let name = name.as_str();
        let from = repo.join(name);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let to = dest.join(name);
        wanted.insert(to.clone());
        if name == "Cargo.lock" && to.is_file() {
            continue;
        }
        let mut bytes =
            std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
        if PINNED_MANIFESTS.contains(&name) {
            bytes = pin_tch(&String::from_utf8(bytes)?, &from)?.into_bytes();
        }
        if std::fs::read(&to).ok().as_deref() == Some(&bytes[..]) {
            continue;
        }
        std::fs::create_dir_all(to.parent().expect("a file has a folder"))?;
        std::fs::write(&to, &bytes).with_context(|| format!("writing {}", to.display()))?;
    }
    remove_unwanted(dest, &wanted)
}

/// Manifests that pin tch and torch-sys.
const PINNED_MANIFESTS: [&str; 2] = ["training/Cargo.toml", "tests/Cargo.toml"];

/// Removes the files under `dir` that are not in `wanted`.
fn remove_unwanted(dir: &Path, wanted: &std::collections::BTreeSet<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            remove_unwanted(&path, wanted)?;
        } else if !wanted.contains(&path) {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}

/// A manifest's text with the workspace's tch and torch-sys pins replaced by [`DEVICE_TCH`].
fn pin_tch(text: &str, manifest: &Path) -> Result<String> {
    let pinned = repin(text);
    if pinned == text {
        bail!(
            "{}: no `tch = \"={WORKSPACE_TCH}\"` to re-pin (did the workspace's tch change?)",
            manifest.display()
        );
    }
    Ok(pinned)
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
    fn the_mirror_writes_changes_only_and_removes_what_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let (copy, kept, stale) = (
            dir.path().join("copy"),
            dir.path().join("copy/README.md"),
            dir.path().join("copy/gone.rs"),
        );
        mirror_work_tree(&workspace_root(), &copy).unwrap();
        let manifest = std::fs::read_to_string(copy.join("training/Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("tch = \"={DEVICE_TCH}\"")),
            "{manifest}"
        );
        std::fs::write(&stale, "left from an earlier copy").unwrap();
        let before = std::fs::metadata(&kept).unwrap().modified().unwrap();
        std::fs::write(copy.join("Cargo.lock"), "the copy's own").unwrap();
        mirror_work_tree(&workspace_root(), &copy).unwrap();
        assert!(!stale.exists(), "a file gone from the work tree is removed");
        assert_eq!(
            std::fs::metadata(&kept).unwrap().modified().unwrap(),
            before
        );
        assert_eq!(
            std::fs::read_to_string(copy.join("Cargo.lock")).unwrap(),
            "the copy's own"
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
