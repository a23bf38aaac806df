//! `cargo xtask device-train`: trains the default decoder on a remote GPU machine that has PyTorch
//! (torch 2.11) but no Rust and no network, reached by a runner that copies a bounded amount per
//! command (64 MiB) and brings back what the command writes.
//!
//! - `pack` builds `adain-train` against that machine's torch, re-encodes the default model's data
//!   mix into parts that each fit one call, writes `run.sh`, tries the bundle here on the CPU, and
//!   prints the calls to make: the first checks that the binary trains on CUDA there, the last trains
//!   the recipe of `cargo xtask train-default` for a fixed number of minutes.
//! - `unpack` joins the checkpoint the last call brought back into a run folder here, where
//!   `adain-train export` and `eval` take it on.

mod build;
mod bundle;
mod unpack;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use crate::paths::{shared_train_data, workspace_root};
use crate::train_default::{self, data_mix};
use bundle::Call;

#[derive(Args, Debug)]
pub struct DeviceTrainArgs {
    #[command(subcommand)]
    command: DeviceTrainCommand,
}

#[derive(Subcommand, Debug)]
enum DeviceTrainCommand {
    /// Build the bundle in target/device-train/ and print the device calls that train from it.
    Pack(PackArgs),
    /// Join the checkpoint a training call brought back into a run folder here.
    Unpack(UnpackArgs),
}

#[derive(Args, Debug)]
struct PackArgs {
    /// Minutes the training call trains for, unless ADAIN_MINUTES says otherwise there (a call may
    /// run 10 minutes, and a session has 15 of device time: the start, the uploads, the check and
    /// the transfer back need the rest).
    #[arg(long, default_value_t = 6.0)]
    minutes: f64,
    /// Iterations the run aims at (the paper's 160,000; the time limit stops it first, and a resumed
    /// call carries on).
    #[arg(long, default_value_t = 160_000)]
    iters: u64,
    /// Seed of the run's crops and data order.
    #[arg(long, default_value_t = 4)]
    seed: u64,
    /// JPEG quality the images travel at (they are re-encoded to fit the calls).
    #[arg(long, default_value_t = 90)]
    quality: u8,
    /// Skip trying the bundle here on the CPU.
    #[arg(long)]
    no_check: bool,
}

#[derive(Args, Debug)]
struct UnpackArgs {
    /// The folder the training command's output files were copied back into.
    #[arg(long)]
    from: PathBuf,
    /// A new run folder for the checkpoint, its config and metrics.
    #[arg(long)]
    run_dir: PathBuf,
}

pub fn run(args: &DeviceTrainArgs) -> Result<()> {
    match &args.command {
        DeviceTrainCommand::Pack(a) => pack(a),
        DeviceTrainCommand::Unpack(a) => {
            let checkpoint = unpack::unpack(&a.from, &a.run_dir)?;
            tracing::info!("checkpoint: {}", checkpoint.display());
            let lists = format!("{}/lists", bundle::DIR);
            println!(
                "Run folder {run} (its settings name {dir}/, so run these from the workspace root):\n  \
                 target/release/adain-train export --checkpoint {run} --out models/NAME --name NAME --precision all\n  \
                 target/release/adain-train eval --model models/NAME --content-dir {lists}/eval_content.tsv \
                 --style-dir {lists}/eval_style.tsv --size 256",
                run = a.run_dir.display(),
                dir = bundle::DIR,
            );
            Ok(())
        }
    }
}

fn pack(a: &PackArgs) -> Result<()> {
    if !(a.minutes > 0.0 && a.minutes < 10.0) {
        bail!(
            "--minutes {}: a device call runs at most 10 minutes",
            a.minutes
        );
    }
    if !(50..=100).contains(&a.quality) {
        bail!("--quality {}: expected 50 to 100", a.quality);
    }
    crate::setup::run(&crate::setup::SetupArgs::default())?; // models/default/encoder.onnx
    let binary = build::adain_train_for_device()?;

    let root = workspace_root();
    let dir = root.join(bundle::DIR);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    let lists = dir.join("lists");
    std::fs::create_dir_all(&lists)?;
    std::fs::copy(&binary, dir.join("adain-train"))
        .with_context(|| format!("copying {}", binary.display()))?;

    let data = std::fs::canonicalize(shared_train_data().join(".."))
        .context("the shared training data (../shared/data)")?;
    let mix = data_mix::build(&data)?;
    let new_run = new_run_args(a.seed);
    std::fs::write(
        dir.join("run.sh"),
        bundle::run_script(&new_run, a.iters, a.minutes),
    )?;

    let encoder = Path::new("models/default/encoder.onnx");
    let fixed = [
        dir.join("adain-train"),
        root.join(encoder),
        dir.join("run.sh"),
    ];
    let fixed_bytes: u64 = fixed.iter().map(|p| bundle::folder_bytes(p)).sum::<u64>() + (64 << 10);
    let budget = bundle::carry_budget(bundle::work_tree_bytes(&root)?)?;
    let first = budget
        .checked_sub(fixed_bytes)
        .context("the binary and encoder fill a call")?;
    let entries = bundle::ordered(&mix);
    let packed = bundle::write_parts(&entries, &dir, a.quality, first, budget)?;
    write_lists(&lists, &mix, &entries, &packed)?;

    let calls = plan_calls(packed.iter().map(|p| p.part).max().unwrap_or(1), encoder);
    let plan = describe(&calls, &dir)?;
    std::fs::write(dir.join("CALLS.md"), &plan)?;
    println!("{plan}");
    if !a.no_check {
        check_here()?;
    }
    Ok(())
}

/// A new run's arguments on the device: the default model's recipe but its precision, fine-tuned
/// from the shipped decoder (which travels with the work tree), on the bundle's lists.
fn new_run_args(seed: u64) -> Vec<String> {
    let list = |name: &str| format!("{}/lists/{name}.tsv", bundle::DIR);
    // run.sh passes the precision itself (ADAIN_PRECISION), for a new run and a resume alike.
    let mut args = Vec::new();
    let mut recipe = train_default::RECIPE.iter();
    while let Some(&arg) = recipe.next() {
        if arg == "--precision" {
            recipe.next();
        } else {
            args.push(arg.to_string());
        }
    }
    for (flag, name) in [
        ("--content-dir", "train_content"),
        ("--style-dir", "train_style"),
        ("--val-content", "val_content"),
        ("--val-style", "val_style"),
    ] {
        args.extend([flag.to_string(), list(name)]);
    }
    args.extend(
        [
            "--init-decoder",
            "models/default/decoder.onnx",
            "--lr",
            &train_default::NEW_RUN_LR.to_string(),
            "--seed",
            &seed.to_string(),
            "--colour-weight",
            train_default::COLOUR_WEIGHT,
        ]
        .map(String::from),
    );
    args
}

fn write_lists(
    lists: &Path,
    mix: &data_mix::Mix,
    entries: &[&data_mix::Entry],
    packed: &[bundle::Packed],
) -> Result<()> {
    let pairs: Vec<_> = entries.iter().copied().zip(packed).collect();
    let pick = |set: &[data_mix::Entry]| -> Vec<_> {
        pairs
            .iter()
            .filter(|(e, _)| set.iter().any(|s| s.path == e.path))
            .copied()
            .collect()
    };
    // The check call has only the first part: a few of its images serve as contents and styles.
    let first_part: Vec<_> = pairs.iter().filter(|(_, p)| p.part == 1).copied().collect();
    if first_part.len() < 4 {
        bail!(
            "the first part holds {} images; the check needs 4",
            first_part.len()
        );
    }
    // The evaluation pairs are scored here, on the shared originals (these two lists travel unused).
    let (eval_content, eval_style) = data_mix::eval_subset(&mix.content.1, &mix.style.1);
    for (name, set) in [("eval_content", eval_content), ("eval_style", eval_style)] {
        let path = lists.join(format!("{name}.tsv"));
        std::fs::write(&path, data_mix::list(&set))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    for (name, chosen) in [
        ("train_content", pick(&mix.content.0)),
        ("train_style", pick(&mix.style.0)),
        ("val_content", pick(&mix.content.1)),
        ("val_style", pick(&mix.style.1)),
        ("check_content", first_part[..2].to_vec()),
        ("check_style", first_part[2..4].to_vec()),
    ] {
        let path = lists.join(format!("{name}.tsv"));
        std::fs::write(&path, bundle::list(&chosen))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The device calls: the first carries the binary, the encoder and the first part and checks that
/// training runs there; the middle ones carry parts; the last carries the last part and trains.
fn plan_calls(parts: usize, encoder: &Path) -> Vec<Call> {
    let dir = Path::new(bundle::DIR);
    let part = |k| dir.join(bundle::part_dir(k));
    let mut calls = Vec::new();
    for k in 1..=parts {
        let mut carry = vec![part(k)];
        let mut command = Vec::new();
        if k == 1 {
            carry.extend([
                dir.join("adain-train"),
                dir.join("run.sh"),
                dir.join("lists"),
                encoder.to_path_buf(),
            ]);
            command.push(format!("bash {}/run.sh check", bundle::DIR));
        }
        if k == parts {
            command.push(format!("bash {}/run.sh train", bundle::DIR));
        }
        if command.is_empty() {
            command.push(format!("bash {}/run.sh parts", bundle::DIR));
        }
        calls.push(Call {
            carry,
            command: command.join(" && "),
            timeout_s: if k == parts { 600 } else { 240 },
        });
    }
    calls
}

fn describe(calls: &[Call], dir: &Path) -> Result<String> {
    let tree = bundle::work_tree_bytes(&workspace_root())?;
    let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
    let mut s = format!(
        "# Device calls for {}\n\n\
         Make them back to back: a machine stays warm ~30 s after a call, and keeps the parts \
         earlier calls carried only while warm. If a reply says `warm: false` before the last call, \
         the machine was given back: begin again with call 1 (run.sh refuses to run on a bare one). \
         Before the last call, set its minutes to the device time left, e.g. \
         `ADAIN_MINUTES=5 bash {}/run.sh train` with ~150 s spare for loading and the transfer back; \
         `ADAIN_PRECISION=bf16` if the check timed bf16 faster. Then run \
         `cargo xtask device-train unpack --from FILES_AT --run-dir RUN` on the last call's files.\n\n\
         The work tree travels with every call: {:.1} MiB of the {} MiB a call may carry.\n",
        dir.display(),
        bundle::DIR,
        mib(tree),
        bundle::CALL_BYTES >> 20
    );
    for (i, call) in calls.iter().enumerate() {
        let carry: Vec<String> = call
            .carry
            .iter()
            .map(|p| format!("\"{}\"", p.display()))
            .collect();
        let bytes: u64 = call
            .carry
            .iter()
            .map(|p| bundle::folder_bytes(&workspace_root().join(p)))
            .sum();
        s.push_str(&format!(
            "\n{}. command: `{}`  timeout_s: {}\n   carry: [{}]\n   ({:.1} MiB carried, {:.1} MiB with the work tree)\n",
            i + 1,
            call.command,
            call.timeout_s,
            carry.join(", "),
            mib(bytes),
            mib(bytes + tree)
        ));
    }
    Ok(s)
}

/// Runs the bundle's check here on the CPU, against the device's torch version: the binary, its
/// libtorch, the lists and the script work together before any device time is spent.
fn check_here() -> Result<()> {
    let python = crate::setup::torch_venv::venv_python_of(build::DEVICE_TORCH);
    tracing::info!(
        "trying the bundle here: run.sh check on the CPU with torch {}",
        build::DEVICE_TORCH
    );
    let status = Command::new("bash")
        .current_dir(workspace_root())
        .arg(format!("{}/run.sh", bundle::DIR))
        .arg("check")
        .env("PYTHON", python)
        .env("ADAIN_DEVICE", "cpu")
        .status()
        .context("running bash")?;
    if !status.success() {
        bail!("the bundle's check failed here ({status}); it would fail on the device too");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_run_is_the_recipe_on_the_bundles_lists_with_the_precision_left_to_run_sh() {
        let args = new_run_args(7);
        let joined = args.join(" ");
        assert!(!joined.contains("--precision"), "{joined}");
        for expected in [
            "--crop 256",
            "--resize 512",
            "--grid-weight 30000",
            "--content-dir target/device-train/lists/train_content.tsv",
            "--val-style target/device-train/lists/val_style.tsv",
            "--init-decoder models/default/decoder.onnx",
            "--seed 7",
        ] {
            assert!(
                joined.contains(expected),
                "{expected} missing from {joined}"
            );
        }
        let recipe_without_precision = train_default::RECIPE.len() - 2;
        assert_eq!(&args[..recipe_without_precision], {
            let mut r: Vec<String> = train_default::RECIPE
                .iter()
                .map(|s| s.to_string())
                .collect();
            let at = r.iter().position(|a| a == "--precision").unwrap();
            r.drain(at..at + 2);
            r
        });
    }

    #[test]
    fn the_calls_carry_every_part_once_and_the_last_one_trains() {
        let encoder = Path::new("models/default/encoder.onnx");
        let calls = plan_calls(4, encoder);
        assert_eq!(calls.len(), 4);
        assert!(calls[0].command.ends_with("run.sh check"));
        assert!(calls[0].carry.iter().any(|p| p == encoder));
        assert!(calls[3].command.ends_with("run.sh train"));
        assert_eq!(calls[3].timeout_s, 600);
        for (k, call) in calls.iter().enumerate() {
            let parts: Vec<_> = call
                .carry
                .iter()
                .filter(|p| p.to_string_lossy().contains("/part-"))
                .collect();
            assert_eq!(
                parts,
                [&Path::new(bundle::DIR).join(format!("part-{}", k + 1))]
            );
            assert!(call.carry.len() <= 8, "the tool carries 8 paths at most");
        }
        let single = plan_calls(1, encoder);
        assert_eq!(
            single[0].command,
            "bash target/device-train/run.sh check && bash target/device-train/run.sh train"
        );
    }
}
