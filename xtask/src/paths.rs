//! Locations inside the workspace.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

/// Cargo's target folder: `$CARGO_TARGET_DIR`, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// A cargo target folder in the user cache for a build only xtask makes (`dist`: the release
/// binaries per platform; `fuzz`: the instrumented fuzzer; `wheel`: the Python extension). Their
/// dependencies take minutes per platform on two cores; here they are compiled once per machine
/// rather than once per clone. The
/// workspace's own crates must rebuild in every clone: [`claim_build_dir`] sees to it before each
/// build. `$CARGO_TARGET_DIR`, when set, is used instead.
pub fn xtask_build_dir(purpose: &str) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(_) => target_dir().join(purpose),
        None => adain_models::install_paths::cache_dir()
            .join("build")
            .join(purpose),
    }
}

pub fn default_package() -> PathBuf {
    workspace_root().join("models").join("default")
}

pub fn channel_scales_file() -> PathBuf {
    workspace_root()
        .join("models")
        .join("vgg16_channel_scales.json")
}

/// The team's shared training images (`../shared/data/train`).
pub fn shared_train_data() -> PathBuf {
    workspace_root()
        .join("..")
        .join("shared")
        .join("data")
        .join("train")
}

/// Names the clone that last built for a target in a shared build folder (one file per target).
const BUILT_BY: &str = ".built-by-workspace";

/// Readies a shared build folder for this clone's `packages` on `targets` (cargo triples). Cargo
/// names a path package's artifacts by its path inside the workspace, so two clones share them, and
/// it judges them fresh by file times: another clone's newer build would pass for this clone's, and
/// its binary would ship. So when another clone (or one unknown) built here last, this clone's
/// packages are cleaned first; the dependencies stay. Two clones building at the same moment can
/// still race.
pub fn claim_build_dir(dir: &Path, packages: &[&str], targets: &[&str]) -> Result<()> {
    let root = workspace_root();
    let me = root.to_string_lossy().into_owned();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for target in targets {
        let marker = dir.join(format!("{BUILT_BY}-{target}"));
        let last = std::fs::read_to_string(&marker).ok();
        if last.as_deref() == Some(me.as_str()) {
            continue;
        }
        if dir.join(target).is_dir() {
            tracing::info!(
                "{} holds a build for {target} from {}: this clone's crates are rebuilt there",
                dir.display(),
                last.as_deref().unwrap_or("an unknown clone")
            );
            let mut clean = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            clean
                .current_dir(&root)
                .env("CARGO_TARGET_DIR", dir)
                .args(["clean", "--release", "--quiet", "--target", target]);
            for package in packages {
                clean.args(["--package", package]);
            }
            let status = clean.status().context("running cargo clean")?;
            if !status.success() {
                bail!(
                    "`cargo clean -p {}` in {} failed ({status})",
                    packages.join(" -p "),
                    dir.display()
                );
            }
        }
        adain_models::atomic_file::write(&marker, me.as_bytes())?;
    }
    Ok(())
}
