//! Programs some features need from Debian's packages (ffmpeg for video), installed with apt-get
//! when missing. Idempotent: a program that already runs is left alone.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// A program and the Debian package that brings it.
pub struct Program {
    pub name: &'static str,
    pub package: &'static str,
    /// What needs it, for messages.
    pub used_for: &'static str,
}

pub const FFMPEG: Program = Program {
    name: "ffmpeg",
    package: "ffmpeg",
    used_for: "`adain video` with MP4/WebM/… and its tests",
};

fn runs(name: &str) -> bool {
    Command::new(name)
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs `program` with apt-get unless it already runs here.
pub fn ensure(program: &Program) -> Result<()> {
    if runs(program.name) {
        tracing::info!("{}: on the PATH", program.name);
        return Ok(());
    }
    tracing::info!(
        "{} not found ({}): installing Debian's `{}`",
        program.name,
        program.used_for,
        program.package
    );
    let apt = |args: &[&str]| -> Result<()> {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .with_context(|| {
                format!(
                    "running apt-get {} (is this Debian or Ubuntu?)",
                    args.join(" ")
                )
            })?;
        if !status.success() {
            bail!(
                "apt-get {} failed ({status}); install `{}` yourself (as root: apt-get install {})",
                args.join(" "),
                program.package,
                program.package
            );
        }
        Ok(())
    };
    apt(&["update", "-q"])?;
    apt(&[
        "install",
        "-y",
        "-q",
        "--no-install-recommends",
        program.package,
    ])?;
    if !runs(program.name) {
        bail!(
            "{} is still not runnable after installing `{}`",
            program.name,
            program.package
        );
    }
    Ok(())
}
