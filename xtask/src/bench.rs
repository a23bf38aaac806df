//! `cargo xtask bench`, `bench-video`, `bench-serve`: install what a measurement needs, build the
//! `adain` command and the benchmarks (inference/bench) together, and run one; its options are
//! `adain-bench`'s (`cargo xtask bench --help` lists them).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::cmd::{cargo, run};
use crate::paths::target_dir;

#[derive(Args, Debug)]
#[command(disable_help_flag = true)]
pub struct BenchArgs {
    /// Options of the measurement (`--help` lists them)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Which of `adain-bench`'s measurements.
#[derive(Clone, Copy, PartialEq)]
pub enum Measurement {
    Speed,
    Video,
    Serve,
}

pub fn run_measurement(measurement: Measurement, args: &BenchArgs) -> Result<()> {
    let asked = |flag: &str| args.args.iter().any(|a| a == flag);
    let help = asked("--help") || asked("-h");
    if !help {
        crate::setup::run(&crate::setup::SetupArgs {
            // The Python contestants of `speed` live in the torch venv.
            no_torch: measurement != Measurement::Speed || asked("--no-python"),
            video: measurement == Measurement::Video,
            bench: measurement == Measurement::Video
                && !asked("--no-opencv")
                && !asked("--speed-only"),
            ..Default::default()
        })?;
    }
    tracing::info!("building adain and adain-bench (release)");
    run(cargo().args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "adain-cli",
        "-p",
        "adain-bench",
    ]))?;
    let mut bench = std::process::Command::new(release("adain-bench"));
    bench.arg(match measurement {
        Measurement::Speed => "speed",
        Measurement::Video => "video",
        Measurement::Serve => "serve",
    });
    if measurement == Measurement::Video && !help {
        let inputs = target_dir().join("bench").join("video-inputs");
        crate::demo::inputs::prepare(&inputs)?;
        bench.arg("--inputs").arg(inputs);
    }
    run(bench.args(&args.args))
}

fn release(name: &str) -> PathBuf {
    target_dir()
        .join("release")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}
