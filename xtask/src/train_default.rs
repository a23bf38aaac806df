//! `cargo xtask train-default`: trains (or resumes) the default model's decoder with its recorded
//! settings, so the shipped model can be reproduced and carried on across sessions.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};
use clap::Args;

use adain_models::install_paths::cache_dir;

use crate::paths::{shared_train_data, workspace_root};

#[derive(Args, Debug)]
pub struct TrainDefaultArgs {
    /// Total iterations to reach.
    #[arg(long, default_value_t = 40_000)]
    iters: u64,
    /// libtorch threads (1 leaves a core free for other work on a 2-core machine).
    #[arg(long)]
    threads: Option<usize>,
    /// Run folder (default: the cache's runs/default, outside the work tree so clones share it).
    #[arg(long)]
    run_dir: Option<PathBuf>,
}

/// The default model's recipe (see models/default/README.md).
const RECIPE: &[&str] = &[
    "--holdout",
    "0.05",
    "--val-pairs",
    "16",
    "--val-every",
    "500",
    "--batch",
    "8",
    "--resize",
    "256",
    "--crop",
    "128",
    "--precision",
    "bf16",
    "--seed",
    "1",
    "--lr",
    "1e-4",
    "--lr-decay",
    "5e-5",
    "--style-weight",
    "10",
];

pub fn run(args: &TrainDefaultArgs) -> Result<()> {
    crate::setup::run(&crate::setup::SetupArgs::default())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(workspace_root())
        .args(["build", "--release", "-p", "adain-training"])
        .status()
        .context("building adain-train")?;
    if !status.success() {
        bail!("building adain-train failed ({status})");
    }
    let run_dir = args
        .run_dir
        .clone()
        .unwrap_or_else(|| cache_dir().join("runs").join("default"));
    let mut cmd = Command::new(workspace_root().join("target/release/adain-train"));
    cmd.arg("train").arg("--out").arg(&run_dir).args([
        "--iters",
        &args.iters.to_string(),
        "--save-every",
        "250",
        "--quiet",
    ]);
    if let Some(t) = args.threads {
        cmd.args(["--threads", &t.to_string()]);
    }
    if run_dir.join("checkpoint.safetensors").is_file() {
        cmd.arg("--resume");
    } else {
        let data = shared_train_data();
        cmd.arg("--content-dir")
            .arg(data.join("content"))
            .arg("--style-dir")
            .arg(data.join("style"))
            .args(RECIPE);
    }
    tracing::info!(
        "training the default decoder in {} (to {} iterations)",
        run_dir.display(),
        args.iters
    );
    let status = cmd.status().context("running adain-train")?;
    if !status.success() {
        bail!("adain-train failed ({status})");
    }
    Ok(())
}
