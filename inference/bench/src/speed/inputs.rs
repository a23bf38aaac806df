//! The images every contestant stylizes: a content and a style photograph from the team's training
//! data when it is there (centre square, resized), else generated ones; written as PNG (the Rust worker
//! decodes them: that is one of its stages) and as raw RGB8 (what the Python workers read).

use std::path::{Path, PathBuf};

use adain::image_io::{center_crop_square, load_rgb, resize_exact, DEFAULT_MAX_PIXELS};
use adain_test_kit::images::test_image;
use anyhow::{Context, Result};
use image::RgbImage;

/// One size's input files.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub content_png: PathBuf,
    pub style_png: PathBuf,
    pub content_rgb: PathBuf,
    pub style_rgb: PathBuf,
}

/// Where the pictures come from, for the report.
pub fn source() -> String {
    match photos() {
        Some((c, s)) => {
            let show = |p: &Path| {
                p.canonicalize()
                    .unwrap_or_else(|_| p.to_path_buf())
                    .display()
                    .to_string()
            };
            format!(
                "photographs {} and {} (centre squares, resized)",
                show(&c),
                show(&s)
            )
        }
        None => "generated images (no training data found)".into(),
    }
}

/// Writes the inputs for `size`×`size` into `dir`.
pub fn write(dir: &Path, size: u32) -> Result<Inputs> {
    let (content, style) = match photos() {
        Some((c, s)) => (square(&c, size)?, square(&s, size)?),
        None => (test_image(size, size, 1), test_image(size, size, 2)),
    };
    let inputs = Inputs {
        content_png: dir.join(format!("content_{size}.png")),
        style_png: dir.join(format!("style_{size}.png")),
        content_rgb: dir.join(format!("content_{size}.rgb")),
        style_rgb: dir.join(format!("style_{size}.rgb")),
    };
    content.save(&inputs.content_png)?;
    style.save(&inputs.style_png)?;
    std::fs::write(&inputs.content_rgb, content.as_raw())?;
    std::fs::write(&inputs.style_rgb, style.as_raw())?;
    Ok(inputs)
}

/// A content image `side`×`side` for the high-resolution run.
pub fn write_large(dir: &Path, side: u32) -> Result<PathBuf> {
    let path = dir.join(format!("content_{side}.png"));
    let image = match photos() {
        Some((c, _)) => square(&c, side)?,
        None => test_image(side, side, 1),
    };
    image.save(&path)?;
    Ok(path)
}

/// The first content and style photographs of the shared training data.
fn photos() -> Option<(PathBuf, PathBuf)> {
    let data = adain_test_kit::shared_train_data();
    let first = |d: PathBuf| -> Option<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(d)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        files
            .into_iter()
            .find(|p| load_rgb(p, DEFAULT_MAX_PIXELS).is_ok())
    };
    Some((first(data.join("content"))?, first(data.join("style"))?))
}

fn square(path: &Path, side: u32) -> Result<RgbImage> {
    let image = load_rgb(path, DEFAULT_MAX_PIXELS)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(resize_exact(&center_crop_square(&image), side, side))
}
