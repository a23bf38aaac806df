//! The model card's pictures, made in-process with the `adain` library: held-out contents × held-out
//! styles, an α sweep, and a four-style interpolation on a 5×5 grid (the paper's Fig. 8 layout).

use std::path::{Path, PathBuf};

use adain::image_io::{load_rgb, prepare, DEFAULT_MAX_PIXELS};
use adain::ops::adain_stats;
use adain::ops::{ChannelStats, StyleMix};
use adain::package::ModelPackage;
use adain::runtime::SessionOptions;
use adain::{ContentFeatures, Stylizer};
use anyhow::{Context, Result};
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};
use indicatif::{ProgressBar, ProgressStyle};

/// Images are resized to this shorter side and centre-cropped before stylization; the grid is also
/// drawn at [`LARGE_SIZE`], the scale the default model now trains at (256² crops of 512 px images).
pub const STYLIZE_SIZE: u32 = 256;
pub const LARGE_SIZE: u32 = 512;
/// Strengths shown in the α row.
pub const ALPHAS: [f32; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];
/// Cells per side of the interpolation grid.
const GRID: usize = 5;
const GAP: u32 = 4;
const BACKGROUND: Rgb<u8> = Rgb([255, 255, 255]);

/// Held-out images, as listed in a run's `validation_files.txt`.
pub struct Validation {
    pub contents: Vec<PathBuf>,
    pub styles: Vec<PathBuf>,
}

/// Reads `validation_files.txt` (one path per line, under `<data>/content/` or `<data>/style/`).
/// A path that does not exist as written is looked for under `data` (the run may come from another
/// checkout); files found nowhere are left out.
pub fn validation_files(list: &Path, data: &Path) -> Result<Validation> {
    let text =
        std::fs::read_to_string(list).with_context(|| format!("reading {}", list.display()))?;
    let mut v = Validation {
        contents: Vec::new(),
        styles: Vec::new(),
    };
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let path = PathBuf::from(line);
        let kind = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let found = if path.is_file() {
            Some(path.clone())
        } else {
            path.file_name()
                .map(|n| data.join(&kind).join(n))
                .filter(|p| p.is_file())
        };
        match (kind.as_str(), found) {
            ("content", Some(p)) => v.contents.push(p),
            ("style", Some(p)) => v.styles.push(p),
            _ => {}
        }
    }
    Ok(v)
}

/// `n` items spread evenly over `all` (all of them when there are fewer).
pub fn spread<T: Clone>(all: &[T], n: usize) -> Vec<T> {
    if all.len() <= n {
        return all.to_vec();
    }
    (0..n).map(|i| all[i * all.len() / n].clone()).collect()
}

/// Bilinear weights of the four corner styles (top-left, top-right, bottom-left, bottom-right) at
/// cell (row, col) of a `GRID`×`GRID` grid.
pub fn corner_weights(row: usize, col: usize) -> [f32; 4] {
    let (v, u) = (
        row as f32 / (GRID - 1) as f32,
        col as f32 / (GRID - 1) as f32,
    );
    [(1.0 - u) * (1.0 - v), u * (1.0 - v), (1.0 - u) * v, u * v]
}

/// The three pictures.
pub struct Pictures {
    pub grid: RgbImage,
    pub alpha: RgbImage,
    pub interpolation: RgbImage,
}

struct Engine {
    stylizer: Stylizer,
}

impl Engine {
    fn load(path: &Path, size: u32) -> Result<RgbImage> {
        let image = load_rgb(path, DEFAULT_MAX_PIXELS)
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(prepare(&image, size, true))
    }

    fn style(&mut self, image: &RgbImage) -> Result<ChannelStats> {
        Ok(adain_stats(
            &self.stylizer.style_statistics(image, Default::default())?,
        ))
    }

    fn render(
        &mut self,
        content: &ContentFeatures,
        mix: StyleMix<'_>,
        alpha: f32,
    ) -> Result<RgbImage> {
        let target = adain::ops::transfer(content, mix, alpha)?;
        Ok(self
            .stylizer
            .decode(target.view(), content.width, content.height)?)
    }
}

/// Stylizes `contents` × `styles` (up to 4 each), the α sweep of the first pair and the interpolation
/// of the first content between the first four styles, with images `size` px square; every tile is
/// `tile` pixels square.
pub fn make(
    package: &ModelPackage,
    contents: &[PathBuf],
    styles: &[PathBuf],
    tile: u32,
    size: u32,
) -> Result<Pictures> {
    let mut engine = Engine {
        stylizer: Stylizer::new(package, &SessionOptions::default())?,
    };
    let content_images: Vec<RgbImage> = contents
        .iter()
        .map(|p| Engine::load(p, size))
        .collect::<Result<_>>()?;
    let style_images: Vec<RgbImage> = styles
        .iter()
        .map(|p| Engine::load(p, size))
        .collect::<Result<_>>()?;
    anyhow::ensure!(
        !content_images.is_empty() && style_images.len() >= 4,
        "need at least one content and four styles"
    );

    let total = content_images.len() * style_images.len() + ALPHAS.len() + GRID * GRID;
    let bar = ProgressBar::new(total as u64);
    bar.set_style(ProgressStyle::with_template(
        "stylizing {bar:30} {pos}/{len} [{elapsed} < {eta}] {wide_msg}",
    )?);
    let stats: Vec<ChannelStats> = style_images
        .iter()
        .map(|s| engine.style(s))
        .collect::<Result<_>>()?;
    let features: Vec<ContentFeatures> = content_images
        .iter()
        .map(|c| engine.stylizer.encode_content(c))
        .collect::<adain::Result<_>>()?;
    let thumb = |img: &RgbImage, side: u32| imageops::resize(img, side, side, FilterType::Lanczos3);

    // Contents down the left, styles along the top.
    bar.set_message("content × style");
    let mut grid = Sheet::new(style_images.len() + 1, content_images.len() + 1, tile);
    for (j, s) in style_images.iter().enumerate() {
        grid.put(j + 1, 0, &thumb(s, tile));
    }
    for (i, (c, f)) in content_images.iter().zip(&features).enumerate() {
        grid.put(0, i + 1, &thumb(c, tile));
        for (j, s) in stats.iter().enumerate() {
            grid.put(
                j + 1,
                i + 1,
                &thumb(&engine.render(f, StyleMix::One(s), 1.0)?, tile),
            );
            bar.inc(1);
        }
    }

    // Content, style, then α = 0 … 1.
    bar.set_message("α sweep");
    let mut alpha = Sheet::new(ALPHAS.len() + 2, 1, tile);
    alpha.put(0, 0, &thumb(&content_images[0], tile));
    alpha.put(1, 0, &thumb(&style_images[0], tile));
    for (k, a) in ALPHAS.iter().enumerate() {
        alpha.put(
            k + 2,
            0,
            &thumb(
                &engine.render(&features[0], StyleMix::One(&stats[0]), *a)?,
                tile,
            ),
        );
        bar.inc(1);
    }

    // The 5×5 results inside a margin of half a tile that holds the corner styles and the content.
    bar.set_message("interpolation");
    let half = tile / 2;
    let cell = tile + GAP;
    let side = half * 2 + GAP * 2 + cell * GRID as u32 - GAP;
    let mut interpolation = RgbImage::from_pixel(side, side, BACKGROUND);
    let corners = &stats[..4];
    for row in 0..GRID {
        for col in 0..GRID {
            let weights = corner_weights(row, col);
            let mix = StyleMix::Interpolate {
                styles: corners,
                weights: &weights,
            };
            let image = thumb(&engine.render(&features[0], mix, 1.0)?, tile);
            let (x, y) = (
                half + GAP + col as u32 * cell,
                half + GAP + row as u32 * cell,
            );
            imageops::replace(&mut interpolation, &image, i64::from(x), i64::from(y));
            bar.inc(1);
        }
    }
    let far = side - half;
    for (k, (x, y)) in [(0, 0), (far, 0), (0, far), (far, far)]
        .into_iter()
        .enumerate()
    {
        imageops::replace(
            &mut interpolation,
            &thumb(&style_images[k], half),
            i64::from(x),
            i64::from(y),
        );
    }
    imageops::replace(
        &mut interpolation,
        &thumb(&content_images[0], half),
        i64::from((side - half) / 2),
        0,
    );
    bar.finish_and_clear();
    Ok(Pictures {
        grid: grid.image,
        alpha: alpha.image,
        interpolation,
    })
}

/// A grid of square tiles with white gaps.
struct Sheet {
    image: RgbImage,
    tile: u32,
}

impl Sheet {
    fn new(columns: usize, rows: usize, tile: u32) -> Self {
        let size = |n: usize| n as u32 * (tile + GAP) - GAP;
        Self {
            image: RgbImage::from_pixel(size(columns), size(rows), BACKGROUND),
            tile,
        }
    }

    fn put(&mut self, column: usize, row: usize, image: &RgbImage) {
        let at = |n: usize| i64::from(n as u32 * (self.tile + GAP));
        imageops::replace(&mut self.image, image, at(column), at(row));
    }
}

/// Writes `image` as a JPEG of `quality`; returns its size in bytes.
pub fn save_jpeg(image: &RgbImage, path: &Path, quality: u8) -> Result<u64> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(image)
        .with_context(|| format!("encoding {}", path.display()))?;
    adain_models::atomic_file::write(path, &bytes)?;
    Ok(bytes.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corner_weights_are_bilinear() {
        assert_eq!(corner_weights(0, 0), [1.0, 0.0, 0.0, 0.0]);
        assert_eq!(corner_weights(0, 4), [0.0, 1.0, 0.0, 0.0]);
        assert_eq!(corner_weights(4, 0), [0.0, 0.0, 1.0, 0.0]);
        assert_eq!(corner_weights(4, 4), [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(corner_weights(2, 2), [0.25; 4]);
        for row in 0..GRID {
            for col in 0..GRID {
                assert!((corner_weights(row, col).iter().sum::<f32>() - 1.0).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn spread_picks_evenly() {
        let all: Vec<u32> = (0..10).collect();
        assert_eq!(spread(&all, 4), vec![0, 2, 5, 7]);
        assert_eq!(spread(&all[..3], 4), vec![0, 1, 2]);
    }

    #[test]
    fn validation_files_are_found_by_kind_even_when_moved() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("train");
        for f in ["content/a.jpg", "style/b.jpg"] {
            std::fs::create_dir_all(data.join(f).parent().unwrap()).unwrap();
            std::fs::write(data.join(f), b"x").unwrap();
        }
        let list = dir.path().join("validation_files.txt");
        std::fs::write(&list, "/elsewhere/train/content/a.jpg\n/elsewhere/train/style/b.jpg\n/elsewhere/train/style/gone.jpg\n").unwrap();
        let v = validation_files(&list, &data).unwrap();
        assert_eq!(v.contents, vec![data.join("content/a.jpg")]);
        assert_eq!(v.styles, vec![data.join("style/b.jpg")]);
    }
}
