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

/// A stage of the default run: from `from` on, the upsampling-grid penalty has `grid_weight`.
struct Stage {
    from: u64,
    grid_weight: f64,
}

/// The default run's penalty schedule: the paper's objective, then a grid penalty against the
/// periodic mesh, raised once it had shown it keeps the losses (the metrics log each change, and
/// the model card shows them).
const STAGES: &[Stage] = &[
    Stage {
        from: 0,
        grid_weight: 0.0,
    },
    Stage {
        from: 23_000,
        grid_weight: 10_000.0,
    },
    Stage {
        from: 25_500,
        grid_weight: 30_000.0,
    },
];

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
    // Each stage from the one the run is in; a stage the target does not reach is skipped.
    let current = stage_of(stored_grid_weight(&run_dir)?)
        .with_context(|| format!("{} does not follow the default schedule", run_dir.display()))?;
    for (i, stage) in STAGES.iter().enumerate().skip(current) {
        if i > current && args.iters <= stage.from {
            break;
        }
        let end = STAGES
            .get(i + 1)
            .map_or(args.iters, |next| next.from.min(args.iters));
        let weight = stage.grid_weight.to_string();
        train(&run_dir, end, args.threads, &["--grid-weight", &weight])?;
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

/// The grid-penalty weight in the run's stored config (0 for a run not started yet).
fn stored_grid_weight(run_dir: &Path) -> Result<f64> {
    let path = run_dir.join("config.json");
    if !path.is_file() {
        return Ok(0.0);
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let config: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a training config (JSON)", path.display()))?;
    Ok(config
        .get("grid_weight")
        .and_then(|w| w.as_f64())
        .unwrap_or(0.0))
}

/// The latest stage training with `grid_weight`.
fn stage_of(grid_weight: f64) -> Result<usize> {
    STAGES
        .iter()
        .rposition(|s| s.grid_weight == grid_weight)
        .with_context(|| {
            format!(
                "its grid-penalty weight {grid_weight} is none of the stages' (retuned by hand?)"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_weight_places_a_run_in_its_stage() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(stored_grid_weight(dir.path()).unwrap(), 0.0, "a fresh run");
        let config = dir.path().join("config.json");
        for (text, stage) in [
            (r#"{"batch": 8}"#, 0),
            (r#"{"grid_weight": 0.0}"#, 0),
            (r#"{"grid_weight": 10000.0}"#, 1),
            (r#"{"grid_weight": 30000.0}"#, 2),
        ] {
            std::fs::write(&config, text).unwrap();
            let weight = stored_grid_weight(dir.path()).unwrap();
            assert_eq!(stage_of(weight).unwrap(), stage, "{text}");
        }
        let err = format!("{:#}", stage_of(123.0).unwrap_err());
        assert!(err.contains("123") && err.contains("stages"), "{err}");
        std::fs::write(&config, "{ torn").unwrap();
        let err = format!("{:#}", stored_grid_weight(dir.path()).unwrap_err());
        assert!(err.contains("config.json") && err.contains("JSON"), "{err}");
        assert!(
            STAGES.windows(2).all(|w| w[0].from < w[1].from),
            "stages in order"
        );
    }
}
