//! Options every subcommand shares: which model package, and how to run it.

use std::path::PathBuf;

use adain::package::{
    default_package_search_order, executable_dir, locate_package, ModelPackage, PrecisionChoice,
};
use adain::runtime::{
    InferencePrecision, Provider, ProviderOptions, ProviderRequest, SessionOptions,
};
use anyhow::{Context, Result};

use crate::exit::usage;
use clap::{Args, ValueEnum};

/// Execution provider choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EpArg {
    /// TensorRT, else CUDA, else CPU: the first that works here (reported in the log)
    Auto,
    Cpu,
    Cuda,
    Tensorrt,
    /// OpenVINO's CPU kernels, through its ONNX Runtime plugin (x86-64; `cargo xtask setup` installs
    /// it, release archives carry it)
    Openvino,
}

impl From<EpArg> for ProviderRequest {
    fn from(ep: EpArg) -> Self {
        match ep {
            EpArg::Auto => ProviderRequest::Auto,
            EpArg::Cpu => ProviderRequest::Only(Provider::Cpu),
            EpArg::Cuda => ProviderRequest::Only(Provider::Cuda),
            EpArg::Tensorrt => ProviderRequest::Only(Provider::TensorRt),
            EpArg::Openvino => ProviderRequest::Only(Provider::OpenVino),
        }
    }
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Model and runtime")]
pub struct ModelArgs {
    /// Model package folder (manifest.json, encoder.onnx, decoder.onnx) [default: models/default next to
    /// the executable, else in the source tree]
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,

    /// Precision of the package's graphs to run, as listed in its manifest (fp32, fp16, int8); auto takes
    /// int8 on the CPU and fp16 on CUDA/TensorRT when the package lists them validated against fp32
    /// (≥ 30 dB PSNR), else fp32. With --ep openvino: fp32 runs in full precision, bf16 runs the fp32
    /// graphs in OpenVINO's bfloat16 arithmetic (CPUs with AVX512-BF16 or AMX)
    #[arg(long, value_name = "P", default_value = "auto", value_parser = parse_precision)]
    pub precision: PrecisionArg,

    /// Execution provider. An explicit provider that cannot run here is an error, never a silent
    /// fall-back to the CPU
    #[arg(long, value_enum, default_value_t = EpArg::Auto)]
    pub ep: EpArg,

    /// GPU to use with cuda/tensorrt
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub device_id: i32,

    /// Let TensorRT build fp16 engines (TensorRT only; other providers run the graphs of --precision)
    #[arg(long)]
    pub fp16: bool,

    /// Where TensorRT caches its engines [default: <cache>/adain/tensorrt]
    #[arg(long, value_name = "DIR")]
    pub trt_cache: Option<PathBuf>,

    /// Threads per operator [default: all available cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

impl ModelArgs {
    /// The package folder: --model, else the default package.
    pub fn package_dir(&self) -> Result<PathBuf> {
        match &self.model {
            Some(dir) => Ok(dir.clone()),
            None => Ok(locate_package(&default_package_places())?),
        }
    }

    /// Loads and checks the package.
    pub fn load_package(&self) -> Result<ModelPackage> {
        let dir = self.package_dir()?;
        self.check_precision()?;
        ModelPackage::load(&dir, self.precision.graphs, ProviderRequest::from(self.ep))
            .with_context(|| format!("model package {} is not usable", dir.display()))
    }

    /// bf16 is OpenVINO's arithmetic, not a graph of the package.
    fn check_precision(&self) -> Result<()> {
        if self.precision.openvino == InferencePrecision::Bf16 && self.ep != EpArg::Openvino {
            return Err(usage(
                "--precision bf16 runs the fp32 graphs in OpenVINO's bfloat16 arithmetic: add --ep openvino",
            ));
        }
        Ok(())
    }

    pub fn session_options(&self) -> Result<SessionOptions> {
        if self.fp16 && matches!(self.ep, EpArg::Cpu | EpArg::Cuda) {
            return Err(usage(format!("--fp16 makes TensorRT build fp16 engines; with --ep {:?} use a package's fp16 graphs (--precision fp16)", self.ep)));
        }
        self.check_precision()?;
        let defaults = SessionOptions::default();
        let mut provider_options = ProviderOptions {
            device_id: self.device_id,
            fp16: self.fp16,
            openvino_precision: self.precision.openvino,
            ..Default::default()
        };
        if let Some(dir) = &self.trt_cache {
            provider_options.trt_cache = dir.clone();
        }
        Ok(SessionOptions {
            threads: self.threads.map_or(defaults.threads, usize::from),
            request: self.ep.into(),
            provider_options,
            cpu_arena: defaults.cpu_arena,
        })
    }
}

/// `--precision`: the graphs to load, and the arithmetic OpenVINO runs fp32 graphs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrecisionArg {
    pub graphs: PrecisionChoice,
    pub openvino: InferencePrecision,
}

fn parse_precision(s: &str) -> Result<PrecisionArg, String> {
    if s.eq_ignore_ascii_case("bf16") {
        return Ok(PrecisionArg {
            graphs: PrecisionChoice::Exact(adain::package::Precision::Fp32),
            openvino: InferencePrecision::Bf16,
        });
    }
    s.parse()
        .map(|graphs| PrecisionArg {
            graphs,
            // `auto` lets the package decide; a named precision of the graphs runs them exactly.
            openvino: if graphs == PrecisionChoice::Auto {
                InferencePrecision::Auto
            } else {
                InferencePrecision::F32
            },
        })
        .map_err(|e: adain::AdainError| format!("{e} (or bf16 with --ep openvino)"))
}

/// Where the default package is looked for: next to the executable (release archives), then in the
/// source tree this binary was built from (`cargo run`, tests; not in release archives: build.rs).
pub fn default_package_places() -> Vec<PathBuf> {
    let source_tree = Some(env!("ADAIN_SOURCE_TREE"))
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from);
    let roots: Vec<PathBuf> = executable_dir().into_iter().chain(source_tree).collect();
    default_package_search_order(&roots)
}

/// `--max-pixels`, shared by the commands that read images.
#[derive(Debug, Args)]
pub struct ImageLimitArgs {
    /// Refuse images with more pixels than this (a guard against huge or hostile files)
    #[arg(long, value_name = "N", default_value_t = adain::image_io::DEFAULT_MAX_PIXELS)]
    pub max_pixels: u64,
}
