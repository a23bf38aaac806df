//! `adain stylize`: every content × style pair, or one interpolated / masked result per content.

use std::path::{Path, PathBuf};
use std::time::Instant;

use adain::adain::{normalized_weights, StyleMix};
use adain::image_io::{load_gray, load_rgb, prepare, resize_exact, save_rgb};
use adain::stylize::{transfer, Stylizer};
use anyhow::{bail, Context, Result};
use clap::{ArgMatches, Args};
use image::{GrayImage, RgbImage};
use ndarray::Array2;

use crate::common::{ImageLimitArgs, ModelArgs};
use crate::inputs::{create_parent_dirs, expand_images, result_name, result_paths, stem};
use crate::progress::Progress;
use crate::styles::{style_sources, ReadyStyles, StyleSource};

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

    /// Spatial control: one grayscale mask per style (same order), stretched over the content image;
    /// each region takes the style whose mask is largest there, where that mask is ≥ 50%; elsewhere
    /// the content is kept
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

/// How the styles make results.
enum Mode {
    /// One result per style.
    Pairs,
    Interpolate(Vec<f32>),
    Masks(Vec<GrayImage>),
}

/// One result per content image: a single style (`Mode::Pairs`) or all of them.
struct Job {
    style: Option<usize>,
    label: String,
}

pub fn run(args: &StylizeArgs, matches: &ArgMatches) -> Result<()> {
    let contents = expand_images(&args.contents, "content")?;
    let sources = style_sources(&args.style, &args.style_stats, matches)?;
    if args.preserve_color {
        if let Some(stats) = sources.iter().find(|s| matches!(s, StyleSource::Stats(_))) {
            bail!("--preserve-color recolours style images, but {} is a statistics file", stats.path().display());
        }
    }
    let mode = mode(args, sources.len())?;
    let labels: Vec<String> = sources.iter().map(|s| stem(s.path())).collect();
    let jobs: Vec<Job> = match &mode {
        Mode::Pairs => labels.into_iter().enumerate().map(|(k, label)| Job { style: Some(k), label }).collect(),
        _ => vec![Job { style: None, label: labels.join("+") }],
    };

    // Name every result and make its folder before the slow part, so a bad -o fails at once.
    let names: Vec<String> = contents.iter().flat_map(|c| jobs.iter().map(move |j| result_name(c, &j.label))).collect();
    let outputs = result_paths(args.output.as_deref(), &names)?;
    create_parent_dirs(&outputs)?;

    let package = args.model.load_package()?;
    let mut stylizer = Stylizer::new(&package, &args.model.session_options()?)?;
    let (enc, dec) = stylizer.providers();
    tracing::info!("model {} ({}); encoder on {enc}, decoder on {dec}", package.manifest().name, package.dir().display());
    let styles = ReadyStyles::load(&mut stylizer, &sources, args.style_size, args.crop, args.preserve_color, args.limits.max_pixels)?;

    let mut batch = Batch { stylizer, styles, mode, jobs, args, progress: Progress::new(outputs.len() as u64, "stylizing") };
    let mut failures = 0usize;
    for (content, these) in contents.iter().zip(outputs.chunks(batch.jobs.len())) {
        batch.progress.set_message(content.display().to_string());
        if let Err(e) = batch.content(content, these) {
            failures += 1;
            batch.progress.suspend(|| tracing::error!("{}", crate::describe(&e)));
        }
    }
    let written = batch.progress.finish();
    if failures > 0 {
        bail!("{failures} of {} content images failed ({written} results written)", contents.len());
    }
    tracing::info!("{written} result(s) written");
    Ok(())
}

/// Pairs, interpolation or masks, checked against the number of styles.
fn mode(args: &StylizeArgs, styles: usize) -> Result<Mode> {
    if let Some(weights) = &args.weights {
        return Ok(Mode::Interpolate(normalized_weights(weights, styles)?));
    }
    if args.mask.is_empty() {
        return Ok(Mode::Pairs);
    }
    if args.mask.len() != styles {
        bail!("{} masks given for {styles} style(s): give one --mask per style", args.mask.len());
    }
    Ok(Mode::Masks(args.mask.iter().map(|m| load_gray(m, args.limits.max_pixels)).collect::<Result<_, _>>()?))
}

/// The loaded model and styles, applied to one content image after another.
struct Batch<'a> {
    stylizer: Stylizer,
    styles: ReadyStyles,
    mode: Mode,
    jobs: Vec<Job>,
    args: &'a StylizeArgs,
    progress: Progress,
}

impl Batch<'_> {
    /// All results of one content image, written to `outputs` (one per job).
    fn content(&mut self, content_path: &Path, outputs: &[PathBuf]) -> Result<()> {
        let started = Instant::now();
        let args = self.args;
        let content = prepare(&load_rgb(content_path, args.limits.max_pixels)?, args.content_size, args.crop);
        let features = self
            .stylizer
            .encode_content(&content)
            .with_context(|| format!("{}: encoding the content", content_path.display()))?;
        let stats = self.styles.statistics_for(&mut self.stylizer, &content)?;
        let masks = match &self.mode {
            Mode::Masks(masks) => {
                let (_, h, w) = features.features.dim();
                masks.iter().map(|m| mask_on_grid(m, &content, w as u32, h as u32, args)).collect()
            }
            _ => Vec::new(),
        };
        for (job, output) in self.jobs.iter().zip(outputs) {
            let mix = match (&self.mode, job.style) {
                (Mode::Pairs, Some(k)) => StyleMix::One(&stats[k]),
                (Mode::Interpolate(weights), _) => StyleMix::Interpolate { styles: &stats, weights },
                _ => StyleMix::Regions { styles: &stats, masks: &masks },
            };
            let target = transfer(&features, mix, args.alpha)?;
            let image = self.stylizer.decode(target.view(), features.width, features.height)?;
            save_rgb(&image, output)?;
            self.progress.inc();
            tracing::debug!(output = %output.display(), elapsed_ms = started.elapsed().as_millis() as u64, "written");
        }
        Ok(())
    }
}

/// A mask brought onto the content's relu4_1 grid: the content's resize and crop, the content's
/// exact size (a mask of another size is stretched), then the feature grid; values in [0, 1].
fn mask_on_grid(mask: &GrayImage, content: &RgbImage, grid_w: u32, grid_h: u32, args: &StylizeArgs) -> Array2<f32> {
    let aligned = resize_exact(&prepare(mask, args.content_size, args.crop), content.width(), content.height());
    let grid = resize_exact(&aligned, grid_w, grid_h);
    Array2::from_shape_fn((grid_h as usize, grid_w as usize), |(i, j)| f32::from(grid.get_pixel(j as u32, i as u32).0[0]) / 255.0)
}
