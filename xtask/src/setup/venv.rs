//! Python venvs in the cache, created once with pinned packages and checked by running what they are
//! for, so a broken or partial one is repaired on the next setup: torch (the training crate links
//! its libtorch), and small ones for tools and tests.

use std::path::PathBuf;
use std::process::Command;

use adain_models::install_paths::{cache_dir, ONNX_RUNTIME_VERSION};
pub use adain_test_kit::venvs::{torch_python, TORCH_VERSION};
use adain_test_kit::venvs::{OPENCV_PACKAGES, OPENCV_VENV};
use adain_test_kit::{RAY_PACKAGES, RAY_VENV, TRITON_SCHEMA_PACKAGES, TRITON_SCHEMA_VENV};
use anyhow::{bail, Context, Result};

use crate::cmd::run;
use crate::paths::workspace_root;

pub struct Venv<'a> {
    /// Folder name under the cache.
    pub name: &'a str,
    /// Pinned requirements.
    pub packages: &'a [&'a str],
    /// Extra `pip install` arguments (`--no-deps`).
    pub pip_args: &'a [&'a str],
    /// Python code that succeeds when the venv is usable.
    pub probe: &'a str,
    /// What it is for, in the log.
    pub used_for: &'a str,
}

/// OpenCV for `cargo xtask bench-video` (adain_test_kit::venvs::OPENCV_VENV).
pub const OPENCV: Venv<'static> = Venv {
    name: OPENCV_VENV,
    packages: &OPENCV_PACKAGES,
    pip_args: &[],
    probe: "import cv2, numpy; cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)",
    used_for: "OpenCV for the video benchmark (~60 MB from PyPI)",
};

/// Ray Data for the Ray example's test (python/tests/ray), which installs the wheel it checks.
pub const RAY: Venv<'static> = Venv {
    name: RAY_VENV,
    packages: &RAY_PACKAGES,
    pip_args: &[],
    probe: "import ray.data, PIL, pytest",
    used_for: "Ray Data (~600 MB from PyPI)",
};

/// Triton's model-configuration schema for the export tests: `tritonclient` (for its generated
/// `model_config_pb2`, imported by file so its grpc dependencies are not needed) and protobuf.
pub const TRITON: Venv<'static> = Venv {
    name: TRITON_SCHEMA_VENV,
    packages: &TRITON_SCHEMA_PACKAGES,
    pip_args: &["--no-deps"],
    probe: "import importlib.util, os, tritonclient; \
        p = os.path.join(os.path.dirname(tritonclient.__file__), 'grpc', 'model_config_pb2.py'); \
        s = importlib.util.spec_from_file_location('model_config_pb2', p); \
        m = importlib.util.module_from_spec(s); s.loader.exec_module(m); m.ModelConfig()",
    used_for: "Triton config schema",
};

impl Venv<'_> {
    pub fn dir(&self) -> PathBuf {
        cache_dir().join(self.name)
    }

    pub fn python(&self) -> PathBuf {
        self.dir().join("bin").join("python")
    }

    fn usable(&self) -> bool {
        Command::new(self.python())
            .args(["-c", self.probe])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Creates or repairs the venv; returns its Python.
    pub fn ensure(&self) -> Result<PathBuf> {
        if self.usable() {
            tracing::info!("{}: {} (reused)", self.used_for, self.dir().display());
            return Ok(self.python());
        }
        tracing::info!("{}: creating {}", self.used_for, self.dir().display());
        if !self.python().is_file() {
            run(Command::new(crate::pypi::python())
                .args(["-m", "venv"])
                .arg(self.dir()))?;
        }
        run(Command::new(self.python())
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(self.pip_args)
            .args(self.packages))?;
        if !self.usable() {
            bail!(
                "{}: still not usable after installing {}",
                self.dir().display(),
                self.packages.join(" ")
            );
        }
        Ok(self.python())
    }
}

/// The venv of torch `version` (with safetensors, numpy, and onnxruntime at our runtime library's
/// release for `cargo xtask bench`'s Python contestants), in the cache keyed by the version (~5 GB,
/// minutes to install) so every clone and CI run on a machine shares it; returns its torch package
/// folder, which is a libtorch to build against.
pub fn torch(version: &str) -> Result<PathBuf> {
    let name = format!("torch-{version}");
    let requirement = format!("torch=={version}");
    let onnxruntime = format!("onnxruntime=={ONNX_RUNTIME_VERSION}");
    let probe = format!(
        "import torch, safetensors, numpy, onnxruntime; \
         assert torch.__version__.startswith('{version}'); \
         assert onnxruntime.__version__ == '{ONNX_RUNTIME_VERSION}'"
    );
    let venv = Venv {
        name: &name,
        packages: &[&requirement, "safetensors", "numpy", &onnxruntime],
        pip_args: &[],
        probe: &probe,
        used_for: "torch (a few minutes and ~5 GB from the package registry the first time)",
    };
    let python = venv.ensure()?;
    let out = Command::new(&python)
        .args([
            "-c",
            "import os, torch; print(os.path.dirname(torch.__file__))",
        ])
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// The workspace's torch venv, and `target/libtorch` linked to its torch package, which is where
/// `.cargo/config.toml` points LIBTORCH.
pub fn install_torch() -> Result<()> {
    let torch_dir = torch(TORCH_VERSION)?;
    let link = workspace_root().join("target").join("libtorch");
    if std::fs::read_link(&link).ok().as_deref() == Some(torch_dir.as_path()) {
        return Ok(());
    }
    std::fs::create_dir_all(link.parent().expect("target/"))?;
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&torch_dir, &link)
        .with_context(|| format!("linking {} → {}", link.display(), torch_dir.display()))?;
    tracing::info!("libtorch: {} → {}", link.display(), torch_dir.display());
    Ok(())
}
