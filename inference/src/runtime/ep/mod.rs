//! Execution providers: one file per provider, and the choice between them.
//!
//! An explicitly requested provider that cannot be registered is an error, never a silent fall-back
//! to the CPU; only `auto` walks TensorRT → CUDA → (OpenVINO on CPUs with AMX) → CPU, and it reports
//! which one it took.

mod cuda;
pub mod openvino;
mod tensorrt;

pub use openvino::InferencePrecision;
pub use tensorrt::PROFILE_IMAGE_SIDES;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use ort::device::Device;
use ort::ep::ExecutionProviderDispatch;

use super::graph::GraphInput;
use crate::error::{AdainError, Result};

/// A provider that can run a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Cpu,
    Cuda,
    TensorRt,
    /// OpenVINO's CPU kernels, through its plugin (see `openvino.rs`).
    OpenVino,
}

impl Provider {
    /// The providers `auto` tries, in order (CPU is the last resort).
    pub const ALL: [Provider; 3] = [Provider::TensorRt, Provider::Cuda, Provider::Cpu];
    /// Every provider, as `adain info` lists them.
    pub const LISTED: [Provider; 4] = [
        Provider::TensorRt,
        Provider::Cuda,
        Provider::OpenVino,
        Provider::Cpu,
    ];

    /// Short name as used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Cpu => "cpu",
            Provider::Cuda => "cuda",
            Provider::TensorRt => "tensorrt",
            Provider::OpenVino => "openvino",
        }
    }

    /// ONNX Runtime's identifier, as listed by `GetAvailableProviders`.
    pub fn ort_name(self) -> &'static str {
        match self {
            Provider::Cpu => "CPUExecutionProvider",
            Provider::Cuda => "CUDAExecutionProvider",
            Provider::TensorRt => "TensorrtExecutionProvider",
            Provider::OpenVino => openvino::EP_NAME,
        }
    }

    /// Whether this `adain` was built with the Cargo feature the provider needs (OpenVINO needs
    /// none: its plugin is loaded at run time).
    pub fn compiled_in(self) -> bool {
        match self {
            Provider::Cpu | Provider::OpenVino => true,
            Provider::Cuda => cuda::COMPILED_IN,
            Provider::TensorRt => tensorrt::COMPILED_IN,
        }
    }

    /// Whether the loaded ONNX Runtime library was built with this provider (for OpenVINO: whether
    /// its plugin is found and loads). Being listed does not prove it works here (drivers, CUDA
    /// libraries): only registering it on a session does.
    pub fn in_library(self) -> Result<bool> {
        // Any ort call before the library is loaded would make ort look for it itself, and panic.
        super::Runtime::get()?;
        let available = match self {
            Provider::Cpu => Ok(true),
            Provider::Cuda => cuda::in_library(),
            Provider::TensorRt => tensorrt::in_library(),
            Provider::OpenVino => Ok(openvino::in_library()),
        };
        available.map_err(|e| {
            AdainError::ort(format!("asking ONNX Runtime about {}", self.ort_name()), e)
        })
    }

    /// How to register the provider for a graph, set to fail loudly if it cannot be.
    pub(crate) fn registration(
        self,
        options: &ProviderOptions,
        graph: &GraphInput,
        threads: usize,
    ) -> Result<Registration> {
        match self {
            Provider::Cpu => Ok(Registration::Cpu),
            Provider::Cuda => cuda::dispatch(options).map(Registration::BuiltIn),
            Provider::TensorRt => tensorrt::dispatch(options, graph).map(Registration::BuiltIn),
            Provider::OpenVino => openvino::registration(options, threads)
                .map(|(device, options)| Registration::Plugin(device, options)),
        }
    }
}

/// How a session gets its provider.
pub(crate) enum Registration {
    /// Every session has the CPU provider without registering (its arena is a session option).
    Cpu,
    /// A provider built into the ONNX Runtime library.
    BuiltIn(ExecutionProviderDispatch),
    /// A plugin's device, with its options (`<EP name>.<key>`).
    Plugin(Device<'static>, Vec<(String, String)>),
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::Cpu => "CPU",
            Provider::Cuda => "CUDA",
            Provider::TensorRt => "TensorRT",
            Provider::OpenVino => "OpenVINO",
        })
    }
}

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProviderRequest {
    /// The fastest provider that registers: TensorRT, then CUDA, then OpenVINO where
    /// [`openvino::auto_choice`] takes it for the package, then CPU.
    #[default]
    Auto,
    /// Exactly this one, or an error.
    Only(Provider),
    /// This one, else the CPU provider: what `Auto` becomes once the package shows OpenVINO is
    /// the faster path here (see [`openvino::auto_choice`]).
    Prefer(Provider),
}

/// A provider named outright: that one or an error.
impl From<Provider> for ProviderRequest {
    fn from(provider: Provider) -> Self {
        Self::Only(provider)
    }
}

impl ProviderRequest {
    /// Providers to try, in order.
    pub(crate) fn candidates(self) -> Vec<Provider> {
        match self {
            ProviderRequest::Auto => Provider::ALL
                .into_iter()
                .filter(|p| p.compiled_in())
                .collect(),
            ProviderRequest::Only(p) => vec![p],
            ProviderRequest::Prefer(Provider::Cpu) => vec![Provider::Cpu],
            ProviderRequest::Prefer(p) => vec![p, Provider::Cpu],
        }
    }
}

impl FromStr for ProviderRequest {
    type Err = AdainError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(ProviderRequest::Auto),
            "cpu" => Ok(ProviderRequest::Only(Provider::Cpu)),
            "cuda" => Ok(ProviderRequest::Only(Provider::Cuda)),
            "tensorrt" | "trt" => Ok(ProviderRequest::Only(Provider::TensorRt)),
            "openvino" | "ov" => Ok(ProviderRequest::Only(Provider::OpenVino)),
            other => Err(AdainError::InvalidParameter(format!(
                "unknown execution provider `{other}` (expected auto, cpu, cuda, tensorrt or openvino)"
            ))),
        }
    }
}

/// Settings of the providers beyond the CPU's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderOptions {
    /// GPU ordinal for CUDA and TensorRT.
    pub device_id: i32,
    /// Let TensorRT build fp16 engines.
    pub fp16: bool,
    /// Where TensorRT keeps built engines (building one takes minutes; reusing it, milliseconds).
    pub trt_cache: PathBuf,
    /// The arithmetic OpenVINO runs fp32 graphs in.
    pub openvino_precision: InferencePrecision,
}

impl Default for ProviderOptions {
    fn default() -> Self {
        Self {
            device_id: 0,
            fp16: false,
            trt_cache: adain_models::install_paths::cache_dir().join("tensorrt"),
            openvino_precision: InferencePrecision::default(),
        }
    }
}

/// Error for a provider this binary was built without.
#[cfg_attr(all(feature = "cuda", feature = "tensorrt"), allow(dead_code))]
fn not_compiled(provider: Provider, feature: &str) -> AdainError {
    AdainError::ExecutionProvider {
        provider: provider.ort_name(),
        reason: format!(
            "this adain was built without {provider} support; rebuild with `cargo build --release --features {feature}`"
        ),
    }
}
