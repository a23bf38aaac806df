//! Programs some features need from Debian's packages (ffmpeg for video; qemu-user and wine for the
//! cross-platform checks; Chromium for the page test), installed with apt-get when missing. Idempotent.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

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
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend(&missing);
    for args in [&["update", "-q"][..], &install] {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .context("running apt-get (is this Debian or Ubuntu?)")?;
        if !status.success() {
            bail!(
                "apt-get {} failed ({status}); install them yourself (as root: apt-get install {})",
                args[0],
                missing.join(" ")
            );
        }
    }
    if let Some(still) = missing.iter().find(|p| !installed(p)) {
        bail!("`{still}` is still not installed after apt-get install");
    }
    Ok(())
}

/// ffmpeg, for `adain video` with MP4/WebM/… and its tests: any that runs will do (one built from
/// source, say), else Debian's.
pub fn ensure_ffmpeg() -> Result<()> {
    let runs = || {
        Command::new("ffmpeg")
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if runs() {
        tracing::info!("ffmpeg: on the PATH");
        return Ok(());
    }
    ensure_packages(&["ffmpeg"], "`adain video` with MP4/WebM/… and its tests")?;
    if !runs() {
        bail!("ffmpeg is still not runnable after installing Debian's `ffmpeg`");
    }
    Ok(())
}
