//! The images of a folder, as runs over folders take them.

use std::path::{Path, PathBuf};

use crate::error::{AdainError, Result};

/// File extensions taken from folders (files named explicitly are tried whatever their extension).
pub const IMAGE_EXTENSIONS: [&str; 7] = ["png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp"];

/// The image files directly inside `dir` (not recursive), sorted by name; possibly none.
pub fn images_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut inside: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| AdainError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && has_image_extension(p))
        .collect();
    inside.sort();
    Ok(inside)
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}
