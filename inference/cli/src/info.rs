//! `adain info`: the runtime, the execution providers, and the model package with its checks.

use adain::package::ModelPackage;
use adain::runtime::{probe_provider, Provider, ProviderRequest, Runtime, PROFILE_IMAGE_SIDES};
use anyhow::{bail, Result};
use clap::Args;

use crate::common::ModelArgs;

#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    pub model: ModelArgs,
}

pub fn run(args: &InfoArgs) -> Result<()> {
    println!("adain {}", env!("CARGO_PKG_VERSION"));
    let runtime_ok = print_runtime(args);
    let package_ok = print_package(args);
    match (runtime_ok, package_ok) {
        (true, true) => Ok(()),
        (false, _) => bail!("ONNX Runtime is not usable (see above)"),
        (_, false) => bail!("the model package failed its checks (see above)"),
    }
}

fn print_runtime(args: &InfoArgs) -> bool {
    println!("\nONNX Runtime");
    let runtime = match Runtime::get() {
        Ok(rt) => rt,
        Err(e) => {
            println!("  not loaded: {e}");
            return false;
        }
    };
    println!("  library   {}", runtime.library().display());
    println!(
        "  version   {}",
        runtime.version().unwrap_or_else(|| "unknown".into())
    );
    println!("  build     {}", runtime.build_info().trim());

    println!("\nExecution providers (usable = registers on a session here)");
    let options = match args.model.session_options() {
        Ok(o) => o,
        Err(e) => {
            println!("  {e:#}");
            return false;
        }
    };
    let mut auto_pick = None;
    for provider in Provider::LISTED {
        let compiled = if provider.compiled_in() {
            "yes".to_string()
        } else {
            format!("no (feature `{}`)", provider.name())
        };
        let in_library = match provider.in_library() {
            Ok(true) => "yes".to_string(),
            Ok(false) if !provider.compiled_in() => "-".to_string(),
            Ok(false) => "no".to_string(),
            Err(e) => format!("error: {e}"),
        };
        let usable = if provider.compiled_in() {
            match probe_provider(provider, &options) {
                Ok(()) => {
                    if Provider::ALL.contains(&provider) {
                        auto_pick.get_or_insert(provider);
                    }
                    "yes".to_string()
                }
                Err(e) => format!("no: {e}"),
            }
        } else {
            "no".to_string()
        };
        println!(
            "  {:<9} compiled in: {compiled:<17} in library: {in_library:<4} usable: {usable}",
            provider.name()
        );
    }
    if let Some(p) = auto_pick {
        let openvino = if p == Provider::Cpu && adain::runtime::ep::openvino::cpu_has_amx() {
            ", or on OpenVINO where the package validates its bf16 (see the package's checks)"
        } else {
            ""
        };
        println!("  --ep auto runs on {p}{openvino}");
    }
    print_openvino(&options);
    if Provider::TensorRt.compiled_in() {
        let [min, opt, max] = PROFILE_IMAGE_SIDES;
        println!(
            "  TensorRT profile: image sides {min}..{max} (optimised for {opt}), engine cache {}",
            options.provider_options.trt_cache.display()
        );
    }
    true
}

/// Where OpenVINO's plugin was found and what it would run here.
fn print_openvino(options: &adain::runtime::SessionOptions) {
    use adain::runtime::ep::openvino;
    // Without the plugin, the provider's line above says why.
    let Ok(plugin) = Provider::openvino_plugin() else {
        return;
    };
    let arithmetic = match options.provider_options.openvino_precision {
        adain::runtime::InferencePrecision::Bf16 => "bf16 (--precision bf16)",
        adain::runtime::InferencePrecision::F32 => "fp32",
        adain::runtime::InferencePrecision::Auto => {
            "bf16 where the package validates it and the CPU has AMX, else fp32"
        }
    };
    let bf16 = match (openvino::cpu_has_bf16(), openvino::cpu_has_amx()) {
        (_, true) => "fast (AMX)",
        (true, false) => "available (AVX512-BF16, no AMX: slower than fp32 here)",
        (false, false) => "not available (no AVX512-BF16 or AMX)",
    };
    println!(
        "  OpenVINO plugin {}: CPU device; runs fp32 graphs in {arithmetic}; bf16 {bf16}",
        plugin.display()
    );
}

fn print_package(args: &InfoArgs) -> bool {
    let dir = match args.model.package_dir() {
        Ok(dir) => dir,
        Err(e) => {
            println!("\nModel package\n  {e:#}");
            return false;
        }
    };
    println!("\nModel package {}", dir.display());
    let package = match ModelPackage::load(
        &dir,
        args.model.precision.graphs,
        ProviderRequest::from(args.model.ep),
    ) {
        Ok(p) => p,
        Err(e) => {
            println!("  FAILED: {e}");
            return false;
        }
    };
    let m = package.manifest();
    println!("  name        {} {}", m.name, m.version);
    println!("  convention  {}", m.convention);
    println!(
        "  encoder     {} identity {}",
        m.encoder.architecture, m.encoder.identity
    );
    println!("              {}", m.encoder.source);
    for f in &m.files {
        let sha = f
            .sha256
            .as_deref()
            .unwrap_or("(built on this machine; checked by identity)");
        println!(
            "  file        {:<8} {:<5} {}  {sha}",
            format!("{:?}", f.role).to_lowercase(),
            f.precision,
            f.path
        );
    }
    for (k, v) in &m.provenance {
        println!("  provenance  {k}: {v}");
    }
    println!("  checks (precision {}):", package.precision());
    for check in package.checks() {
        println!("    ok  {}: {}", check.what, check.detail);
    }
    true
}
