//! `cargo xtask fuzz`: builds `adain-fuzz` with LLVM's SanitizerCoverage counters (stable rustc
//! flags, no nightly, no cargo-fuzz) and runs every target for a time budget. A finding fails it.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::paths::{claim_build_dir, default_package, target_dir, workspace_root, xtask_build_dir};

#[derive(Args, Debug, Clone)]
pub struct FuzzArgs {
    /// Targets to run: stats-file, manifest, onnx-graph, image-decode (default: all).
    pub targets: Vec<String>,
    /// Time budget per target, in seconds.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Random seed of the mutations (vary it to explore differently).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Edge coverage with inline 8-bit counters; debug assertions and overflow checks on, so arithmetic
/// slips in the readers panic instead of wrapping silently.
const INSTRUMENTATION: &str = "-C passes=sancov-module -C llvm-args=-sanitizer-coverage-level=3 \
     -C llvm-args=-sanitizer-coverage-inline-8bit-counters -C debug-assertions -C overflow-checks";

pub fn run(args: &FuzzArgs) -> Result<()> {
    let binary = build()?;
    let fuzz_dir = target_dir().join("fuzz");
    let status = Command::new(&binary)
        .current_dir(workspace_root())
        .args(&args.targets)
        .arg("--seconds")
        .arg(args.seconds.to_string())
        .arg("--seed")
        .arg(args.seed.to_string())
        .arg("--package")
        .arg(default_package())
        .arg("--corpus")
        .arg(fuzz_dir.join("corpus"))
        .arg("--findings")
        .arg(fuzz_dir.join("findings"))
        .status()
        .with_context(|| format!("running {}", binary.display()))?;
    if status.code() != Some(0) && status.code() != Some(1) {
        bail!("the fuzzer itself failed ({status})");
    }
    if !status.success() {
        bail!(
            "fuzzing found problems (inputs under {}); add each as a regression input under tests/fuzz/regressions/<target>/",
            fuzz_dir.join("findings").display()
        );
    }
    Ok(())
}

/// Builds the instrumented fuzzer in its own target folder, for the host triple named explicitly so
/// the flags reach only the code under test, not build scripts or proc macros.
fn build() -> Result<PathBuf> {
    let host = host_triple()?;
    let build_dir = xtask_build_dir("fuzz");
    claim_build_dir(
        &build_dir,
        &["adain-fuzz", "adain", "adain-flow", "adain-models"],
        &[&host],
    )?;
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace_root())
        .env("RUSTFLAGS", INSTRUMENTATION)
        .env("CARGO_TARGET_DIR", &build_dir)
        .args([
            "build",
            "--release",
            "--package",
            "adain-fuzz",
            "--target",
            &host,
        ])
        .status()
        .context("running cargo build for adain-fuzz")?;
    if !status.success() {
        bail!("building the instrumented fuzzer failed ({status})");
    }
    let binary = build_dir
        .join(&host)
        .join("release")
        .join(exe("adain-fuzz"));
    if !binary.is_file() {
        bail!("{}: not built", binary.display());
    }
    Ok(binary)
}

fn host_triple() -> Result<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .arg("-vV")
        .output()
        .with_context(|| format!("running {rustc} -vV"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .with_context(|| format!("{rustc} -vV names no host triple"))
}

fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}
