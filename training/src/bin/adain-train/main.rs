//! `adain-train`: train the AdaIN decoder, export model packages, evaluate them.

mod commands;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "adain-train",
    version,
    about = "Train, export and evaluate AdaIN decoders (tch / libtorch)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a decoder (or resume a run with --resume).
    Train(Box<commands::TrainArgs>),
    /// Write a model package (encoder.onnx, decoder.onnx, manifest.json) from a checkpoint, with int8
    /// and fp16 variants on request (--precision int8,fp16 or all).
    Export(Box<commands::ExportArgs>),
    /// Measure the encoder's int8 activation ranges and write models/vgg16_int8_ranges.json, from which
    /// `cargo xtask setup` builds encoder.int8.onnx. Run once; the result is committed.
    CalibrateInt8(commands::CalibrateInt8Args),
    /// The paper's content and style losses of a package, averaged over all content × style pairs:
    /// on the whole images' 8-bit outputs (what `adain stylize` writes), and on centre crops' float
    /// outputs.
    Eval(commands::EvalArgs),
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,ort=warn".into()),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Train(args) => commands::train(*args),
        Command::Export(args) => commands::export(*args),
        Command::CalibrateInt8(args) => commands::calibrate_int8(args),
        Command::Eval(args) => commands::eval(args),
    }
}
