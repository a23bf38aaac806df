//! The styles of a `stylize` or `video` run: where they come from on the command line, read once
//! into the library's [`Style`]s.

use std::path::{Path, PathBuf};

use adain::image_io::{load_rgb, prepare};
use adain::Stylizer;
use adain::{Palette, Style};
use anyhow::{Context, Result};
use clap::{ArgMatches, Args};

use crate::inputs::expand_images;

/// Where the styles come from and how strongly they apply (`stylize` and `video`).
#[derive(Debug, Args)]
pub struct StyleArgs {
    /// Style image, or folder of them; repeat for several styles
    #[arg(
        short,
        long,
        value_name = "STYLE",
        required_unless_present_any = ["style_stats", "style_sample"]
    )]
    pub style: Vec<PathBuf>,

    /// Style statistics file (from `adain stats`) used as a style; repeat for several
    #[arg(long, value_name = "FILE")]
    pub style_stats: Vec<PathBuf>,

    /// Style Gaussian (from `adain stats --fit-gaussian`): a new style drawn from it for every content
    /// image (style augmentation); repeat for several
    #[arg(long, value_name = "FILE")]
    pub style_sample: Vec<PathBuf>,

    /// Seed of the --style-sample draws: the same seed and inputs give the same styles
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

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
        style_sources(&self.style, &self.style_stats, &self.style_sample, matches)
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
    /// A style Gaussian to draw from.
    Sample(PathBuf),
}

impl StyleSource {
    pub fn path(&self) -> &Path {
        match self {
            StyleSource::Image(p) | StyleSource::Stats(p) | StyleSource::Sample(p) => p,
        }
    }

    /// Statistics without an image (which --preserve-color cannot recolour).
    pub fn is_statistics(&self) -> bool {
        !matches!(self, StyleSource::Image(_))
    }
}

/// --style (folders expanded), --style-stats and --style-sample values in command-line order: weights
/// and masks refer to styles by position, and clap keeps the options in separate lists.
pub fn style_sources(
    images: &[PathBuf],
    stats: &[PathBuf],
    samples: &[PathBuf],
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
    for (path, index) in samples.iter().zip(indices("style_sample")) {
        ordered.push((index, vec![StyleSource::Sample(path.clone())]));
    }
    ordered.sort_by_key(|(i, _)| *i);
    Ok(ordered.into_iter().flat_map(|(_, s)| s).collect())
}

/// A palette other than the decoder's needs style images (the library's rule): refused (as a
/// usage error) when a style is a statistics file or a Gaussian. Callers check early, before the
/// model loads.
pub fn check_palette(palette: Palette, sources: &[StyleSource]) -> Result<()> {
    if !palette.needs_style_images() {
        return Ok(());
    }
    match sources.iter().find(|s| s.is_statistics()) {
        Some(stats) => Err(crate::exit::usage(format!(
            "{} needs style images, but {} is a statistics file",
            palette_flag(palette),
            stats.path().display()
        ))),
        None => Ok(()),
    }
}

/// The option that asks for a palette, for messages.
fn palette_flag(palette: Palette) -> &'static str {
    match palette {
        Palette::Model => "--palette model",
        Palette::Content => "--palette content (--preserve-color)",
        Palette::Style => "--palette style",
    }
}

/// The styles of a run as the library's recipe takes them, each read once: images at the style
/// size (with their statistics, unless the content's palette recolours them per content first),
/// statistics files and Gaussians checked against this model's encoder.
pub fn load_styles(
    stylizer: &mut Stylizer,
    sources: &[StyleSource],
    style_size: u32,
    crop: bool,
    palette: Palette,
    max_pixels: u64,
) -> Result<Vec<Style>> {
    sources
        .iter()
        .map(|source| -> Result<Style> {
            Ok(match source {
                StyleSource::Image(path) => {
                    let image = prepare(&load_rgb(path, max_pixels)?, style_size, crop);
                    if palette == Palette::Content {
                        Style::image(image)
                    } else {
                        tracing::debug!("style {}: encoding the image", path.display());
                        // relu4_1 only: the same numbers `adain stats` writes for that layer.
                        let stats = stylizer.adain_style_statistics(&image).with_context(|| {
                            format!("{}: computing style statistics", path.display())
                        })?;
                        Style::image_with_stats(image, stats)
                    }
                }
                // A stats file: no encoder run at all.
                StyleSource::Stats(path) => {
                    tracing::debug!("style {}: statistics from the file", path.display());
                    Style::file(&adain::style::load_checked(
                        path,
                        stylizer.encoder_identity(),
                    )?)
                    .named(path.display().to_string())
                }
                StyleSource::Sample(path) => Style::sample(adain::style::load_gaussian_checked(
                    path,
                    stylizer.encoder_identity(),
                )?)
                .named(path.display().to_string()),
            })
        })
        .collect()
}
