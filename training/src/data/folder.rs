//! An image set: a folder (flat or nested) or a list file naming images with sampling weights,
//! checked up front so that a bad set fails at once.

use std::path::{Path, PathBuf};

use crate::error::{Result, TrainError};

/// Image files of a folder, sorted, with the undecodable ones left out; or the files of a list.
#[derive(Debug, Clone)]
pub struct ImageFolder {
    /// The folder, or the list file's folder (what held-out splits hash paths relative to).
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
    /// Relative sampling weight of each file (a list's second column); `None` samples uniformly.
    pub weights: Option<Vec<f64>>,
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
    ///
    /// `root` may instead be a list file (see [`ImageFolder::from_list`]).
    pub fn scan(root: &Path) -> Result<(Self, ScanReport)> {
        if root.is_file() {
            return Self::from_list(root);
        }
        if !root.is_dir() {
            return Err(TrainError::Data {
                path: root.into(),
                message: "no such folder or list (expected a folder of images, or a list file)"
                    .into(),
            });
        }
        let mut all = Vec::new();
        walk(root, &mut all)?;
        all.sort();
        Self::checked(root.into(), all, None)
    }

    /// A list file: one image a line, `path` or `path<TAB>weight`, paths relative to the list's
    /// folder; blank lines and `#` comments are skipped. Images are drawn in proportion to their
    /// weights (1 when absent), so a list says a data mix exactly. Undecodable files are skipped as
    /// in a folder; a missing file, a bad weight or an empty list is an error naming the line.
    pub fn from_list(list: &Path) -> Result<(Self, ScanReport)> {
        let text = std::fs::read_to_string(list).map_err(|e| TrainError::io(list, e))?;
        let root = list.parent().unwrap_or(Path::new(".")).to_path_buf();
        let bad = |line: usize, message: String| TrainError::Data {
            path: list.into(),
            message: format!("line {line}: {message}"),
        };
        let (mut files, mut weights) = (Vec::new(), Vec::new());
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (path, weight) = match line.split_once('\t') {
                Some((p, w)) => {
                    let w: f64 = w
                        .trim()
                        .parse()
                        .map_err(|_| bad(i + 1, format!("weight {w:?} is not a number")))?;
                    if !(w.is_finite() && w > 0.0) {
                        return Err(bad(i + 1, format!("weight {w} must be positive")));
                    }
                    (p, w)
                }
                None => (line, 1.0),
            };
            let file = root.join(path);
            if !file.is_file() {
                return Err(bad(i + 1, format!("{} is not a file", file.display())));
            }
            files.push(file);
            weights.push(weight);
        }
        Self::checked(root, files, Some(weights)).map_err(|e| match e {
            TrainError::Data { message, .. } => TrainError::Data {
                path: list.into(),
                message: message.replace("the folder is empty", "the list is empty"),
            },
            e => e,
        })
    }

    /// `files` less the undecodable ones (with their weights); an error if none is left.
    fn checked(
        root: PathBuf,
        all: Vec<PathBuf>,
        weights: Option<Vec<f64>>,
    ) -> Result<(Self, ScanReport)> {
        if all.is_empty() {
            return Err(TrainError::Data {
                path: root,
                message: "the folder is empty (expected images)".into(),
            });
        }
        let mut report = ScanReport::default();
        let (mut files, mut kept_weights) = (Vec::new(), Vec::new());
        for (i, f) in all.into_iter().enumerate() {
            if header_decodes(&f) {
                files.push(f);
                kept_weights.extend(weights.as_ref().map(|w| w[i]));
            } else {
                report.skipped.push(f);
            }
        }
        report.usable = files.len();
        if files.is_empty() {
            return Err(TrainError::Data {
                path: root,
                message: format!(
                    "none of its {} files is a decodable image",
                    report.skipped.len()
                ),
            });
        }
        Ok((
            Self {
                root,
                files,
                weights: weights.map(|_| kept_weights),
            },
            report,
        ))
    }

    /// Splits off a held-out fraction, chosen by a hash of each file's path relative to the root so the
    /// split is stable whatever the order or the machine. Returns (kept, held out).
    pub fn split(self, fraction: f64) -> (Self, Self) {
        let weights = self.weights.clone();
        let weight = |i: usize| weights.as_ref().map(|w| w[i]);
        let (held, kept): (Vec<_>, Vec<_>) = self.files.iter().enumerate().partition(|(_, f)| {
            let rel = f
                .strip_prefix(&self.root)
                .unwrap_or(f)
                .to_string_lossy()
                .into_owned();
            (fnv1a(rel.as_bytes()) % 10_000) as f64 / 10_000.0 < fraction
        });
        let part = |items: Vec<(usize, &PathBuf)>| Self {
            root: self.root.clone(),
            files: items.iter().map(|(_, f)| (*f).clone()).collect(),
            weights: weights
                .as_ref()
                .map(|_| items.iter().filter_map(|(i, _)| weight(*i)).collect()),
        };
        (part(kept), part(held))
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
