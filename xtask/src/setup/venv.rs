//! Small Python venvs in the cache (tools, test dependencies): created once with pinned packages and
//! checked by running what they are for, so a broken or partial one is repaired on the next setup.

use std::path::PathBuf;
use std::process::Command;

use adain_models::install_paths::cache_dir;
use anyhow::{bail, Context, Result};

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

pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}
