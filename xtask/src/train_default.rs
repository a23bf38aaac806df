//! `cargo xtask train-default`: trains (or resumes) the default model's decoder with its recorded
//! settings, so the shipped model can be reproduced and carried on across sessions.

use std::path::{Path, PathBuf};
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

/// The upsampling-grid penalty of the default model, and the iteration it joined the run at
/// (the model card reads both from the package).
struct GridPenalty {
    from: u64,
    weight: &'static str,
}

const GRID_PENALTY: GridPenalty = GridPenalty {
    from: 23_000,
    weight: "10000",
};

/// The default model's recipe for a fresh run (see models/default/README.md).
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
    tracing::info!(
        "training the default decoder in {} (to {} iterations)",
        run_dir.display(),
        args.iters
    );
    // The paper's objective first; the grid penalty joins at its iteration, as it did for the
    // shipped model. A run that already carries the penalty just goes on.
    if !has_grid_penalty(&run_dir)? {
        train(
            &run_dir,
            args.iters.min(GRID_PENALTY.from),
            args.threads,
            &[],
        )?;
    }
    if args.iters > GRID_PENALTY.from {
        train(
            &run_dir,
            args.iters,
            args.threads,
            &["--grid-weight", GRID_PENALTY.weight],
        )?;
    }
    Ok(())
}

/// One `adain-train train` call: a fresh run with the recipe, or a resume with `extra` settings.
fn train(run_dir: &Path, iters: u64, threads: Option<usize>, extra: &[&str]) -> Result<()> {
    let mut cmd = Command::new(workspace_root().join("target/release/adain-train"));
    cmd.arg("train").arg("--out").arg(run_dir).args([
        "--iters",
        &iters.to_string(),
        "--save-every",
        "250",
        "--quiet",
    ]);
    if let Some(t) = threads {
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
    cmd.args(extra);
    let status = cmd.status().context("running adain-train")?;
    if !status.success() {
        bail!("adain-train failed ({status})");
    }
    Ok(())
}

/// Whether the run's stored config already trains with the grid penalty.
fn has_grid_penalty(run_dir: &Path) -> Result<bool> {
    let path = run_dir.join("config.json");
    if !path.is_file() {
        return Ok(false);
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let config: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a training config (JSON)", path.display()))?;
    Ok(config
        .get("grid_weight")
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w > 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_positive_stored_grid_weight_counts_as_the_penalty_phase() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_grid_penalty(dir.path()).unwrap(), "a fresh run");
        let config = dir.path().join("config.json");
        for (text, expected) in [
            (r#"{"grid_weight": 0.0}"#, false),
            (r#"{"batch": 8}"#, false),
            (r#"{"grid_weight": 10000.0}"#, true),
        ] {
            std::fs::write(&config, text).unwrap();
            assert_eq!(has_grid_penalty(dir.path()).unwrap(), expected, "{text}");
        }
        std::fs::write(&config, "{ torn").unwrap();
        let err = format!("{:#}", has_grid_penalty(dir.path()).unwrap_err());
        assert!(err.contains("config.json") && err.contains("JSON"), "{err}");
    }
}
