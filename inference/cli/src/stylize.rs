//! `adain stylize`: every content × style pair, or one interpolated / masked result per content.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::mpsc::SyncSender;
use std::time::Instant;

use adain::image_io::load_gray;
use adain::ops::normalized_weights;
use adain::tiling::{DEFAULT_TILE_ABOVE, MIN_TILE};
use adain::Recipe;
use adain::Stylizer;
use adain::{Combine, ReadyStyles};
use anyhow::{Context, Result};
use clap::{ArgMatches, Args};

use crate::common::{ImageLimitArgs, ModelArgs};
use crate::exit::{usage, InputsFailed};
use crate::inputs::{create_parent_dirs, expand_images, result_name, result_paths, stem};
use crate::io_threads::{spawn_reader, spawn_writer, Finished, Loaded, Preparation};
use crate::palette::PaletteArgs;
use crate::progress::Progress;
use crate::render::{prepared_size_of, show};
use crate::styles::{check_palette, load_styles, StyleArgs};

#[derive(Debug, Args)]
#[command(after_help = "\
Each style gives its own result, named <content>_stylized_<style>.<ext>, unless --weights or --mask
combine all styles into one result per content (named <content>_stylized_<style1>+<style2>...).
Style images and --style-stats files both count as styles, in the order they are given.
Every result has exactly the size of its content image (its centre square with --crop).

Large images are stylized in overlapping tiles (see --tile, --tile-above) with the statistics of the
whole image, so the result matches an untiled run without seams while memory stays bounded.

Examples:
  adain stylize photo.jpg --style wave.jpg -o out.png
  adain stylize photos/ --style styles/ -o results/
  adain stylize photo.jpg --style a.jpg --style b.jpg --weights 0.3,0.7
  adain stylize photo.jpg --style a.jpg --style-stats b.safetensors --mask left.png --mask right.png")]
pub struct StylizeArgs {
    /// Content images, or folders of them (every image inside, sorted by name)
    #[arg(required = true, value_name = "CONTENT")]
    pub contents: Vec<PathBuf>,

    /// Output image (one result) or folder (created if needed) [default: the current folder]
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Interpolate the styles with these weights (one per style, comma-separated, normalised to sum 1)
    #[arg(long, value_name = "W,W,...", value_delimiter = ',', num_args = 1.., conflicts_with = "mask")]
    pub weights: Option<Vec<f32>>,

    /// Spatial control: one grayscale mask per style (same order), stretched over the content image;
    /// each region takes the style whose mask is largest there, where that mask is ≥ 50%; elsewhere
    /// the content is kept
    #[arg(long, value_name = "MASK")]
    pub mask: Vec<PathBuf>,

    #[command(flatten)]
    pub palette: PaletteArgs,

    /// Process the content with its shorter side at N pixels (the result is resized back to the
    /// content's size with Lanczos3); 0 processes it at its own size
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub content_size: u32,

    /// Center-crop content, style and mask images to squares (after resizing); results then have the
    /// size of the content's centre square
    #[arg(long)]
    pub crop: bool,

    /// Stylize in overlapping tiles of N×N pixels (global content statistics, blended seams); 0 tiles
    /// only images above --tile-above, with 1024-pixel tiles
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = parse_tile)]
    pub tile: u32,

    /// Tile images with more pixels than this (after --content-size); 0 never tiles automatically.
    /// Memory: untiled about 0.8 KB per pixel (4 MP: ~3.4 GB), tiled about 1.2 GB plus 50 bytes per
    /// pixel (4096×4096: ~2 GB)
    #[arg(long, value_name = "PIXELS", default_value_t = DEFAULT_TILE_ABOVE)]
    pub tile_above: u64,

    #[command(flatten)]
    pub styles: StyleArgs,

    #[command(flatten)]
    pub limits: ImageLimitArgs,

    #[command(flatten)]
    pub model: ModelArgs,
}

/// Largest image (pixels) for which the sessions keep ONNX Runtime's memory arena (1024×1024): measured
/// at 512², ~10% faster repeated runs for twice the memory (880 vs 440 MiB).
const ARENA_MAX_PIXELS: u64 = 1 << 20;

fn parse_tile(s: &str) -> Result<u32, String> {
    let tile: u32 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number of pixels"))?;
    if tile == 0 || tile >= MIN_TILE {
        Ok(tile)
    } else {
        Err(format!(
            "{tile} is below the smallest tile, {MIN_TILE} pixels (0 = automatic)"
        ))
    }
}

/// One result per content image: a single style ([`Combine::Each`]) or all of them.
struct Job {
    label: String,
}

pub fn run(args: &StylizeArgs, matches: &ArgMatches) -> Result<()> {
    let contents = expand_images(&args.contents, "content")?;
    let sources = args.styles.sources(matches)?;
    let palette = args.palette.palette();
    check_palette(palette, &sources)?;
    let recipe = Recipe {
        alpha: args.styles.alpha,
        weights: args.weights.clone(),
        combine: combine(args, sources.len())?,
        palette,
        content_size: args.content_size,
        crop: args.crop,
        tile_above: args.tile_above,
        tile: args.tile,
        seed: args.styles.seed,
    };
    let labels: Vec<String> = sources.iter().map(|s| stem(s.path())).collect();
    let jobs: Vec<Job> = match recipe.combine {
        Combine::Each => labels.into_iter().map(|label| Job { label }).collect(),
        _ => vec![Job {
            label: labels.join("+"),
        }],
    };

    // Name every result and make its folder before the slow part, so a bad -o fails at once.
    let names: Vec<String> = contents
        .iter()
        .flat_map(|c| jobs.iter().map(move |j| result_name(c, &j.label)))
        .collect();
    let outputs = result_paths(args.output.as_deref(), &names)?;
    create_parent_dirs(&outputs)?;

    let package = args.model.load_package()?;
    let mut session_options = args.model.session_options()?;
    // ONNX Runtime's arena keeps each session's peak for the next run: a small gain for small images,
    // but for large ones the encoder's and the decoder's peaks would add up. Large runs give memory back.
    let sizes = contents
        .iter()
        .filter_map(|c| prepared_size_of(c, args.content_size, args.crop));
    session_options.cpu_arena = sizes
        .map(|(w, h)| u64::from(w) * u64::from(h))
        .max()
        .unwrap_or(0)
        <= ARENA_MAX_PIXELS;
    let mut stylizer = Stylizer::new(&package, &session_options)?;
    let (enc, dec) = stylizer.providers();
    tracing::info!(
        "model {} ({}); encoder on {enc}, decoder on {dec}",
        package.manifest().name,
        package.dir().display()
    );
    // Style statistics once for the whole run (per content only with --preserve-color, which recolours
    // the styles to each content).
    let styles = load_styles(
        &mut stylizer,
        &sources,
        args.styles.style_size,
        args.crop,
        palette,
        args.limits.max_pixels,
    )?;
    let ready = recipe.ready(&mut stylizer, styles)?;

    let progress = Progress::new(outputs.len() as u64, "stylizing");
    let preparation = Preparation {
        content_size: args.content_size,
        crop: args.crop,
        max_pixels: args.limits.max_pixels,
    };
    let (loaded, reader) = spawn_reader(contents.clone(), preparation);
    let (results, writer) = spawn_writer(progress.clone());
    let mut batch = Batch {
        stylizer,
        recipe,
        ready,
        progress: progress.clone(),
        results,
    };
    // Content index → why it failed (the first reason, if both stylizing and writing failed).
    let mut failed = BTreeMap::new();
    for (index, content) in loaded {
        let path = &contents[index];
        batch.progress.set_message(path.display().to_string());
        let these = &outputs[index * jobs.len()..(index + 1) * jobs.len()];
        let done = content.and_then(|c| {
            batch
                .content(c, these)
                .with_context(|| format!("{}", path.display()))
        });
        if let Err(e) = done {
            let reason = crate::describe(&e);
            batch.progress.suspend(|| tracing::error!("{reason}"));
            failed.insert(index, reason);
        }
    }
    drop(batch); // closes the writer's channel
    let _ = reader.join();
    for (index, reason) in writer
        .join()
        .map_err(|_| anyhow::anyhow!("the image writer thread panicked"))?
    {
        failed.entry(index).or_insert(reason);
    }
    let written = progress.finish();
    if !failed.is_empty() {
        return Err(InputsFailed {
            what: "content images",
            total: contents.len(),
            written,
            failed: failed
                .into_iter()
                .map(|(index, reason)| (contents[index].clone(), reason))
                .collect(),
        }
        .into());
    }
    tracing::info!("{written} result(s) written");
    if let Some(peak) = peak_memory_mib() {
        tracing::debug!("peak memory (VmHWM) {peak} MiB");
    }
    Ok(())
}

/// This process's peak resident memory, from /proc (Linux).
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// How the styles make results: a mix with --weights, regions with --mask, else one result per
/// style. Weights and masks are checked against the number of styles before the model loads.
fn combine(args: &StylizeArgs, styles: usize) -> Result<Combine> {
    if let Some(weights) = &args.weights {
        normalized_weights(weights, styles)?;
        return Ok(Combine::Mix);
    }
    if args.mask.is_empty() {
        return Ok(Combine::Each);
    }
    if args.mask.len() != styles {
        return Err(usage(format!(
            "{} masks given for {styles} style(s): give one --mask per style",
            args.mask.len()
        )));
    }
    Ok(Combine::Masks(
        args.mask
            .iter()
            .map(|m| load_gray(m, args.limits.max_pixels))
            .collect::<Result<_, _>>()?,
    ))
}

/// The loaded model and styles, applied to one content image after another.
struct Batch {
    stylizer: Stylizer,
    recipe: Recipe,
    ready: ReadyStyles,
    progress: Progress,
    results: SyncSender<Finished>,
}

impl Batch {
    /// All results of one content image, handed to the writer for `outputs` (one per result). The
    /// content is encoded once, whatever the number of styles.
    fn content(&mut self, loaded: Loaded, outputs: &[PathBuf]) -> Result<()> {
        let started = Instant::now();
        let mut outputs = outputs.iter();
        let progress = self.progress.clone();
        let results = &self.results;
        let mut writer_stopped = false;
        self.recipe.render(
            &mut self.stylizer,
            &self.ready,
            &loaded.image,
            loaded.index as u64,
            &mut |p| show(&progress, p),
            &mut |image| {
                let output = outputs.next().expect("one output per result");
                let finished = Finished {
                    content: loaded.index,
                    image,
                    reference: loaded.reference,
                    output: output.clone(),
                };
                if results.send(finished).is_err() {
                    writer_stopped = true;
                    return ControlFlow::Break(());
                }
                tracing::debug!(output = %output.display(), elapsed_ms = started.elapsed().as_millis() as u64, "stylized");
                ControlFlow::Continue(())
            },
        )?;
        if writer_stopped {
            anyhow::bail!("the image writer thread stopped");
        }
        Ok(())
    }
}
