//! The high-resolution number: one tiled stylization of a large image through the `adain` command (as a
//! user runs it), its wall time and its peak resident memory (the command logs VmHWM with -v), once
//! per path (`auto`, and OpenVINO's where its plugin is installed).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

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

/// The large stylization to time: the command, its inputs and where results go.
pub struct HiResRun<'a> {
    pub adain: &'a Path,
    pub package: &'a Path,
    pub content: &'a Path,
    pub style: &'a Path,
    pub side: u32,
    pub threads: usize,
    pub out: &'a Path,
}

pub fn run(run: &HiResRun<'_>, flags: &[&str]) -> Result<HiRes> {
    let HiResRun {
        adain,
        package,
        content,
        style,
        side,
        threads,
        out,
    } = *run;
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
    let started = Instant::now();
    let output = Command::new(adain)
        .args(["stylize", "-v"])
        .arg(content)
        .arg("--style")
        .arg(style)
        .arg("--model")
        .arg(package)
        .args(flags)
        .args(["--threads", &threads.to_string(), "-o"])
        .arg(&result)
        .env("RUST_LOG", "warn,adain=debug")
        .output()
        .context("running adain")?;
    let seconds = started.elapsed().as_secs_f64();
    let log = strip_ansi(&String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        bail!("adain stylize {side}² failed:\n{log}");
    }
    let line = |needle: &str| log.lines().find(|l| l.contains(needle)).map(str::to_string);
    let peak_rss_mib = line("peak memory (VmHWM)").and_then(|l| {
        l.split("(VmHWM)")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    });
    let tiling =
        line("in tiles of").map(|l| l.split("INFO").last().unwrap_or(&l).trim().to_string());
    Ok(HiRes {
        path,
        side,
        seconds,
        peak_rss_mib,
        tiling,
    })
}

/// The log without terminal colour codes (ESC [ … letter).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
