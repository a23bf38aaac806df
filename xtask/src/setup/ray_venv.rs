//! Ray Data for the Ray example's test (python/tests/ray): a venv in the cache with Ray, Pillow and
//! pytest, pinned. The test installs the adain wheel it checks into it.

use std::process::Command;

use adain_models::install_paths::cache_dir;
use adain_test_support::{RAY_PACKAGES, RAY_VENV};
use anyhow::{bail, Context, Result};

pub fn install() -> Result<()> {
    let venv = cache_dir().join(RAY_VENV);
    let python = venv.join("bin").join("python");
    let probe = || {
        Command::new(&python)
            .args(["-c", "import ray.data, PIL, pytest"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if probe() {
        tracing::info!("Ray: {} (reused)", venv.display());
        return Ok(());
    }
    tracing::info!("Ray: creating {} (~600 MB from PyPI)", venv.display());
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
        ])
        .args(RAY_PACKAGES))?;
    if !probe() {
        bail!("{}: ray.data still does not import", venv.display());
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
