//! `adain-fuzz`: runs fuzz targets for a time budget and reports runs, coverage and findings.
//! Usually started by `cargo xtask fuzz`, which builds it with coverage instrumentation.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use adain_fuzz::engine::{fuzz, inputs_in, replay, Config};
use adain_fuzz::targets::{by_name, NAMES};
use anyhow::Result;
use clap::Parser;

#[global_allocator]
static ALLOCATOR: adain_fuzz::alloc_watch::Watch = adain_fuzz::alloc_watch::Watch;

#[derive(Parser)]
#[command(about = "Fuzz adain's file readers (stats files, manifests, ONNX graphs, images)")]
struct Args {
    /// Targets to run (default: all).
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(NAMES))]
    targets: Vec<String>,
    /// Time budget per target.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Random seed of the mutations.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Model package the ONNX seeds come from.
    #[arg(long, default_value = "models/default")]
    package: PathBuf,
    /// Corpus folder (one subfolder per target), kept between runs.
    #[arg(long, default_value = "target/fuzz/corpus")]
    corpus: PathBuf,
    /// Where findings are written (one subfolder per target).
    #[arg(long, default_value = "target/fuzz/findings")]
    findings: PathBuf,
    /// Write each target's seeds under this folder (one subfolder per target) and exit.
    #[arg(long)]
    write_seeds: Option<PathBuf>,
    /// Replay the saved inputs under this folder (one subfolder per target) instead of fuzzing.
    #[arg(long)]
    replay: Option<PathBuf>,
}

fn main() -> Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let names: Vec<&str> = if args.targets.is_empty() {
        NAMES.to_vec()
    } else {
        args.targets.iter().map(String::as_str).collect()
    };
    let mut failed = false;
    if let Some(dir) = &args.write_seeds {
        for name in names {
            let folder = dir.join(name);
            std::fs::create_dir_all(&folder)?;
            for (i, seed) in by_name(name, &args.package)?.seeds()?.iter().enumerate() {
                std::fs::write(folder.join(format!("seed-{i}")), seed)?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = &args.replay {
        for name in names {
            let target = by_name(name, &args.package)?;
            for (path, data) in inputs_in(&dir.join(name))? {
                match replay(target.as_ref(), &data) {
                    Ok(()) => println!("{name}: {} passes", path.display()),
                    Err(message) => {
                        failed = true;
                        println!("{name}: {} PANICS: {message}", path.display());
                    }
                }
            }
        }
        return Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    println!(
        "{:<13} {:>10} {:>8} {:>7} {:>17} {:>9} {:>8}",
        "target", "runs", "runs/s", "corpus", "edges hit", "slowest", "findings"
    );
    for name in names {
        let target = by_name(name, &args.package)?;
        let config = Config {
            duration: Duration::from_secs(args.seconds),
            max_runs: None,
            seed: args.seed,
            corpus_dir: Some(args.corpus.join(name)),
            findings_dir: args.findings.clone(),
        };
        let report = fuzz(target.as_ref(), &config)?;
        println!(
            "{:<13} {:>10} {:>8.0} {:>7} {:>17} {:>9.1?} {:>8}",
            report.target,
            report.runs,
            report.runs as f64 / report.elapsed.as_secs_f64(),
            report.corpus,
            format!("{} of {}", report.edges_hit, report.edges),
            report.slowest,
            report.findings.len()
        );
        for finding in &report.findings {
            failed = true;
            println!(
                "  {:?}: {} ({})",
                finding.kind,
                finding.message,
                finding.input.display()
            );
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
