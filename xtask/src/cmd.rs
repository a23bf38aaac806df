//! Running the programs xtask drives: cargo, and any command whose failure ends the task.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::paths::{target_dir, workspace_root};

/// `cargo` (the one running xtask), in the workspace root.
pub fn cargo() -> Command {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo.current_dir(workspace_root());
    cargo
}

/// Runs `command` to its end; an error naming it when it cannot start or fails.
pub fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("running {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed ({status})");
    }
    Ok(())
}

/// `cargo build --release -p adain-cli`, the command as a user gets it; returns the binary's path.
pub fn build_adain() -> Result<PathBuf> {
    tracing::info!("building adain (release)");
    run(cargo().args(["build", "--release", "--quiet", "-p", "adain-cli"]))?;
    Ok(target_dir().join("release").join("adain"))
}
