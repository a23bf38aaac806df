//! `adain stylize`: every content × style pair, or one interpolated / masked result per content.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use adain::adain::{normalized_weights, ChannelStats, StyleMix};
use adain::image_io::{load_gray, load_rgb, prepare, resize_exact, save_rgb};
use adain::stylize::{adain_stats, preserve_color, transfer, Stylizer};
use anyhow::{bail, Context, Result};
use clap::{ArgMatches, Args};
use image::{GrayImage, RgbImage};
use ndarray::Array2;

use crate::common::{ImageLimitArgs, ModelArgs};
use crate::inputs::{create_parent_dirs, expand_images, result_name, result_paths, stem};
use crate::progress::Progress;

#[derive(Debug, Args)]
#[command(after_help = "\
Each style gives its own result, named <content>_stylized_<style>.<ext>, unless --weights or --mask
combine all styles into one result per content (named <content>_stylized_<style1>+<style2>...).
Style images and --style-stats files both count as styles, in the order they are given.

Examples:
  adain stylize photo.jpg --style wave.jpg -o out.png
  adain stylize photos/ --style styles/ -o results/
  adain stylize photo.jpg --style a.jpg --style b.jpg --weights 0.3,0.7
  adain stylize photo.jpg --style a.jpg --style-stats b.safetensors --mask left.png --mask right.png")]
pub struct StylizeArgs {
    /// Content images, or folders of them (every image inside, sorted by name)
    #[arg(required = true, value_name = "CONTENT")]
    pub contents: Vec<PathBuf>,

    /// Style image, or folder of them; repeat for several styles
    #[arg(short, long, value_name = "STYLE", required_unless_present = "style_stats")]
    pub style: Vec<PathBuf>,

    /// Style statistics file (from `adain stats`) used as a style; repeat for several
    #[arg(long, value_name = "FILE")]
    pub style_stats: Vec<PathBuf>,

    /// Output image (one result) or folder (created if needed) [default: the current folder]
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Style strength: 0 reproduces the content through the decoder, 1 is full style
    #[arg(long, value_name = "A", default_value_t = 1.0, value_parser = parse_alpha)]
    pub alpha: f32,

    /// Interpolate the styles with these weights (one per style, comma-separated, normalised to sum 1)
    #[arg(long, value_name = "W,W,...", value_delimiter = ',', num_args = 1.., conflicts_with = "mask")]
    pub weights: Option<Vec<f32>>,

    /// Spatial control: one grayscale mask per style (same order); each feature pixel takes the style
    /// whose mask is largest there, where that mask is ≥ 50%; elsewhere the content is kept
    #[arg(long, value_name = "MASK")]
    pub mask: Vec<PathBuf>,

    /// Keep the content's colours: recolour each style image to the content's colour mean and
    /// covariance before encoding (needs style images, not stats files)
    #[arg(long)]
    pub preserve_color: bool,

    /// Resize the content so its shorter side has N pixels; 0 keeps its size. The result has the
    /// size of the content after this resize (and --crop)
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub content_size: u32,

    /// Resize style images so their shorter side has N pixels; 0 keeps their size
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub style_size: u32,

    /// Center-crop content, style and mask images to squares (after resizing)
    #[arg(long)]
    pub crop: bool,

    #[command(flatten)]
    pub limits: ImageLimitArgs,

    #[command(flatten)]
    pub model: ModelArgs,
}

fn parse_alpha(s: &str) -> Result<f32, String> {
    let alpha: f32 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&alpha) {
        Ok(alpha)
    } else {
        Err(format!("{alpha} is outside 0..=1 (0 = content only, 1 = full style)"))
    }
}

/// A style as given on the command line.
#[derive(Debug, Clone)]
enum StyleSource {
    Image(PathBuf),
    Stats(PathBuf),
}

impl StyleSource {
    fn path(&self) -> &Path {
        match self {
            StyleSource::Image(p) | StyleSource::Stats(p) => p,
        }
    }
}

/// The styles ready for AdaIN: statistics, or (with --preserve-color) the images to recolour per content.
enum ReadyStyles {
    Stats(Vec<ChannelStats>),
    Images(Vec<RgbImage>),
}

/// How the styles make results.
enum Mode {
    /// One result per style.
    Pairs,
    Interpolate(Vec<f32>),
    Masks(Vec<GrayImage>),
}

pub fn run(args: &StylizeArgs, matches: &ArgMatches) -> Result<()> {
    let contents = expand_images(&args.contents, "content")?;
    let sources = style_sources(args, matches)?;
    let labels: Vec<String> = sources.iter().map(|s| stem(s.path())).collect();

    if args.preserve_color {
        if let Some(stats) = sources.iter().find(|s| matches!(s, StyleSource::Stats(_))) {
            bail!("--preserve-color recolours style images, but {} is a statistics file", stats.path().display());
        }
    }
    let mode = if let Some(weights) = &args.weights {
        Mode::Interpolate(normalized_weights(weights, sources.len())?)
    } else if !args.mask.is_empty() {
        if args.mask.len() != sources.len() {
            bail!("{} masks given for {} style(s): give one --mask per style", args.mask.len(), sources.len());
        }
        let masks = args.mask.iter().map(|m| load_gray(m, args.limits.max_pixels)).collect::<Result<_, _>>()?;
        Mode::Masks(masks)
    } else {
        Mode::Pairs
    };

    // Name every result and make its folder before the slow part, so a bad -o fails at once.
    let jobs: Vec<(Option<usize>, String)> = match &mode {
        Mode::Pairs => labels.iter().enumerate().map(|(k, l)| (Some(k), l.clone())).collect(),
        _ => vec![(None, labels.join("+"))],
    };
    let names: Vec<String> =
        contents.iter().flat_map(|c| jobs.iter().map(move |(_, label)| result_name(c, label))).collect();
    let outputs = result_paths(args.output.as_deref(), &names)?;
    create_parent_dirs(&outputs)?;

    let package = args.model.load_package()?;
    let mut stylizer = Stylizer::new(&package, &args.model.session_options()?)?;
    let (enc, dec) = stylizer.providers();
    tracing::info!("model {} ({}); encoder on {enc}, decoder on {dec}", package.manifest().name, package.dir().display());

    let styles = ready_styles(&mut stylizer, &sources, args)?;
    let progress = Progress::new(outputs.len() as u64, "stylizing");
    let mut outputs = outputs.into_iter();
    let mut failures = 0usize;
    for content in &contents {
        let these: Vec<PathBuf> = outputs.by_ref().take(jobs.len()).collect();
        progress.set_message(content.display().to_string());
        let result = stylize_content(&mut stylizer, content, &styles, &mode, &jobs, &these, args, &progress);
        if let Err(e) = result {
            failures += 1;
            progress.suspend(|| tracing::error!("{e:#}"));
        }
    }
    let written = progress.finish();
    if failures > 0 {
        bail!("{failures} of {} content images failed ({written} results written)", contents.len());
    }
    tracing::info!("{written} result(s) written");
    Ok(())
}

/// --style and --style-stats values in command-line order (clap keeps them in separate lists).
fn style_sources(args: &StylizeArgs, matches: &ArgMatches) -> Result<Vec<StyleSource>> {
    let indices = |id: &str| -> Vec<usize> { matches.indices_of(id).map(|i| i.collect()).unwrap_or_default() };
    let mut ordered: Vec<(usize, Vec<StyleSource>)> = Vec::new();
    let style_indices = indices("style");
    for (i, path) in args.style.iter().enumerate() {
        let images = expand_images(std::slice::from_ref(path), "style")?;
        ordered.push((style_indices.get(i).copied().unwrap_or(0), images.into_iter().map(StyleSource::Image).collect()));
    }
    let stats_indices = indices("style_stats");
    for (i, path) in args.style_stats.iter().enumerate() {
        ordered.push((stats_indices.get(i).copied().unwrap_or(usize::MAX), vec![StyleSource::Stats(path.clone())]));
    }
    ordered.sort_by_key(|(i, _)| *i);
    Ok(ordered.into_iter().flat_map(|(_, s)| s).collect())
}

/// Loads every style once: statistics now, or images kept for per-content recolouring.
fn ready_styles(stylizer: &mut Stylizer, sources: &[StyleSource], args: &StylizeArgs) -> Result<ReadyStyles> {
    let load_image = |path: &Path| -> Result<RgbImage> { Ok(prepare(&load_rgb(path, args.limits.max_pixels)?, args.style_size, args.crop)) };
    if args.preserve_color {
        // Stats files were refused earlier: they have no pixels to recolour.
        return Ok(ReadyStyles::Images(sources.iter().map(|s| load_image(s.path())).collect::<Result<_>>()?));
    }
    let mut stats = Vec::with_capacity(sources.len());
    for source in sources {
        let style = match source {
            StyleSource::Stats(path) => adain::style::load_checked(path, stylizer.encoder_identity())?,
            StyleSource::Image(path) => stylizer
                .style_statistics(&load_image(path)?, Default::default())
                .with_context(|| format!("{}: computing style statistics", path.display()))?,
        };
        stats.push(adain_stats(&style));
    }
    Ok(ReadyStyles::Stats(stats))
}

/// All results of one content image.
#[allow(clippy::too_many_arguments)]
fn stylize_content(
    stylizer: &mut Stylizer,
    content_path: &Path,
    styles: &ReadyStyles,
    mode: &Mode,
    jobs: &[(Option<usize>, String)],
    outputs: &[PathBuf],
    args: &StylizeArgs,
    progress: &Progress,
) -> Result<()> {
    let started = Instant::now();
    let content = prepare(&load_rgb(content_path, args.limits.max_pixels)?, args.content_size, args.crop);
    let features = stylizer
        .encode_content(&content)
        .with_context(|| format!("{}: encoding the content", content_path.display()))?;
    let stats: Cow<'_, [ChannelStats]> = match styles {
        ReadyStyles::Stats(stats) => Cow::Borrowed(stats),
        ReadyStyles::Images(images) => {
            let mut recoloured = Vec::with_capacity(images.len());
            for image in images {
                let planar = preserve_color(image, &content);
                recoloured.push(adain_stats(&stylizer.style_statistics_planar(planar.view(), Default::default())?));
            }
            Cow::Owned(recoloured)
        }
    };
    let masks = match mode {
        Mode::Masks(masks) => {
            let (_, h, w) = features.features.dim();
            masks.iter().map(|m| mask_on_grid(m, &content, w as u32, h as u32, args)).collect()
        }
        _ => Vec::new(),
    };
    for ((style, _), output) in jobs.iter().zip(outputs) {
        let mix = match (mode, style) {
            (Mode::Pairs, Some(k)) => StyleMix::One(&stats[*k]),
            (Mode::Interpolate(weights), _) => StyleMix::Interpolate { styles: &stats, weights },
            _ => StyleMix::Regions { styles: &stats, masks: &masks },
        };
        let target = transfer(&features, mix, args.alpha)?;
        let image = stylizer.decode(target.view(), features.width, features.height)?;
        save_rgb(&image, output)?;
        progress.inc();
        tracing::debug!(output = %output.display(), elapsed_ms = started.elapsed().as_millis() as u64, "written");
    }
    Ok(())
}

/// A mask brought onto the content's relu4_1 grid: the content's resize and crop, the content's
/// exact size (a mask of another size is stretched), then the feature grid; values in [0, 1].
fn mask_on_grid(mask: &GrayImage, content: &RgbImage, grid_w: u32, grid_h: u32, args: &StylizeArgs) -> Array2<f32> {
    let aligned = resize_exact(&prepare(mask, args.content_size, args.crop), content.width(), content.height());
    let grid = resize_exact(&aligned, grid_w, grid_h);
    Array2::from_shape_fn((grid_h as usize, grid_w as usize), |(i, j)| f32::from(grid.get_pixel(j as u32, i as u32).0[0]) / 255.0)
}
