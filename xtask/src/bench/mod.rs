//! `cargo xtask bench`: this project's library against ONNX Runtime from Python (same graphs) and
//! PyTorch eager (same architecture and weights), at several sizes, on a fixed number of threads.
//!
//! Each contestant runs in its own long-lived process (sessions made once, warmed up); repetitions
//! are interleaved across them and summarised by medians. Our process also times every stage and
//! every process reports its peak resident memory. A tiled high-resolution run through the `adain`
//! command gives the memory bound. Results: target/bench/bench.md and bench.json.

mod hires;
pub(crate) mod inputs;
mod measure;
pub(crate) mod oneshot;
mod profile;
mod python;
mod report;
mod torch_weights;
mod workers;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use adain::package::ModelPackage;
use adain_models::manifest::{Manifest, Role};
use anyhow::{bail, Context, Result};
use clap::Args;

use crate::paths::{default_package, target_dir, workspace_root};
use workers::{Contestant, Runner};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Model package [default: models/default when it is complete, else a fixture package (real encoder,
    /// seeded random decoder) written to target/bench/package — same cost, meaningless pictures]
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

pub fn run(args: &BenchArgs) -> Result<()> {
    let out = target_dir().join("bench");
    for dir in ["inputs", "outputs", "logs"] {
        std::fs::create_dir_all(out.join(dir))?;
    }
    let load_before = loadavg();
    let package = package(args, &out)?;
    let manifest = Manifest::load(&package)?;
    let precisions = precisions(args, &manifest, &package)?;
    tracing::info!(
        "package {} ({}); precisions {precisions:?}",
        manifest.name,
        package.display()
    );

    crate::setup::onnx_runtime::install()?;
    let openvino = crate::setup::openvino_ep::install()?.is_some() && !args.no_openvino;
    let bench_worker = build_bench_worker()?;
    let adain = if args.hires > 0 || args.oneshot_reps > 0 {
        Some(crate::adain_bin::build_release()?)
    } else {
        None
    };
    let versions = if args.no_python {
        None
    } else {
        Some(python::ensure(true)?)
    };
    let torch_weights = if args.no_python || args.no_torch {
        None
    } else {
        let path = out.join("torch_weights.safetensors");
        torch_weights::export(&package, &path)?;
        Some(path)
    };

    let mut contestants: Vec<Contestant> = precisions
        .iter()
        .map(|p| Contestant {
            runner: Runner::Adain,
            precision: p.clone(),
        })
        .collect();
    if openvino {
        // OpenVINO's provider: the fp32 graphs in full precision and in bf16 where the CPU has it,
        // and the int8 graphs where the package lists them.
        let mut ov = vec!["fp32"];
        if adain::runtime::ep::openvino::cpu_has_bf16() {
            ov.push("bf16");
        }
        if precisions.iter().any(|p| p == "int8") {
            ov.push("int8");
        }
        for runner in [Runner::Adain, Runner::OrtPython] {
            if runner == Runner::OrtPython && args.no_python {
                continue;
            }
            contestants.extend(ov.iter().map(|p| Contestant {
                runner,
                precision: format!("openvino:{p}"),
            }));
        }
    }
    if !args.no_python {
        contestants.extend(precisions.iter().map(|p| Contestant {
            runner: Runner::OrtPython,
            precision: p.clone(),
        }));
        if !args.no_torch {
            contestants.push(Contestant {
                runner: Runner::Torch,
                precision: "fp32".into(),
            });
        }
    }
    let graphs = |precision: &str| -> Result<(PathBuf, PathBuf)> {
        let path = |role: Role| {
            manifest
                .file(role, precision)
                .map(|f| package.join(&f.path))
                .with_context(|| format!("no {role:?} graph of precision {precision}"))
        };
        Ok((path(Role::Encoder)?, path(Role::Decoder)?))
    };
    let setup = measure::Setup {
        package: &package,
        threads: args.threads,
        bench_worker: &bench_worker,
        torch_weights: torch_weights.as_deref(),
        graphs: &graphs,
        out: &out,
    };
    let mut measured = Vec::new();
    let mut oneshots = Vec::new();
    for &size in &args.sizes {
        let inputs = inputs::write(&out.join("inputs"), size)?;
        measured.extend(measure::size(
            &setup,
            &contestants,
            &inputs,
            size,
            args.reps,
        )?);
        if let (Some(adain), true) = (&adain, args.oneshot_reps > 0) {
            let outputs = out.join("outputs");
            let setup = oneshot::Setup {
                adain,
                package: &package,
                threads: args.threads,
                reps: args.oneshot_reps,
                out: &outputs,
            };
            for contestant in contestants.iter().filter(|c| c.runner == Runner::Adain) {
                oneshots.push(oneshot::run(&setup, &inputs, size, &contestant.precision)?);
            }
        }
    }
    // Per-node profile at 512² (or the middle size), one per precision.
    let mut profiles = BTreeMap::new();
    if !args.no_python {
        let size = if args.sizes.contains(&512) {
            512
        } else {
            args.sizes[args.sizes.len() / 2]
        };
        for precision in &precisions {
            tracing::info!("{size}²: ONNX Runtime's per-node profile of the {precision} graphs");
            let (encoder, decoder) = graphs(precision)?;
            profiles.insert(
                format!("{precision} at {size}²"),
                profile::run(&encoder, &decoder, size, args.threads)?,
            );
        }
    }
    let hires = match adain.filter(|_| args.hires > 0) {
        Some(adain) => {
            let content = inputs::write_large(&out.join("inputs"), args.hires)?;
            let style = inputs::write(&out.join("inputs"), 512)?.style_png;
            let mut paths: Vec<&[&str]> = vec![&[]];
            if openvino {
                paths.extend([
                    &["--ep", "openvino"][..],
                    &["--ep", "openvino", "--precision", "int8"],
                ]);
            }
            let outputs = out.join("outputs");
            let run = hires::HiResRun {
                adain: &adain,
                package: &package,
                content: &content,
                style: &style,
                side: args.hires,
                threads: args.threads,
                out: &outputs,
            };
            paths
                .into_iter()
                .map(|flags| hires::run(&run, flags))
                .collect::<Result<Vec<_>>>()?
        }
        None => Vec::new(),
    };

    let rows = report::rows(&measured);
    let mut info = BTreeMap::new();
    info.insert("date".into(), date());
    info.insert("machine".into(), machine());
    info.insert(
        "load average (1/5/15 min) before / after".into(),
        format!("{load_before} / {}", loadavg()),
    );
    info.insert(
        "package".into(),
        format!(
            "{} {} ({}); decoder: {}",
            manifest.name,
            manifest.version,
            package.display(),
            manifest
                .provenance
                .get("decoder")
                .map_or("trained (see manifest)", String::as_str)
        ),
    );
    info.insert("threads per contestant".into(), args.threads.to_string());
    info.insert(
        "repetitions".into(),
        format!(
            "{} per contestant, size and mode, interleaved, after one warm-up; {} ms idle before each",
            args.reps,
            measure::SETTLE.as_millis()
        ),
    );
    info.insert(
        "images".into(),
        format!("content and style both N×N; {}", inputs::source()),
    );
    info.insert("ONNX Runtime".into(), "1.31.1 (the Rust side loads the library from the PyPI wheel; Python imports the same release)".into());
    if let Some(v) = &versions {
        info.insert(
            "Python".into(),
            format!(
                "{} (torch {}, onnxruntime {})",
                v.python,
                v.torch,
                v.onnxruntime.as_deref().unwrap_or("-")
            ),
        );
    }
    let md = report::write(
        &out,
        &report::Context {
            info,
            validations: validations(&manifest),
        },
        &measured,
        &rows,
        &profiles,
        &oneshots,
        &hires,
    )?;
    println!("{md}");
    tracing::info!("wrote {} and bench.json", out.join("bench.md").display());
    Ok(())
}

/// --model, else models/default when it loads, else a fixture package under target/bench.
fn package(args: &BenchArgs, out: &Path) -> Result<PathBuf> {
    if let Some(dir) = &args.model {
        ModelPackage::load(dir, adain::Precision::Fp32, adain::Provider::Cpu)
            .with_context(|| format!("{} is not a usable package", dir.display()))?;
        // Absolute: the Python workers run in their scripts' folder.
        return Ok(dir.canonicalize()?);
    }
    let default = default_package();
    if ModelPackage::load(&default, adain::Precision::Fp32, adain::Provider::Cpu).is_ok() {
        return Ok(default);
    }
    let fixture = out.join("package");
    if ModelPackage::load(&fixture, adain::Precision::Fp32, adain::Provider::Cpu).is_err() {
        tracing::warn!("{} is not complete yet: benchmarking a fixture package (random decoder: same cost, meaningless pictures)", default.display());
        let _ = std::fs::remove_dir_all(&fixture);
        crate::fixture::run(&crate::fixture::FixtureArgs {
            out: fixture.clone(),
            seed: 42,
        })?;
    }
    Ok(fixture)
}

/// Precisions with both graphs listed (fp32 first), or those asked for.
fn precisions(args: &BenchArgs, manifest: &Manifest, package: &Path) -> Result<Vec<String>> {
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
    let chosen = match &args.precisions {
        Some(asked) => {
            if let Some(missing) = asked.iter().find(|p| !listed(p)) {
                bail!(
                    "{}: no encoder and decoder graphs of precision {missing} (listed: {all:?})",
                    package.display()
                );
            }
            asked.clone()
        }
        None => all,
    };
    if !chosen.iter().any(|p| p == "fp32") {
        bail!("the bench needs the fp32 graphs as its reference");
    }
    Ok(chosen)
}

/// The decoder's validation of each reduced precision (encoder and decoder of a variant share it).
fn validations(manifest: &Manifest) -> BTreeMap<String, adain_models::manifest::Validation> {
    manifest
        .files
        .iter()
        .filter(|f| f.role == Role::Decoder)
        .filter_map(|f| Some((f.precision.clone(), f.validation.clone()?)))
        .collect()
}

fn build_bench_worker() -> Result<PathBuf> {
    tracing::info!("building the bench worker (release)");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace_root())
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "adain-cli",
            "--example",
            "bench_worker",
        ])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("building the bench worker failed ({status})");
    }
    Ok(target_dir()
        .join("release")
        .join("examples")
        .join("bench_worker"))
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The CPU's model name, as /proc/cpuinfo gives it ("?" where it cannot be read).
pub(crate) fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_string()
}

/// The CPU, its core count and the flags that decide which kernels and precisions are fast.
pub(crate) fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu_model();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    // The flags that decide which kernels and precisions are fast here.
    const FLAGS: [&str; 8] = [
        "avx2",
        "avx512f",
        "avx_vnni",
        "avx512_vnni",
        "avx512_bf16",
        "avx512_fp16",
        "amx_bf16",
        "amx_int8",
    ];
    let present: Vec<&str> = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .map(|l| {
            let have: Vec<&str> = l.split_whitespace().collect();
            FLAGS.into_iter().filter(|f| have.contains(f)).collect()
        })
        .unwrap_or_default();
    format!("{model}, {cores} cores, flags: {}", present.join(" "))
}

fn date() -> String {
    Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
