//! The card's pictures, made in-process with the `adain` library: contents × styles, an α sweep,
//! and a four-style interpolation on a 5×5 grid (the paper's Fig. 8 layout).

use std::path::{Path, PathBuf};

use adain::image_io::{load_rgb, prepare, DEFAULT_MAX_PIXELS};
use adain::ops::{
    adain_stats, image_color, match_style_color, transfer, ChannelStats, ColorMoments, StyleMix,
};
use adain::package::ModelPackage;
use adain::runtime::SessionOptions;
use adain::{ContentFeatures, Stylizer};
use anyhow::{Context, Result};
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};

/// Shorter side the images are resized (and centre-cropped) to; the grid is drawn at both, 512 being
/// the scale the default model trains at (256² crops of 512 px images).
pub const SIZES: [u32; 2] = [256, 512];
const ALPHAS: [f32; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];
/// Cells per side of the interpolation grid.
const GRID: usize = 5;
const GAP: u32 = 4;
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);

/// The held-out images a run lists in `validation_files.txt`, found where the list says or, for a
/// run made elsewhere, by their set/kind/name under `data` (the shared data folder); a line whose
/// file is in neither place is left out.
pub fn held_out_files(list: &Path, data: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let text =
        std::fs::read_to_string(list).with_context(|| format!("reading {}", list.display()))?;
    let (mut contents, mut styles) = (Vec::new(), Vec::new());
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let path = PathBuf::from(line);
        let found = if path.is_file() {
            path
        } else {
            data.join(super::tables::short(line))
        };
        let kind = found.parent().and_then(Path::file_name);
        match kind.and_then(|k| k.to_str()) {
            Some("content") if found.is_file() => contents.push(found),
            Some("style") if found.is_file() => styles.push(found),
            _ => {}
        }
    }
    Ok((contents, styles))
}

/// `n` items spread evenly over `all` (all of them when there are fewer).
pub fn spread<T: Clone>(all: &[T], n: usize) -> Vec<T> {
    if all.len() <= n {
        return all.to_vec();
    }
    (0..n).map(|i| all[i * all.len() / n].clone()).collect()
}

/// Bilinear weights of the corner styles (top-left, top-right, bottom-left, bottom-right) at a cell.
fn corner_weights(row: usize, col: usize) -> [f32; 4] {
    let (v, u) = (
        row as f32 / (GRID - 1) as f32,
        col as f32 / (GRID - 1) as f32,
    );
    [(1.0 - u) * (1.0 - v), u * (1.0 - v), (1.0 - u) * v, u * v]
}

pub struct Pictures {
    pub grid: RgbImage,
    pub alpha: RgbImage,
    pub interpolation: RgbImage,
}

/// Stylizes `contents` × `styles`, the α sweep of the first pair and the interpolation of the first
/// content between the first four styles, with images `size` px square; every tile is `tile` px.
pub fn make(
    package: &ModelPackage,
    contents: &[PathBuf],
    styles: &[PathBuf],
    tile: u32,
    size: u32,
) -> Result<Pictures> {
    let load = |p: &PathBuf| -> Result<RgbImage> {
        let image =
            load_rgb(p, DEFAULT_MAX_PIXELS).with_context(|| format!("reading {}", p.display()))?;
        Ok(prepare(&image, size, true))
    };
    let content_images: Vec<RgbImage> = contents.iter().map(load).collect::<Result<_>>()?;
    let style_images: Vec<RgbImage> = styles.iter().map(load).collect::<Result<_>>()?;
    anyhow::ensure!(
        !content_images.is_empty() && style_images.len() >= 4,
        "need at least one content and four styles"
    );
    let mut stylizer = Stylizer::new(package, &SessionOptions::default())?;
    let stats: Vec<ChannelStats> = style_images
        .iter()
        .map(|s| {
            Ok(adain_stats(
                &stylizer.style_statistics(s, Default::default())?,
            ))
        })
        .collect::<Result<_>>()?;
    // The default palette, the style's: each result recoloured to its style's colours (a mix: their
    // mixture by the weights), in proportion to α, as `adain stylize` writes it.
    let colors: Vec<ColorMoments> = style_images.iter().map(image_color).collect();
    let features: Vec<ContentFeatures> = content_images
        .iter()
        .map(|c| stylizer.encode_content(c))
        .collect::<adain::Result<_>>()?;
    let bar = crate::progress::bar(
        content_images.len() * style_images.len() + ALPHAS.len() + GRID * GRID,
        &format!("stylizing at {size} px"),
    );
    let mut render = |f: &ContentFeatures,
                      mix: StyleMix<'_>,
                      palette: &ColorMoments,
                      alpha: f32|
     -> Result<RgbImage> {
        let target = transfer(f, mix, alpha)?;
        bar.inc(1);
        let decoded = stylizer.decode(target.view(), f.width, f.height)?;
        Ok(thumb(&match_style_color(&decoded, palette, alpha), tile))
    };

    // Contents down the left, styles along the top.
    let mut grid = sheet(style_images.len() + 1, content_images.len() + 1, tile);
    for (j, s) in style_images.iter().enumerate() {
        put(&mut grid, j + 1, 0, &thumb(s, tile));
    }
    for (i, (c, f)) in content_images.iter().zip(&features).enumerate() {
        put(&mut grid, 0, i + 1, &thumb(c, tile));
        for (j, s) in stats.iter().enumerate() {
            put(
                &mut grid,
                j + 1,
                i + 1,
                &render(f, StyleMix::One(s), &colors[j], 1.0)?,
            );
        }
    }

    // Content, style, then α = 0 … 1.
    let mut alpha = sheet(ALPHAS.len() + 2, 1, tile);
    put(&mut alpha, 0, 0, &thumb(&content_images[0], tile));
    put(&mut alpha, 1, 0, &thumb(&style_images[0], tile));
    for (k, a) in ALPHAS.iter().enumerate() {
        put(
            &mut alpha,
            k + 2,
            0,
            &render(&features[0], StyleMix::One(&stats[0]), &colors[0], *a)?,
        );
    }

    // The 5×5 results inside a margin of half a tile that holds the corner styles and the content.
    let (half, cell) = (tile / 2, tile + GAP);
    let side = half * 2 + GAP * 2 + cell * GRID as u32 - GAP;
    let mut interpolation = RgbImage::from_pixel(side, side, WHITE);
    for row in 0..GRID {
        for col in 0..GRID {
            let weights = corner_weights(row, col);
            let mix = StyleMix::Interpolate {
                styles: &stats[..4],
                weights: &weights,
            };
            let palette = ColorMoments::of_styles(&weights, &colors[..4]);
            let at = |n: usize| i64::from(half + GAP + n as u32 * cell);
            imageops::replace(
                &mut interpolation,
                &render(&features[0], mix, &palette, 1.0)?,
                at(col),
                at(row),
            );
        }
    }
    let far = i64::from(side - half);
    for (k, (x, y)) in [(0, 0), (far, 0), (0, far), (far, far)]
        .into_iter()
        .enumerate()
    {
        imageops::replace(&mut interpolation, &thumb(&style_images[k], half), x, y);
    }
    let top = i64::from((side - half) / 2);
    imageops::replace(&mut interpolation, &thumb(&content_images[0], half), top, 0);
    bar.finish_and_clear();
    Ok(Pictures {
        grid,
        alpha,
        interpolation,
    })
}

fn thumb(image: &RgbImage, side: u32) -> RgbImage {
    imageops::resize(image, side, side, FilterType::Lanczos3)
}

/// A white sheet for `columns` × `rows` square tiles with gaps.
fn sheet(columns: usize, rows: usize, tile: u32) -> RgbImage {
    let size = |n: usize| n as u32 * (tile + GAP) - GAP;
    RgbImage::from_pixel(size(columns), size(rows), WHITE)
}

fn put(sheet: &mut RgbImage, column: usize, row: usize, tile: &RgbImage) {
    let at = |n: usize| i64::from(n as u32 * (tile.width() + GAP));
    imageops::replace(sheet, tile, at(column), at(row));
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
        assert_eq!(corner_weights(4, 4), [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(corner_weights(2, 2), [0.25; 4]);
        assert_eq!(spread(&(0..10).collect::<Vec<_>>(), 4), vec![0, 2, 5, 7]);
    }

    #[test]
    fn held_out_files_are_found_by_set_and_kind_when_moved() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        for f in [
            "train-hr/content/a.jpg",
            "train/style/b.jpg",
            "train/content/a.jpg",
        ] {
            std::fs::create_dir_all(data.join(f).parent().unwrap()).unwrap();
            std::fs::write(data.join(f), b"x").unwrap();
        }
        let list = dir.path().join("validation_files.txt");
        std::fs::write(
            &list,
            "/elsewhere/train-hr/content/a.jpg\n/elsewhere/train/style/b.jpg\n/elsewhere/train/style/gone.jpg\n",
        )
        .unwrap();
        let (contents, styles) = held_out_files(&list, &data).unwrap();
        // train-hr's a.jpg, not train's file of the same name.
        assert_eq!(contents, vec![data.join("train-hr/content/a.jpg")]);
        assert_eq!(styles, vec![data.join("train/style/b.jpg")]);
    }
}
