//! `cargo xtask dist`: release archives that run with nothing installed — the `adain` binary, the
//! ONNX Runtime library for its platform next to it, OpenVINO's plugin in openvino/ (x86-64 only)
//! and the default model under models/default, which is where the binary looks first (see
//! inference/src/runtime/library.rs, runtime/ep/openvino.rs and package/locate.rs).
//! One archive per target (x86_64 and aarch64 Linux, x86_64 Windows), each with a .sha256.

mod archive;
mod check;
mod compile;
mod emulator;
mod readme;

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::paths::{default_package, target_dir, workspace_root};
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

    /// Model package to ship as models/default instead of models/default (for testing)
    #[arg(long, value_name = "DIR", hide = true)]
    pub model: Option<PathBuf>,
}

/// One archive written.
struct Release {
    target: Target,
    path: PathBuf,
    bytes: u64,
    checked: Option<check::Checked>,
}

pub fn run(args: &DistArgs) -> Result<()> {
    let targets: Vec<Target> = if args.all {
        Target::ALL.to_vec()
    } else if args.targets.is_empty() {
        vec![Target::LinuxX86_64]
    } else {
        let mut t = args.targets.clone();
        t.sort();
        t.dedup();
        t
    };
    let package_dir = args.model.clone().unwrap_or_else(default_package);
    crate::adain_bin::require_package(&package_dir, args.model.is_none())?;
    crate::setup::run(&crate::setup::SetupArgs {
        no_torch: true,
        ..Default::default()
    })?;
    let tools = crate::setup::cross::toolchain(&targets)?;
    // The same checks the binary makes before it runs anything: files, hashes, graphs, encoder identity.
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

    let mut releases = Vec::new();
    // This machine's own platform, when it is among the targets: its binary is the reference.
    let mut native_binary: Option<PathBuf> = None;
    for &target in &targets {
        let start = Instant::now();
        let binary = compile::build(target, &tools, mtime)?;
        if target == Target::LinuxX86_64 {
            native_binary = Some(binary.clone());
        }
        let runtime = crate::setup::onnx_runtime::library_for(target)?;
        let openvino = crate::setup::openvino_ep::files_for(target)?;
        let glibc = match target.os() {
            "linux" => {
                let mut files = vec![binary.as_path(), runtime.as_path()];
                files.extend(
                    openvino
                        .iter()
                        .flat_map(|o| o.libraries.iter().map(PathBuf::as_path)),
                );
                archive::glibc_requirement(&files)?
            }
            _ => None,
        };
        if let Some(needed) = &glibc {
            tracing::info!(
                "{} needs glibc {needed} (this machine has {})",
                target.triple(),
                host_glibc().unwrap_or_else(|| "?".into())
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
            binary,
            binary_name: target.binary_name().into(),
            runtime,
            runtime_name: target.library_names().pinned.into(),
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
        let format = match target.archive_extension() {
            "zip" => archive::Format::Zip,
            _ => archive::Format::TarGz,
        };
        let path = out.join(format!("{name}.{}", target.archive_extension()));
        let written = archive::write(&contents, format, &path)?;
        tracing::info!(
            "wrote {} ({:.1} MB, {} files, sha256 {}) in {:.1} s",
            path.display(),
            written.bytes as f64 / 1e6,
            written.files,
            written.sha256,
            start.elapsed().as_secs_f64()
        );
        releases.push(Release {
            target,
            path,
            bytes: written.bytes,
            checked: None,
        });
    }
    if args.check {
        // The x86_64 Linux release binary runs natively here, so it is this machine's fp32 result.
        // Without it, a workspace build: minutes, as `-p adain-cli` alone unifies other features than
        // the workspace build that the tests made.
        let reference = match &native_binary {
            Some(binary) => check::Reference::Release(binary.clone()),
            None => check::Reference::Workspace(crate::adain_bin::build_release()?),
        };
        crate::setup::cross::emulators(&targets)?;
        for release in &mut releases {
            release.checked = Some(check::run(
                release.target,
                &release.path,
                &reference,
                &tools,
            )?);
        }
    }
    for release in &releases {
        let checked = release
            .checked
            .as_ref()
            .map(|c| {
                format!(
                    "\tstylize {}×{} {:.1} s\t{}",
                    check::SMALL.0,
                    check::SMALL.1,
                    c.stylize_seconds,
                    c.psnr_db
                        .map_or("the reference".to_string(), |db| format!("{db:.1} dB"))
                )
            })
            .unwrap_or_default();
        println!(
            "{}\t{:.1} MB\t{}{checked}",
            release.target.triple(),
            release.bytes as f64 / 1e6,
            release.path.display()
        );
    }
    Ok(())
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
    let out = Command::new("git")
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
    let out = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().nth(1).map(str::to_string)
}
