//! Triton's model-configuration schema for the export tests: `tritonclient` (for its generated
//! `model_config_pb2`) and protobuf, pinned, without their other dependencies, in a small venv in the
//! cache. Nothing of Triton is vendored into the repository.

use std::path::PathBuf;
use std::process::Command;

use adain_models::install_paths::cache_dir;
use adain_test_support::{TRITON_SCHEMA_PACKAGES, TRITON_SCHEMA_VENV};
use anyhow::{bail, Context, Result};

pub fn venv_python() -> PathBuf {
    cache_dir()
        .join(TRITON_SCHEMA_VENV)
        .join("bin")
        .join("python")
}

/// Imports the schema the way the tests do (by file, so tritonclient's grpc dependencies are not needed).
const PROBE: &str = "import importlib.util, os, tritonclient; \
    p = os.path.join(os.path.dirname(tritonclient.__file__), 'grpc', 'model_config_pb2.py'); \
    s = importlib.util.spec_from_file_location('model_config_pb2', p); \
    m = importlib.util.module_from_spec(s); s.loader.exec_module(m); m.ModelConfig()";

pub fn install() -> Result<()> {
    let python = venv_python();
    let probe = || {
        Command::new(&python)
            .args(["-c", PROBE])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if probe() {
        tracing::info!("Triton config schema: {} (reused)", python.display());
        return Ok(());
    }
    let venv = cache_dir().join(TRITON_SCHEMA_VENV);
    tracing::info!("Triton config schema: creating {}", venv.display());
    if !python.is_file() {
        run(Command::new(crate::pypi::python())
            .args(["-m", "venv"])
            .arg(&venv))?;
    }
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
        ])
        .args(TRITON_SCHEMA_PACKAGES))?;
    if !probe() {
        bail!("{}: model_config_pb2 still does not import", venv.display());
    }
    Ok(())
}

fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}
