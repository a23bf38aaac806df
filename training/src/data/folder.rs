//! An image folder (flat or nested), checked up front so that a bad folder fails at once.

use std::path::{Path, PathBuf};

use crate::error::{Result, TrainError};

/// Image files of a folder, sorted, with the undecodable ones left out.
#[derive(Debug, Clone)]
pub struct ImageFolder {
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
}

/// What a scan found.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    pub usable: usize,
    pub skipped: Vec<PathBuf>,
}

impl ImageFolder {
    /// Every file below `root` whose header decodes as an image. Skipped files are counted, never
    /// fatal; an empty or missing folder, or one with no image at all, is an error naming it.
    pub fn scan(root: &Path) -> Result<(Self, ScanReport)> {
        if !root.is_dir() {
            return Err(TrainError::Data {
                path: root.into(),
                message: "no such folder (expected a folder of images)".into(),
            });
        }
        let mut all = Vec::new();
        walk(root, &mut all)?;
        all.sort();
        if all.is_empty() {
            return Err(TrainError::Data {
                path: root.into(),
                message: "the folder is empty (expected images)".into(),
            });
        }
        let mut report = ScanReport::default();
        let mut files = Vec::new();
        for f in all {
            if header_decodes(&f) {
                files.push(f);
            } else {
                report.skipped.push(f);
            }
        }
        report.usable = files.len();
        if files.is_empty() {
            return Err(TrainError::Data {
                path: root.into(),
                message: format!(
                    "none of its {} files is a decodable image",
                    report.skipped.len()
                ),
            });
        }
        Ok((
            Self {
                root: root.into(),
                files,
            },
            report,
        ))
    }

    /// Splits off a held-out fraction, chosen by a hash of each file's path relative to the root so the
    /// split is stable whatever the order or the machine. Returns (kept, held out).
    pub fn split(self, fraction: f64) -> (Self, Self) {
        let (held, kept): (Vec<_>, Vec<_>) = self.files.iter().cloned().partition(|f| {
            let rel = f
                .strip_prefix(&self.root)
                .unwrap_or(f)
                .to_string_lossy()
                .into_owned();
            (fnv1a(rel.as_bytes()) % 10_000) as f64 / 10_000.0 < fraction
        });
        (
            Self {
                root: self.root.clone(),
                files: kept,
            },
            Self {
                root: self.root,
                files: held,
            },
        )
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| TrainError::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| TrainError::io(dir, e))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().starts_with('.'))
            .unwrap_or(true);
        if name {
            continue; // hidden files (.DS_Store, temporaries)
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

fn header_decodes(path: &Path) -> bool {
    image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .is_some_and(|(w, h)| w > 0 && h > 0)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x100000001b3)
    })
}
