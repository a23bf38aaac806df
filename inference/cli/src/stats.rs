//! `adain stats`: style statistics of one image, or their average over several, as a safetensors file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::exit::usage;
use adain::image_io::{load_rgb, prepare};
use adain::style::{average, info_keys};
use adain::Stylizer;
use adain_models::style_gaussian::StyleGaussian;
use anyhow::{Context, Result};
use clap::Args;

use crate::common::{ImageLimitArgs, ModelArgs};
use crate::inputs::expand_images;
use crate::progress::Progress;

#[derive(Debug, Args)]
#[command(after_help = "\
The file holds relu1_1..relu4_1 `.mean`/`.std` (f32 [C]) and metadata: the encoder identity, the
statistics convention, the source images and their sizes. With several images the statistics are the
equal-weight arithmetic mean, over the images, of each image's per-channel mean and std.
`adain stylize --style-stats FILE` with a file of one image gives the same result, bit for bit, as
`--style IMAGE` with the same --style-size and --crop.

With --fit-gaussian the file is a Gaussian over the styles' relu4_1 (μ, log σ) instead (mean and the
centred styles, no covariance matrix): `adain stylize --style-sample FILE` draws a new style from it
for every content image (--seed makes the draws reproducible).")]
pub struct StatsArgs {
    /// Style images, or folders of them (every image inside, sorted by name)
    #[arg(required = true, value_name = "STYLE")]
    pub styles: Vec<PathBuf>,

    /// Statistics file to write (safetensors)
    #[arg(short, long, value_name = "FILE.safetensors")]
    pub output: PathBuf,

    /// Resize styles so their shorter side has N pixels; 0 keeps their size (use the value you will
    /// stylize with)
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub style_size: u32,

    /// Center-crop styles to squares (after resizing)
    #[arg(long)]
    pub crop: bool,

    /// Instead of averaging, fit a Gaussian to the styles' relu4_1 (μ, log σ), to draw new styles from
    /// with `adain stylize --style-sample FILE` (needs at least 2 images)
    #[arg(long)]
    pub fit_gaussian: bool,

    #[command(flatten)]
    pub limits: ImageLimitArgs,

    #[command(flatten)]
    pub model: ModelArgs,
}

pub fn run(args: &StatsArgs) -> Result<()> {
    let styles = expand_images(&args.styles, "style")?;
    if args.output.is_dir() {
        return Err(usage(format!(
            "-o {} is a folder; give the statistics file to write",
            args.output.display()
        )));
    }
    if let Some(dir) = args.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the output folder", dir.display()))?;
    }
    let package = args.model.load_package()?;
    let mut stylizer = Stylizer::new(&package, &args.model.session_options()?)?;

    let progress = Progress::new(styles.len() as u64, "encoding");
    let mut all = Vec::with_capacity(styles.len());
    for path in &styles {
        progress.set_message(path.display().to_string());
        let image = prepare(
            &load_rgb(path, args.limits.max_pixels)?,
            args.style_size,
            args.crop,
        );
        let info = BTreeMap::from([
            (
                info_keys::SOURCES.to_string(),
                serde_json::json!([path.display().to_string()]).to_string(),
            ),
            (
                info_keys::IMAGE_SIZES.to_string(),
                serde_json::json!([format!("{}x{}", image.width(), image.height())]).to_string(),
            ),
            (
                info_keys::STYLE_SIZE.to_string(),
                args.style_size.to_string(),
            ),
            (info_keys::CROP.to_string(), args.crop.to_string()),
        ]);
        let stats = stylizer
            .style_statistics(&image, info)
            .with_context(|| format!("{}: computing style statistics", path.display()))?;
        all.push(stats);
        progress.inc();
    }
    progress.finish();

    if args.fit_gaussian {
        let gaussian = StyleGaussian::fit(&all)
            .with_context(|| format!("fitting a style Gaussian to {} image(s)", all.len()))?;
        gaussian.save(&args.output)?;
        tracing::info!(
            "wrote {} (a Gaussian over {} styles' relu4_1 statistics)",
            args.output.display(),
            gaussian.count()
        );
        return Ok(());
    }
    let stats = average(&all)?;
    stats.save(&args.output)?;
    tracing::info!(
        "wrote {} ({} image(s), encoder {})",
        args.output.display(),
        all.len(),
        stats
            .encoder_identity
            .get(..12)
            .unwrap_or(&stats.encoder_identity)
    );
    Ok(())
}
