//! One stylize request, as the server and the Python package describe it: the styles (images,
//! statistics or both), how they mix, α, whose colours the result takes, and the sizes. The rules
//! (which palette needs style images, how weights are normalised, when to tile, how the result
//! comes back at the content's size) are decided here once, so every front end that fills in a
//! [`Recipe`] gives the same result bit for bit.

use image::RgbImage;

use crate::adain::{normalized_weights, ChannelStats, ColorMoments, StyleMix};
use crate::error::{AdainError, Result};
use crate::image_io::{prepare, restore_size};
use crate::stylize::{image_color, match_style_color, preserve_color, Stylizer};
use crate::tiling::{render_auto, DEFAULT_TILE_ABOVE};

/// Whose colours a result takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Palette {
    /// The decoder's own.
    #[default]
    Model,
    /// The content's: each style image recoloured to the content's colours (CORAL) before its
    /// statistics are taken. Needs style images.
    Content,
    /// The style's: the result recoloured to its style's colour distribution (several styles:
    /// their weighted mixture), in proportion to α. Needs style images.
    Style,
}

impl Palette {
    /// Whether the palette needs every style as an image (statistics carry no colours).
    pub fn needs_style_images(self) -> bool {
        self != Palette::Model
    }
}

/// One style: an image (at the size its statistics are taken at), its statistics, or both (a
/// stored style keeps the statistics it was given, so they are not recomputed).
#[derive(Debug, Clone)]
pub struct Style {
    image: Option<RgbImage>,
    stats: Option<ChannelStats>,
}

impl Style {
    /// A style image, already prepared (resized to the style size, cropped).
    pub fn image(image: RgbImage) -> Self {
        Self {
            image: Some(image),
            stats: None,
        }
    }

    /// relu4_1 statistics alone (a statistics file, a sampled style).
    pub fn stats(stats: ChannelStats) -> Self {
        Self {
            image: None,
            stats: Some(stats),
        }
    }

    /// An image and the statistics already taken from it.
    pub fn image_with_stats(image: RgbImage, stats: ChannelStats) -> Self {
        Self {
            image: Some(image),
            stats: Some(stats),
        }
    }

    pub fn has_image(&self) -> bool {
        self.image.is_some()
    }
}

/// How a content image is stylized.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    /// Style strength: 0 the content through the decoder, 1 full style.
    pub alpha: f32,
    /// One weight per style (normalised to sum 1); `None` mixes the styles evenly.
    pub weights: Option<Vec<f32>>,
    pub palette: Palette,
    /// Shorter side the content is processed at (0: its own size); the result comes back at the
    /// content's size.
    pub content_size: u32,
    /// Process the content's centre square (the result is that square, at its own size).
    pub crop: bool,
    /// Contents with more pixels than this go through in tiles (0: never).
    pub tile_above: u64,
}

impl Default for Recipe {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            weights: None,
            palette: Palette::default(),
            content_size: 0,
            crop: false,
            tile_above: DEFAULT_TILE_ABOVE,
        }
    }
}

/// The styles of a recipe, made ready once for any number of contents: their statistics, the
/// normalised weights and the colours the palette takes results to.
#[derive(Debug, Clone)]
pub struct ReadyStyles {
    styles: Vec<Style>,
    weights: Vec<f32>,
    colors: Option<ColorMoments>,
}

impl Recipe {
    /// Everything that can be refused before any network runs: α, at least one style, the
    /// weights, and a palette that needs images where a style has only statistics
    /// ([`AdainError::NeedsStyleImage`] names its position).
    pub fn check(&self, styles: &[Style]) -> Result<()> {
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err(AdainError::InvalidParameter(format!(
                "alpha {} is outside 0..=1 (0 = content only, 1 = full style)",
                self.alpha
            )));
        }
        if styles.is_empty() {
            return Err(AdainError::InvalidParameter("no style given".into()));
        }
        self.weights(styles.len())?;
        if self.palette.needs_style_images() {
            if let Some(position) = styles.iter().position(|s| !s.has_image()) {
                return Err(AdainError::NeedsStyleImage {
                    palette: self.palette,
                    position,
                });
            }
        }
        Ok(())
    }

    fn weights(&self, count: usize) -> Result<Vec<f32>> {
        match &self.weights {
            Some(weights) => normalized_weights(weights, count),
            None => normalized_weights(&vec![1.0; count], count),
        }
    }

    /// Checks the styles and takes what every content will share: statistics of style images
    /// (not with [`Palette::Content`], which takes them per content) and the palette's colours.
    pub fn ready(&self, stylizer: &mut Stylizer, styles: Vec<Style>) -> Result<ReadyStyles> {
        self.check(&styles)?;
        let weights = self.weights(styles.len())?;
        let mut styles = styles;
        if self.palette != Palette::Content {
            for style in &mut styles {
                if let (None, Some(image)) = (&style.stats, &style.image) {
                    style.stats = Some(stylizer.adain_style_statistics(image)?);
                }
            }
        }
        let colors = (self.palette == Palette::Style).then(|| {
            let colors: Vec<ColorMoments> = styles
                .iter()
                .map(|s| image_color(s.image.as_ref().expect("checked: an image")))
                .collect();
            ColorMoments::of_styles(&weights, &colors)
        });
        Ok(ReadyStyles {
            styles,
            weights,
            colors,
        })
    }

    /// One content image through every stage: prepared at the content size, the styles'
    /// statistics (recoloured to it with [`Palette::Content`]), mixed, rendered whole or in tiles,
    /// recoloured with [`Palette::Style`], and brought back to the content's size.
    pub fn stylize(
        &self,
        stylizer: &mut Stylizer,
        ready: &ReadyStyles,
        original: &RgbImage,
    ) -> Result<RgbImage> {
        let content = prepare(original, self.content_size, self.crop);
        let stats: Vec<ChannelStats> = match self.palette {
            Palette::Content => ready
                .styles
                .iter()
                .map(|style| {
                    let image = style.image.as_ref().expect("checked: an image");
                    let recoloured = preserve_color(image, &content);
                    stylizer.adain_style_statistics_planar(recoloured.view())
                })
                .collect::<Result<_>>()?,
            _ => ready
                .styles
                .iter()
                .map(|style| style.stats.clone().expect("ready: statistics"))
                .collect(),
        };
        let mix = if stats.len() == 1 {
            StyleMix::One(&stats[0])
        } else {
            StyleMix::Interpolate {
                styles: &stats,
                weights: &ready.weights,
            }
        };
        let mut result = render_auto(stylizer, &content, mix, self.alpha, self.tile_above)?;
        if let Some(target) = &ready.colors {
            result = match_style_color(&result, target, self.alpha);
        }
        Ok(restore_size(result, original.dimensions(), self.crop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats() -> Style {
        Style::stats(ChannelStats {
            mean: ndarray::Array1::zeros(4),
            std: ndarray::Array1::ones(4),
        })
    }

    fn image() -> Style {
        Style::image(RgbImage::new(8, 8))
    }

    #[test]
    fn a_palette_from_style_images_refuses_statistics_and_names_their_position() {
        for palette in [Palette::Content, Palette::Style] {
            let recipe = Recipe {
                palette,
                ..Recipe::default()
            };
            assert!(recipe.check(&[image(), image()]).is_ok());
            match recipe.check(&[image(), stats()]) {
                Err(AdainError::NeedsStyleImage { position: 1, .. }) => {}
                other => panic!("{palette:?}: {other:?}"),
            }
        }
        assert!(Recipe::default().check(&[stats(), image()]).is_ok());
    }

    #[test]
    fn weights_alpha_and_styles_are_checked_before_any_network_runs() {
        let refused = |recipe: Recipe, styles: &[Style]| {
            matches!(recipe.check(styles), Err(AdainError::InvalidParameter(_)))
        };
        let weights = |w: Vec<f32>| Recipe {
            weights: Some(w),
            ..Recipe::default()
        };
        assert!(refused(weights(vec![1.0]), &[stats(), stats()]));
        assert!(refused(weights(vec![1.0, -1.0]), &[stats(), stats()]));
        assert!(refused(weights(vec![0.0, 0.0]), &[stats(), stats()]));
        assert!(weights(vec![3.0, 1.0]).check(&[stats(), stats()]).is_ok());
        let alpha = |a: f32| Recipe {
            alpha: a,
            ..Recipe::default()
        };
        assert!(refused(alpha(1.5), &[stats()]));
        assert!(refused(alpha(f32::NAN), &[stats()]));
        assert!(refused(Recipe::default(), &[]));
    }
}
