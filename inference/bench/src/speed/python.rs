//! The Python side of the bench: the workspace's torch venv, holding `onnxruntime` at the release
//! of our runtime library (`cargo xtask bench` installs it there).

use std::path::{Path, PathBuf};
use std::process::Command;

use adain_test_kit::venvs::{torch_python, TORCH_VERSION};
use anyhow::{bail, Context, Result};

/// The Python ONNX Runtime, the same release as the library the Rust side loads.
const ONNXRUNTIME: &str = adain_models::install_paths::ONNX_RUNTIME_VERSION;

pub fn python() -> PathBuf {
    torch_python(TORCH_VERSION)
}

/// Folder of the worker scripts.
pub fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python")
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Versions {
    pub python: String,
    pub torch: String,
    pub onnxruntime: Option<String>,
}

/// Versions of Python, torch and onnxruntime in the venv; an error naming the setup command when
/// the venv or its onnxruntime is missing.
pub fn check() -> Result<Versions> {
    crate::place::installed(python(), "the torch venv", "cargo xtask setup")?;
    let versions = probe()?;
    if versions.onnxruntime.as_deref() != Some(ONNXRUNTIME) {
        bail!(
            "the torch venv has onnxruntime {:?}, the bench compares with {ONNXRUNTIME} (run `cargo xtask setup`)",
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
