//! The subcommands' arguments and glue.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use tch::Device;

use adain_models::onnx::quantize::Clip;
use adain_models::package::{Precision, VGG16_INT8_RANGES_FILE};
use adain_training::checkpoint::{TrainConfig, CHECKPOINT_FILE};
use adain_training::export::{export_with_variants, ExportOptions, VariantOptions};
use adain_training::precision::Precision as TrainPrecision;
use adain_training::trainer::{train as run_training, Retune, TrainOptions};

/// The default package's encoder, relative to the workspace (built by `cargo xtask setup`).
fn default_encoder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/default/encoder.onnx")
}

/// The committed int8 ranges of the default encoder, relative to the workspace.
fn default_encoder_ranges() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../models")
        .join(VGG16_INT8_RANGES_FILE)
}

/// The team's shared training images (`shared/data/train` beside the workspace).
fn shared_train_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/train")
}

/// The paper's learning rate, for a new run given no --lr.
const DEFAULT_LR: f64 = 1e-4;

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Content photos (flat or nested folder).
    #[arg(long, required_unless_present = "resume")]
    content_dir: Option<PathBuf>,
    /// Style artworks (flat or nested folder).
    #[arg(long, required_unless_present = "resume")]
    style_dir: Option<PathBuf>,
    /// Run folder: checkpoint.safetensors, metrics.jsonl, config.json.
    #[arg(long)]
    out: PathBuf,
    /// Continue the run in --out (its hyperparameters and data are kept; --iters is the new total).
    #[arg(long)]
    resume: bool,
    /// Total iterations to reach.
    #[arg(long, default_value_t = 160_000)]
    iters: u64,
    #[arg(long, default_value_t = 8)]
    batch: usize,
    /// Shorter side images are resized to before the random crop.
    #[arg(long, default_value_t = 512)]
    resize: u32,
    /// Square crop size.
    #[arg(long, default_value_t = 256)]
    crop: u32,
    /// Base learning rate [default: 1e-4, the paper's]. With --resume it changes the run's rate from
    /// the checkpoint on, keeping Adam's moments (a new stage of a long run).
    #[arg(long)]
    lr: Option<f64>,
    /// Learning rate at iteration i: lr / (1 + lr_decay · i).
    #[arg(long, default_value_t = 5e-5)]
    lr_decay: f64,
    #[arg(long, default_value_t = 10.0)]
    style_weight: f64,
    #[arg(long, default_value_t = 1.0)]
    content_weight: f64,
    /// Weight of a total-variation penalty on the decoded image [default: 0, the paper's objective].
    /// With --resume it changes the run's weight from the checkpoint on.
    #[arg(long)]
    tv_weight: Option<f64>,
    /// Weight of a penalty on the decoded image's energy at the decoder's upsampling periods (2, 4 and
    /// 8 px), against checkerboard patterns [default: 0]. With --resume it changes the run's weight.
    #[arg(long)]
    grid_weight: Option<f64>,
    /// Weight of a shift-consistency term: the decodings of a crop and of the crop moved by 1–7
    /// pixels must agree where they overlap, which steadies video [default: 0]. With --resume it
    /// changes the run's weight.
    #[arg(long)]
    stability_weight: Option<f64>,
    /// Weight of a colour term: the decoded image's per-channel RGB mean and std must match the
    /// style image's [default: 0]. With --resume it changes the run's weight.
    #[arg(long)]
    colour_weight: Option<f64>,
    /// Start a new run from this decoder graph (a package's decoder.onnx) instead of random weights.
    #[arg(long, conflicts_with = "resume")]
    init_decoder: Option<PathBuf>,
    /// Checkpoint every N iterations (and at the end).
    #[arg(long, default_value_t = 500)]
    save_every: u64,
    /// Write a metrics record every N iterations.
    #[arg(long, default_value_t = 10)]
    log_every: u64,
    /// cpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Seed of the crops, the data order and a new decoder's weights [default: 1]. A resumed run
    /// keeps its own (its data order carries on).
    #[arg(long, conflicts_with = "resume")]
    seed: Option<u64>,
    /// Intra-op threads for libtorch (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// auto, fp32, or bf16 (convolutions in bfloat16 against f32 master weights) [default: auto:
    /// bf16 on CPUs with AVX512-BF16, fp32 elsewhere]. With --resume it changes the run's precision.
    #[arg(long)]
    precision: Option<TrainPrecision>,
    /// Fixed validation content folder (with --val-style).
    #[arg(long)]
    val_content: Option<PathBuf>,
    /// Fixed validation style folder (with --val-content).
    #[arg(long)]
    val_style: Option<PathBuf>,
    /// Hold this fraction of each training folder out as the validation set (listed in the run folder).
    #[arg(long, default_value_t = 0.0)]
    holdout: f64,
    /// Validation pairs scored.
    #[arg(long, default_value_t = 16)]
    val_pairs: usize,
    /// Score the validation pairs every N iterations.
    #[arg(long, default_value_t = 500)]
    val_every: u64,
    /// Encoder: a package's encoder.onnx, or the authors' VGG19 as .safetensors (PyTorch port layout).
    #[arg(long)]
    encoder: Option<PathBuf>,
    /// Stop at the first iteration that ends after this many minutes of training, with a checkpoint
    /// (for a machine lent for a fixed time); `--resume` carries on from it.
    #[arg(long)]
    max_minutes: Option<f64>,
    /// Hide the progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn parse_device(s: &str) -> Result<Device> {
    match s {
        "cpu" => Ok(Device::Cpu),
        "cuda" => Ok(Device::Cuda(0)),
        s if s.starts_with("cuda:") => Ok(Device::Cuda(s[5..].parse().context("cuda:N")?)),
        _ => bail!("--device {s}: expected cpu, cuda or cuda:N"),
    }
}

pub fn train(a: TrainArgs) -> Result<()> {
    let device = parse_device(&a.device)?;
    if let Device::Cuda(_) = device {
        if !tch::Cuda::is_available() {
            bail!(
                "--device {}: CUDA is not available to libtorch on this machine",
                a.device
            );
        }
        // Every batch has the same shape: let cuDNN time its convolution algorithms once.
        tch::Cuda::cudnn_set_benchmark(true);
    }
    tch::set_num_threads(
        a.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            as i32,
    );
    for (flag, v) in [
        ("--batch", a.batch as u64),
        ("--crop", a.crop as u64),
        ("--save-every", a.save_every),
        ("--log-every", a.log_every),
        ("--val-every", a.val_every),
    ] {
        if v == 0 {
            bail!("{flag} must be at least 1");
        }
    }
    let time_limit = match a.max_minutes {
        Some(m) if m.is_finite() && m >= 0.0 => Some(std::time::Duration::from_secs_f64(m * 60.0)),
        Some(m) => bail!("--max-minutes {m}: expected a number of minutes, 0 or more"),
        None => None,
    };
    if !(0.0..0.5).contains(&a.holdout) {
        bail!("--holdout {}: expected a fraction in [0, 0.5)", a.holdout);
    }
    let encoder = a.encoder.clone().unwrap_or_else(default_encoder);
    let dir = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let config = TrainConfig {
        content_dir: dir(&a.content_dir).unwrap_or_default(),
        style_dir: dir(&a.style_dir).unwrap_or_default(),
        holdout: a.holdout,
        val_content: dir(&a.val_content),
        val_style: dir(&a.val_style),
        val_pairs: a.val_pairs,
        val_every: a.val_every,
        encoder: encoder.display().to_string(),
        encoder_identity: String::new(),
        batch: a.batch,
        resize: a.resize,
        crop: a.crop,
        lr: a.lr.unwrap_or(DEFAULT_LR),
        lr_decay: a.lr_decay,
        style_weight: a.style_weight,
        content_weight: a.content_weight,
        tv_weight: a.tv_weight.unwrap_or(0.0),
        grid_weight: a.grid_weight.unwrap_or(0.0),
        stability_weight: a.stability_weight.unwrap_or(0.0),
        colour_weight: a.colour_weight.unwrap_or(0.0),
        init_decoder: a.init_decoder.as_ref().map(|p| p.display().to_string()),
        seed: a.seed.unwrap_or(1),
        precision: a.precision.unwrap_or(TrainPrecision::Auto).to_string(),
    };
    let summary = run_training(TrainOptions {
        config,
        run_dir: a.out.clone(),
        resume: a.resume,
        retune: Retune {
            lr: a.lr.filter(|_| a.resume),
            precision: a.precision.filter(|_| a.resume),
            tv_weight: a.tv_weight.filter(|_| a.resume),
            grid_weight: a.grid_weight.filter(|_| a.resume),
            stability_weight: a.stability_weight.filter(|_| a.resume),
            colour_weight: a.colour_weight.filter(|_| a.resume),
        },
        iters: a.iters,
        save_every: a.save_every,
        log_every: a.log_every,
        device,
        progress: !a.quiet,
        time_limit,
    })?;
    if summary.end_iteration == summary.start_iteration {
        return Ok(()); // Already at the target: the trainer said so, and nothing ran to summarise.
    }
    tracing::info!(
        "iterations {}..{}: {:.3} s/iteration, loss {:.4} → {:.4}{}; checkpoint {}",
        summary.start_iteration,
        summary.end_iteration,
        summary.seconds_per_iteration,
        summary.first_loss,
        summary.last_loss,
        summary
            .last_val
            .map(|v| format!(", validation {v:.4}"))
            .unwrap_or_default(),
        a.out.join(CHECKPOINT_FILE).display()
    );
    Ok(())
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A run's checkpoint.safetensors (or the run folder).
    #[arg(long)]
    checkpoint: PathBuf,
    /// Package folder to write (e.g. models/NAME).
    #[arg(long)]
    out: PathBuf,
    /// Package name (default: the folder's name).
    #[arg(long)]
    name: Option<String>,
    #[arg(long, default_value = env!("CARGO_PKG_VERSION"))]
    version: String,
    /// Encoder to package (default: the one the checkpoint was trained with).
    #[arg(long)]
    encoder: Option<PathBuf>,
    /// Extra provenance entries, KEY=VALUE.
    #[arg(long = "provenance", value_parser = parse_key_value)]
    provenance: Vec<(String, String)>,
    /// Precisions to write: fp32 (always written), int8, fp16, or all; comma-separated or repeated.
    /// Variants go beside the fp32 graphs (encoder.int8.onnx, decoder.fp16.onnx, …), validated against fp32.
    #[arg(long = "precision", value_delimiter = ',', default_value = "fp32")]
    precision: Vec<String>,
    /// int8 calibration images: a folder with content/ and style/, or one folder of images
    /// [default: the run's training folders, without its held-out files]
    #[arg(long)]
    calibration_dir: Option<PathBuf>,
    /// Contents and styles (each) used for calibration.
    #[arg(long, default_value_t = 32)]
    calibration_images: usize,
    /// Shorter side of calibration images (centre-cropped square).
    #[arg(long, default_value_t = 512)]
    calibration_size: u32,
    /// How calibrated activation histograms become int8 ranges: percentile:P, mse or max.
    #[arg(long, default_value = "percentile:99.99")]
    clip: Clip,
    /// Committed int8 ranges of the encoder, used when they belong to it [default: models/vgg16_int8_ranges.json]
    #[arg(long)]
    encoder_ranges: Option<PathBuf>,
    /// Validation pairs for the variants' PSNR against fp32: a folder as for --calibration-dir
    /// [default: the run's held-out files]
    #[arg(long)]
    validation_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 16)]
    validation_pairs: usize,
    /// Side of the validation images.
    #[arg(long, default_value_t = 512)]
    validation_size: u32,
    /// ONNX Runtime threads for calibration and validation [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("`{s}`: expected KEY=VALUE"))
}

/// `--precision` values → the variants besides fp32.
fn parse_precisions(values: &[String]) -> Result<Vec<Precision>> {
    let mut out = Vec::new();
    for v in values {
        if v.eq_ignore_ascii_case("all") {
            out.extend(Precision::ALL);
        } else {
            out.push(
                v.parse::<Precision>()
                    .map_err(anyhow::Error::msg)
                    .context("--precision")?,
            );
        }
    }
    out.retain(|p| *p != Precision::Fp32);
    out.sort();
    out.dedup();
    Ok(out)
}

pub fn export(a: ExportArgs) -> Result<()> {
    let checkpoint = if a.checkpoint.is_dir() {
        a.checkpoint.join(CHECKPOINT_FILE)
    } else {
        a.checkpoint.clone()
    };
    let name = a.name.clone().unwrap_or_else(|| {
        a.out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into())
    });
    let variants = VariantOptions {
        precisions: parse_precisions(&a.precision)?,
        calibration_dir: a.calibration_dir.clone(),
        calibration_images: a.calibration_images.max(1),
        calibration_size: a.calibration_size.max(16),
        clip: a.clip,
        encoder_ranges: Some(
            a.encoder_ranges
                .clone()
                .unwrap_or_else(default_encoder_ranges),
        ),
        validation_dir: a.validation_dir.clone(),
        validation_pairs: a.validation_pairs.max(1),
        validation_size: a.validation_size.max(16),
        threads: a.threads.unwrap_or_else(default_threads),
    };
    let report = export_with_variants(
        &ExportOptions {
            checkpoint: &checkpoint,
            out: &a.out,
            name,
            version: a.version.clone(),
            encoder: a.encoder.as_deref(),
            provenance: a.provenance.iter().cloned().collect(),
        },
        &variants,
    )
    .with_context(|| format!("exporting {}", checkpoint.display()))?;
    let manifest = &report.manifest;
    tracing::info!(
        "wrote package `{}` to {} ({} iterations)",
        manifest.name,
        a.out.display(),
        manifest
            .provenance
            .get("iterations")
            .map(String::as_str)
            .unwrap_or("?")
    );
    for s in &report.scores {
        println!(
            "{}: {:.2} dB PSNR against fp32 over {} pairs at {}² (worst {:.2} dB; encoder alone {:.2} dB, decoder alone {:.2} dB){}",
            s.precision,
            s.psnr_db,
            s.pairs.len(),
            s.size,
            s.min_psnr_db,
            s.encoder_only_db,
            s.decoder_only_db,
            if manifest.is_validated(&s.precision) { ", validated" } else { ", NOT validated" }
        );
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct CalibrateInt8Args {
    /// Encoder to calibrate (a package's fp32 encoder.onnx) [default: models/default/encoder.onnx]
    #[arg(long)]
    encoder: Option<PathBuf>,
    /// Image folders with content/ and style/, or of images [default: the shared training photos and artworks]
    #[arg(long, conflicts_with_all = ["content", "style"])]
    images: Option<PathBuf>,
    /// Contents: a folder, or a list file as a training run takes (e.g. a run's train_content.tsv,
    /// which has no held-out files); with --style instead of --images.
    #[arg(long, requires = "style")]
    content: Option<PathBuf>,
    /// Styles: a folder or a list file; with --content.
    #[arg(long, requires = "content")]
    style: Option<PathBuf>,
    /// Leave out the files a training run with this --holdout keeps for validation (--images only).
    #[arg(long, default_value_t = 0.05)]
    holdout: f64,
    /// Contents and styles (each) to use.
    #[arg(long, default_value_t = 48)]
    count: usize,
    /// Shorter side the images are resized to (centre-cropped square).
    #[arg(long, default_value_t = 512)]
    size: u32,
    #[arg(long, default_value = "percentile:99.99")]
    clip: Clip,
    /// Output file [default: models/vgg16_int8_ranges.json]
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long)]
    threads: Option<usize>,
}

/// The encoder's int8 activation ranges, as committed for setup to build encoder.int8.onnx from.
pub fn calibrate_int8(a: CalibrateInt8Args) -> Result<()> {
    use adain_training::calibration::{calibrate, ImageSet};
    use adain_training::data::ImageFolder;

    let encoder_path = a.encoder.clone().unwrap_or_else(default_encoder);
    let encoder =
        adain_training::model::Encoder::load(&encoder_path, Device::Cpu).with_context(|| {
            format!(
                "loading {} (run `cargo xtask setup`)",
                encoder_path.display()
            )
        })?;
    let root = a.images.clone().unwrap_or_else(shared_train_data);
    let (content, style) = (root.join("content"), root.join("style"));
    let set = if let (Some(content), Some(style)) = (&a.content, &a.style) {
        ImageSet::from_folders(content, style)?
    } else if content.is_dir() && style.is_dir() && a.holdout > 0.0 {
        let kept = |dir: &PathBuf| -> Result<Vec<PathBuf>> {
            Ok(ImageFolder::scan(dir)?.0.split(a.holdout).0.files)
        };
        let source = ImageSet::from_folders(&content, &style)?.source;
        ImageSet {
            contents: kept(&content)?,
            styles: kept(&style)?,
            source: format!("{source}, without the --holdout {} files", a.holdout),
        }
    } else {
        ImageSet::from_dir(&root)?
    };
    let set = set.spread(a.count.max(1));
    let calibration = calibrate(
        encoder.network(),
        None,
        &set,
        a.size,
        a.threads.unwrap_or_else(default_threads),
    )?;
    let ranges = calibration
        .encoder
        .ranges(encoder.network(), a.clip, &calibration.images);
    let out = a.out.clone().unwrap_or_else(default_encoder_ranges);
    ranges.save(&out)?;
    for t in &ranges.tensors {
        tracing::info!("{}: [{:.4}, {:.4}]", t.name, t.min, t.max);
    }
    tracing::info!("wrote {} ({})", out.display(), ranges.method);
    Ok(())
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Model package folder.
    #[arg(long)]
    model: PathBuf,
    #[arg(long)]
    content_dir: PathBuf,
    #[arg(long)]
    style_dir: PathBuf,
    /// Images are resized to this shorter side; scored whole (8-bit outputs) and as centre-cropped
    /// squares (float outputs, the `crop_float` numbers).
    #[arg(long, default_value_t = 256)]
    size: u32,
    /// Score the outputs as `adain stylize --match-style-color` writes them: recoloured to their
    /// style's colour mean and covariance (the whole-image scores only).
    #[arg(long)]
    match_style_color: bool,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    #[arg(long, default_value = "cpu")]
    device: String,
    #[arg(long)]
    threads: Option<usize>,
}

pub fn eval(a: EvalArgs) -> Result<()> {
    tch::set_num_threads(
        a.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            as i32,
    );
    let report = adain_training::eval::evaluate(
        &a.model,
        &a.content_dir,
        &a.style_dir,
        a.size,
        a.match_style_color,
        parse_device(&a.device)?,
    )
    .with_context(|| format!("evaluating {}", a.model.display()))?;
    println!(
        "{} at {}: {} pairs",
        report.model, report.size, report.pairs
    );
    println!("| scoring | content loss | style loss | content + 10·style | checkerboard outputs mean / worst | contents mean / worst |");
    println!("|---|---|---|---|---|---|");
    let primary = if report.match_style_color {
        "whole image, 8-bit, recoloured to the style (primary)"
    } else {
        "whole image, 8-bit (primary)"
    };
    for (name, scores) in [
        (primary, &report.primary),
        ("centre crop, float (crop_float)", &report.crop_float),
    ] {
        let board = &scores.checkerboard;
        println!(
            "| {name} | {:.4} | {:.4} | {:.4} | {:.2} / {:.2} | {:.2} / {:.2} |",
            scores.content_loss,
            scores.style_loss,
            scores.total_loss,
            board.outputs.mean,
            board.outputs.max,
            board.contents.mean,
            board.contents.max
        );
    }
    println!();
    println!("| style loss part (whole image, 8-bit) | mean | std |");
    println!("|---|---|---|");
    for l in &report.primary.style_layers {
        println!("| {} | {:.4} | {:.4} |", l.layer, l.mean, l.std);
    }
    let colour = &report.primary.colour;
    println!();
    println!(
        "colour distance to the style (Lab): outputs mean {:.2}, worst {:.2}; contents mean {:.2}, worst {:.2}",
        colour.outputs.mean, colour.outputs.max, colour.contents.mean, colour.contents.max
    );
    let json = serde_json::to_string_pretty(&report)?;
    if a.json.is_none() {
        println!("{json}");
    }
    if let Some(path) = &a.json {
        adain_models::atomic_file::write(path, json.as_bytes())?;
    }
    Ok(())
}
