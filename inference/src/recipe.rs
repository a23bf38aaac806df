//! One stylize request, as every front end describes it (the `adain` command, the server, the Python
//! package): the styles (images, statistics, Gaussians to draw from), how they make results (one per
//! style, a weighted mix, regions under masks), α, whose colours the result takes, the sizes and the
//! tiling. The rules (which palette needs style images, how weights are normalised, how a mask
//! meets the content, when to tile, how the result comes back at the content's size) are decided
//! here once, so every front end that fills in a [`Recipe`] gives the same result bit for bit.

use std::ops::ControlFlow;

use adain_models::convention::feature_side;
use adain_models::stats_file::StyleStats;
use adain_models::style_gaussian::{standard_normals, StyleGaussian};
use image::{GrayImage, RgbImage};
use ndarray::Array2;

use crate::error::{AdainError, Result};
use crate::image_io::{prepare, resize_exact, restore_size};
use crate::ops::{normalized_weights, regions_from_masks, ChannelStats, ColorMoments, StyleMix};
use crate::stylize::{
    adain_stats, image_color, match_region_style_colors, match_style_color, preserve_color,
    transfer, ContentFeatures, Stylizer,
};
use crate::tiling::{
    encode_tiled, render_tiled, TileOptions, TileProgress, TiledContent, DEFAULT_TILE_ABOVE,
};

/// Whose colours a result takes.
///
/// The default is the style's: VGG's features barely register hue, so the decoder's own colours
/// drift from a painting's, and a user who picks a painting expects its palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Palette {
    /// The style's: the result recoloured to its style's colour distribution (CORAL; a mix takes
    /// the weighted mixture, masks each region its own style's), in proportion to α. The colours
    /// come from style images or from statistics files that carry them; a style without colours (a
    /// file written before they were kept, a sampled style) leaves the result in the model's.
    #[default]
    Style,
    /// The content's: each style image recoloured to the content's colours (CORAL) before its
    /// statistics are taken. Needs style images.
    Content,
    /// The decoder's own.
    Model,
}

impl Palette {
    pub const NAMES: [&'static str; 3] = ["style", "content", "model"];

    /// The palette the older colour switches ask for, `None` when neither is set: preserve the
    /// content's colours, or match the style's (the front ends refuse both at once).
    pub fn from_flags(preserve_color: bool, match_style_color: bool) -> Option<Self> {
        if preserve_color {
            Some(Palette::Content)
        } else if match_style_color {
            Some(Palette::Style)
        } else {
            None
        }
    }

    /// The palette's name, for messages and options.
    pub fn name(self) -> &'static str {
        match self {
            Palette::Style => "style",
            Palette::Content => "content",
            Palette::Model => "model",
        }
    }

    /// Whether the palette needs every style as an image (statistics cannot be recoloured).
    pub fn needs_style_images(self) -> bool {
        self == Palette::Content
    }
}

impl std::str::FromStr for Palette {
    type Err = AdainError;

    /// `style`, `content` or `model`, as the front ends take them.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "style" => Ok(Palette::Style),
            "content" => Ok(Palette::Content),
            "model" => Ok(Palette::Model),
            _ => Err(AdainError::InvalidParameter(format!(
                "unknown palette `{s}` (expected style, content or model)"
            ))),
        }
    }
}

impl std::fmt::Display for Palette {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One style: an image (at the size its statistics are taken at), its statistics, both (a stored
/// style keeps the statistics it was given), or a Gaussian that gives a fresh style per content.
/// Statistics may carry the style's colours ([`Style::with_colors`]) for the style palette.
#[derive(Debug, Clone)]
pub struct Style {
    image: Option<RgbImage>,
    stats: Option<ChannelStats>,
    gaussian: Option<StyleGaussian>,
    colors: Option<ColorMoments>,
    /// What the user calls it (a file name), for notices.
    name: Option<String>,
}

impl Style {
    /// A style image, already prepared (resized to the style size, cropped).
    pub fn image(image: RgbImage) -> Self {
        Self {
            image: Some(image),
            stats: None,
            gaussian: None,
            colors: None,
            name: None,
        }
    }

    /// relu4_1 statistics alone (a statistics file).
    pub fn stats(stats: ChannelStats) -> Self {
        Self {
            image: None,
            stats: Some(stats),
            gaussian: None,
            colors: None,
            name: None,
        }
    }

    /// An image and the statistics already taken from it.
    pub fn image_with_stats(image: RgbImage, stats: ChannelStats) -> Self {
        Self {
            image: Some(image),
            stats: Some(stats),
            gaussian: None,
            colors: None,
            name: None,
        }
    }

    /// A style Gaussian (of this model's encoder): a draw from the recipe's seed, the content's
    /// number (the `draw` of [`Recipe::render`]; [`Recipe::stylize`] draws number 0) and the
    /// style's position.
    pub fn sample(gaussian: StyleGaussian) -> Self {
        Self {
            image: None,
            stats: None,
            gaussian: Some(gaussian),
            colors: None,
            name: None,
        }
    }

    /// A statistics file's style: its relu4_1 statistics and, where the file keeps them, its
    /// colours.
    pub fn file(stats: &StyleStats) -> Self {
        Self {
            colors: stats.color.map(ColorMoments::from),
            ..Self::stats(adain_stats(stats))
        }
    }

    /// The style's colours, for a style given by its statistics (an image's are taken from it).
    pub fn with_colors(self, colors: Option<ColorMoments>) -> Self {
        Self { colors, ..self }
    }

    /// What the user calls the style (e.g. its file), for notices.
    pub fn named(self, name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            ..self
        }
    }

    pub fn has_image(&self) -> bool {
        self.image.is_some()
    }

    /// The colours the style palette takes: the image's, else those given with the statistics.
    fn colors(&self) -> Option<ColorMoments> {
        match &self.image {
            Some(image) => Some(image_color(image)),
            None => self.colors,
        }
    }

    /// What the style is, for a notice.
    fn kind(&self) -> &'static str {
        if self.gaussian.is_some() {
            "a sampled style"
        } else {
            "statistics without colours (written before statistics files kept them)"
        }
    }
}

/// How the styles make results.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Combine {
    /// One result: the styles mixed by [`Recipe::weights`] (one style: that style).
    #[default]
    Mix,
    /// One result per style.
    Each,
    /// One result: each region takes the style whose mask (one per style, grayscale, stretched
    /// over the content) is largest there.
    Masks(Vec<GrayImage>),
}

/// How a content image is stylized.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    /// Style strength: 0 the content through the decoder, 1 full style.
    pub alpha: f32,
    /// With [`Combine::Mix`], one weight per style (normalised to sum 1); `None` mixes evenly.
    pub weights: Option<Vec<f32>>,
    pub combine: Combine,
    pub palette: Palette,
    /// Shorter side the content is processed at (0: its own size); the result comes back at the
    /// content's size.
    pub content_size: u32,
    /// Process the content's centre square (the result is that square, at its own size).
    pub crop: bool,
    /// Contents with more pixels than this go through in tiles (0: never).
    pub tile_above: u64,
    /// Tile every content in tiles of this side (0: only above [`Recipe::tile_above`]).
    pub tile: u32,
    /// Seed of the draws from [`Style::sample`] Gaussians.
    pub seed: u64,
}

impl Default for Recipe {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            weights: None,
            combine: Combine::default(),
            palette: Palette::default(),
            content_size: 0,
            crop: false,
            tile_above: DEFAULT_TILE_ABOVE,
            tile: 0,
            seed: 0,
        }
    }
}

/// The styles of a recipe, made ready once for any number of contents: their statistics, the
/// normalised weights and the colours the palette takes results to.
#[derive(Debug, Clone)]
pub struct ReadyStyles {
    /// The palette they were made ready for (the content's takes statistics per content).
    palette: Palette,
    styles: Vec<Style>,
    weights: Vec<f32>,
    /// With [`Palette::Style`]: each style's colours, and their mixture by the weights.
    colors: Option<(Vec<ColorMoments>, ColorMoments)>,
}

impl ReadyStyles {
    /// relu4_1 statistics of every style for content number `draw` (prepared, as the networks see
    /// it): the cached ones with fresh draws from the Gaussians, or with [`Palette::Content`] those
    /// of the style images recoloured to the content's colours.
    pub fn statistics_for(
        &self,
        stylizer: &mut Stylizer,
        recipe: &Recipe,
        content: &RgbImage,
        draw: u64,
    ) -> Result<Vec<ChannelStats>> {
        self.check_made_for(recipe)?;
        self.styles
            .iter()
            .enumerate()
            .map(|(position, style)| {
                if recipe.palette == Palette::Content {
                    let image = style.image.as_ref().expect("checked: an image");
                    let recoloured = preserve_color(image, content);
                    return stylizer.adain_style_statistics_planar(recoloured.view());
                }
                match (&style.gaussian, &style.stats) {
                    (Some(gaussian), _) => {
                        let seed = draw_seed(recipe.seed, draw, position);
                        let z = standard_normals(seed, gaussian.count());
                        Ok(adain_stats(&gaussian.sample(&z)?))
                    }
                    (None, Some(stats)) => Ok(stats.clone()),
                    (None, None) => unreachable!("ready: statistics"),
                }
            })
            .collect()
    }

    /// The colours results are taken to with [`Palette::Style`]: the mixture by the weights, or
    /// with `style` one style's own.
    pub fn palette_target(&self, style: Option<usize>) -> Option<ColorMoments> {
        self.colors.as_ref().map(|(each, mixed)| match style {
            Some(k) => each[k],
            None => *mixed,
        })
    }

    /// The palette results take: the recipe's, or the model's where the style palette has no
    /// colours to take (see [`Palette::Style`]).
    pub fn palette(&self) -> Palette {
        match (self.palette, &self.colors) {
            (Palette::Style, None) => Palette::Model,
            (palette, _) => palette,
        }
    }

    /// The weights, normalised.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// Styles made ready under one palette cannot serve a recipe with another (the statistics or
    /// the colours it needs were not taken).
    fn check_made_for(&self, recipe: &Recipe) -> Result<()> {
        if recipe.palette == self.palette {
            return Ok(());
        }
        Err(AdainError::InvalidParameter(format!(
            "styles made ready for the {} palette cannot serve a recipe with the {} palette",
            self.palette.name(),
            recipe.palette.name()
        )))
    }
}

/// Each style's colours and their mixture by the weights; `None`, with a notice, when a style has
/// none (the results then keep the model's colours).
fn style_colors(styles: &[Style], weights: &[f32]) -> Option<(Vec<ColorMoments>, ColorMoments)> {
    let each: Vec<Option<ColorMoments>> = styles.iter().map(Style::colors).collect();
    if let Some(position) = each.iter().position(Option::is_none) {
        let style = &styles[position];
        let name = match &style.name {
            Some(name) => name.clone(),
            None => format!("style {}", position + 1),
        };
        tracing::warn!(
            "{name} is {}: the results keep the model's colours, not the style's",
            style.kind()
        );
        return None;
    }
    let each: Vec<ColorMoments> = each.into_iter().flatten().collect();
    let mixed = ColorMoments::of_styles(weights, &each);
    Some((each, mixed))
}

/// A seed per (run seed, content, style position), well mixed so neighbouring draws are unrelated.
fn draw_seed(seed: u64, draw: u64, position: usize) -> u64 {
    seed ^ draw.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (position as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)
}

impl Recipe {
    /// Everything that can be refused before any network runs: α, at least one style, a palette
    /// that needs images where a style has only statistics ([`AdainError::NeedsStyleImage`] names
    /// its position), the weights, and one mask per style.
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
        if self.palette.needs_style_images() {
            if let Some(position) = styles.iter().position(|s| !s.has_image()) {
                return Err(AdainError::NeedsStyleImage {
                    palette: self.palette,
                    position,
                });
            }
        }
        self.normalized_weights(styles.len())?;
        if let Combine::Masks(masks) = &self.combine {
            if masks.len() != styles.len() {
                return Err(AdainError::InvalidParameter(format!(
                    "{} masks given for {} style(s): give one mask per style",
                    masks.len(),
                    styles.len()
                )));
            }
        }
        Ok(())
    }

    fn normalized_weights(&self, count: usize) -> Result<Vec<f32>> {
        match &self.weights {
            Some(weights) => normalized_weights(weights, count),
            None => normalized_weights(&vec![1.0; count], count),
        }
    }

    /// How many results each content gets.
    pub fn outputs(&self, styles: usize) -> usize {
        match self.combine {
            Combine::Each => styles,
            _ => 1,
        }
    }

    /// Checks the styles and takes what every content will share: statistics of style images
    /// (not with [`Palette::Content`], which takes them per content) and the palette's colours.
    pub fn ready(&self, stylizer: &mut Stylizer, styles: Vec<Style>) -> Result<ReadyStyles> {
        self.check(&styles)?;
        let weights = self.normalized_weights(styles.len())?;
        let mut styles = styles;
        if self.palette != Palette::Content {
            for style in &mut styles {
                if let (None, None, Some(image)) = (&style.stats, &style.gaussian, &style.image) {
                    style.stats = Some(stylizer.adain_style_statistics(image)?);
                }
            }
        }
        let colors = if self.palette == Palette::Style {
            style_colors(&styles, &weights)
        } else {
            None
        };
        Ok(ReadyStyles {
            palette: self.palette,
            styles,
            weights,
            colors,
        })
    }

    /// The content as the networks see it: at the content size, cropped.
    pub fn prepare_content(&self, original: &RgbImage) -> RgbImage {
        prepare(original, self.content_size, self.crop)
    }

    /// The size results come back at: the original's, or its centre square with `crop`.
    pub fn result_size(&self, original: (u32, u32)) -> (u32, u32) {
        let (w, h) = original;
        if self.crop {
            (w.min(h), w.min(h))
        } else {
            (w, h)
        }
    }

    /// One content image through every stage, for a single result ([`Combine::Mix`] or masks):
    /// prepared, rendered (see [`Recipe::render`]) and brought back to the content's size.
    pub fn stylize(
        &self,
        stylizer: &mut Stylizer,
        ready: &ReadyStyles,
        original: &RgbImage,
    ) -> Result<RgbImage> {
        if self.outputs(ready.styles.len()) != 1 {
            return Err(AdainError::InvalidParameter(
                "one result per style makes several images: use Recipe::render".into(),
            ));
        }
        let content = self.prepare_content(original);
        let mut result = None;
        self.render(stylizer, ready, &content, 0, &mut |_| {}, &mut |image| {
            result = Some(image);
            ControlFlow::Break(())
        })?;
        let result = result.expect("one result at least");
        Ok(restore_size(result, original.dimensions(), self.crop))
    }

    /// Every result of one prepared content (number `draw` of the run, for the Gaussians' draws),
    /// at the prepared size, each handed to `each` as soon as it is made (which may break off the
    /// rest): the styles' statistics, the content encoded once (whole, or in tiles with whole-image
    /// statistics), then per result AdaIN, decoding and the palette.
    pub fn render(
        &self,
        stylizer: &mut Stylizer,
        ready: &ReadyStyles,
        content: &RgbImage,
        draw: u64,
        progress: &mut dyn FnMut(TileProgress),
        each: &mut dyn FnMut(RgbImage) -> ControlFlow<()>,
    ) -> Result<()> {
        let (width, height) = content.dimensions();
        let stats = ready.statistics_for(stylizer, self, content, draw)?;
        let masks: Vec<Array2<f32>> = match &self.combine {
            Combine::Masks(masks) => masks
                .iter()
                .map(|m| self.mask_on_grid(m, content))
                .collect(),
            _ => Vec::new(),
        };
        let tiling = self.tile_options(width, height);
        if let Some(options) = &tiling {
            tracing::info!(
                "{width}x{height}: stylizing in tiles of {} px with whole-image statistics",
                options.tile
            );
        }
        let encoded = match &tiling {
            None => Encoded::Whole(stylizer.encode_content(content)?),
            Some(options) => {
                let masks = matches!(self.combine, Combine::Masks(_)).then_some(&masks[..]);
                Encoded::Tiled(Box::new(encode_tiled(
                    stylizer, content, masks, options, progress,
                )?))
            }
        };
        let results: Vec<Option<usize>> = match self.combine {
            Combine::Each => (0..stats.len()).map(Some).collect(),
            _ => vec![None],
        };
        for style in results {
            let mix = match (&self.combine, style) {
                (_, Some(k)) => StyleMix::One(&stats[k]),
                (Combine::Masks(_), None) => StyleMix::Regions {
                    styles: &stats,
                    masks: &masks,
                },
                _ if stats.len() == 1 => StyleMix::One(&stats[0]),
                _ => StyleMix::Interpolate {
                    styles: &stats,
                    weights: &ready.weights,
                },
            };
            let mut image = match &encoded {
                Encoded::Whole(features) => {
                    let target = transfer(features, mix, self.alpha)?;
                    stylizer.decode(target.view(), features.width, features.height)?
                }
                Encoded::Tiled(tiled) => {
                    render_tiled(stylizer, content, tiled, mix, self.alpha, progress)?
                }
            };
            image = match (&ready.colors, &self.combine, style) {
                (None, _, _) => image,
                (Some((each, _)), Combine::Masks(_), None) => {
                    let views: Vec<_> = masks.iter().map(|m| m.view()).collect();
                    let regions = regions_from_masks(&views, each.len())?;
                    match_region_style_colors(&image, regions.view(), each, self.alpha)
                }
                (Some(_), _, _) => {
                    let target = ready.palette_target(style).expect("colours are there");
                    match_style_color(&image, &target, self.alpha)
                }
            };
            if each(image).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// The tile options for a prepared content of `width`×`height`, or `None` to process it whole.
    pub fn tile_options(&self, width: u32, height: u32) -> Option<TileOptions> {
        let pixels = u64::from(width) * u64::from(height);
        if self.tile > 0 {
            Some(TileOptions {
                tile: self.tile,
                ..Default::default()
            })
        } else if self.tile_above > 0 && pixels > self.tile_above {
            Some(TileOptions::default())
        } else {
            None
        }
    }

    /// A mask brought onto the content's relu4_1 grid: the content's resize and crop, the content's
    /// exact size (a mask of another size is stretched), then the feature grid; values in [0, 1].
    fn mask_on_grid(&self, mask: &GrayImage, content: &RgbImage) -> Array2<f32> {
        let (grid_w, grid_h) = (
            feature_side(content.width() as usize) as u32,
            feature_side(content.height() as usize) as u32,
        );
        let aligned = resize_exact(
            &prepare(mask, self.content_size, self.crop),
            content.width(),
            content.height(),
        );
        let grid = resize_exact(&aligned, grid_w, grid_h);
        Array2::from_shape_fn((grid_h as usize, grid_w as usize), |(i, j)| {
            f32::from(grid.get_pixel(j as u32, i as u32).0[0]) / 255.0
        })
    }
}

/// A content's features, whole or tiled.
enum Encoded {
    Whole(ContentFeatures),
    Tiled(Box<TiledContent>),
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
    fn the_content_palette_refuses_statistics_and_names_their_position() {
        let content = Recipe {
            palette: Palette::Content,
            ..Recipe::default()
        };
        assert!(content.check(&[image(), image()]).is_ok());
        match content.check(&[image(), stats()]) {
            Err(AdainError::NeedsStyleImage { position: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
        // The style palette (the default) and the model's take statistics.
        assert_eq!(Recipe::default().palette, Palette::Style);
        for palette in [Palette::Style, Palette::Model] {
            let recipe = Recipe {
                palette,
                ..Recipe::default()
            };
            assert!(recipe.check(&[stats(), image()]).is_ok());
        }
    }

    #[test]
    fn the_style_palette_takes_colours_from_images_and_files_else_falls_back_to_the_models() {
        let colors = ColorMoments {
            mean: [0.2, 0.4, 0.6],
            cov: [[0.01, 0.0, 0.0], [0.0, 0.01, 0.0], [0.0, 0.0, 0.01]],
        };
        let ready =
            |styles: &[Style]| style_colors(styles, &vec![1.0 / styles.len() as f32; styles.len()]);
        let with_file_colors = stats().with_colors(Some(colors));
        let (each, mixed) = ready(&[with_file_colors.clone()]).unwrap();
        assert_eq!((each[0], mixed), (colors, colors));
        // An image's own colours: a black 8×8 image has mean 0.
        let (each, _) = ready(&[image(), with_file_colors]).unwrap();
        assert_eq!(each[0].mean, [0.0; 3]);
        assert_eq!(each[1], colors);
        // Statistics without colours: none for the whole mix.
        assert!(ready(&[image(), stats()]).is_none());
    }

    #[test]
    fn palettes_by_name() {
        for name in Palette::NAMES {
            assert_eq!(name.parse::<Palette>().unwrap().name(), name);
        }
        assert_eq!("Style".parse::<Palette>().unwrap(), Palette::Style);
        assert!(matches!(
            "sepia".parse::<Palette>(),
            Err(AdainError::InvalidParameter(_))
        ));
        assert_eq!(Palette::from_flags(true, false), Some(Palette::Content));
        assert_eq!(Palette::from_flags(false, true), Some(Palette::Style));
        assert_eq!(Palette::from_flags(false, false), None);
    }

    #[test]
    fn styles_made_ready_for_one_palette_refuse_a_recipe_with_another() {
        let ready = ReadyStyles {
            palette: Palette::Content,
            styles: vec![image()],
            weights: vec![1.0],
            colors: None,
        };
        let with = |palette| Recipe {
            palette,
            ..Recipe::default()
        };
        assert!(ready.check_made_for(&with(Palette::Content)).is_ok());
        for other in [Palette::Model, Palette::Style] {
            assert!(matches!(
                ready.check_made_for(&with(other)),
                Err(AdainError::InvalidParameter(_))
            ));
        }
        assert_eq!(
            AdainError::NeedsStyleImage {
                palette: Palette::Content,
                position: 1
            }
            .to_string(),
            "style 2 is given as statistics only, but the content palette needs style images"
        );
    }

    #[test]
    fn tiles_when_asked_or_above_the_budget() {
        let tiling = |tile: u32, tile_above: u64| Recipe {
            tile,
            tile_above,
            ..Recipe::default()
        };
        assert!(tiling(0, 4_000_000).tile_options(2000, 2000).is_none());
        assert_eq!(
            tiling(0, 4_000_000)
                .tile_options(2001, 2000)
                .map(|o| o.tile),
            Some(crate::tiling::DEFAULT_TILE)
        );
        assert_eq!(
            tiling(256, 0).tile_options(300, 200).map(|o| o.tile),
            Some(256)
        );
        assert!(tiling(0, 0).tile_options(9000, 9000).is_none());
    }

    #[test]
    fn masks_count_and_go_with_every_palette() {
        let masks = |n: usize, palette: Palette| Recipe {
            combine: Combine::Masks(vec![GrayImage::new(4, 4); n]),
            palette,
            ..Recipe::default()
        };
        assert!(masks(2, Palette::Model).check(&[image(), image()]).is_ok());
        assert!(masks(2, Palette::Content)
            .check(&[image(), image()])
            .is_ok());
        assert!(masks(2, Palette::Style).check(&[image(), image()]).is_ok());
        assert!(matches!(
            masks(1, Palette::Model).check(&[image(), image()]),
            Err(AdainError::InvalidParameter(_))
        ));
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
