//! `cargo xtask wheel`: the `adain` Python wheel (inference/python/). maturin builds the extension (abi3,
//! CPython ≥ 3.9); then the ONNX Runtime library with its licence files, OpenVINO's plugin (x86-64)
//! with its notices and the default model go into `adain/_bundle/`, with their lines in the wheel's
//! RECORD, so that `pip install` gives a package that runs with nothing else installed.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use base64::Engine;
use clap::Args;
use sha2::{Digest, Sha256};

use crate::paths::{claim_build_dir, default_package, target_dir, workspace_root, xtask_build_dir};
use crate::target::Target;

/// The build tool, pinned; it lives in a small venv in the cache.
const MATURIN: &str = "maturin==1.16.0";
/// The extension's build folder (see [`xtask_build_dir`]).
const WHEEL_BUILD: &str = "wheel";
/// The oldest glibc the wheel's tag promises, as the release archives (and ONNX Runtime's own wheel).
const MANYLINUX: &str = "manylinux_2_28";

#[derive(Args, Debug, Default)]
pub struct WheelArgs {}

/// Where `cargo xtask wheel` puts the finished wheel.
pub fn wheel_dir() -> PathBuf {
    target_dir().join("wheels")
}

pub fn run(_args: &WheelArgs) -> Result<()> {
    let wheel = build()?;
    tracing::info!("wrote {}", wheel.display());
    Ok(())
}

/// Builds the wheel and returns its path (the previous one is replaced).
pub fn build() -> Result<PathBuf> {
    crate::setup::run(&crate::setup::SetupArgs {
        no_torch: true,
        ..Default::default()
    })?;
    let maturin = maturin()?;
    // zig links against an old glibc, so the wheel keeps its manylinux promise on any newer machine.
    let host = host()?;
    let zig = crate::setup::cross::toolchain(&[host])?.zig;
    let path = std::env::join_paths(zig.parent().into_iter().map(Path::to_path_buf).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))?;
    let staging = wheel_dir().join("maturin");
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging)?;
    let build_dir = xtask_build_dir(WHEEL_BUILD);
    claim_build_dir(
        &build_dir,
        &["adain-python", "adain", "adain-flow", "adain-models"],
        &[host.triple()],
    )?;
    tracing::info!("building the extension with {MATURIN}");
    let status = Command::new(&maturin)
        .current_dir(workspace_root())
        .args([
            "build",
            "--release",
            "--quiet",
            "--manifest-path",
            "inference/python/Cargo.toml",
        ])
        .args(["--compatibility", MANYLINUX, "--zig", "--interpreter"])
        .arg(crate::pypi::python())
        .arg("--out")
        .arg(&staging)
        .env("PATH", path)
        // Compiled in the cache, like the release binaries: the dependencies once per machine, the
        // project's crates once per clone (a fresh clone's CI spent four minutes here).
        .env("CARGO_TARGET_DIR", &build_dir)
        .status()
        .context("running maturin")?;
    if !status.success() {
        bail!("maturin build failed ({status})");
    }
    let built = fs::read_dir(&staging)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .context("maturin wrote no wheel")?;
    let name = built.file_name().context("wheel name")?.to_owned();
    let out = wheel_dir().join(&name);
    for old in fs::read_dir(wheel_dir())?.filter_map(|e| e.ok().map(|e| e.path())) {
        if old.extension().is_some_and(|e| e == "whl") {
            fs::remove_file(&old)?;
        }
    }
    bundle(&built, &out, &bundled_files()?)?;
    Ok(out)
}

/// maturin in its venv, installed once.
fn maturin() -> Result<PathBuf> {
    let venv = crate::setup::venv::Venv {
        name: "tools/maturin-1.16.0",
        packages: &[MATURIN],
        pip_args: &[],
        probe: "import maturin",
        used_for: "maturin",
    };
    venv.ensure()?;
    Ok(venv.dir().join("bin").join("maturin"))
}

fn host() -> Result<Target> {
    Target::ALL
        .into_iter()
        .find(|t| t.is_host())
        .context("no release target matches this machine")
}

/// (path inside the wheel, file here): the runtime library, its licences, the default package.
fn bundled_files() -> Result<Vec<(String, PathBuf)>> {
    let host = host()?;
    let library = crate::setup::onnx_runtime::library_path();
    let library_name = library
        .file_name()
        .context("library name")?
        .to_string_lossy()
        .into_owned();
    let mut files = vec![(format!("adain/_bundle/{library_name}"), library.clone())];
    for licence in crate::setup::onnx_runtime::license_files(host)? {
        let name = licence
            .file_name()
            .context("licence name")?
            .to_string_lossy()
            .into_owned();
        files.push((format!("adain/_bundle/onnxruntime-{name}"), licence));
    }
    // OpenVINO's plugin and what it loads, in one folder (x86-64 only), with its notices.
    if let Some(openvino) = crate::setup::openvino_ep::files_for(host)? {
        for library in &openvino.libraries {
            let name = library
                .file_name()
                .context("library name")?
                .to_string_lossy();
            files.push((format!("adain/_bundle/openvino/{name}"), library.clone()));
        }
        files.push((
            "adain/_bundle/openvino/third-party-programs.txt".into(),
            openvino.notices,
        ));
        files.push((
            "adain/_bundle/openvino/README.txt".into(),
            crate::setup::openvino_ep::notice_file()?,
        ));
    }
    let package = default_package();
    let manifest = adain_models::manifest::Manifest::load(&package)
        .with_context(|| format!("{}: not a model package", package.display()))?;
    files.push((
        "adain/_bundle/models/default/manifest.json".into(),
        package.join(adain_models::manifest::MANIFEST_FILE),
    ));
    for file in &manifest.files {
        let path = &file.path;
        files.push((
            format!("adain/_bundle/models/default/{path}"),
            package.join(path),
        ));
    }
    Ok(files)
}

/// Copies the wheel `from` to `to` with `files` added and RECORD rewritten to list them.
fn bundle(from: &Path, to: &Path, files: &[(String, PathBuf)]) -> Result<()> {
    let mut input = zip::ZipArchive::new(fs::File::open(from)?)
        .with_context(|| format!("{} is not a wheel", from.display()))?;
    let partial = to.with_extension("whl.partial");
    let mut output = zip::ZipWriter::new(fs::File::create(&partial)?);
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut record = String::new();
    let mut record_name = None;
    for i in 0..input.len() {
        let mut entry = input.by_index(i)?;
        let name = entry.name().to_string();
        if name.ends_with(".dist-info/RECORD") {
            entry.read_to_string(&mut record)?;
            record_name = Some(name);
            continue;
        }
        let options = deflate.unix_permissions(entry.unix_mode().unwrap_or(0o644));
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        output.start_file(&name, options)?;
        output.write_all(&bytes)?;
    }
    let record_name = record_name.context("the wheel has no RECORD")?;
    for (name, path) in files {
        let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let mode = if name.ends_with(".so") || name.contains(".so.") {
            0o755
        } else {
            0o644
        };
        output.start_file(name, deflate.unix_permissions(mode))?;
        output.write_all(&bytes)?;
        let digest =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&bytes));
        record.push_str(&format!("{name},sha256={digest},{}\n", bytes.len()));
    }
    output.start_file(&record_name, deflate)?;
    output.write_all(record.as_bytes())?;
    output.finish()?;
    fs::rename(&partial, to)?;
    Ok(())
}
