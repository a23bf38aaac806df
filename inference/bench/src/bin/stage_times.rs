//! Wall time of each stage of one stylization, on synthetic square images:
//!
//! ```text
//! cargo run --release -p adain-bench --bin stage_times -- [--model DIR] [--precision P] [--size N] [--threads N] [--rounds N]
//! ```
//! The first round includes ONNX Runtime's warm-up; the later ones are the steady state.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use adain::ops::StyleMix;
use adain::ops::{adain_stats, transfer};
use adain::package::{default_package_in, ModelPackage};
use adain::runtime::SessionOptions;
use adain::Stylizer;
use anyhow::{Context, Result};
use clap::Parser;
use image::{Rgb, RgbImage};

#[derive(Parser)]
struct Args {
    /// Model package [default: the default package]
    #[arg(long)]
    model: Option<PathBuf>,
    /// Precision of the graphs (auto, fp32, fp16, int8)
    #[arg(long, default_value = "fp32")]
    precision: adain::PrecisionChoice,
    /// Side of the square content and style images
    #[arg(long, default_value_t = 512)]
    size: u32,
    /// Threads per operator
    #[arg(long, default_value_t = 2)]
    threads: usize,
    #[arg(long, default_value_t = 4)]
    rounds: usize,
    /// Run without ONNX Runtime's CPU memory arena
    #[arg(long)]
    no_arena: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let dir = match args.model {
        Some(dir) => dir,
        // The benchmarks run from the source tree.
        None => default_package_in(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")),
    };
    let t = Instant::now();
    let package = ModelPackage::load(&dir, args.precision, adain::Provider::Cpu)
        .with_context(|| format!("loading {}", dir.display()))?;
    let checked = t.elapsed();
    let t = Instant::now();
    let mut stylizer = Stylizer::new(
        &package,
        &SessionOptions {
            threads: args.threads,
            cpu_arena: !args.no_arena,
            ..Default::default()
        },
    )?;
    println!(
        "package checks {:.0} ms, sessions {:.0} ms",
        ms(checked),
        ms(t.elapsed())
    );

    let image = |seed: u32| {
        RgbImage::from_fn(args.size, args.size, |x, y| {
            Rgb([(x * 7 + seed) as u8, (y * 3) as u8, ((x ^ y) + seed) as u8])
        })
    };
    let (content, style) = (image(1), image(2));
    for round in 0..args.rounds {
        let t0 = Instant::now();
        let features = stylizer.encode_content(&content)?;
        let t1 = Instant::now();
        let stats = stylizer.style_statistics(&style, BTreeMap::new())?;
        let t2 = Instant::now();
        let target = transfer(&features, StyleMix::One(&adain_stats(&stats)), 1.0)?;
        let t3 = Instant::now();
        stylizer.decode(target.view(), features.width, features.height)?;
        let t4 = Instant::now();
        println!(
            "round {round}: content encode {:.0} ms | style encode + stats {:.0} ms | AdaIN {:.1} ms | decode {:.0} ms | total {:.0} ms",
            ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t4 - t3), ms(t4 - t0)
        );
    }
    Ok(())
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
