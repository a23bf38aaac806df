//! `cargo xtask dist`: a tarball that runs anywhere on x86_64 Linux with nothing installed — the
//! `adain` binary, the ONNX Runtime library next to it and the default model under models/default,
//! which is where the binary looks first (see inference/src/runtime/library.rs and package/locate.rs).

mod check;
mod tarball;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use crate::paths::{default_package, target_dir};

#[derive(Args, Debug)]
pub struct DistArgs {
    /// Then unpack the tarball into an empty folder and stylize a generated image with its `adain`
    /// under an empty environment (no PATH, HOME, cache, Rust or Python)
    #[arg(long)]
    pub check: bool,

    /// Folder for the tarball [default: target/dist]
    #[arg(long, value_name = "DIR", hide = true)]
    pub out: Option<PathBuf>,

    /// Model package to ship as models/default instead of models/default (for testing)
    #[arg(long, value_name = "DIR", hide = true)]
    pub model: Option<PathBuf>,
}

/// `adain-<version>-<arch>-<os>`: the tarball's name and its top folder.
pub fn release_name() -> String {
    format!(
        "adain-{}-{}-{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS
    )
}

pub fn run(args: &DistArgs) -> Result<()> {
    let start = Instant::now();
    let package_dir = args.model.clone().unwrap_or_else(default_package);
    crate::adain_bin::require_package(&package_dir, args.model.is_none())?;
    crate::setup::run(&crate::setup::SetupArgs {
        no_torch: true,
        ..Default::default()
    })?;
    // The same checks the binary makes before it runs anything: files, hashes, graphs, encoder identity.
    let package = adain::package::ModelPackage::load(&package_dir)
        .with_context(|| format!("model package {} is not usable", package_dir.display()))?;
    let binary = crate::adain_bin::build_release()?;

    let name = release_name();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| target_dir().join("dist"));
    let runtime = crate::setup::onnx_runtime::library_path();
    let glibc = tarball::glibc_requirement(&[&binary, &runtime])?;
    let contents = tarball::Contents {
        top: name.clone(),
        binary,
        runtime,
        runtime_licenses: crate::setup::onnx_runtime::license_files()?,
        package: package_dir.clone(),
        package_files: package
            .manifest()
            .files
            .iter()
            .map(|f| f.path.clone())
            .collect(),
        readme: tarball::readme(&name, package.manifest(), glibc.as_deref()),
    };
    let path = out.join(format!("{name}.tar.gz"));
    let written = tarball::write(&contents, &path)?;
    tracing::info!(
        "wrote {} ({:.1} MB, {} files, sha256 {}) in {:.1} s",
        path.display(),
        written.bytes as f64 / 1e6,
        written.files,
        written.sha256,
        start.elapsed().as_secs_f64()
    );
    if args.check {
        check::run(&path, &name)?;
    }
    println!("{}", path.display());
    Ok(())
}
