//! `cargo xtask device-train`: trains the default decoder on a GPU machine that has PyTorch but
//! perhaps no Rust and no network.
//!
//! - `pack` writes a self-contained folder, `target/device-train/`: `adain-train` built against that
//!   machine's torch release, the default model's data mix at its training size, the lists naming
//!   it, the encoder, the decoder to fine-tune and `run.sh`; then tries `run.sh check` here on the
//!   CPU. Copy the folder over by any means (scp, rsync, a disk), run `bash run.sh check` and
//!   `bash run.sh train` there, and copy its `out/` folder back.
//! - `unpack` checks the checkpoint that came back against its sha256 (joining it first when it
//!   travelled in parts) and makes a run folder of it, which `adain-train export` and `eval` take on.

mod build;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};
use clap::{Args, Subcommand};
use image::imageops::FilterType;
use sha2::{Digest, Sha256};

use crate::paths::{default_package, target_dir};
use crate::train_default::{self, data_mix};

/// Training resizes every image to this shorter side; larger ones are shrunk before they travel.
const SHORTER_SIDE: u32 = 512;
const CHECKPOINT: &str = "checkpoint.safetensors";

#[derive(Args, Debug)]
pub struct DeviceTrainArgs {
    #[command(subcommand)]
    command: DeviceTrainCommand,
}

#[derive(Subcommand, Debug)]
enum DeviceTrainCommand {
    /// Write target/device-train/, a folder to copy to the GPU machine and train from there.
    Pack(PackArgs),
    /// Make a run folder of the checkpoint the GPU machine's `run.sh train` wrote.
    Unpack(UnpackArgs),
}

#[derive(Args, Debug)]
struct PackArgs {
    /// The GPU machine's PyTorch release (`python3 -c 'import torch; print(torch.__version__)'`
    /// there); `adain-train` is built against the same release here
    #[arg(long, default_value = build::TORCH_RELEASES[0].0)]
    torch: String,
    /// Minutes `run.sh train` trains for (ADAIN_MINUTES there overrides it); the run stops cleanly,
    /// checkpointed, and a second `run.sh train` resumes it
    #[arg(long, default_value_t = 60.0)]
    minutes: f64,
    /// Iterations the run aims at (the paper's 160,000; the time limit usually stops it first)
    #[arg(long, default_value_t = 160_000)]
    iters: u64,
    /// Seed of the run's crops and data order
    #[arg(long, default_value_t = 4)]
    seed: u64,
    /// JPEG quality of the images that are shrunk to the training size (others travel as they are)
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u8).range(50..=100))]
    quality: u8,
    /// Have `run.sh train` write the checkpoint in parts of this many MiB instead of one file, for
    /// a transfer that limits the size of a file; `unpack` joins them
    #[arg(long, value_name = "MIB")]
    split_mib: Option<u32>,
    /// Skip trying `run.sh check` here on the CPU (it needs the same torch release in a venv here)
    #[arg(long)]
    no_check: bool,
}

#[derive(Args, Debug)]
struct UnpackArgs {
    /// The `out/` folder `run.sh train` wrote, copied back from the GPU machine
    #[arg(long)]
    from: PathBuf,
    /// A new run folder for the checkpoint, its config, metrics and log
    #[arg(long)]
    run_dir: PathBuf,
}

pub fn run(args: &DeviceTrainArgs) -> Result<()> {
    match &args.command {
        DeviceTrainCommand::Pack(a) => pack(a),
        DeviceTrainCommand::Unpack(a) => unpack(a),
    }
}

fn bundle_dir() -> PathBuf {
    target_dir().join("device-train")
}

fn pack(a: &PackArgs) -> Result<()> {
    ensure!(
        a.minutes > 0.0,
        "--minutes {}: expected more than 0",
        a.minutes
    );
    crate::setup::run(&crate::setup::SetupArgs::default())?; // models/default/encoder.onnx
    let binary = build::adain_train_for(&a.torch)?;
    let dir = bundle_dir();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    for sub in ["images", "lists"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    for (from, to) in [
        (binary, "adain-train"),
        (default_package().join("encoder.onnx"), "encoder.onnx"),
        (default_package().join("decoder.onnx"), "decoder.onnx"),
    ] {
        std::fs::copy(&from, dir.join(to))
            .with_context(|| format!("copying {}", from.display()))?;
    }
    let mix = data_mix::shared()?;
    write_images_and_lists(&dir, &mix, a.quality)?;
    let script = run_script(
        &new_run_args(a.seed),
        a.iters,
        a.minutes,
        &a.torch,
        a.split_mib,
    );
    std::fs::write(dir.join("run.sh"), script)?;
    if !a.no_check {
        // The binary, its libtorch, the lists and the script together, before the machine is booked.
        let python = crate::setup::venv::torch_python(&a.torch);
        tracing::info!(
            "trying the bundle here: run.sh check on the CPU with torch {}",
            a.torch
        );
        crate::cmd::run(
            Command::new("bash")
                .arg(dir.join("run.sh"))
                .arg("check")
                .env("PYTHON", python)
                .env("ADAIN_DEVICE", "cpu"),
        )
        .context("the bundle's check failed here; it would fail on the GPU machine too")?;
    }
    let bytes = folder_bytes(&dir);
    println!(
        "{dir} ({:.0} MiB) is ready. On the GPU machine (PyTorch {torch} in `python3`, or PYTHON=…):\n\n  \
         bash run.sh check    # a few iterations on CUDA, then s/iteration in fp32 and bf16\n  \
         bash run.sh train    # {minutes} min of the recipe (ADAIN_MINUTES, ADAIN_PRECISION=bf16); again to resume\n\n\
         then copy its out/ folder back and run\n\n  \
         cargo xtask device-train unpack --from OUT --run-dir RUN",
        bytes as f64 / (1u64 << 20) as f64,
        dir = dir.display(),
        torch = a.torch,
        minutes = a.minutes,
    );
    Ok(())
}

/// A new run's arguments there: the default model's recipe but its precision (`run.sh` passes
/// that, for a new run and a resume alike), fine-tuned from the shipped decoder, on the lists.
fn new_run_args(seed: u64) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    let mut recipe = train_default::RECIPE.iter();
    while let Some(&arg) = recipe.next() {
        if arg == "--precision" {
            recipe.next();
        } else {
            args.push(arg.into());
        }
    }
    for (flag, list) in [
        ("--content-dir", "train_content"),
        ("--style-dir", "train_style"),
        ("--val-content", "val_content"),
        ("--val-style", "val_style"),
    ] {
        args.extend([flag.into(), format!("lists/{list}.tsv")]);
    }
    let (lr, seed) = (train_default::NEW_RUN_LR.to_string(), seed.to_string());
    for arg in [
        "--init-decoder",
        "decoder.onnx",
        "--lr",
        &lr,
        "--seed",
        &seed,
        "--colour-weight",
        train_default::COLOUR_WEIGHT,
    ] {
        args.push(arg.into());
    }
    args
}

/// The mix's images into `images/` at the training size, and the lists naming them into `lists/`
/// (paths relative to the list). The evaluation lists name the shared originals: the pairs are
/// scored here, after the checkpoint is back.
fn write_images_and_lists(dir: &Path, mix: &data_mix::Mix, quality: u8) -> Result<()> {
    let all: Vec<&data_mix::Entry> = [&mix.content.0, &mix.content.1, &mix.style.0, &mix.style.1]
        .into_iter()
        .flatten()
        .collect();
    let bar = crate::progress::bar(all.len(), "images at the training size");
    for entry in &all {
        let path = dir.join("images").join(file_name(entry));
        std::fs::write(&path, encode(&entry.path, quality)?)
            .with_context(|| format!("writing {}", path.display()))?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let list = |entries: &[data_mix::Entry]| -> String {
        let lines = entries
            .iter()
            .map(|e| format!("../images/{}\t{}\n", file_name(e), e.weight));
        lines.collect()
    };
    let (eval_content, eval_style) = data_mix::eval_subset(&mix.content.1, &mix.style.1);
    for (name, text) in [
        ("train_content", list(&mix.content.0)),
        ("train_style", list(&mix.style.0)),
        ("val_content", list(&mix.content.1)),
        ("val_style", list(&mix.style.1)),
        // The check trains on two held-out images of each kind.
        ("check_content", list(&mix.content.1[..2])),
        ("check_style", list(&mix.style.1[..2])),
        ("eval_content", data_mix::list(&eval_content)),
        ("eval_style", data_mix::list(&eval_style)),
    ] {
        let path = dir.join("lists").join(format!("{name}.tsv"));
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// `train-hr/style/0001.png` travels as `train-hr_style_0001.jpg`.
fn file_name(entry: &data_mix::Entry) -> String {
    let flat = entry.name.replace('/', "_");
    let stem = flat
        .rsplit_once('.')
        .map_or(flat.as_str(), |(stem, _)| stem);
    format!("{stem}.jpg")
}

/// The image as it travels: a JPEG no larger than training needs goes as it is (no generation
/// loss); any other is shrunk to shorter side [`SHORTER_SIDE`] if larger and encoded at `quality`.
fn encode(path: &Path, quality: u8) -> Result<Vec<u8>> {
    let undecodable = || format!("{} could not be decoded", path.display());
    let original = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let format = image::guess_format(&original).with_context(undecodable)?;
    let img = image::load_from_memory_with_format(&original, format)
        .with_context(undecodable)?
        .to_rgb8();
    let (w, h) = img.dimensions();
    if w.min(h) <= SHORTER_SIDE && format == image::ImageFormat::Jpeg {
        return Ok(original);
    }
    let img = if w.min(h) > SHORTER_SIDE {
        let scale = f64::from(SHORTER_SIDE) / f64::from(w.min(h));
        let side = |v: u32| ((f64::from(v) * scale).round() as u32).max(SHORTER_SIDE);
        image::imageops::resize(&img, side(w), side(h), FilterType::Lanczos3)
    } else {
        img
    };
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(&img)
        .with_context(|| format!("encoding {}", path.display()))?;
    Ok(bytes)
}

/// `run.sh` for this bundle: the recipe's arguments of a new run, the iteration target, the
/// minutes a `train` trains for, the torch release it needs and the size of checkpoint parts.
fn run_script(
    args: &[String],
    iters: u64,
    minutes: f64,
    torch: &str,
    split: Option<u32>,
) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:+".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect();
    include_str!("run.sh")
        .replace("{{TORCH_VERSION}}", torch)
        .replace("{{NEW_RUN_ARGS}}", &quoted.join(" "))
        .replace("{{ITERS}}", &iters.to_string())
        .replace("{{MINUTES}}", &minutes.to_string())
        .replace("{{SPLIT_MIB}}", &split.unwrap_or(0).to_string())
}

fn folder_bytes(path: &Path) -> u64 {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| folder_bytes(&e.path()))
            .sum(),
        Ok(meta) => meta.len(),
        Err(_) => 0,
    }
}

/// Joins the checkpoint (whole, or its `.part-*` files in order), checks it against the sha256
/// written on the GPU machine, and only then lands it in the new run folder with the run's files.
fn unpack(a: &UnpackArgs) -> Result<()> {
    let target = a.run_dir.join(CHECKPOINT);
    ensure!(
        !target.exists(),
        "{} already holds a run; pass another --run-dir",
        a.run_dir.display()
    );
    let mut parts: Vec<PathBuf> = std::fs::read_dir(&a.from)
        .with_context(|| format!("reading {}", a.from.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{CHECKPOINT}.part-")))
        })
        .collect();
    parts.sort();
    if parts.is_empty() {
        parts.push(a.from.join(CHECKPOINT));
    }
    let sums = a.from.join("checkpoint.sha256");
    let expected = std::fs::read_to_string(&sums)
        .with_context(|| format!("reading {} (the checkpoint's sha256)", sums.display()))?;
    let expected = expected
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    std::fs::create_dir_all(&a.run_dir)?;
    let mut staged = tempfile::NamedTempFile::new_in(&a.run_dir)?;
    let mut hasher = Sha256::new();
    for part in &parts {
        let bytes = std::fs::read(part).with_context(|| format!("reading {}", part.display()))?;
        hasher.update(&bytes);
        staged.write_all(&bytes)?;
    }
    let found = hex::encode(hasher.finalize());
    if found != expected {
        bail!(
            "the checkpoint in {} ({} file(s)) has sha256 {found}, not the {expected} written on the \
             GPU machine: a part is missing or the copy is torn",
            a.from.display(),
            parts.len()
        );
    }
    for name in ["config.json", "metrics.jsonl", "train.log"] {
        let from = a.from.join(name);
        if from.is_file() || name != "train.log" {
            std::fs::copy(&from, a.run_dir.join(name))
                .with_context(|| format!("copying {}", from.display()))?;
        }
    }
    staged.as_file().sync_all()?;
    staged.persist(&target)?;
    // The run's settings name the bundle's files by relative paths (lists/, encoder.onnx).
    let run = std::fs::canonicalize(&a.run_dir)?;
    let lists = bundle_dir().join("lists");
    println!(
        "Run folder {run}. The run names the bundle's lists and encoder relative to it, so export \
         from there:\n  cd {bundle} && {train} export --checkpoint {run} --out MODEL --name NAME --precision all\n  \
         {train} eval --model MODEL --content-dir {lists}/eval_content.tsv --style-dir {lists}/eval_style.tsv --size 256",
        run = run.display(),
        bundle = bundle_dir().display(),
        train = target_dir().join("release/adain-train").display(),
        lists = lists.display(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_carries_the_recipe_on_the_bundles_lists_and_is_valid_bash() {
        let script = run_script(&new_run_args(7), 160_000, 7.5, "2.11.0", Some(15));
        assert!(!script.contains("{{"), "every placeholder is filled");
        for expected in [
            "--crop 256 ",
            "--grid-weight 30000 ",
            "--content-dir lists/train_content.tsv ",
            "--init-decoder decoder.onnx ",
            "--seed 7 ",
            "minutes=${ADAIN_MINUTES:-7.5}",
            "split_mib=${ADAIN_SPLIT_MIB:-15}",
            "2.11.0*)",
        ] {
            assert!(
                script.contains(expected),
                "{expected} missing from\n{script}"
            );
        }
        assert!(!new_run_args(7).contains(&"--precision".to_string()));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("run.sh"), &script).unwrap();
        let status = Command::new("bash")
            .arg("-n")
            .arg(dir.path().join("run.sh"))
            .status();
        assert!(status.unwrap().success(), "bash -n rejects the script");
    }

    #[test]
    fn large_images_shrink_to_the_training_size_and_small_jpegs_travel_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let pixels =
            |w, h| image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let large = dir.path().join("large.png");
        pixels(1200, 900).save(&large).unwrap();
        let back = image::load_from_memory(&encode(&large, 90).unwrap()).unwrap();
        assert_eq!((back.width(), back.height()), (683, 512));
        let small = dir.path().join("small.jpg");
        pixels(512, 600).save(&small).unwrap();
        assert_eq!(encode(&small, 90).unwrap(), std::fs::read(&small).unwrap());
        std::fs::write(&small, b"not a jpeg").unwrap();
        let err = format!("{:#}", encode(&small, 90).unwrap_err());
        assert!(
            err.contains("small.jpg") && err.contains("decoded"),
            "{err}"
        );
    }

    /// What `run.sh train` writes into out/: the checkpoint whole or in parts, its sha256, the run.
    fn out_folder(dir: &Path, checkpoint: &[u8], part: Option<usize>) {
        match part {
            Some(size) => {
                for (i, chunk) in checkpoint.chunks(size).enumerate() {
                    std::fs::write(dir.join(format!("{CHECKPOINT}.part-{i:02}")), chunk).unwrap();
                }
            }
            None => std::fs::write(dir.join(CHECKPOINT), checkpoint).unwrap(),
        }
        let sum = format!(
            "{}  {CHECKPOINT}\n",
            hex::encode(Sha256::digest(checkpoint))
        );
        std::fs::write(dir.join("checkpoint.sha256"), sum).unwrap();
        std::fs::write(dir.join("config.json"), "{}").unwrap();
        std::fs::write(dir.join("metrics.jsonl"), "").unwrap();
    }

    #[test]
    fn a_checkpoint_lands_only_whole_and_checked() {
        let checkpoint: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for part in [None, Some(30_000)] {
            let (from, runs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            out_folder(from.path(), &checkpoint, part);
            let run_dir = runs.path().join("run");
            let args = UnpackArgs {
                from: from.path().into(),
                run_dir: run_dir.clone(),
            };
            unpack(&args).unwrap();
            assert_eq!(std::fs::read(run_dir.join(CHECKPOINT)).unwrap(), checkpoint);
            assert!(run_dir.join("config.json").is_file());
            let again = unpack(&args).unwrap_err().to_string();
            assert!(again.contains("already holds a run"), "{again}");
        }
        // A part lost on the way: nothing lands.
        let (from, runs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        out_folder(from.path(), &checkpoint, Some(30_000));
        std::fs::remove_file(from.path().join(format!("{CHECKPOINT}.part-02"))).unwrap();
        let run_dir = runs.path().join("run");
        let err = unpack(&UnpackArgs {
            from: from.path().into(),
            run_dir: run_dir.clone(),
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("missing or the copy is torn"), "{err}");
        assert_eq!(
            std::fs::read_dir(&run_dir).unwrap().count(),
            0,
            "nothing lands"
        );
    }
}
