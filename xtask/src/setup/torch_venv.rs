//! The torch venv that the training crate links against (tch 0.26 ↔ torch 2.13.0 exactly), and
//! others of a given version (`device-train` builds against a remote GPU machine's torch).
//!
//! Each lives in the user cache keyed by the torch version (~5 GB, minutes to install), so every
//! clone and CI run on a machine shares it; `target/libtorch` links to the build's `torch` package,
//! which is where `.cargo/config.toml` points LIBTORCH.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use adain_models::install_paths::cache_dir;

use crate::paths::workspace_root;

pub const TORCH_VERSION: &str = "2.13.0";

pub fn venv_dir() -> PathBuf {
    venv_dir_of(TORCH_VERSION)
}

fn venv_dir_of(version: &str) -> PathBuf {
    cache_dir().join(format!("torch-{version}"))
}

pub fn venv_python_of(version: &str) -> PathBuf {
    venv_dir_of(version).join("bin").join("python")
}

/// Where the build expects libtorch (`LIBTORCH` in .cargo/config.toml).
pub fn libtorch_link() -> PathBuf {
    workspace_root().join("target").join("libtorch")
}

pub fn install() -> Result<()> {
    let torch_dir = ensure(TORCH_VERSION)?;
    link(&torch_dir)
}

/// Creates (or reuses) the venv of torch `version`; returns its torch package folder (libtorch).
pub fn ensure(version: &str) -> Result<PathBuf> {
    if let Some(dir) = probe(version) {
        tracing::info!(
            "torch {version}: {} (reused)",
            venv_dir_of(version).display()
        );
        return Ok(dir);
    }
    create(version)?;
    probe(version).with_context(|| {
        format!(
            "torch {version} still not importable from {}",
            venv_dir_of(version).display()
        )
    })
}

/// The venv's torch package folder, if torch and safetensors import at the pinned version.
fn probe(version: &str) -> Option<PathBuf> {
    let out = Command::new(venv_python_of(version))
        .args(["-c", "import torch, safetensors, numpy, os; print(torch.__version__); print(os.path.dirname(torch.__file__))"])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut lines = text.lines();
    let found = lines.next()?;
    let dir = lines.next()?;
    (out.status.success() && found.starts_with(version)).then(|| PathBuf::from(dir))
}

fn create(version: &str) -> Result<()> {
    let venv = venv_dir_of(version);
    tracing::info!(
        "torch {version}: creating {} (a few minutes, ~5 GB from the package registry)",
        venv.display()
    );
    if !venv_python_of(version).is_file() {
        run(Command::new(crate::pypi::python())
            .args(["-m", "venv"])
            .arg(&venv))?;
    }
    run(Command::new(venv_python_of(version)).args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        &format!("torch=={version}"),
        "safetensors",
        "numpy",
    ]))
}

fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

/// Points `target/libtorch` at the venv's torch package.
fn link(torch_dir: &Path) -> Result<()> {
    let link = libtorch_link();
    if std::fs::read_link(&link).ok().as_deref() == Some(torch_dir) {
        return Ok(());
    }
    std::fs::create_dir_all(link.parent().expect("target/"))?;
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(torch_dir, &link)
        .with_context(|| format!("linking {} → {}", link.display(), torch_dir.display()))?;
    tracing::info!("libtorch: {} → {}", link.display(), torch_dir.display());
    Ok(())
}
