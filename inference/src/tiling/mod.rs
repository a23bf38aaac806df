//! Large images in overlapping tiles, with the statistics of the WHOLE image.
//!
//! Pass 1 encodes each tile with a halo of context, keeps the relu4_1 cells of its core (the cores
//! partition the image) and sums them into per-channel moments: global content μ and σ, exactly as if
//! the image had been encoded whole. Pass 2 maps each tile's features through one AdaIN affine map
//! built from those global statistics (so no tile drifts in style), decodes the tile with a halo, and
//! cross-fades it into the output over a margin around its core.
//!
//! Windows start on the relu4_1 grid (multiples of 8 pixels), so their pooling lines up with the whole
//! image's, and the halos are at least the networks' receptive fields (VGG to relu4_1: ±30 px for
//! VGG16, ±38 px for VGG19; the decoder: ±30 px): tiled features and pixels equal the untiled ones up
//! to float rounding, and the cross-fades only hide that rounding. Memory is bounded by the tile size, the output image and — when
//! it fits `feature_cache_bytes` — the relu4_1 map (1/8 resolution) kept between the passes; never by
//! full-resolution activations.

mod blend;
mod grid;
mod moments;
mod target;

use adain_models::convention::FEATURE_CHANNELS;
use image::RgbImage;
use ndarray::{s, Array2, Array3, ArrayView2};

pub use blend::{axis_weights, Canvas};
pub use grid::{Cells, TileGrid};
pub use moments::Moments;
pub use target::AffineTarget;

use crate::error::{AdainError, Result};
use crate::image_io::from_planar;
use crate::ops::{regions_from_masks, ChannelStats, StyleMix};
use crate::stylize::Stylizer;

/// Default tile side in pixels: large enough that halos add ~15–27% work, small enough that one tile's
/// activations stay around a gigabyte.
pub const DEFAULT_TILE: u32 = 1024;
/// Images with more pixels than this are tiled unless told otherwise (about 4 MP, 2048×2048).
pub const DEFAULT_TILE_ABOVE: u64 = 4_000_000;
/// Smallest tile side: below it the halos cost more than the tile.
pub const MIN_TILE: u32 = 128;
/// relu4_1 maps up to this size are kept between the passes instead of encoding every tile twice
/// (1 GiB: a 45-megapixel image).
pub const DEFAULT_FEATURE_CACHE_BYTES: usize = 1 << 30;

/// Context around a tile for the encoder, in relu4_1 cells (8 px each): 64 px, well over relu4_1's
/// receptive field (±30 px for VGG16, ±38 px for the authors' VGG19).
const ENCODER_HALO: usize = 8;
/// Context around a tile for the decoder, in cells: 32 px ≥ its ±30 px receptive field. Measured on a
/// 1024² image in 384-px tiles: unclamped outputs equal the untiled ones to 175 dB (float rounding);
/// with 24 px they differ at 105 dB.
const DECODER_HALO: usize = 4;
/// Cross-fade half-width around each boundary between cores, in cells (a 32-pixel ramp).
const BLEND_MARGIN: usize = 2;

/// How to tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileOptions {
    /// Tile side in pixels (rounded down to a multiple of 8, at least [`MIN_TILE`]).
    pub tile: u32,
    /// Keep the relu4_1 map between the passes when it is at most this large; else encode twice.
    pub feature_cache_bytes: usize,
}

impl Default for TileOptions {
    fn default() -> Self {
        Self {
            tile: DEFAULT_TILE,
            feature_cache_bytes: DEFAULT_FEATURE_CACHE_BYTES,
        }
    }
}

impl TileOptions {
    fn tile_cells(&self) -> usize {
        (self.tile.max(MIN_TILE) / 8) as usize
    }
}

/// Progress of a tiled run: `done` of `total` tiles of a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileProgress {
    pub pass: TilePass,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePass {
    /// Pass 1: encoding and content statistics.
    Encode,
    /// Pass 2: AdaIN, decoding and blending.
    Decode,
}

/// Pass 1's result for one content image; [`render_tiled`] makes any number of results from it.
#[derive(Debug, Clone)]
pub struct TiledContent {
    grid: TileGrid,
    regions: Option<Array2<Option<usize>>>,
    stats: Vec<Option<ChannelStats>>,
    features: Option<Array3<f32>>,
}

impl TiledContent {
    /// The content statistics of the whole image (one entry, or one per mask region).
    pub fn stats(&self) -> &[Option<ChannelStats>] {
        &self.stats
    }

    /// Number of tiles.
    pub fn tiles(&self) -> usize {
        self.grid.cores.len()
    }

    /// Whether the relu4_1 map is kept (pass 2 then runs the decoder only).
    pub fn keeps_features(&self) -> bool {
        self.features.is_some()
    }
}

/// One content image with `mix`, whole, or in tiles of the default size with whole-image statistics
/// when it has more than `tile_above` pixels (0: never): what `adain stylize` does by default, for
/// callers without masks or progress reports (the server, the Python package).
pub fn render_auto(
    stylizer: &mut Stylizer,
    content: &RgbImage,
    mix: StyleMix<'_>,
    alpha: f32,
    tile_above: u64,
) -> Result<RgbImage> {
    let pixels = u64::from(content.width()) * u64::from(content.height());
    if tile_above > 0 && pixels > tile_above {
        let tiled = encode_tiled(
            stylizer,
            content,
            None,
            &TileOptions::default(),
            &mut |_| {},
        )?;
        render_tiled(stylizer, content, &tiled, mix, alpha, &mut |_| {})
    } else {
        let features = stylizer.encode_content(content)?;
        let target = crate::stylize::transfer(&features, mix, alpha)?;
        stylizer.decode(target.view(), features.width, features.height)
    }
}

/// Pass 1. `masks` (one per style, on the relu4_1 grid of `content`) make the statistics per region,
/// as [`StyleMix::Regions`] needs; they must be the masks later rendered with.
pub fn encode_tiled(
    stylizer: &mut Stylizer,
    content: &RgbImage,
    masks: Option<&[Array2<f32>]>,
    options: &TileOptions,
    progress: &mut dyn FnMut(TileProgress),
) -> Result<TiledContent> {
    let grid = TileGrid::new(
        content.width() as usize,
        content.height() as usize,
        options.tile_cells(),
    );
    let regions = match masks {
        Some(masks) => {
            let views: Vec<ArrayView2<'_, f32>> = masks.iter().map(|m| m.view()).collect();
            let regions = regions_from_masks(&views, masks.len())?;
            if regions.dim() != (grid.rows, grid.cols) {
                return Err(AdainError::Mismatch(format!(
                    "masks are {:?} cells, the content's feature grid is {}x{}",
                    regions.dim(),
                    grid.rows,
                    grid.cols
                )));
            }
            Some(regions)
        }
        None => None,
    };
    let channels = FEATURE_CHANNELS[3];
    let cache_bytes = channels * grid.rows * grid.cols * std::mem::size_of::<f32>();
    let mut features = (cache_bytes <= options.feature_cache_bytes)
        .then(|| Array3::<f32>::zeros((channels, grid.rows, grid.cols)));
    let mut moments = Moments::new(masks.map_or(1, <[_]>::len), channels);
    let total = grid.cores.len();
    tracing::debug!(
        tiles = total,
        keep_features = features.is_some(),
        "tiled encode of {}x{}",
        content.width(),
        content.height()
    );
    for (done, core) in grid.cores.iter().enumerate() {
        let window = grid.grown(core, ENCODER_HALO);
        let encoded = encode_window(stylizer, content, &grid, &window)?;
        let inner = core.within(&window);
        let cells = encoded.slice(s![.., inner.y0..inner.y1, inner.x0..inner.x1]);
        match &regions {
            Some(regions) => {
                moments.add_classified(cells, regions.slice(s![core.y0..core.y1, core.x0..core.x1]))
            }
            None => moments.add(cells),
        }
        if let Some(all) = &mut features {
            all.slice_mut(s![.., core.y0..core.y1, core.x0..core.x1])
                .assign(&cells);
        }
        tracing::trace!(tile = done + 1, of = total, ?core, "encoded");
        progress(TileProgress {
            pass: TilePass::Encode,
            done: done + 1,
            total,
        });
    }
    Ok(TiledContent {
        grid,
        regions,
        stats: moments.stats(),
        features,
    })
}

/// Pass 2: one result of `mix` at strength `alpha` from pass 1's `tiled` (`content` is the same image;
/// it is encoded again only when pass 1 could not keep the features).
pub fn render_tiled(
    stylizer: &mut Stylizer,
    content: &RgbImage,
    tiled: &TiledContent,
    mix: StyleMix<'_>,
    alpha: f32,
    progress: &mut dyn FnMut(TileProgress),
) -> Result<RgbImage> {
    let planar = render_tiled_planar(stylizer, content, tiled, mix, alpha, progress)?;
    Ok(from_planar(planar.view()))
}

/// [`render_tiled`] before quantisation: planar [3, H, W], not clamped.
pub fn render_tiled_planar(
    stylizer: &mut Stylizer,
    content: &RgbImage,
    tiled: &TiledContent,
    mix: StyleMix<'_>,
    alpha: f32,
    progress: &mut dyn FnMut(TileProgress),
) -> Result<Array3<f32>> {
    let grid = &tiled.grid;
    if (grid.width, grid.height) != (content.width() as usize, content.height() as usize) {
        return Err(AdainError::Mismatch(format!(
            "tiled features of a {}x{} image cannot render a {}x{} one",
            grid.width,
            grid.height,
            content.width(),
            content.height()
        )));
    }
    match (&mix, &tiled.regions) {
        (StyleMix::Regions { .. }, None) => {
            return Err(AdainError::InvalidParameter(
                "masks must be given to encode_tiled for a masked result".into(),
            ))
        }
        (StyleMix::One(_) | StyleMix::Interpolate { .. }, Some(_)) => {
            return Err(AdainError::InvalidParameter(
                "these tiled features hold per-mask statistics; render them with masks".into(),
            ))
        }
        _ => {}
    }
    let target = AffineTarget::new(&tiled.stats, mix, alpha)?;
    let mut canvas = Canvas::new(grid.width, grid.height);
    let margin = BLEND_MARGIN * 8;
    let total = grid.cores.len();
    for (done, core) in grid.cores.iter().enumerate() {
        let blended = grid.grown(core, BLEND_MARGIN);
        let window = grid.grown(&blended, DECODER_HALO);
        // The window's features: a view of the kept map, or the window encoded again with its halo.
        let encoded;
        let features = match &tiled.features {
            Some(all) => all.slice(s![.., window.y0..window.y1, window.x0..window.x1]),
            None => {
                let outer = grid.grown(&window, ENCODER_HALO);
                let inner = window.within(&outer);
                encoded = encode_window(stylizer, content, grid, &outer)?;
                encoded.slice(s![.., inner.y0..inner.y1, inner.x0..inner.x1])
            }
        };
        let classes = tiled
            .regions
            .as_ref()
            .map(|r| r.slice(s![window.y0..window.y1, window.x0..window.x1]));
        let input = target.apply(features, classes);
        let (wx0, wy0, ww, wh) = grid.pixels(&window);
        let decoded = stylizer.sessions().1.decode(input.view(), wh, ww)?;
        // The blended region inside the decoded window, and its weights.
        let (bx, by, bw, bh) = grid.pixels(&blended);
        let (cx, cy, cw, ch) = grid.pixels(core);
        let wx = axis_weights(bx, bx + bw, cx, cx + cw, grid.width, margin);
        let wy = axis_weights(by, by + bh, cy, cy + ch, grid.height, margin);
        let part = decoded.slice(s![.., by - wy0..by - wy0 + bh, bx - wx0..bx - wx0 + bw]);
        canvas.add(part, bx, by, &wx, &wy);
        tracing::trace!(tile = done + 1, of = total, ?core, "decoded");
        progress(TileProgress {
            pass: TilePass::Decode,
            done: done + 1,
            total,
        });
    }
    Ok(canvas.into_planar())
}

/// Both passes for one result (masks, if any, come from `mix`).
pub fn stylize_tiled(
    stylizer: &mut Stylizer,
    content: &RgbImage,
    mix: StyleMix<'_>,
    alpha: f32,
    options: &TileOptions,
) -> Result<RgbImage> {
    let masks = match mix {
        StyleMix::Regions { masks, .. } => Some(masks),
        _ => None,
    };
    let tiled = encode_tiled(stylizer, content, masks, options, &mut |_| {})?;
    render_tiled(stylizer, content, &tiled, mix, alpha, &mut |_| {})
}

/// relu4_1 of the pixels under `window`.
fn encode_window(
    stylizer: &mut Stylizer,
    content: &RgbImage,
    grid: &TileGrid,
    window: &Cells,
) -> Result<Array3<f32>> {
    let (x, y, w, h) = grid.pixels(window);
    // Same arithmetic as `to_planar`, on the window only.
    let planar = Array3::from_shape_fn((3, h, w), |(c, i, j)| {
        content.get_pixel((x + j) as u32, (y + i) as u32).0[c] as f32 / 255.0
    });
    let features = stylizer.sessions().0.content_features(planar.view())?;
    if features.dim() != (FEATURE_CHANNELS[3], window.height(), window.width()) {
        return Err(AdainError::Mismatch(format!(
            "the encoder made {:?} features of a {w}x{h} window, expected {}x{} cells",
            features.dim(),
            window.width(),
            window.height()
        )));
    }
    Ok(features)
}
