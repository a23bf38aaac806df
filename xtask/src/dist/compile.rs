//! Building `adain` for a release target with cargo-zigbuild: zig links Linux binaries against
//! glibc `target::GLIBC` (not this machine's newer one) and Windows binaries against MinGW.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::paths::{claim_build_dir, workspace_root, xtask_build_dir};
use crate::setup::cross::Toolchain;
use crate::target::Target;

/// Where the release binaries are built (see [`xtask_build_dir`]).
pub const DIST_BUILD: &str = "dist";

/// `cargo zigbuild --release -p adain-cli --target <target>` in the dist build folder; returns the
/// binary's path. `epoch` goes to
/// the linker as `SOURCE_DATE_EPOCH`: lld stamps Windows executables with it instead of the time of
/// the build, so rebuilding a commit gives the same bytes.
pub fn build(target: Target, tools: &Toolchain, epoch: u64) -> Result<PathBuf> {
    tracing::info!("building adain for {} (release, zig)", target.zig_target());
    let build_dir = xtask_build_dir(DIST_BUILD);
    claim_build_dir(
        &build_dir,
        &[
            "adain-cli",
            "adain-serve",
            "adain",
            "adain-flow",
            "adain-models",
        ],
        &[target.triple()],
    )?;
    let status = Command::new(&tools.cargo_zigbuild)
        .arg("zigbuild")
        .args(["--release", "--quiet", "-p", "adain-cli", "--target"])
        .arg(target.zig_target())
        .env("CARGO_ZIGBUILD_ZIG_PATH", &tools.zig)
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        // No fallback to this checkout's models/default: the archive carries its own, and the
        // binary should not name the build machine's paths (inference/build.rs).
        .env("ADAIN_RELEASE_BUILD", "1")
        .env("CARGO_TARGET_DIR", &build_dir)
        .current_dir(workspace_root())
        .status()
        .context("running cargo-zigbuild")?;
    if !status.success() {
        bail!(
            "`cargo zigbuild --release -p adain-cli --target {}` failed ({status})",
            target.zig_target()
        );
    }
    let binary = build_dir
        .join(target.triple())
        .join("release")
        .join(target.binary_name());
    anyhow::ensure!(
        binary.is_file(),
        "cargo-zigbuild built adain but {} is missing",
        binary.display()
    );
    Ok(binary)
}
