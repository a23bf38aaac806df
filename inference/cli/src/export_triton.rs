//! `adain export-triton`: a Triton Inference Server model repository of a package.

use std::path::PathBuf;

use adain::{ModelPackage, Provider};
use adain_cli::triton::{export, TensorRtPrecision, TritonOptions};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use crate::common::ModelArgs;

#[derive(Debug, Args)]
#[command(after_help = "\
Writes encoder/, adain/ and decoder/ (onnxruntime backend, each with 1/model.onnx and config.pbtxt) and
the ensemble adain_ensemble/ chaining them: inputs image [3,H,W] (RGB in [0,1]), style_mean and
style_std [512] (from `adain stats`: relu4_1.mean / relu4_1.std), alpha [1]; output stylized
[3,8⌈H/8⌉,8⌈W/8⌉], to crop to H×W and clamp. The graphs are those of --precision; `auto` takes
what it would run on CUDA (validated fp16 graphs, else fp32).

Example:
  adain export-triton --out triton-repo
  tritonserver --model-repository=$PWD/triton-repo")]
pub struct ExportTritonArgs {
    /// Repository folder to write (must not exist, or be empty)
    #[arg(long, value_name = "REPO")]
    pub out: PathBuf,

    /// Largest batch Triton's dynamic batcher forms
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_batch_size: u32,

    /// Run the encoder and the decoder through TensorRT inside the onnxruntime backend
    #[arg(long, value_enum, value_name = "PRECISION")]
    pub tensorrt: Option<TrtArg>,

    /// Run the encoder and the decoder through OpenVINO on the backend's CPU instances (Triton's
    /// onnxruntime backend is built with it)
    #[arg(long)]
    pub openvino: bool,

    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrtArg {
    Fp32,
    Fp16,
}

pub fn run(args: &ExportTritonArgs) -> Result<()> {
    // Triton serves GPU fleets: `auto` takes what it would run on CUDA (validated fp16, else fp32),
    // whatever this machine's CPU would prefer.
    // With OpenVINO alone the repository is for CPUs: `auto` takes what OpenVINO runs (fp32).
    let target = if args.openvino && args.tensorrt.is_none() {
        Provider::OpenVino
    } else {
        Provider::Cuda
    };
    let dir = args.model.package_dir()?;
    let package = ModelPackage::load(&dir, args.model.precision.graphs, target)
        .with_context(|| format!("model package {} is not usable", dir.display()))?;
    let options = TritonOptions {
        max_batch_size: args.max_batch_size,
        tensorrt: args.tensorrt.map(|t| match t {
            TrtArg::Fp32 => TensorRtPrecision::Fp32,
            TrtArg::Fp16 => TensorRtPrecision::Fp16,
        }),
        openvino: args.openvino,
    };
    let out = export(&package, &args.out, &options)
        .with_context(|| format!("writing the Triton repository {}", args.out.display()))?;
    tracing::info!(
        "wrote {} ({} graphs of {})",
        out.display(),
        package.precision(),
        package.manifest().name
    );
    Ok(())
}
