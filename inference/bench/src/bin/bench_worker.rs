//! The measured process of `cargo xtask bench` for this project's library path: it opens the sessions
//! once, then answers commands on stdin with the wall time of each stage, one JSON object per line.
//!
//! ```text
//! bench_worker --model DIR --precision fp32 [--ep openvino] --threads 2 --content c.png --style s.png [--save out.rgb]
//!   stdin:  full | cached | quit
//!   stdout: {"ready":true,...} then one {"mode":...,"stages_ms":{...}} per command; {"peak_rss_mib":N} on quit
//! ```
//! `full` decodes both images, encodes content and style, AdaIN, decodes and PNG-encodes the result;
//! `cached` reuses the style statistics computed at start-up (what a folder run does after the first
//! image). Stages are timed back to back, so they add up to the total.

use std::io::{BufRead, Cursor, Write};
use std::path::PathBuf;
use std::time::Instant;

use adain::image_io::{load_rgb, DEFAULT_MAX_PIXELS};
use adain::ops::transfer;
use adain::ops::{ChannelStats, StyleMix};
use adain::package::ModelPackage;
use adain::runtime::{InferencePrecision, ProviderOptions, ProviderRequest, SessionOptions};
use adain::Stylizer;
use anyhow::{bail, Context, Result};
use clap::Parser;
use image::RgbImage;
use serde_json::{json, Map, Value};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    model: PathBuf,
    /// A precision of the package's graphs, or bf16 (fp32 graphs in OpenVINO's bf16 arithmetic)
    #[arg(long, default_value = "fp32")]
    precision: String,
    /// Execution provider: cpu or openvino
    #[arg(long, default_value = "cpu")]
    ep: String,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Content image (PNG)
    #[arg(long)]
    content: PathBuf,
    /// Style image (PNG)
    #[arg(long)]
    style: PathBuf,
    /// Where to write the warm-up `full` result as raw RGB8 (for PSNR between variants)
    #[arg(long)]
    save: Option<PathBuf>,
    /// Keep ONNX Runtime's CPU arena (the CLI does up to 1 MP)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    arena: bool,
}

/// Stage timer: each `lap` records the time since the previous one.
struct Laps {
    last: Instant,
    stages: Map<String, Value>,
}

impl Laps {
    fn start() -> Self {
        Self {
            last: Instant::now(),
            stages: Map::new(),
        }
    }
    fn lap(&mut self, stage: &str) {
        let now = Instant::now();
        let ms = (now - self.last).as_secs_f64() * 1e3;
        let before = self
            .stages
            .get(stage)
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        self.stages.insert(stage.into(), json!(before + ms));
        self.last = now;
    }
}

struct Worker {
    stylizer: Stylizer,
    args: Args,
    style_stats: ChannelStats,
}

impl Worker {
    /// One stylization; `cached` skips the style image entirely.
    fn run(&mut self, cached: bool) -> Result<(Map<String, Value>, RgbImage)> {
        let mut t = Laps::start();
        let content = load_rgb(&self.args.content, DEFAULT_MAX_PIXELS)?;
        let style = if cached {
            None
        } else {
            Some(load_rgb(&self.args.style, DEFAULT_MAX_PIXELS)?)
        };
        t.lap("image_decode");
        let features = self.stylizer.encode_content(&content)?;
        t.lap("content_encode");
        let computed = match &style {
            Some(style) => Some(self.stylizer.adain_style_statistics(style)?),
            None => None,
        };
        if !cached {
            t.lap("style_encode");
        }
        let stats = computed.as_ref().unwrap_or(&self.style_stats);
        let target = transfer(&features, StyleMix::One(stats), 1.0)?;
        t.lap("adain");
        let image = self
            .stylizer
            .decode(target.view(), features.width, features.height)?;
        t.lap("decode");
        let mut png = Cursor::new(Vec::new());
        image.write_to(&mut png, image::ImageFormat::Png)?;
        t.lap("image_encode");
        Ok((t.stages, image))
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let request: ProviderRequest = args.ep.parse()?;
    let (graphs, arithmetic) = if args.precision == "bf16" {
        ("fp32", InferencePrecision::Bf16)
    } else {
        (args.precision.as_str(), InferencePrecision::F32)
    };
    let provider = match request {
        ProviderRequest::Only(p) => p,
        ProviderRequest::Auto | ProviderRequest::Prefer(_) => {
            bail!("--ep auto: name the provider to measure")
        }
    };
    let package = ModelPackage::load(
        &args.model,
        graphs.parse::<adain::package::PrecisionChoice>()?,
        provider,
    )
    .with_context(|| format!("loading {} ({})", args.model.display(), args.precision))?;
    let options = SessionOptions {
        threads: args.threads,
        cpu_arena: args.arena,
        request,
        provider_options: ProviderOptions {
            openvino_precision: arithmetic,
            ..Default::default()
        },
    };
    let mut stylizer = Stylizer::new(&package, &options)?;
    let style_stats =
        stylizer.adain_style_statistics(&load_rgb(&args.style, DEFAULT_MAX_PIXELS)?)?;
    let mut worker = Worker {
        stylizer,
        args,
        style_stats,
    };
    // Warm-up: ONNX Runtime's first run of a shape plans memory and packs weights.
    let (_, first) = worker.run(false)?;
    worker.run(true)?;
    if let Some(path) = &worker.args.save {
        std::fs::write(path, first.as_raw())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}",
        json!({"ready": true, "setup_ms": started.elapsed().as_secs_f64() * 1e3})
    )?;
    out.flush()?;
    for line in std::io::stdin().lock().lines() {
        let reply = match line?.trim() {
            "full" => json!({"mode": "full", "stages_ms": worker.run(false)?.0}),
            "cached" => json!({"mode": "cached", "stages_ms": worker.run(true)?.0}),
            "quit" => {
                writeln!(out, "{}", json!({"peak_rss_mib": peak_rss_mib()}))?;
                return Ok(());
            }
            other => bail!("unknown command `{other}` (full, cached, quit)"),
        };
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    Ok(())
}

/// VmHWM of this process in MiB (Linux).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}
