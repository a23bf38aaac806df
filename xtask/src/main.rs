//! `cargo xtask <command>`: everything the project installs, builds and checks, in Rust.

mod art;
mod bench;
mod calibrate;
mod cmd;
mod demo;
mod device_train;
mod dist;
mod fuzz;
mod model_card;
mod paths;
mod progress;
mod pypi;
mod python_wheel;
mod setup;
mod target;
mod test;
mod train_default;
mod validate_openvino;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "adain project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install the ONNX Runtime library, the VGG16 weights and the torch venv into the cache, and build
    /// models/default/encoder.onnx. Idempotent: a second run only checks.
    Setup(setup::SetupArgs),
    /// Measure the VGG16 channel scales (mean ReLU activations) on a folder of images and write
    /// models/vgg16_channel_scales.json. Run once; the result is committed.
    CalibrateEncoder(calibrate::CalibrateArgs),
    /// Set up, then run every test of the workspace (training included).
    Test(test::TestArgs),
    /// Train or resume the default model's decoder with its recorded recipe.
    TrainDefault(train_default::TrainDefaultArgs),
    /// Train the default model's decoder on a remote GPU machine: `pack` builds the bundle and prints
    /// the device calls, `unpack` brings the checkpoint back into a run folder.
    DeviceTrain(device_train::DeviceTrainArgs),
    /// Stylize sample photographs with the default model through the `adain` command (every content ×
    /// style, α sweep, interpolation, colour preservation, masks) into target/demo/.
    Demo(demo::DemoArgs),
    /// Time our library against ONNX Runtime from Python and PyTorch (256², 512², 1024²; stages, peak
    /// memory, precision variants) and a tiled 4096² run; writes target/bench/bench.md and bench.json.
    Bench(bench::BenchArgs),
    /// Measure the flicker of stylized video on clips with known motion (warping error, per-frame vs
    /// smoothed statistics) and the frames per second; writes target/bench/video.md and video.json.
    BenchVideo(bench::BenchArgs),
    /// Throughput and latency of `adain serve` for 1..4 concurrent clients at 256² and 512², against
    /// one-shot `adain stylize` processes; writes target/bench/serve.md and serve.json.
    BenchServe(bench::BenchArgs),
    /// Build the `adain` Python wheel (PyO3 + maturin, abi3) with the ONNX Runtime library and the default
    /// model inside, into target/wheels/.
    Wheel(python_wheel::WheelArgs),
    /// Build target/dist/adain-<version>-<arch>-linux.tar.gz: the `adain` binary, the ONNX Runtime
    /// library and the default model, ready to run with nothing installed (--check tries it out).
    Dist(dist::DistArgs),
    /// Fuzz the readers of users' files (stats files, manifests, ONNX graphs, images) with coverage
    /// feedback on stable Rust, for --seconds per target; findings are written to target/fuzz/findings.
    Fuzz(fuzz::FuzzArgs),
    /// Regenerate the pictures of models/default/README.md (loss curves, held-out contents × styles,
    /// α sweep, style interpolation) and a README section with the measured numbers.
    ModelCard(model_card::ModelCardArgs),
    /// Validate OpenVINO's bf16 arithmetic on a package's fp32 graphs over held-out pairs and record
    /// it in the manifest, where `--precision auto` reads it.
    ValidateOpenvino(validate_openvino::ValidateOpenvinoArgs),
    /// Write the generated artworks (the demo's styles) as PNG files.
    #[command(hide = true)]
    Art(art::ArtArgs),
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
        Command::Setup(args) => setup::run(&args),
        Command::CalibrateEncoder(args) => calibrate::run(&args),
        Command::Test(args) => test::run(&args),
        Command::TrainDefault(args) => train_default::run(&args),
        Command::DeviceTrain(args) => device_train::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Bench(args) => bench::run_measurement(bench::Measurement::Speed, &args),
        Command::BenchVideo(args) => bench::run_measurement(bench::Measurement::Video, &args),
        Command::BenchServe(args) => bench::run_measurement(bench::Measurement::Serve, &args),
        Command::Wheel(args) => python_wheel::run(&args),
        Command::Dist(args) => dist::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::ModelCard(args) => model_card::run(&args),
        Command::ValidateOpenvino(args) => validate_openvino::run(&args),
        Command::Art(args) => art::run(&args),
    }
}
