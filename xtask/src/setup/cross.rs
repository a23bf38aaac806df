//! What release builds for other platforms need, and what runs them here.
//!
//! - Building: the Rust standard library per target (rustup), zig as the linker (the PyPI wheel
//!   `ziglang`, checksummed) driven by cargo-zigbuild (crates.io, pinned). zig links Linux binaries
//!   against an old glibc (see `target::GLIBC`) and Windows ones against its own MinGW libraries, so
//!   no cross gcc is needed.
//! - Running: qemu-user with Debian's arm64 libc and libstdc++ as the sysroot, and wine64 (Debian).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use adain_models::install_paths::cache_dir;

use crate::pypi::{self, Wheel};
use crate::setup::debian;
use crate::target::Target;

const ZIG_VERSION: &str = "0.15.2";
const ZIG_WHEEL: Wheel<'static> = Wheel {
    requirement: "ziglang==0.15.2",
    pip_args: &["--platform", "manylinux_2_12_x86_64"],
    sha256: "806316453d1ede7174ed3fefb8e5348154629089c3bb5fe812dfd0e172fac130",
};
const ZIGBUILD_VERSION: &str = "0.24.1";

/// The arm64 sysroot qemu-user loads the binary's libraries from (`-L`).
pub const ARM64_SYSROOT: &str = "/usr/aarch64-linux-gnu";
const ARM64_PACKAGES: [&str; 4] = [
    "qemu-user",
    "libc6-arm64-cross",
    "libstdc++6-arm64-cross",
    "libgcc-s1-arm64-cross",
];
const WINE_PACKAGES: [&str; 1] = ["wine64"];
/// Debian's wine64 package installs the loader here (the `wine` wrapper is another package).
pub const WINE64: &str = "/usr/lib/wine/wine64";

/// The programs a cross build runs.
pub struct Toolchain {
    pub zig: PathBuf,
    pub cargo_zigbuild: PathBuf,
}

fn tools_dir() -> PathBuf {
    cache_dir().join("tools")
}

/// Installs what building for `targets` needs (idempotent) and returns the programs.
pub fn toolchain(targets: &[Target]) -> Result<Toolchain> {
    for target in targets {
        rust_target(target.triple())?;
    }
    Ok(Toolchain {
        zig: zig()?,
        cargo_zigbuild: cargo_zigbuild()?,
    })
}

/// Installs what running `targets` here needs: qemu-user and the arm64 sysroot, wine.
pub fn emulators(targets: &[Target]) -> Result<()> {
    if targets.contains(&Target::LinuxAarch64) {
        debian::ensure_packages(&ARM64_PACKAGES, "running aarch64 Linux builds under qemu")?;
    }
    if targets.contains(&Target::WindowsX86_64) {
        debian::ensure_packages(&WINE_PACKAGES, "running Windows builds under wine")?;
    }
    Ok(())
}

fn rust_target(triple: &str) -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running `rustup target list` (cross builds need rustup)")?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == triple)
    {
        return Ok(());
    }
    tracing::info!("adding the Rust target {triple} (rustup)");
    let status = Command::new("rustup")
        .args(["target", "add", triple])
        .status()
        .context("running rustup")?;
    if !status.success() {
        bail!("`rustup target add {triple}` failed ({status})");
    }
    Ok(())
}

/// zig from the PyPI `ziglang` wheel, unpacked once into the cache.
fn zig() -> Result<PathBuf> {
    let dir = tools_dir().join(format!("zig-{ZIG_VERSION}"));
    let zig = dir.join("ziglang").join("zig");
    if !reports_version(&zig, &["version"], ZIG_VERSION) {
        tracing::info!(
            "installing zig {ZIG_VERSION} (PyPI ziglang) into {}",
            dir.display()
        );
        pypi::extract_all(&ZIG_WHEEL, &cache_dir().join("downloads"), &dir)?;
        if !reports_version(&zig, &["version"], ZIG_VERSION) {
            bail!(
                "{} does not run after unpacking the ziglang wheel",
                zig.display()
            );
        }
    }
    Ok(zig)
}

/// cargo-zigbuild, built from crates.io once into the cache (`cargo install --locked`).
fn cargo_zigbuild() -> Result<PathBuf> {
    let root = tools_dir().join(format!("cargo-zigbuild-{ZIGBUILD_VERSION}"));
    let program = root.join("bin").join("cargo-zigbuild");
    if reports_version(&program, &["--version"], ZIGBUILD_VERSION) {
        return Ok(program);
    }
    tracing::info!("building cargo-zigbuild {ZIGBUILD_VERSION} (cargo install, about 2 minutes)");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "install",
            "cargo-zigbuild",
            "--locked",
            "--quiet",
            "--version",
        ])
        .arg(ZIGBUILD_VERSION)
        .arg("--root")
        .arg(&root)
        .status()
        .context("running cargo install")?;
    if !status.success() || !reports_version(&program, &["--version"], ZIGBUILD_VERSION) {
        bail!("`cargo install cargo-zigbuild --version {ZIGBUILD_VERSION}` failed ({status})");
    }
    Ok(program)
}

/// True when `program args` runs and prints `version`.
fn reports_version(program: &Path, args: &[&str], version: &str) -> bool {
    program.is_file()
        && Command::new(program)
            .args(args)
            .stderr(Stdio::null())
            .output()
            .is_ok_and(|o| {
                o.status.success() && String::from_utf8_lossy(&o.stdout).contains(version)
            })
}
