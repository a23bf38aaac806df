//! `adain-bench`: the project's measurements, each against the strongest alternative a user has,
//! written as Markdown tables and JSON under the target folder's `bench/`. Numbers are reported,
//! never asserted. `cargo xtask bench`, `bench-video` and `bench-serve` install what a measurement
//! needs (the Python contestants, OpenCV, the real clip, the demo's pictures), build this and run it.

mod place;
mod serve;
mod speed;
mod video;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "adain-bench", about = "adain's benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Our library against ONNX Runtime from Python and PyTorch (256², 512², 1024²; stages, peak
    /// memory, precision variants) and a tiled 4096² run; writes bench.md and bench.json.
    Speed(speed::SpeedArgs),
    /// The flicker of stylized video on clips with known motion (warping error, per-frame vs
    /// smoothed statistics vs flow blending) and the frames per second; writes video.md and video.json.
    Video(video::VideoArgs),
    /// Throughput and latency of `adain serve` for 1..4 concurrent clients against one-shot
    /// `adain stylize` processes, or its behaviour under hostile clients; writes serve.md and serve.json.
    Serve(serve::ServeArgs),
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,ort=warn".into()),
        )
        .with_target(false)
        .init();
    match Cli::parse().command {
        Command::Speed(args) => speed::run(&args),
        Command::Video(args) => video::run(&args),
        Command::Serve(args) => serve::run(&args),
    }
}
