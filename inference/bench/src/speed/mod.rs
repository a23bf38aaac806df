//! `adain-bench speed` (`cargo xtask bench`): this project's library against ONNX Runtime from
//! Python (same graphs) and PyTorch eager (same architecture and weights), at several sizes, on a fixed number of threads.
//!
//! Each contestant runs in its own long-lived process (sessions made once, warmed up); repetitions
//! are interleaved across them and summarised by medians. Our process also times every stage and
//! every process reports its peak resident memory. One-shot `adain stylize` processes give the cold
//! start, and a tiled high-resolution run through it the memory bound. Results:
//! target/bench/bench.md and bench.json.

pub(crate) mod inputs;
mod python;
mod report;
pub(crate) mod runs;
mod torch_weights;
mod workers;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use adain::package::ModelPackage;
use adain_models::manifest::{Manifest, Role};
use anyhow::{bail, Context, Result};
use clap::Args;

use crate::place::{out_dir, sibling};
use adain_test_kit::paths::default_package;
use workers::{Contestant, Runner};

#[derive(Args, Debug)]
pub struct SpeedArgs {
    /// Model package [default: models/default]
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,

    /// Square image sides to measure
    #[arg(long, value_delimiter = ',', default_values_t = [256, 512, 1024])]
    pub sizes: Vec<u32>,

    /// Threads per operator for every contestant
    #[arg(long, default_value_t = 2)]
    pub threads: usize,

    /// Interleaved repetitions per contestant, size and mode (after one warm-up)
    #[arg(long, default_value_t = 5)]
    pub reps: usize,

    /// Precisions of our library to measure [default: every precision the manifest lists for both graphs]
    #[arg(long, value_delimiter = ',')]
    pub precisions: Option<Vec<String>>,

    /// Leave out OpenVINO's provider (measured where its plugin is pinned: x86-64 Linux)
    #[arg(long)]
    pub no_openvino: bool,

    /// Leave out ONNX Runtime from Python and PyTorch (no torch venv needed)
    #[arg(long)]
    pub no_python: bool,

    /// Leave out PyTorch
    #[arg(long)]
    pub no_torch: bool,

    /// One-shot `adain stylize` processes per size and precision (cached style statistics); 0 skips them
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub oneshot_reps: usize,

    /// Side of the tiled high-resolution run through `adain stylize` (time, peak memory); 0 skips it
    #[arg(long, value_name = "N", default_value_t = 4096)]
    pub hires: u32,
}

pub fn run(args: &SpeedArgs) -> Result<()> {
    let out = out_dir()?;
    for dir in ["inputs", "outputs", "logs"] {
        std::fs::create_dir_all(out.join(dir))?;
    }
    let load_before = loadavg();
    let package = args.model.clone().unwrap_or_else(default_package);
    ModelPackage::load(&package, adain::Precision::Fp32, adain::Provider::Cpu)
        .with_context(|| format!("{} is not a usable package", package.display()))?;
    // Absolute: the Python workers run in their scripts' folder.
    let package = package.canonicalize()?;
    let manifest = Manifest::load(&package)?;
    let precisions = precisions(args, &manifest, &package)?;
    tracing::info!(
        "package {} ({}); precisions {precisions:?}",
        manifest.name,
        package.display()
    );

    let openvino = !args.no_openvino && adain::runtime::ep::openvino::locate_plugin().is_ok();
    let bench_worker = sibling("bench_worker")?;
    let adain = if args.hires > 0 || args.oneshot_reps > 0 {
        Some(sibling("adain")?)
    } else {
        None
    };
    let versions = (!args.no_python).then(python::check).transpose()?;
    let torch_weights = if args.no_python || args.no_torch {
        None
    } else {
        let path = out.join("torch_weights.safetensors");
        torch_weights::export(&package, &path)?;
        Some(path)
    };

    let contestant = |runner, precision: &str| Contestant {
        runner,
        precision: precision.to_string(),
    };
    let mut contestants: Vec<Contestant> = precisions
        .iter()
        .map(|p| contestant(Runner::Adain, p))
        .collect();
    if openvino {
        // OpenVINO's provider: the fp32 graphs in full precision and in bf16 where the CPU has it,
        // and the int8 graphs where the package lists them; ours, and ONNX Runtime's from Python.
        let mut ov = vec!["fp32"];
        if adain::runtime::ep::openvino::cpu_has_bf16() {
            ov.push("bf16");
        }
        if precisions.iter().any(|p| p == "int8") {
            ov.push("int8");
        }
        let runners: &[Runner] = if args.no_python {
            &[Runner::Adain]
        } else {
            &[Runner::Adain, Runner::OrtPython]
        };
        for &runner in runners {
            contestants.extend(
                ov.iter()
                    .map(|p| contestant(runner, &format!("openvino:{p}"))),
            );
        }
    }
    if !args.no_python {
        contestants.extend(precisions.iter().map(|p| contestant(Runner::OrtPython, p)));
        if !args.no_torch {
            contestants.push(contestant(Runner::Torch, "fp32"));
        }
    }
    let graphs = |precision: &str| -> Result<(PathBuf, PathBuf)> {
        let path = |role: Role| {
            let file = manifest.file(role, precision);
            let file =
                file.with_context(|| format!("no {role:?} graph of precision {precision}"))?;
            anyhow::Ok(package.join(&file.path))
        };
        Ok((path(Role::Encoder)?, path(Role::Decoder)?))
    };
    let setup = workers::Setup {
        package: &package,
        threads: args.threads,
        bench_worker: &bench_worker,
        torch_weights: torch_weights.as_deref(),
        graphs: &graphs,
        out: &out,
    };
    let outputs = out.join("outputs");
    let (mut measured, mut oneshots) = (Vec::new(), Vec::new());
    for &size in &args.sizes {
        let inputs = inputs::write(&out.join("inputs"), size)?;
        measured.extend(workers::measure(
            &setup,
            &contestants,
            &inputs,
            size,
            args.reps,
        )?);
        let Some(adain) = adain.as_deref().filter(|_| args.oneshot_reps > 0) else {
            continue;
        };
        for c in contestants.iter().filter(|c| c.runner == Runner::Adain) {
            let runs = (args.threads, args.oneshot_reps);
            oneshots.push(runs::oneshot(
                adain,
                &package,
                &inputs,
                size,
                &c.precision,
                runs,
                &outputs,
            )?);
        }
    }
    let mut hires = Vec::new();
    if let Some(adain) = adain.as_deref().filter(|_| args.hires > 0) {
        let content = inputs::write_large(&out.join("inputs"), args.hires)?;
        let style = inputs::write(&out.join("inputs"), 512)?.style_png;
        let mut paths: Vec<&[&str]> = vec![&[]];
        if openvino {
            paths.extend([
                &["--ep", "openvino"][..],
                &["--ep", "openvino", "--precision", "int8"],
            ]);
        }
        for flags in paths {
            let files = (package.as_path(), content.as_path(), style.as_path());
            hires.push(runs::hires(
                adain,
                files,
                args.hires,
                args.threads,
                flags,
                &outputs,
            )?);
        }
    }

    let decoder = manifest.provenance.get("decoder");
    let mut info = BTreeMap::from([
        ("date".to_string(), date()),
        ("machine".into(), adain_test_kit::machine::machine()),
        ("load average (1/5/15 min) before / after".into(), format!("{load_before} / {}", loadavg())),
        (
            "package".into(),
            format!(
                "{} {} ({}); decoder: {}",
                manifest.name,
                manifest.version,
                package.display(),
                decoder.map_or("trained (see manifest)", String::as_str)
            ),
        ),
        ("threads per contestant".into(), args.threads.to_string()),
        (
            "repetitions".into(),
            format!(
                "{} per contestant, size and mode, interleaved, after one warm-up; {} ms idle before each",
                args.reps,
                workers::SETTLE.as_millis()
            ),
        ),
        ("images".into(), format!("content and style both N×N; {}", inputs::source())),
        ("ONNX Runtime".into(), "1.31.1 (the Rust side loads the library from the PyPI wheel; Python imports the same release)".into()),
    ]);
    if let Some(v) = &versions {
        let ort = v.onnxruntime.as_deref().unwrap_or("-");
        info.insert(
            "Python".into(),
            format!("{} (torch {}, onnxruntime {ort})", v.python, v.torch),
        );
    }
    // The decoder's validation of each reduced precision (encoder and decoder of a variant share it).
    let validations = manifest
        .files
        .iter()
        .filter(|f| f.role == Role::Decoder)
        .filter_map(|f| Some((f.precision.clone(), f.validation.clone()?)))
        .collect();
    let report = report::Report {
        info,
        validations,
        measured: &measured,
        oneshots: &oneshots,
        hires: &hires,
    };
    println!("{}", report::write(&out, &report)?);
    tracing::info!("wrote {} and bench.json", out.join("bench.md").display());
    Ok(())
}

/// Precisions with both graphs listed (fp32 first), or those asked for.
fn precisions(args: &SpeedArgs, manifest: &Manifest, package: &Path) -> Result<Vec<String>> {
    let listed = |p: &str| {
        manifest.file(Role::Encoder, p).is_some() && manifest.file(Role::Decoder, p).is_some()
    };
    let mut all: Vec<String> = manifest
        .precisions(Role::Decoder)
        .into_iter()
        .filter(|p| listed(p))
        .map(str::to_string)
        .collect();
    all.sort_by_key(|p| (p != "fp32", p.clone()));
    all.dedup();
    let chosen = args.precisions.clone().unwrap_or(all.clone());
    if let Some(missing) = chosen.iter().find(|p| !listed(p)) {
        bail!(
            "{}: no encoder and decoder graphs of precision {missing} (listed: {all:?})",
            package.display()
        );
    }
    if !chosen.iter().any(|p| p == "fp32") {
        bail!("the bench needs the fp32 graphs as its reference");
    }
    Ok(chosen)
}

fn loadavg() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn date() -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
