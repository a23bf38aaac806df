//! `cargo xtask test`: set up, then run every test in the workspace, training included.

use std::process::Command;

use anyhow::{bail, Result};
use clap::Args;

use crate::paths::workspace_root;

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Extra arguments for `cargo test` (e.g. a test name filter after `--`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub cargo_args: Vec<String>,
}

pub fn run(args: &TestArgs) -> Result<()> {
    // The video tests need ffmpeg, the release checks zig, qemu-user and wine: installed here (as
    // root) or already present; under CI a missing one fails those tests rather than skipping them.
    crate::setup::run(&crate::setup::SetupArgs {
        video: true,
        cross: true,
        ..Default::default()
    })?;
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace_root())
        .args(["test", "--workspace", "--release"])
        .args(&args.cargo_args)
        .status()?;
    if !status.success() {
        bail!("tests failed ({status})");
    }
    Ok(())
}
