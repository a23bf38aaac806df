//! The Python side of the bench: the workspace's torch venv, with `onnxruntime` pip-installed into
//! it at the release of our runtime library (once; later runs only check).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::paths::workspace_root;
use crate::setup::venv::{torch_python, TORCH_VERSION};

/// The Python ONNX Runtime, the same release as the library the Rust side loads.
const ONNXRUNTIME: &str = adain_models::install_paths::ONNX_RUNTIME_VERSION;

pub fn python() -> PathBuf {
    torch_python(TORCH_VERSION)
}

/// Folder of the worker scripts.
pub fn scripts() -> PathBuf {
    workspace_root().join("xtask").join("bench")
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Versions {
    pub python: String,
    pub torch: String,
    pub onnxruntime: Option<String>,
}

/// Versions of Python, torch and onnxruntime in the venv, installing onnxruntime if it is missing.
pub fn ensure() -> Result<Versions> {
    if !python().is_file() {
        bail!(
            "no torch venv at {} (run `cargo xtask setup`, or pass --no-python)",
            python().display()
        );
    }
    let versions = probe()?;
    if versions.onnxruntime.as_deref() == Some(ONNXRUNTIME) {
        return Ok(versions);
    }
    tracing::info!("installing onnxruntime=={ONNXRUNTIME} into the torch venv (pip)");
    crate::cmd::run(Command::new(python()).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("onnxruntime=={ONNXRUNTIME}"),
    ]))?;
    let versions = probe()?;
    if versions.onnxruntime.as_deref() != Some(ONNXRUNTIME) {
        bail!(
            "onnxruntime {:?} after installing {ONNXRUNTIME}",
            versions.onnxruntime
        );
    }
    Ok(versions)
}

fn probe() -> Result<Versions> {
    let script = "import sys, torch\n\
                  try:\n    import onnxruntime; ort = onnxruntime.__version__\n\
                  except ImportError:\n    ort = ''\n\
                  print(sys.version.split()[0]); print(torch.__version__); print(ort)";
    let out = Command::new(python())
        .args(["-c", script])
        .output()
        .context("running the venv's python")?;
    if !out.status.success() {
        bail!(
            "the torch venv's python fails: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines().map(str::to_string);
    let mut next = || lines.next().unwrap_or_default();
    let (python, torch, ort) = (next(), next(), next());
    Ok(Versions {
        python,
        torch,
        onnxruntime: (!ort.is_empty()).then_some(ort),
    })
}
