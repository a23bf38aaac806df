//! One content image, encoded once, then rendered with every style (or mix) of the run: whole, or in
//! tiles with global statistics when it is large.

use std::path::Path;

use adain::adain::StyleMix;
use adain::stylize::{transfer, ContentFeatures, Stylizer};
use adain::tiling::{
    encode_tiled, render_tiled, TileOptions, TilePass, TileProgress, TiledContent,
};
use anyhow::Result;
use image::RgbImage;
use ndarray::Array2;

use crate::progress::Progress;

/// When to tile: `--tile` and `--tile-above`.
#[derive(Debug, Clone, Copy)]
pub struct Tiling {
    /// Tile side; 0 = only above `above` pixels, with the default side.
    pub tile: u32,
    /// Pixel count above which images are tiled; 0 = never automatically.
    pub above: u64,
}

impl Tiling {
    /// The size the image at `path` will be processed at, from its header (`None` if unreadable: the
    /// error is reported when the image is read).
    pub fn prepared_size(path: &Path, content_size: u32, crop: bool) -> Option<(u32, u32)> {
        let (w, h) = image::image_dimensions(path).ok()?;
        Some(prepared_size(w, h, content_size, crop))
    }

    /// The tile options for an image of `width`×`height`, or `None` to process it whole.
    pub fn options_for(&self, width: u32, height: u32) -> Option<TileOptions> {
        let pixels = u64::from(width) * u64::from(height);
        if self.tile > 0 {
            Some(TileOptions {
                tile: self.tile,
                ..Default::default()
            })
        } else if self.above > 0 && pixels > self.above {
            Some(TileOptions::default())
        } else {
            None
        }
    }
}

/// A content's features, whole or tiled.
pub enum Encoded {
    Whole(ContentFeatures),
    Tiled(Box<TiledContent>),
}

impl Encoded {
    /// Encodes `content`; `masks` (on its relu4_1 grid) are needed up front only when tiling.
    pub fn new(
        stylizer: &mut Stylizer,
        content: &RgbImage,
        masks: Option<&[Array2<f32>]>,
        tiling: Option<&TileOptions>,
        progress: &Progress,
    ) -> Result<Self> {
        Ok(match tiling {
            None => Encoded::Whole(stylizer.encode_content(content)?),
            Some(options) => {
                let tiled = encode_tiled(stylizer, content, masks, options, &mut |p| {
                    show(progress, p)
                })?;
                tracing::debug!(
                    tiles = tiled.tiles(),
                    keeps_features = tiled.keeps_features(),
                    "{}x{} in tiles",
                    content.width(),
                    content.height()
                );
                Encoded::Tiled(Box::new(tiled))
            }
        })
    }

    /// One result.
    pub fn render(
        &self,
        stylizer: &mut Stylizer,
        content: &RgbImage,
        mix: StyleMix<'_>,
        alpha: f32,
        progress: &Progress,
    ) -> Result<RgbImage> {
        Ok(match self {
            Encoded::Whole(features) => {
                let target = transfer(features, mix, alpha)?;
                stylizer.decode(target.view(), features.width, features.height)?
            }
            Encoded::Tiled(tiled) => {
                render_tiled(stylizer, content, tiled, mix, alpha, &mut |p| {
                    show(progress, p)
                })?
            }
        })
    }
}

/// Size after `prepare` (shorter side `content_size`, then the centre square with `crop`), to within
/// rounding.
fn prepared_size(w: u32, h: u32, content_size: u32, crop: bool) -> (u32, u32) {
    let (w, h) = if content_size == 0 || w.min(h) == 0 {
        (w, h)
    } else {
        let scale = f64::from(content_size) / f64::from(w.min(h));
        (
            (f64::from(w) * scale).round() as u32,
            (f64::from(h) * scale).round() as u32,
        )
    };
    if crop {
        (w.min(h), w.min(h))
    } else {
        (w, h)
    }
}

fn show(progress: &Progress, p: TileProgress) {
    let pass = match p.pass {
        TilePass::Encode => "encoding",
        TilePass::Decode => "decoding",
    };
    progress.set_message(format!("{pass} tile {}/{}", p.done, p.total));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_when_asked_or_above_the_budget() {
        let auto = Tiling {
            tile: 0,
            above: 4_000_000,
        };
        assert!(auto.options_for(2000, 2000).is_none());
        assert_eq!(
            auto.options_for(2001, 2000).map(|o| o.tile),
            Some(adain::tiling::DEFAULT_TILE)
        );
        assert_eq!(
            Tiling {
                tile: 256,
                above: 0
            }
            .options_for(300, 200)
            .map(|o| o.tile),
            Some(256)
        );
        assert!(Tiling { tile: 0, above: 0 }
            .options_for(9000, 9000)
            .is_none());
    }

    #[test]
    fn prepared_size_follows_prepare() {
        assert_eq!(prepared_size(333, 257, 0, false), (333, 257));
        assert_eq!(prepared_size(333, 257, 128, false), (166, 128));
        assert_eq!(prepared_size(333, 257, 0, true), (257, 257));
        assert_eq!(prepared_size(4000, 3000, 1000, true), (1000, 1000));
    }
}
