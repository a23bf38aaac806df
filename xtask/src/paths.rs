//! Locations inside the workspace and the shared build folders.

use std::path::{Path, PathBuf};

use anyhow::Result;

pub use adain_test_kit::paths::{default_package, workspace_root};

/// Cargo's target folder: `$CARGO_TARGET_DIR`, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

pub fn channel_scales_file() -> PathBuf {
    workspace_root()
        .join("models")
        .join("vgg16_channel_scales.json")
}

/// The team's shared data sets (`../shared/data`: `train/`, `train-hr/`, each with `content/` and
/// `style/`).
pub fn shared_data() -> PathBuf {
    adain_test_kit::shared_dir().join("data")
}

/// A cargo target folder in the user cache for a build only xtask makes (`dist`: the release
/// binaries per platform; `fuzz`: the instrumented fuzzer; `wheel`: the Python extension): their
/// dependencies take minutes per platform on two cores, so they are compiled once per machine
/// rather than once per clone. `$CARGO_TARGET_DIR`, when set, is used instead.
pub fn xtask_build_dir(purpose: &str) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(_) => target_dir().join(purpose),
        None => adain_models::install_paths::cache_dir()
            .join("build")
            .join(purpose),
    }
}

/// Readies a shared build folder for this clone's `packages` on `targets` (cargo triples). Cargo
/// names a path package's artifacts by its path inside the workspace, so two clones share them, and
/// judges them fresh by file times: another clone's newer build would pass for this clone's, and
/// its binary would ship. So when another clone (or one unknown) built here last, this clone's
/// packages are cleaned first; the dependencies stay. Two clones building at once can still race.
pub fn claim_build_dir(dir: &Path, packages: &[&str], targets: &[&str]) -> Result<()> {
    let me = workspace_root().to_string_lossy().into_owned();
    std::fs::create_dir_all(dir)?;
    for target in targets {
        let marker = dir.join(format!(".built-by-workspace-{target}"));
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
            let mut clean = crate::cmd::cargo();
            clean.env("CARGO_TARGET_DIR", dir).args([
                "clean",
                "--release",
                "--quiet",
                "--target",
                target,
            ]);
            for package in packages {
                clean.args(["--package", package]);
            }
            crate::cmd::run(&mut clean)?;
        }
        adain_models::atomic_file::write(&marker, me.as_bytes())?;
    }
    Ok(())
}
