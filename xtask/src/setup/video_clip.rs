//! Real footage for `cargo xtask bench-video`: `box.mp4` from Debian's `opencv-doc` (OpenCV's
//! documentation; Apache-2.0 AND BSD-3-Clause, as the package's copyright file states for all its
//! files). A handheld camera films a hand moving a box over a table: 640×480, 30 fps, 15 s. Fetched
//! with `apt-get download` (the package is not installed), checked and kept in the cache; never
//! committed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use adain_models::install_paths::cache_dir;
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

const PACKAGE: &str = "opencv-doc";
const VERSION: &str = "4.6.0+dfsg-12";
const DEB_SHA256: &str = "4b12681df35878207ac7097dc66184b2ae552e4bf4ddd2af04a0f03ed0b8682a";
const MEMBER: &str = "./usr/share/doc/opencv-doc/opencv4/html/box.mp4.gz";
const CLIP_SHA256: &str = "62b744b99403f899707c43398a3822441add6160379ab6dd6c12bde9e3075f8d";

/// Where the clip is, fetching it first if needed.
pub fn install() -> Result<PathBuf> {
    let clip = adain_test_kit::venvs::real_clip();
    if crate::pypi::is_installed(&clip, CLIP_SHA256) {
        tracing::info!("real clip: {} (verified)", clip.display());
        return Ok(clip);
    }
    let downloads = cache_dir().join("downloads");
    std::fs::create_dir_all(&downloads)?;
    let deb = downloads.join(format!("{PACKAGE}_{}_all.deb", VERSION.replace(':', "%3a")));
    if !crate::pypi::is_installed(&deb, DEB_SHA256) {
        tracing::info!("downloading Debian's {PACKAGE} {VERSION} (96 MB) for its box.mp4");
        if !apt_download(&downloads)? {
            // The package lists may be empty (a fresh container): refresh them once.
            let _ = Command::new("apt-get")
                .args(["update", "-q"])
                .stdout(Stdio::null())
                .status();
            if !apt_download(&downloads)? {
                bail!("`apt-get download {PACKAGE}={VERSION}` failed (is this Debian 12 with its package lists?)");
            }
        }
        let found = crate::pypi::sha256_of(&deb)?;
        if found != DEB_SHA256 {
            bail!("{}: sha256 {found}, expected {DEB_SHA256}", deb.display());
        }
    }
    let bytes = extract(&deb)?;
    let found = hex::encode(Sha256::digest(&bytes));
    if found != CLIP_SHA256 {
        bail!(
            "{MEMBER} in {}: sha256 {found}, expected {CLIP_SHA256}",
            deb.display()
        );
    }
    std::fs::create_dir_all(clip.parent().expect("a folder"))?;
    adain_models::atomic_file::write(&clip, &bytes)?;
    tracing::info!("real clip: {} (installed)", clip.display());
    Ok(clip)
}

fn apt_download(dir: &Path) -> Result<bool> {
    Ok(Command::new("apt-get")
        .args(["download", "-q", &format!("{PACKAGE}={VERSION}")])
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .context("running apt-get download (is this Debian or Ubuntu?)")?
        .success())
}

/// The clip, un-gzipped, out of the package's data (through `dpkg-deb --fsys-tarfile`).
fn extract(deb: &Path) -> Result<Vec<u8>> {
    let mut child = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(deb)
        .stdout(Stdio::piped())
        .spawn()
        .context("running dpkg-deb")?;
    let stdout = child.stdout.take().expect("piped");
    let mut archive = tar::Archive::new(stdout);
    let mut clip = None;
    for entry in archive.entries()? {
        let mut entry = entry?;
        if entry.path()?.as_os_str() == MEMBER {
            let mut bytes = Vec::new();
            flate2::read::GzDecoder::new(&mut entry).read_to_end(&mut bytes)?;
            clip = Some(bytes);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    clip.with_context(|| format!("{} has no {MEMBER}", deb.display()))
}
