//! `cargo xtask test`: set up, run every test in the workspace (training included), then a short fuzz run.

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
    // The video tests need ffmpeg, the release checks zig, qemu-user and wine, the page's test Chromium, Triton's config schema, Ray: installed here (as
    // root) or already present; under CI a missing one fails those tests rather than skipping them.
    crate::setup::run(&crate::setup::SetupArgs {
        video: true,
        cross: true,
        browser: true,
        triton: true,
        ray: true,
        ..Default::default()
    })?;
    // The Python wheel its test installs into a fresh venv (inference/cli/tests/python_wheel.rs).
    crate::python_wheel::build()?;
    // CI=true: the tests' prerequisite rule (adain_test_kit::require) fails rather than skips, so
    // what setup could not install is a failure naming its install command, never a silent skip.
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace_root())
        .env("CI", "true")
        .args(["test", "--workspace", "--release"])
        .args(&args.cargo_args)
        .status()?;
    if !status.success() {
        bail!("tests failed ({status})");
    }
    if !args.cargo_args.is_empty() {
        tracing::info!(
            "a filtered run: the short fuzz run is left out (`cargo xtask fuzz` runs it)"
        );
        return Ok(());
    }
    // A short coverage-guided run of every fuzz target; its corpus grows from run to run.
    crate::fuzz::run(&crate::fuzz::FuzzArgs {
        targets: Vec::new(),
        seconds: SHORT_FUZZ_SECONDS,
        seed: 0,
    })
}

/// Per fuzz target in `cargo xtask test`: enough to catch a reader that panics on the first mutations.
const SHORT_FUZZ_SECONDS: u64 = 20;
