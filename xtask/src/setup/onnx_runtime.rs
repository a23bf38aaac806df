//! The ONNX Runtime CPU library, taken out of the official PyPI wheels: the host's for development
//! (where `adain` looks for it, see inference/src/runtime/library.rs), each release target's for
//! `cargo xtask dist`.

use std::path::PathBuf;

use anyhow::{bail, Result};

use adain_models::install_paths::{
    cache_dir, onnx_runtime_dir, ONNX_RUNTIME_LIBRARY, ONNX_RUNTIME_VERSION,
};

use crate::pypi::{self, Member, Wheel, WheelFile};
use crate::target::Target;

/// Apple silicon: not a release target (nothing here can run it), but a machine to build and run
/// from source on, so setup installs its library like the others.
const MACOS_ARM64: WheelFile<'static> = WheelFile {
    wheel: Wheel {
        requirement: "onnxruntime==1.31.1",
        pip_args: &["--platform", "macosx_14_0_arm64", "--python-version", "311"],
        sha256: "60b6b69bfe580eab576cacc5d132a0e9cf2a37fcfd18d46dd191042b1d1ed0d7",
    },
    member: Member {
        path: "onnxruntime/capi/libonnxruntime.1.31.1.dylib",
        sha256: "f8b06155feece624e55e49124340eea279da812529ae6fbc46a9f2be9c9cad2e",
    },
};

/// The library wheel for this machine.
fn host_wheel() -> Result<WheelFile<'static>> {
    if let Some(target) = Target::ALL.into_iter().find(|t| t.is_host()) {
        return Ok(target.runtime_wheel());
    }
    match (std::env::consts::ARCH, std::env::consts::OS) {
        ("aarch64", "macos") => Ok(MACOS_ARM64),
        (arch, os) => bail!(
            "no ONNX Runtime {ONNX_RUNTIME_VERSION} wheel is pinned for {arch} {os}: put the library next to \
             the adain binary or set ORT_DYLIB_PATH"
        ),
    }
}

/// Path of the host's installed library.
pub fn library_path() -> PathBuf {
    onnx_runtime_dir().join(ONNX_RUNTIME_LIBRARY)
}

/// Installs the host's library where `adain` looks for it.
pub fn install() -> Result<()> {
    let dest = library_path();
    let file = host_wheel()?;
    if pypi::is_installed(&dest, file.member.sha256) {
        tracing::info!(
            "ONNX Runtime {ONNX_RUNTIME_VERSION}: {} (verified)",
            dest.display()
        );
        return Ok(());
    }
    pypi::install(&file, &cache_dir().join("downloads"), &dest)?;
    tracing::info!(
        "ONNX Runtime {ONNX_RUNTIME_VERSION}: installed {}",
        dest.display()
    );
    Ok(())
}

/// The library for `target` (installed into the cache on first use, verified).
pub fn library_for(target: Target) -> Result<PathBuf> {
    if target.is_host() {
        install()?;
        return Ok(library_path());
    }
    let file = target.runtime_wheel();
    let dest = onnx_runtime_dir()
        .join(target.triple())
        .join(target.library_names().pinned);
    if !pypi::is_installed(&dest, file.member.sha256) {
        pypi::install(&file, &cache_dir().join("downloads"), &dest)?;
        tracing::info!(
            "ONNX Runtime {ONNX_RUNTIME_VERSION} for {}: installed {}",
            target.triple(),
            dest.display()
        );
    }
    Ok(dest)
}

/// ONNX Runtime's LICENSE and ThirdPartyNotices.txt from `target`'s wheel, extracted once (verified):
/// they travel with the library when we redistribute it.
pub fn license_files(target: Target) -> Result<Vec<PathBuf>> {
    let dir = onnx_runtime_dir().join(target.triple()).join("licenses");
    let licenses = target.runtime_licenses();
    let members = [licenses.license, licenses.notices];
    let dests: Vec<PathBuf> = members
        .iter()
        .map(|m| dir.join(m.path.rsplit('/').next().unwrap_or(m.path)))
        .collect();
    if members
        .iter()
        .zip(&dests)
        .all(|(m, d)| pypi::is_installed(d, m.sha256))
    {
        return Ok(dests);
    }
    let pairs: Vec<(&Member, &std::path::Path)> = members
        .iter()
        .zip(dests.iter().map(PathBuf::as_path))
        .collect();
    pypi::install_members(
        &target.runtime_wheel().wheel,
        &pairs,
        &cache_dir().join("downloads"),
    )?;
    Ok(dests)
}
