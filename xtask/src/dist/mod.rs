//! `cargo xtask dist`: release archives that run with nothing installed — the `adain` binary, the
//! ONNX Runtime library for its platform next to it, OpenVINO's plugin in openvino/ (x86-64 only)
//! and the default model under models/default, which is where the binary looks first (see
//! inference/src/runtime/library.rs, runtime/ep/openvino.rs and package/locate.rs).
//! One archive per target (x86_64 and aarch64 Linux, x86_64 Windows), each with a .sha256.

mod archive;
mod check;
mod emulator;
mod readme;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::paths::{claim_build_dir, default_package, target_dir, workspace_root, xtask_build_dir};
use crate::setup::cross::Toolchain;
use crate::target::{Target, GLIBC};

#[derive(Args, Debug)]
pub struct DistArgs {
    /// Platform to build for (repeatable) [default: x86_64-unknown-linux-gnu]
    #[arg(long = "target", value_enum, value_name = "TRIPLE")]
    pub targets: Vec<Target>,

    /// Build for every supported platform
    #[arg(long, conflicts_with = "targets")]
    pub all: bool,

    /// Then unpack each archive into an empty folder and stylize generated images with its binary
    /// under an empty environment, natively or under qemu-aarch64 / wine, and compare the result with
    /// this machine's
    #[arg(long)]
    pub check: bool,

    /// Folder for the archives [default: target/dist]
    #[arg(long, value_name = "DIR", hide = true)]
    pub out: Option<PathBuf>,
}

pub fn run(args: &DistArgs) -> Result<()> {
    let mut targets: Vec<Target> = match (args.all, args.targets.is_empty()) {
        (true, _) => Target::ALL.to_vec(),
        (false, true) => vec![Target::LinuxX86_64],
        (false, false) => args.targets.clone(),
    };
    targets.sort();
    targets.dedup();
    crate::setup::run(&crate::setup::SetupArgs {
        no_torch: true,
        ..Default::default()
    })?;
    let tools = crate::setup::cross::toolchain(&targets)?;
    // The same checks the binary makes before it runs anything: files, hashes, graphs, encoder identity.
    let package_dir = default_package();
    let package = adain::package::ModelPackage::load(
        &package_dir,
        adain::Precision::Fp32,
        adain::Provider::Cpu,
    )
    .with_context(|| format!("model package {} is not usable", package_dir.display()))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| target_dir().join("dist"));
    let mtime = source_date_epoch()?;

    // (target, archive, bytes, the x86_64 Linux binary: it runs here, so it is the reference)
    let mut releases = Vec::new();
    let mut native_binary = None;
    for &target in &targets {
        let start = Instant::now();
        let binary = build(target, &tools, mtime)?;
        if target == Target::LinuxX86_64 {
            native_binary = Some(binary.clone());
        }
        let runtime = crate::setup::onnx_runtime::library_for(target)?;
        let openvino = crate::setup::openvino_ep::files_for(target)?;
        let mut elf_files = vec![binary.as_path(), runtime.as_path()];
        elf_files.extend(
            openvino
                .iter()
                .flat_map(|o| o.libraries.iter().map(PathBuf::as_path)),
        );
        let glibc = match target.os() {
            "linux" => archive::glibc_requirement(&elf_files)?,
            _ => None,
        };
        if let Some(needed) = &glibc {
            let host = host_glibc().unwrap_or_else(|| "?".into());
            tracing::info!(
                "{} needs glibc {needed} (this machine has {host})",
                target.triple()
            );
            anyhow::ensure!(
                version_le(needed, GLIBC),
                "the {} build needs glibc {needed}, more than the {GLIBC} it was linked for",
                target.triple()
            );
        }
        let name = target.release_name();
        let contents = archive::Contents {
            top: name.clone(),
            binary_name: target.binary_name().into(),
            binary,
            runtime_name: target.library_names().pinned.into(),
            runtime,
            runtime_licenses: crate::setup::onnx_runtime::license_files(target)?,
            openvino,
            package: package_dir.clone(),
            package_files: package
                .manifest()
                .files
                .iter()
                .map(|f| f.path.clone())
                .collect(),
            readme: readme::readme(target, package.manifest(), glibc.as_deref()),
            mtime,
        };
        let path = out.join(format!("{name}.{}", target.archive_extension()));
        let written = archive::write(&contents, &path)?;
        tracing::info!(
            "wrote {} ({:.1} MB, {} files, sha256 {}) in {:.1} s",
            path.display(),
            written.bytes as f64 / 1e6,
            written.files,
            written.sha256,
            start.elapsed().as_secs_f64()
        );
        releases.push((target, path, written.bytes));
    }
    let mut checked = Vec::new();
    if args.check {
        // Without the x86_64 Linux release, a workspace build is the reference: minutes, as
        // `-p adain-cli` alone unifies other features than the workspace build that the tests made.
        let (reference, is_release) = match native_binary {
            Some(binary) => (binary, true),
            None => (crate::cmd::build_adain()?, false),
        };
        crate::setup::cross::emulators(&targets)?;
        for (target, path, _) in &releases {
            // The reference's own archive has nothing to be compared with but itself.
            let compare = !(is_release && *target == Target::LinuxX86_64);
            checked.push(check::run(
                *target,
                path,
                compare.then_some(&reference),
                &tools,
            )?);
        }
    }
    for (i, (target, path, bytes)) in releases.iter().enumerate() {
        let check = checked.get(i).map_or(String::new(), |c: &check::Checked| {
            let db = c
                .psnr_db
                .map_or("the reference".to_string(), |db| format!("{db:.1} dB"));
            let (w, h) = check::SMALL;
            format!("\tstylize {w}×{h} {:.1} s\t{db}", c.stylize_seconds)
        });
        let mb = *bytes as f64 / 1e6;
        println!("{}\t{mb:.1} MB\t{}{check}", target.triple(), path.display());
    }
    Ok(())
}

/// `cargo zigbuild --release -p adain-cli --target <target>` in the dist build folder (see
/// [`xtask_build_dir`]): zig links Linux binaries against glibc [`GLIBC`] (not this machine's
/// newer one) and Windows binaries against MinGW. `epoch` goes to the linker as
/// `SOURCE_DATE_EPOCH`: lld stamps Windows executables with it instead of the time of the build,
/// so rebuilding a commit gives the same bytes. Returns the binary's path.
fn build(target: Target, tools: &Toolchain, epoch: u64) -> Result<PathBuf> {
    tracing::info!("building adain for {} (release, zig)", target.zig_target());
    let build_dir = xtask_build_dir("dist");
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
    crate::cmd::run(
        std::process::Command::new(&tools.cargo_zigbuild)
            .args([
                "zigbuild",
                "--release",
                "--quiet",
                "-p",
                "adain-cli",
                "--target",
            ])
            .arg(target.zig_target())
            .env("CARGO_ZIGBUILD_ZIG_PATH", &tools.zig)
            .env("SOURCE_DATE_EPOCH", epoch.to_string())
            // No fallback to this checkout's models/default: the archive carries its own, and the
            // binary should not name the build machine's paths (inference/build.rs).
            .env("ADAIN_RELEASE_BUILD", "1")
            .env("CARGO_TARGET_DIR", &build_dir)
            .current_dir(workspace_root()),
    )?;
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

/// Seconds since 1970 stamped on every archive entry: `$SOURCE_DATE_EPOCH` (the reproducible-builds
/// convention), else the time of the commit being packed.
fn source_date_epoch() -> Result<u64> {
    if let Ok(value) = std::env::var("SOURCE_DATE_EPOCH") {
        return value
            .trim()
            .parse()
            .with_context(|| format!("SOURCE_DATE_EPOCH={value:?} is not a number of seconds"));
    }
    let out = std::process::Command::new("git")
        .args(["log", "-1", "--format=%ct"])
        .current_dir(workspace_root())
        .output()
        .context("running git log (or set SOURCE_DATE_EPOCH)")?;
    if !out.status.success() {
        bail!("`git log -1 --format=%ct` failed: set SOURCE_DATE_EPOCH instead");
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .context("git log printed no commit time")
}

/// `a <= b` for dotted versions ("2.17" <= "2.28").
pub(crate) fn version_le(a: &str, b: &str) -> bool {
    let parse = |v: &str| -> Vec<u32> { v.split('.').filter_map(|p| p.parse().ok()).collect() };
    parse(a) <= parse(b)
}

/// This machine's glibc version (`getconf GNU_LIBC_VERSION` prints "glibc 2.36").
pub(crate) fn host_glibc() -> Option<String> {
    let out = std::process::Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().nth(1).map(str::to_string)
}
