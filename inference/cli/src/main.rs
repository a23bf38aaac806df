//! `adain`: arbitrary style transfer from the command line.

mod common;
mod exit;
mod export_triton;
mod info;
mod inputs;
mod io_threads;
mod palette;
mod progress;
mod render;
#[cfg(feature = "serve")]
mod serve;
mod stats;
mod styles;
mod stylize;
mod version;
mod video;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "adain",
    version,
    about = "Arbitrary style transfer with adaptive instance normalisation (Huang & Belongie, 2017)",
    long_about = "Arbitrary style transfer with adaptive instance normalisation (Huang & Belongie, 2017).\n\n\
                  The encoder and the decoder run in ONNX Runtime; AdaIN, style interpolation, masks and\n\
                  colour preservation run in between, so styles can come from images or statistics files.\n\
                  Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=adain=debug) for more detail."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// More log output (-v: debug, -vv: trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    /// Only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Stylize content images with style images or style statistics
    Stylize(stylize::StylizeArgs),
    /// Stylize a video (MP4/WebM/… through ffmpeg; GIF, APNG, Y4M and frame folders built in)
    Video(video::VideoArgs),
    /// Compute the style statistics of one image, or their average over several, into a file
    Stats(stats::StatsArgs),
    /// Show the ONNX Runtime, the execution providers and the model package with its checks
    Info(info::InfoArgs),
    /// Write a Triton Inference Server model repository: encoder, AdaIN and decoder graphs and an ensemble
    ExportTriton(export_triton::ExportTritonArgs),
    /// Serve stylization over HTTP: a JSON/multipart API, stored styles, metrics and a web page
    #[cfg(feature = "serve")]
    Serve(serve::ServeCommand),
}

fn main() -> std::process::ExitCode {
    let mut command = Cli::command();
    if version::requested() {
        // Loads the runtime to name its version, so only when asked.
        // clap keeps &'static strings; the process prints this and exits.
        let report: &'static str = Box::leak(version::report().into_boxed_str());
        command = command.version(report).long_version(report);
    }
    let matches = command.get_matches();
    // clap exits with 2 on a usage error, 0 for --help and --version.
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    init_logging(cli.verbose, cli.quiet);
    let result = match &cli.command {
        Command::Stylize(args) => match matches.subcommand_matches("stylize") {
            Some(sub) => stylize::run(args, sub),
            None => Err(anyhow::anyhow!("internal error: no stylize arguments")),
        },
        Command::Video(args) => match matches.subcommand_matches("video") {
            Some(sub) => video::run(args, sub),
            None => Err(anyhow::anyhow!("internal error: no video arguments")),
        },
        Command::Stats(args) => stats::run(args),
        Command::Info(args) => info::run(args),
        Command::ExportTriton(args) => export_triton::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(()) => exit::exit_code(exit::SUCCESS),
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            exit::exit_code(exit::code_for(&e))
        }
    }
}

/// The error and its causes on one line, leaving out causes whose text the message already holds
/// (our errors and those of adain-models print their source inline).
pub(crate) fn describe(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    if let Some(advice) = advice(error) {
        text.push_str(advice);
    }
    text
}

/// The option or command that fixes a library error: the library speaks of limits, precisions and
/// encoders, the command of its flags.
fn advice(error: &anyhow::Error) -> Option<&'static str> {
    use adain::{AdainError, ImageProblem};
    error
        .chain()
        .find_map(|cause| match cause.downcast_ref::<AdainError>()? {
            AdainError::Image {
                problem: ImageProblem::TooLarge { .. },
                ..
            } => Some(" (raise it with --max-pixels)"),
            AdainError::Image {
                problem: ImageProblem::UnsupportedFormat(format),
                ..
            } if format.starts_with("Gif") => Some(" (animated GIFs: `adain video`)"),
            AdainError::PrecisionUnavailable { .. } => Some(" (--precision fp32 or auto)"),
            AdainError::NoDefaultPackage { .. } => Some("\n(give it with --model DIR)"),
            AdainError::Stats { .. } => {
                Some(" (`adain stats` computes them, `adain stats --fit-gaussian` fits a Gaussian)")
            }
            _ => None,
        })
}

/// Logs to stderr: ours (the library `adain`, the command, the server) at info by default, everything
/// else at warn; RUST_LOG overrides.
/// ONNX Runtime's own log is off unless -v: its errors reach the user through ours.
fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error,ort=off",
        (_, 0) => "warn,ort=off,adain=info,adain_cli=info,adain_serve=info",
        (_, 1) => "info,adain=debug,adain_cli=debug,adain_serve=debug",
        _ => "debug,adain=trace,adain_cli=trace,adain_serve=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // Timestamps help when debugging timings; in normal use they are noise.
    if verbose > 0 {
        logs.init();
    } else {
        logs.without_time().init();
    }
}
