//! The images int8 calibration and variant validation run on: contents and styles, chosen
//! deterministically, loaded as centre-cropped squares.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use image::RgbImage;

use crate::data::{center_crop, load_resized, ImageFolder};
use crate::error::{Result, TrainError};

/// Content and style image files.
#[derive(Debug, Clone, Default)]
pub struct ImageSet {
    pub contents: Vec<PathBuf>,
    pub styles: Vec<PathBuf>,
    /// Where they came from, for the record.
    pub source: String,
}

impl ImageSet {
    /// Every image of two folders.
    pub fn from_folders(content: &Path, style: &Path) -> Result<Self> {
        Ok(Self {
            contents: ImageFolder::scan(content)?.0.files,
            styles: ImageFolder::scan(style)?.0.files,
            source: format!("{} + {}", short(content), short(style)),
        })
    }

    /// A folder with `content/` and `style/` subfolders, or one folder of images that serves as both
    /// (each content then meets a style from the other half of the list).
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let (content, style) = (dir.join("content"), dir.join("style"));
        if content.is_dir() && style.is_dir() {
            return Self::from_folders(&content, &style);
        }
        let files = ImageFolder::scan(dir)?.0.files;
        let half = files.len() / 2;
        let mut styles = files.clone();
        styles.rotate_left(half);
        Ok(Self {
            contents: files,
            styles,
            source: short(dir),
        })
    }

    /// Without the files in `exclude`.
    pub fn without(mut self, exclude: &HashSet<PathBuf>) -> Self {
        self.contents.retain(|f| !exclude.contains(f));
        self.styles.retain(|f| !exclude.contains(f));
        self
    }

    /// At most `n` contents and `n` styles, evenly spread over the sorted lists (deterministic).
    pub fn spread(mut self, n: usize) -> Self {
        self.contents = spread(&self.contents, n);
        self.styles = spread(&self.styles, n);
        self
    }

    /// All files of both lists.
    pub fn files(&self) -> HashSet<PathBuf> {
        self.contents.iter().chain(&self.styles).cloned().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.contents.is_empty() || self.styles.is_empty()
    }

    /// `n` (content, style) pairs: pair k = (content k mod C, style k mod S), distinct while k is below
    /// the least common multiple of the counts.
    pub fn pairs(&self, n: usize) -> Vec<(PathBuf, PathBuf)> {
        if self.is_empty() {
            return Vec::new();
        }
        (0..n)
            .map(|k| {
                (
                    self.contents[k % self.contents.len()].clone(),
                    self.styles[k % self.styles.len()].clone(),
                )
            })
            .collect()
    }

    /// `12 contents + 12 styles from …`
    pub fn describe(&self) -> String {
        format!(
            "{} contents + {} styles from {}",
            self.contents.len(),
            self.styles.len(),
            self.source
        )
    }
}

fn spread(files: &[PathBuf], n: usize) -> Vec<PathBuf> {
    if files.len() <= n {
        return files.to_vec();
    }
    (0..n).map(|i| files[i * files.len() / n].clone()).collect()
}

/// The shared data's stable name (`shared/data/...`) rather than this machine's absolute path.
fn short(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.find("shared/data/")
        .map(|i| s[i..].to_string())
        .unwrap_or_else(|| s.into_owned())
}

/// The image with its shorter side resized to `size`, centre-cropped square.
pub fn load_square(path: &Path, size: u32) -> Result<RgbImage> {
    load_resized(path, size, size)
        .map(|i| center_crop(&i, size))
        .ok_or_else(|| TrainError::Data {
            path: path.into(),
            message: "could not be decoded".into(),
        })
}
