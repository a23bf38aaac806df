//! Timed runs of the `adain` command as a user runs it: one-shot processes (library load, package
//! checks, sessions, first inference, PNG in and out, as a script calling the command once per
//! image pays them) and one tiled stylization of a large image (its time and peak memory).

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use super::inputs::Inputs;
use super::workers::SETTLE;

/// `adain <args>`, timed; its output, failing with its log when it fails.
fn timed(adain: &Path, args: &[OsString]) -> Result<(f64, Output)> {
    let started = Instant::now();
    let output = Command::new(adain)
        .args(args)
        .env("RUST_LOG", "warn,adain=debug")
        .env("NO_COLOR", "1")
        .output()
        .context("running adain")?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    if !output.status.success() {
        bail!(
            "adain {args:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok((ms, output))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct OneShot {
    pub size: u32,
    pub precision: String,
    /// Wall time of each whole process, in ms.
    pub runs_ms: Vec<f64>,
    pub median_ms: f64,
}

/// Times `reps` whole `adain stylize --style-stats` processes at `precision` (`openvino:bf16`: that
/// provider and precision), after one untimed run that fills the page cache.
pub fn oneshot(
    adain: &Path,
    package: &Path,
    inputs: &Inputs,
    size: u32,
    precision: &str,
    (threads, reps): (usize, usize),
    out: &Path,
) -> Result<OneShot> {
    tracing::info!("{size}² {precision}: {reps} one-shot `adain stylize` processes");
    let (ep, graphs) = precision.split_once(':').unwrap_or(("cpu", precision));
    let slug = precision.replace(':', "-");
    let stats = out.join(format!("style_{size}_{slug}.safetensors"));
    let result = out.join(format!("oneshot_{size}_{slug}.png"));
    let model: Vec<OsString> = ["-q", "--model"]
        .map(OsString::from)
        .into_iter()
        .chain([package.into()])
        .chain(["--precision", graphs, "--ep", ep, "--threads"].map(OsString::from))
        .chain([threads.to_string().into()])
        .collect();
    let stats_args = [
        &[
            "stats".into(),
            inputs.style_png.clone().into(),
            "-o".into(),
            stats.clone().into(),
        ][..],
        &model,
    ];
    timed(adain, &stats_args.concat())?;
    let stylize: [OsString; 6] = [
        "stylize".into(),
        inputs.content_png.clone().into(),
        "--style-stats".into(),
        stats.into(),
        "-o".into(),
        result.into(),
    ];
    let args = [&stylize[..], &model].concat();
    let once = || {
        std::thread::sleep(SETTLE);
        timed(adain, &args).map(|(ms, _)| ms)
    };
    once()?;
    let runs_ms = (0..reps).map(|_| once()).collect::<Result<Vec<_>>>()?;
    Ok(OneShot {
        size,
        precision: precision.to_string(),
        median_ms: super::report::median(runs_ms.clone()),
        runs_ms,
    })
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct HiRes {
    /// The flags the path adds to the command (`auto` when none).
    pub path: String,
    pub side: u32,
    pub seconds: f64,
    pub peak_rss_mib: Option<f64>,
    /// The command's log line about tiling.
    pub tiling: Option<String>,
}

/// One tiled stylization of `content` (`side` px square) through the command with `flags`; its
/// wall time and peak resident memory (the command logs VmHWM with -v).
pub fn hires(
    adain: &Path,
    (package, content, style): (&Path, &Path, &Path),
    side: u32,
    threads: usize,
    flags: &[&str],
    out: &Path,
) -> Result<HiRes> {
    let path = if flags.is_empty() {
        "auto".to_string()
    } else {
        flags.join(" ")
    };
    tracing::info!("{side}², {path}: one tiled run through the adain command (minutes on 2 cores)");
    let result = out.join(format!(
        "stylized_{side}_{}.png",
        path.replace([' ', '-'], "")
    ));
    let mut args: Vec<OsString> = vec!["stylize".into(), "-v".into(), content.into()];
    args.extend([
        "--style".into(),
        style.into(),
        "--model".into(),
        package.into(),
    ]);
    args.extend(flags.iter().map(OsString::from));
    args.extend([
        "--threads".into(),
        threads.to_string().into(),
        "-o".into(),
        result.into(),
    ]);
    let (ms, output) = timed(adain, &args)?;
    let log = String::from_utf8_lossy(&output.stderr);
    let line = |needle: &str| log.lines().find(|l| l.contains(needle));
    let peak_rss_mib = line("peak memory (VmHWM)").and_then(|l| {
        l.split("(VmHWM)")
            .nth(1)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    });
    let tiling =
        line("in tiles of").map(|l| l.split("INFO").last().unwrap_or(l).trim().to_string());
    Ok(HiRes {
        path,
        side,
        seconds: ms / 1e3,
        peak_rss_mib,
        tiling,
    })
}
