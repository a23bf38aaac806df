//! `adain-train` built for the GPU machine's PyTorch release. tch binds one libtorch release
//! exactly: for the workspace's own (torch 2.13, tch 0.26) the workspace builds it; for another, a
//! copy of the work tree in the cache, with tch pinned to the release made for that torch, is built
//! against a venv of that torch. On the GPU machine the binary loads that machine's own libtorch
//! (`run.sh` sets `LD_LIBRARY_PATH`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::paths::{target_dir, workspace_root};
use crate::setup::venv;

/// The torch releases a bundle can be built for, with the tch release made for each; the
/// workspace's own pin last.
pub const TORCH_RELEASES: [(&str, &str); 2] =
    [("2.11.0", "0.24.0"), (venv::TORCH_VERSION, WORKSPACE_TCH)];
const WORKSPACE_TCH: &str = "0.26.0";
/// Manifests that pin tch and torch-sys.
const PINNED_MANIFESTS: [&str; 2] = ["training/Cargo.toml", "tests/Cargo.toml"];

/// Builds `adain-train` against torch `release`; returns the binary's path.
pub fn adain_train_for(release: &str) -> Result<PathBuf> {
    let Some(&(_, tch)) = TORCH_RELEASES.iter().find(|(torch, _)| *torch == release) else {
        let known: Vec<&str> = TORCH_RELEASES.iter().map(|(t, _)| *t).collect();
        bail!(
            "--torch {release}: a bundle can be built for torch {}",
            known.join(" or ")
        );
    };
    let mut cargo = crate::cmd::cargo();
    cargo.args([
        "build",
        "--release",
        "-p",
        "adain-training",
        "--bin",
        "adain-train",
    ]);
    let target = if tch == WORKSPACE_TCH {
        target_dir() // LIBTORCH from .cargo/config.toml, where setup links the venv
    } else {
        let root = adain_models::install_paths::cache_dir().join("build/device-train");
        mirror_work_tree(&workspace_root(), &root.join("src"), tch)?;
        let libtorch = venv::torch(release)?;
        cargo
            .current_dir(root.join("src"))
            .env("LIBTORCH", libtorch);
        cargo.env("CARGO_TARGET_DIR", root.join("target"));
        root.join("target")
    };
    tracing::info!("building adain-train against torch {release} (tch {tch})");
    crate::cmd::run(&mut cargo)?;
    Ok(target.join("release").join("adain-train"))
}

/// Mirrors the work tree's files (tracked, and untracked ones git does not ignore) into `dest`,
/// with tch re-pinned to `tch`. Only files whose bytes differ are written, so cargo sees unchanged
/// crates as unchanged; files gone from the work tree are removed. The copy keeps its own
/// Cargo.lock (it resolves tch differently).
fn mirror_work_tree(repo: &Path, dest: &Path, tch: &str) -> Result<()> {
    let out = std::process::Command::new("git")
        .current_dir(repo)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .context("running git ls-files")?;
    anyhow::ensure!(
        out.status.success(),
        "git ls-files failed in {}",
        repo.display()
    );
    let mut wanted = BTreeSet::new();
    for name in out.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).context("a file name is not UTF-8")?;
        let (from, to) = (repo.join(name), dest.join(name));
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        wanted.insert(to.clone());
        if name == "Cargo.lock" && to.is_file() {
            continue;
        }
        let mut bytes =
            std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
        if PINNED_MANIFESTS.contains(&name) {
            let text = String::from_utf8(bytes)?;
            let pinned = repin(&text, tch);
            if pinned == text {
                bail!("{name}: no `tch = \"={WORKSPACE_TCH}\"` to re-pin (did the workspace's tch change?)");
            }
            bytes = pinned.into_bytes();
        }
        if std::fs::read(&to).ok().as_deref() != Some(&bytes[..]) {
            std::fs::create_dir_all(to.parent().expect("a file has a folder"))?;
            std::fs::write(&to, &bytes).with_context(|| format!("writing {}", to.display()))?;
        }
    }
    remove_unwanted(dest, &wanted)
}

fn remove_unwanted(dir: &Path, wanted: &BTreeSet<PathBuf>) -> Result<()> {
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

/// A manifest's text with the workspace's tch and torch-sys pins replaced by `tch`.
fn repin(manifest: &str, tch: &str) -> String {
    let lines = manifest.lines().map(|line| match line.split(" = ").next() {
        Some("tch" | "torch-sys") => {
            line.replace(&format!("\"={WORKSPACE_TCH}\""), &format!("\"={tch}\""))
        }
        _ => line.to_string(),
    });
    lines.collect::<Vec<_>>().join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_tch_pins_change_and_the_workspace_still_has_them() {
        let manifest = "tch = \"=0.26.0\"\n# torch-sys = \"=0.26.0\"\ntorch-sys = \"=0.26.0\"\nother = \"=0.26.0\"\n";
        assert_eq!(
            repin(manifest, "0.24.0"),
            "tch = \"=0.24.0\"\n# torch-sys = \"=0.26.0\"\ntorch-sys = \"=0.24.0\"\nother = \"=0.26.0\"\n"
        );
        for name in PINNED_MANIFESTS {
            let text = std::fs::read_to_string(workspace_root().join(name)).unwrap();
            assert_ne!(
                repin(&text, "0.24.0"),
                text,
                "{name} no longer pins tch {WORKSPACE_TCH}"
            );
        }
        let err = adain_train_for("1.0.0").unwrap_err().to_string();
        assert!(err.contains("2.11.0 or 2.13.0"), "{err}");
    }

    #[test]
    fn the_mirror_writes_changes_only_and_removes_what_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let (copy, kept, stale) = (
            dir.path().join("copy"),
            dir.path().join("copy/README.md"),
            dir.path().join("copy/gone.rs"),
        );
        mirror_work_tree(&workspace_root(), &copy, "0.24.0").unwrap();
        let manifest = std::fs::read_to_string(copy.join("training/Cargo.toml")).unwrap();
        assert!(manifest.contains("tch = \"=0.24.0\""), "{manifest}");
        std::fs::write(&stale, "left from an earlier copy").unwrap();
        let before = std::fs::metadata(&kept).unwrap().modified().unwrap();
        std::fs::write(copy.join("Cargo.lock"), "the copy's own").unwrap();
        mirror_work_tree(&workspace_root(), &copy, "0.24.0").unwrap();
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
}
