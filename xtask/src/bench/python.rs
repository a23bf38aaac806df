//! The Python side of the bench: the torch venv that setup makes, with `onnxruntime` pip-installed into
//! it at the version of our runtime library (once; later runs only check).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::paths::workspace_root;
use crate::setup::venv::{torch_python, TORCH_VERSION};

/// The Python ONNX Runtime, the same release as the library the Rust side loads.
pub const ONNXRUNTIME: &str = "onnxruntime==1.31.1";

pub fn python() -> PathBuf {
    torch_python(TORCH_VERSION)
}

/// Folder of the worker scripts.
pub fn scripts() -> PathBuf {
    workspace_root().join("xtask").join("bench")
}

/// Versions of torch and onnxruntime in the venv, installing onnxruntime if it is missing.
pub fn ensure(with_ort: bool) -> Result<Versions> {
    let python = python();
    if !python.is_file() {
        bail!(
            "no torch venv at {} (run `cargo xtask setup`, or pass --no-python)",
            python.display()
        );
    }
    let wanted = ONNXRUNTIME.split("==").nth(1).expect("pinned");
    let mut versions = probe()?;
    if with_ort && versions.onnxruntime.as_deref() != Some(wanted) {
        tracing::info!("installing {ONNXRUNTIME} into {} (pip)", python.display());
        let status = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                ONNXRUNTIME,
            ])
            .status()
            .context("running pip")?;
        if !status.success() {
            bail!("pip install {ONNXRUNTIME} failed ({status})");
        }
        versions = probe()?;
        if versions.onnxruntime.as_deref() != Some(wanted) {
            bail!(
                "onnxruntime {:?} after installing {ONNXRUNTIME}",
                versions.onnxruntime
            );
        }
    }
    Ok(versions)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Versions {
    pub python: String,
    pub torch: String,
    pub onnxruntime: Option<String>,
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
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines().map(str::to_string);
    let (python, torch, ort) = (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    );
    Ok(Versions {
        python,
        torch,
        onnxruntime: (!ort.is_empty()).then_some(ort),
    })
}
