//! The styles of a `stylize` run: where they come from, and their statistics, computed once.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use adain::adain::ChannelStats;
use adain::image_io::{load_rgb, prepare};
use adain::stylize::{adain_stats, preserve_color, Stylizer};
use anyhow::{Context, Result};
use clap::{ArgMatches, Args};
use image::RgbImage;

use crate::inputs::expand_images;

/// Where the styles come from and how strongly they apply (`stylize` and `video`).
#[derive(Debug, Args)]
pub struct StyleArgs {
    /// Style image, or folder of them; repeat for several styles
    #[arg(
        short,
        long,
        value_name = "STYLE",
        required_unless_present = "style_stats"
    )]
    pub style: Vec<PathBuf>,

    /// Style statistics file (from `adain stats`) used as a style; repeat for several
    #[arg(long, value_name = "FILE")]
    pub style_stats: Vec<PathBuf>,

    /// Resize style images so their shorter side has N pixels; 0 keeps their size
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub style_size: u32,

    /// Style strength: 0 reproduces the content through the decoder, 1 is full style
    #[arg(long, value_name = "A", default_value_t = 1.0, value_parser = parse_alpha)]
    pub alpha: f32,
}

impl StyleArgs {
    /// The styles in command-line order (see [`style_sources`]).
    pub fn sources(&self, matches: &ArgMatches) -> Result<Vec<StyleSource>> {
        style_sources(&self.style, &self.style_stats, matches)
    }
}

fn parse_alpha(s: &str) -> Result<f32, String> {
    let alpha: f32 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&alpha) {
        Ok(alpha)
    } else {
        Err(format!(
            "{alpha} is outside 0..=1 (0 = content only, 1 = full style)"
        ))
    }
}

/// A style as given on the command line.
#[derive(Debug, Clone)]
pub enum StyleSource {
    Image(PathBuf),
    Stats(PathBuf),
}

impl StyleSource {
    pub fn path(&self) -> &Path {
        match self {
            StyleSource::Image(p) | StyleSource::Stats(p) => p,
        }
    }
}

/// --style (folders expanded) and --style-stats values in command-line order: weights and masks refer
/// to styles by position, and clap keeps the two options in separate lists.
pub fn style_sources(
    images: &[PathBuf],
    stats: &[PathBuf],
    matches: &ArgMatches,
) -> Result<Vec<StyleSource>> {
    let indices = |id: &str| -> Vec<usize> {
        matches
            .indices_of(id)
            .map(|i| i.collect())
            .unwrap_or_default()
    };
    let mut ordered: Vec<(usize, Vec<StyleSource>)> = Vec::new();
    for (path, index) in images.iter().zip(indices("style")) {
        let images = expand_images(std::slice::from_ref(path), "style")?;
        ordered.push((index, images.into_iter().map(StyleSource::Image).collect()));
    }
    for (path, index) in stats.iter().zip(indices("style_stats")) {
        ordered.push((index, vec![StyleSource::Stats(path.clone())]));
    }
    ordered.sort_by_key(|(i, _)| *i);
    Ok(ordered.into_iter().flat_map(|(_, s)| s).collect())
}

/// The styles ready for AdaIN: statistics, or (with --preserve-color) the images to recolour for
/// each content.
pub enum ReadyStyles {
    Stats(Vec<ChannelStats>),
    Images(Vec<RgbImage>),
}

impl ReadyStyles {
    /// Loads every style once. Stats files must come from this model's encoder.
    pub fn load(
        stylizer: &mut Stylizer,
        sources: &[StyleSource],
        style_size: u32,
        crop: bool,
        preserve_color: bool,
        max_pixels: u64,
    ) -> Result<Self> {
        let load_image = |path: &Path| -> Result<RgbImage> {
            Ok(prepare(&load_rgb(path, max_pixels)?, style_size, crop))
        };
        if preserve_color {
            return Ok(Self::Images(
                sources
                    .iter()
                    .map(|s| load_image(s.path()))
                    .collect::<Result<_>>()?,
            ));
        }
        let mut stats = Vec::with_capacity(sources.len());
        for source in sources {
            stats.push(match source {
                // A stats file: no encoder run at all.
                StyleSource::Stats(path) => {
                    tracing::debug!("style {}: statistics from the file", path.display());
                    adain_stats(&adain::style::load_checked(
                        path,
                        stylizer.encoder_identity(),
                    )?)
                }
                // relu4_1 only: the same numbers `adain stats` writes for that layer, bit for bit.
                StyleSource::Image(path) => {
                    tracing::debug!("style {}: encoding the image", path.display());
                    stylizer
                        .adain_style_statistics(&load_image(path)?)
                        .with_context(|| {
                            format!("{}: computing style statistics", path.display())
                        })?
                }
            });
        }
        Ok(Self::Stats(stats))
    }

    /// relu4_1 statistics of every style for `content`: the cached ones, or those of the style
    /// images recoloured to the content's colours.
    pub fn statistics_for(
        &self,
        stylizer: &mut Stylizer,
        content: &RgbImage,
    ) -> Result<Cow<'_, [ChannelStats]>> {
        match self {
            Self::Stats(stats) => Ok(Cow::Borrowed(stats)),
            Self::Images(images) => {
                let mut recoloured = Vec::with_capacity(images.len());
                for image in images {
                    let planar = preserve_color(image, content);
                    recoloured.push(stylizer.adain_style_statistics_planar(planar.view())?);
                }
                Ok(Cow::Owned(recoloured))
            }
        }
    }
}
