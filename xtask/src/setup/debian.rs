//! Programs some features need from Debian's packages (ffmpeg for video; qemu-user and wine for the
//! cross-platform checks; Chromium for the page test), installed with apt-get when missing. Idempotent.

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

/// Headless Chromium and its WebDriver server, for the browser test of `adain serve`'s page
/// (/usr/bin/chromium, /usr/bin/chromedriver).
pub const BROWSER: [&str; 2] = ["chromium", "chromium-driver"];

/// True when dpkg lists `package` as installed.
fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

/// Installs those of `packages` dpkg does not list, in one apt-get call; `used_for` says why.
pub fn ensure_packages(packages: &[&str], used_for: &str) -> Result<()> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        tracing::info!("Debian packages for {used_for}: installed");
        return Ok(());
    }
    tracing::info!("installing Debian's {} ({used_for})", missing.join(", "));
    apt(&["update", "-q"], &missing)?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(&missing);
    apt(&args, &missing)?;
    if let Some(still) = missing.iter().find(|p| !installed(p)) {
        bail!("`{still}` is still not installed after apt-get install");
    }
    Ok(())
}

fn apt(args: &[&str], packages: &[&str]) -> Result<()> {
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
            "apt-get {} failed ({status}); install them yourself (as root: apt-get install {})",
            args.join(" "),
            packages.join(" ")
        );
    }
    Ok(())
}

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
    apt(&["update", "-q"], &[program.package])?;
    apt(
        &[
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            program.package,
        ],
        &[program.package],
    )?;
    if !runs(program.name) {
        bail!(
            "{} is still not runnable after installing `{}`",
            program.name,
            program.package
        );
    }
    Ok(())
}
