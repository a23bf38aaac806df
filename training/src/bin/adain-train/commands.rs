//! The subcommands' arguments and glue.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use tch::Device;

use adain_training::checkpoint::{TrainConfig, CHECKPOINT_FILE};
use adain_training::export::{export as export_package, ExportOptions};
use adain_training::trainer::{train as run_training, TrainOptions};

/// The default package's encoder, relative to the workspace (built by `cargo xtask setup`).
fn default_encoder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/default/encoder.onnx")
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
    #[arg(long, default_value_t = 1e-4)]
    lr: f64,
    /// Learning rate at iteration i: lr / (1 + lr_decay · i).
    #[arg(long, default_value_t = 5e-5)]
    lr_decay: f64,
    #[arg(long, default_value_t = 10.0)]
    style_weight: f64,
    #[arg(long, default_value_t = 1.0)]
    content_weight: f64,
    /// Checkpoint every N iterations (and at the end).
    #[arg(long, default_value_t = 500)]
    save_every: u64,
    /// Write a metrics record every N iterations.
    #[arg(long, default_value_t = 10)]
    log_every: u64,
    /// cpu or cuda[:N].
    #[arg(long, default_value = "cpu")]
    device: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Intra-op threads for libtorch (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// fp32, or bf16 (convolutions in bfloat16 against f32 master weights).
    #[arg(long, default_value = "fp32")]
    precision: String,
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
            bail!("--device {}: CUDA is not available to libtorch on this machine", a.device);
        }
    }
    tch::set_num_threads(a.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())) as i32);
    for (flag, v) in [("--batch", a.batch as u64), ("--crop", a.crop as u64), ("--save-every", a.save_every), ("--log-every", a.log_every), ("--val-every", a.val_every)] {
        if v == 0 {
            bail!("{flag} must be at least 1");
        }
    }
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
        lr: a.lr,
        lr_decay: a.lr_decay,
        style_weight: a.style_weight,
        content_weight: a.content_weight,
        seed: a.seed,
        precision: a.precision.clone(),
    };
    let summary = run_training(TrainOptions {
        config,
        run_dir: a.out.clone(),
        resume: a.resume,
        iters: a.iters,
        save_every: a.save_every,
        log_every: a.log_every,
        device,
        progress: !a.quiet,
    })?;
    tracing::info!(
        "iterations {}..{}: {:.3} s/iteration, loss {:.4} → {:.4}{}; checkpoint {}",
        summary.start_iteration,
        summary.end_iteration,
        summary.seconds_per_iteration,
        summary.first_loss,
        summary.last_loss,
        summary.last_val.map(|v| format!(", validation {v:.4}")).unwrap_or_default(),
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
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).ok_or_else(|| format!("`{s}`: expected KEY=VALUE"))
}

pub fn export(a: ExportArgs) -> Result<()> {
    let checkpoint = if a.checkpoint.is_dir() { a.checkpoint.join(CHECKPOINT_FILE) } else { a.checkpoint.clone() };
    let name = a.name.clone().unwrap_or_else(|| a.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into()));
    let manifest = export_package(&ExportOptions {
        checkpoint: &checkpoint,
        out: &a.out,
        name,
        version: a.version.clone(),
        encoder: a.encoder.as_deref(),
        provenance: a.provenance.iter().cloned().collect(),
    })
    .with_context(|| format!("exporting {}", checkpoint.display()))?;
    tracing::info!("wrote package `{}` to {} ({} iterations)", manifest.name, a.out.display(), manifest.provenance.get("iterations").map(String::as_str).unwrap_or("?"));
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
    /// Images are resized to this shorter side and center-cropped square.
    #[arg(long, default_value_t = 256)]
    size: u32,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    #[arg(long, default_value = "cpu")]
    device: String,
    #[arg(long)]
    threads: Option<usize>,
}

pub fn eval(a: EvalArgs) -> Result<()> {
    tch::set_num_threads(a.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())) as i32);
    let report = adain_training::eval::evaluate(&a.model, &a.content_dir, &a.style_dir, a.size, parse_device(&a.device)?)
        .with_context(|| format!("evaluating {}", a.model.display()))?;
    println!("| model | pairs | size | content loss | style loss | content + 10·style |");
    println!("|---|---|---|---|---|---|");
    println!("| {} | {} | {} | {:.4} | {:.4} | {:.4} |", report.model, report.pairs, report.size, report.content_loss, report.style_loss, report.total_loss);
    let json = serde_json::to_string_pretty(&report)?;
    println!("{json}");
    if let Some(path) = &a.json {
        adain_models::atomic_file::write(path, json.as_bytes())?;
    }
    Ok(())
}
