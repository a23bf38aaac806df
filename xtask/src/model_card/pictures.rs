//! The card's pictures, made in-process with the `adain` library: contents × styles (at 256 and at
//! 512 px), an α sweep, and a four-style interpolation on a 5×5 grid (the paper's Fig. 8 layout).

use std::path::{Path, PathBuf};

use adain::image_io::{load_rgb, prepare, DEFAULT_MAX_PIXELS};
use adain::ops::{adain_stats, image_color, match_style_color, transfer, ColorMoments, StyleMix};
use adain::{package::ModelPackage, runtime::SessionOptions, ContentFeatures, Stylizer};
use anyhow::{Context, Result};
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};

/// Side of each tile and the JPEG quality: what keeps the committed pictures within their budget.
const TILE: u32 = 176;
const QUALITY: u8 = 82;
/// The grid is drawn at both; 512 px is the scale the default model trains at.
const SIZES: [u32; 2] = [256, 512];
const ALPHAS: [f32; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];
/// Cells per side of the interpolation grid.
const GRID: usize = 5;
const GAP: u32 = 4;
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);

/// Draws grid.jpg, alpha.jpg, interpolation.jpg (at 256 px) and grid-512.jpg into `dir`; each
/// file with its size in bytes.
pub fn draw(
    package: &ModelPackage,
    contents: &[PathBuf],
    styles: &[PathBuf],
    dir: &Path,
) -> Result<Vec<(PathBuf, u64)>> {
    anyhow::ensure!(
        !contents.is_empty() && styles.len() >= 4,
        "need a content and four styles"
    );
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut stylizer = Stylizer::new(package, &SessionOptions::default())?;
    let mut pictures = draw_at(&mut stylizer, contents, styles, SIZES[0], true)?;
    pictures.extend(draw_at(&mut stylizer, contents, styles, SIZES[1], false)?);
    let large = format!("grid-{}.jpg", SIZES[1]);
    let names = ["grid.jpg", "alpha.jpg", "interpolation.jpg", &large];
    let save = |(name, image): (&str, RgbImage)| {
        let (path, mut bytes) = (dir.join(name), Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, QUALITY)
            .encode_image(&image)
            .with_context(|| format!("encoding {}", path.display()))?;
        adain_models::atomic_file::write(&path, &bytes)?;
        Ok((path, bytes.len() as u64))
    };
    names.into_iter().zip(pictures).map(save).collect()
}

/// At `size` px: the grid, contents down the left and styles along the top; with `all`, also the
/// α sweep of the first pair and the first content between the first four styles.
fn draw_at(
    stylizer: &mut Stylizer,
    contents: &[PathBuf],
    styles: &[PathBuf],
    size: u32,
    all: bool,
) -> Result<Vec<RgbImage>> {
    let load = |p: &PathBuf| -> Result<RgbImage> {
        let image =
            load_rgb(p, DEFAULT_MAX_PIXELS).with_context(|| format!("reading {}", p.display()))?;
        Ok(prepare(&image, size, true))
    };
    let contents: Vec<RgbImage> = contents.iter().map(load).collect::<Result<_>>()?;
    let styles: Vec<RgbImage> = styles.iter().map(load).collect::<Result<_>>()?;
    let features: Vec<ContentFeatures> = contents
        .iter()
        .map(|c| stylizer.encode_content(c))
        .collect::<adain::Result<_>>()?;
    let stats = styles
        .iter()
        .map(|s| {
            Ok(adain_stats(
                &stylizer.style_statistics(s, Default::default())?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let colors: Vec<ColorMoments> = styles.iter().map(image_color).collect();
    let extra = if all { ALPHAS.len() + GRID * GRID } else { 0 };
    let bar = crate::progress::bar(
        contents.len() * styles.len() + extra,
        &format!("stylizing at {size} px"),
    );
    // The result of `content` with the styles from `first` mixed by `weights`, recoloured to their
    // colours (mixed alike) in proportion to α: the default palette, as `adain stylize` writes it.
    let mut paint =
        |content: usize, first: usize, weights: &[f32], alpha: f32| -> Result<RgbImage> {
            let chosen = first..first + weights.len();
            let mix = StyleMix::Interpolate {
                styles: &stats[chosen.clone()],
                weights,
            };
            let f = &features[content];
            let decoded = stylizer.decode(transfer(f, mix, alpha)?.view(), f.width, f.height)?;
            let palette = ColorMoments::of_styles(weights, &colors[chosen]);
            bar.inc(1);
            Ok(thumb(&match_style_color(&decoded, &palette, alpha), TILE))
        };

    let mut grid = sheet(styles.len() + 1, contents.len() + 1);
    for (j, style) in styles.iter().enumerate() {
        put(&mut grid, j + 1, 0, &thumb(style, TILE));
    }
    for (i, content) in contents.iter().enumerate() {
        put(&mut grid, 0, i + 1, &thumb(content, TILE));
        for j in 0..styles.len() {
            put(&mut grid, j + 1, i + 1, &paint(i, j, &[1.0], 1.0)?);
        }
    }
    if !all {
        return Ok(vec![grid]);
    }
    // Content, style, then α = 0 … 1.
    let mut sweep = sheet(ALPHAS.len() + 2, 1);
    put(&mut sweep, 0, 0, &thumb(&contents[0], TILE));
    put(&mut sweep, 1, 0, &thumb(&styles[0], TILE));
    for (k, alpha) in ALPHAS.into_iter().enumerate() {
        put(&mut sweep, k + 2, 0, &paint(0, 0, &[1.0], alpha)?);
    }
    // The 5×5 results inside a margin of half a tile that holds the corner styles and the content.
    let (half, cell) = (TILE / 2, TILE + GAP);
    let side = half * 2 + GAP * 2 + cell * GRID as u32 - GAP;
    let mut blend = RgbImage::from_pixel(side, side, WHITE);
    let at = |n: usize| i64::from(half + GAP + n as u32 * cell);
    for (row, col) in (0..GRID).flat_map(|row| (0..GRID).map(move |col| (row, col))) {
        let tile = paint(0, 0, &corner_weights(row, col), 1.0)?;
        imageops::replace(&mut blend, &tile, at(col), at(row));
    }
    let far = i64::from(side - half);
    for (k, (x, y)) in [(0, 0), (far, 0), (0, far), (far, far)]
        .into_iter()
        .enumerate()
    {
        imageops::replace(&mut blend, &thumb(&styles[k], half), x, y);
    }
    let top = i64::from((side - half) / 2);
    imageops::replace(&mut blend, &thumb(&contents[0], half), top, 0);
    bar.finish_and_clear();
    Ok(vec![grid, sweep, blend])
}

/// Bilinear weights of the corner styles (top-left, top-right, bottom-left, bottom-right) at a cell.
fn corner_weights(row: usize, col: usize) -> [f32; 4] {
    let last = (GRID - 1) as f32;
    let (v, u) = (row as f32 / last, col as f32 / last);
    [(1.0 - u) * (1.0 - v), u * (1.0 - v), (1.0 - u) * v, u * v]
}

fn thumb(image: &RgbImage, side: u32) -> RgbImage {
    imageops::resize(image, side, side, FilterType::Lanczos3)
}

/// A white sheet for `columns` × `rows` tiles with gaps.
fn sheet(columns: usize, rows: usize) -> RgbImage {
    let size = |n: usize| n as u32 * (TILE + GAP) - GAP;
    RgbImage::from_pixel(size(columns), size(rows), WHITE)
}

fn put(sheet: &mut RgbImage, column: usize, row: usize, tile: &RgbImage) {
    let at = |n: usize| i64::from(n as u32 * (TILE + GAP));
    imageops::replace(sheet, tile, at(column), at(row));
}

/// What the card says of the committed pictures, in the order it shows them.
pub fn captions(loss_curves: bool, contents: usize, styles: usize) -> String {
    let chart =
        ["", "![Training and validation loss](loss_curves.svg)\n\n"][usize::from(loss_curves)];
    let alphas: Vec<String> = ALPHAS.iter().map(f32::to_string).collect();
    format!(
        "\n{chart}Photographs from scikit-image's sample data (public domain or CC0; left) × artworks \
         the project generates (top), {contents} × {styles}, stylized at {} px; none seen in training. \
         Every picture takes its style's colours, the default palette (`--palette style`):\n\n\
         ![Contents × styles](grid.jpg)\n\n\
         The same grid stylized at {} px (each tile scaled down to the same size):\n\n\
         ![Contents × styles at {1} px](grid-{1}.jpg)\n\n\
         Content, style, then α = {}:\n\n![Content–style trade-off](alpha.jpg)\n\n\
         Interpolation between four styles (corners), bilinear weights over a {GRID} × {GRID} grid:\
         \n\n![Style interpolation](interpolation.jpg)\n\n",
        SIZES[0],
        SIZES[1],
        alphas.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corner_weights_are_bilinear() {
        assert_eq!(corner_weights(0, 0), [1.0, 0.0, 0.0, 0.0]);
        assert_eq!(corner_weights(4, 4), [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(corner_weights(2, 2), [0.25; 4]);
        assert_eq!(corner_weights(0, 1), [0.75, 0.25, 0.0, 0.0]);
    }
}
