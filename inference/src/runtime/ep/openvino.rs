//! OpenVINO, as an ONNX Runtime *plugin* provider: a shared library registered with the runtime when
//! first asked for, rather than built into the ONNX Runtime library. It runs our graphs with
//! OpenVINO's CPU kernels, which use the CPU's matrix engines (AMX, AVX512-BF16) where there are any.
//!
//! The plugin is looked for next to the executable (`openvino/`, as release archives carry it), then
//! in the cache `cargo xtask setup` installs it into; `ADAIN_OPENVINO_PLUGIN` names the file instead.

use std::path::PathBuf;
use std::sync::OnceLock;

use adain_models::install_paths::{
    openvino_ep_dir, OPENVINO_EP_VERSION, OPENVINO_FOLDER, OPENVINO_PLUGIN_LIBRARY,
};
use ort::device::Device;
use ort::memory::DeviceType;

use super::{Provider, ProviderOptions};
use crate::error::{AdainError, Result};
use crate::runtime::library::executable_dir;
use crate::runtime::Runtime;

/// The provider's name in ONNX Runtime (its devices report it).
pub const EP_NAME: &str = "OpenVINOExecutionProvider";
/// Names the plugin library to load instead of searching for it.
pub const PLUGIN_VARIABLE: &str = "ADAIN_OPENVINO_PLUGIN";
/// The name the plugin is registered under in this process.
const REGISTRATION: &str = "adain-openvino";

/// The arithmetic OpenVINO runs fp32 graphs in (its `INFERENCE_PRECISION_HINT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InferencePrecision {
    /// bf16 where the package validates it and the CPU has it, else fp32: decided by
    /// [`Self::resolve`] once the package is known (fp32 when it never is).
    #[default]
    Auto,
    /// Full precision, as the CPU provider computes.
    F32,
    /// bfloat16 on CPUs with AVX512-BF16 or AMX: about twice as fast, slightly less exact.
    Bf16,
}

impl InferencePrecision {
    fn hint(self) -> &'static str {
        match self {
            Self::Auto | Self::F32 => "f32",
            Self::Bf16 => "bf16",
        }
    }

    /// `Auto` decided for a package: bf16 when its manifest records OpenVINO's bf16 as validated
    /// against fp32 and this CPU has AMX, where bf16 is the fast path; an explicit choice stays as
    /// it is. Measured at 512² (`cargo xtask bench`): on an Intel Xeon with AVX512-BF16 but no AMX,
    /// bf16 took 1514 ms against fp32's 856 ms, so AVX512-BF16 alone is no reason to take it.
    pub fn resolve(self, manifest: &adain_models::manifest::Manifest) -> Self {
        match self {
            Self::Auto
                if cpu_has_amx()
                    && manifest
                        .validated_runtime(adain_models::manifest::OPENVINO_BF16)
                        .is_some() =>
            {
                Self::Bf16
            }
            Self::Auto => Self::F32,
            explicit => explicit,
        }
    }
}

/// Whether this CPU computes bf16 natively (what OpenVINO's bf16 needs; elsewhere it would emulate).
/// Every CPU with AMX also has AVX512-BF16 (Sapphire Rapids and later), so one check covers both.
pub fn cpu_has_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this CPU has AMX with bf16 tiles (Sapphire Rapids and later), read from CPUID leaf 7:
/// the matrix engine that makes OpenVINO's bf16 fast.
pub fn cpu_has_amx() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let leaf7 = std::arch::x86_64::__cpuid_count(7, 0);
        let (amx_bf16, amx_tile) = (1 << 22, 1 << 24);
        std::arch::is_x86_feature_detected!("avx512bf16")
            && leaf7.edx & amx_bf16 != 0
            && leaf7.edx & amx_tile != 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Why `--ep auto` runs on OpenVINO for a package, or why it stays on the CPU provider.
///
/// The rule, from measurements at 512² (cached statistics, steady state, 2 threads):
/// - With AMX (an Intel Xeon with AMX, the encoder and decoder sessions timed one by one): OpenVINO's
///   bf16 about 165 ms against 369 ms for the CPU provider's int8, at higher fidelity (50 dB against
///   33 dB PSNR to fp32 on a real pair). Taken, when the package records bf16 as validated against
///   fp32 and the plugin loads.
/// - With AVX512-BF16 and VNNI but no AMX (an Intel Xeon, `cargo xtask bench`): the CPU provider's
///   int8 374 ms; OpenVINO
///   fp32 856, bf16 1514, int8 321 warm but 665 against 558 ms for a one-shot run. Not taken.
/// - Without VNNI (AVX2 only) nothing has been measured to beat the CPU provider. Not taken.
pub fn auto_choice(manifest: &adain_models::manifest::Manifest) -> AutoChoice {
    auto_choice_assuming(cpu_has_amx(), manifest, in_library)
}

/// [`auto_choice`] on a CPU that has AMX or not, with the plugin's loading as given, so that each
/// branch can be checked on any machine.
#[doc(hidden)]
pub fn auto_choice_assuming(
    amx: bool,
    manifest: &adain_models::manifest::Manifest,
    plugin_loads: impl FnOnce() -> bool,
) -> AutoChoice {
    if !amx {
        return AutoChoice::NotTaken("it beats int8 only with AMX, which this CPU lacks");
    }
    if manifest
        .validated_runtime(adain_models::manifest::OPENVINO_BF16)
        .is_none()
    {
        return AutoChoice::NotTaken("the package does not validate its bf16");
    }
    if !plugin_loads() {
        return AutoChoice::NotTaken("its plugin is not installed");
    }
    AutoChoice::Taken
}

/// What [`auto_choice`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoChoice {
    /// Run the fp32 graphs on OpenVINO in bf16.
    Taken,
    /// Stay on the CPU provider, for this reason.
    NotTaken(&'static str),
}

/// The plugin an embedding program carries (the Python wheel sets it at import).
static BUNDLED_PLUGIN: OnceLock<PathBuf> = OnceLock::new();

/// Names the plugin that came with the program embedding this library, looked in after
/// `ADAIN_OPENVINO_PLUGIN`; the first call wins.
pub fn use_bundled_plugin(plugin: PathBuf) {
    let _ = BUNDLED_PLUGIN.set(plugin);
}

/// The places the plugin may be, in the order they are tried.
pub fn plugin_candidates() -> Vec<PathBuf> {
    if let Some(file) = std::env::var_os(PLUGIN_VARIABLE).filter(|v| !v.is_empty()) {
        return vec![PathBuf::from(file)];
    }
    BUNDLED_PLUGIN
        .get()
        .cloned()
        .into_iter()
        .chain(executable_dir().map(|dir| dir.join(OPENVINO_FOLDER).join(OPENVINO_PLUGIN_LIBRARY)))
        .chain([openvino_ep_dir().join(OPENVINO_PLUGIN_LIBRARY)])
        .collect()
}

/// The plugin library, or an error naming every place looked in.
pub fn locate_plugin() -> Result<PathBuf> {
    let candidates = plugin_candidates();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| AdainError::ExecutionProvider {
            provider: EP_NAME,
            reason: format!(
                "its plugin {OPENVINO_PLUGIN_LIBRARY} was not found; looked in {}. `cargo xtask setup` \
                 installs it (PyPI onnxruntime-ep-openvino=={OPENVINO_EP_VERSION}, x86-64 Linux), \
                 the release archives for x86-64 Linux and Windows carry it in {OPENVINO_FOLDER}/, \
                 or set {PLUGIN_VARIABLE}",
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

/// Registers the plugin with the process's runtime, once; later calls return the first outcome.
pub fn register() -> Result<PathBuf> {
    static REGISTERED: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    let runtime = Runtime::get()?;
    REGISTERED
        .get_or_init(|| {
            let plugin = locate_plugin().map_err(|e| e.to_string())?;
            runtime
                .environment()
                .register_ep_library(REGISTRATION, &plugin)
                .map_err(|e| format!("cannot load its plugin {}: {e}", plugin.display()))?;
            tracing::debug!(plugin = %plugin.display(), "OpenVINO plugin registered");
            Ok(plugin)
        })
        .clone()
        .map_err(|reason| AdainError::ExecutionProvider {
            provider: EP_NAME,
            reason: reason
                .strip_prefix(&format!("execution provider {EP_NAME}: "))
                .unwrap_or(&reason)
                .to_string(),
        })
}

/// OpenVINO's CPU device, once the plugin is registered.
pub fn cpu_device() -> Result<Device<'static>> {
    register()?;
    Runtime::get()?
        .environment()
        .devices()
        .find(|d| {
            d.ep().is_ok_and(|ep| ep == EP_NAME) && d.hardware_device().ty() == DeviceType::CPU
        })
        .ok_or_else(|| AdainError::ExecutionProvider {
            provider: EP_NAME,
            reason: "the plugin loaded but offers no CPU device".into(),
        })
}

/// Whether the plugin is there and loads (what `adain info` calls "in library").
pub fn in_library() -> bool {
    cpu_device().is_ok()
}

/// The device and the `load_config` OpenVINO's session takes: the arithmetic and the threads.
pub fn registration(
    options: &ProviderOptions,
    threads: usize,
) -> Result<(Device<'static>, Vec<(String, String)>)> {
    let device = cpu_device()?;
    if options.openvino_precision == InferencePrecision::Bf16 && !cpu_has_bf16() {
        return Err(AdainError::ExecutionProvider {
            provider: EP_NAME,
            reason: "bf16 needs a CPU with AVX512-BF16 or AMX, and this one has neither; use fp32"
                .into(),
        });
    }
    // No CACHE_DIR: OpenVINO's cache of compiled graphs changed nothing measurable for a one-shot
    // run (512², int8 0.63 against 0.64 s, fp32 1.21 against 1.22 s); the fixed cost is the plugin's
    // loading, about 80 ms a process.
    let cpu = serde_json::json!({
        "INFERENCE_PRECISION_HINT": options.openvino_precision.hint(),
        "INFERENCE_NUM_THREADS": threads.max(1).to_string(),
        "PERFORMANCE_HINT": "LATENCY",
    });
    let config = serde_json::json!({ "CPU": cpu });
    Ok((
        device,
        vec![(format!("{EP_NAME}.load_config"), config.to_string())],
    ))
}

impl Provider {
    /// OpenVINO's plugin file once registered (for `adain info`).
    pub fn openvino_plugin() -> Result<PathBuf> {
        register()
    }
}
