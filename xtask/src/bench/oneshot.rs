//! One-shot processes: `adain stylize` started from nothing for one image with cached style
//! statistics (library load, package checks, sessions, first inference, PNG in and out), as a script
//! calling the command once per image pays it. Compared with the warm in-session time of the same work.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use super::inputs::Inputs;
use super::measure::SETTLE;

#[derive(Debug, Clone, serde::Serialize)]
pub struct OneShot {
    pub size: u32,
    pub precision: String,
    /// Wall time of each whole process, in ms.
    pub runs_ms: Vec<f64>,
    pub median_ms: f64,
}

/// What every one-shot run shares.
pub struct Setup<'a> {
    pub adain: &'a Path,
    pub package: &'a Path,
    pub threads: usize,
    pub reps: usize,
    pub out: &'a Path,
}

/// Times `reps` whole `adain stylize` processes (after one untimed run that fills the page cache).
pub fn run(setup: &Setup<'_>, inputs: &Inputs, size: u32, precision: &str) -> Result<OneShot> {
    let Setup {
        adain,
        package,
        threads,
        reps,
        out,
    } = *setup;
    tracing::info!("{size}² {precision}: {reps} one-shot `adain stylize` processes");
    // `openvino:bf16`: that provider and precision.
    let (ep, graphs) = precision.split_once(':').unwrap_or(("cpu", precision));
    let slug = precision.replace(':', "-");
    let stats = out.join(format!("style_{size}_{slug}.safetensors"));
    // The model and how it runs, the same for `stats` and every `stylize`.
    let model_args: Vec<std::ffi::OsString> = [
        "--model".into(),
        package.as_os_str().to_owned(),
        "--precision".into(),
        graphs.into(),
        "--ep".into(),
        ep.into(),
        "--threads".into(),
        threads.to_string().into(),
    ]
    .into();
    let made = Command::new(adain)
        .args(["stats", "-q"])
        .arg(&inputs.style_png)
        .arg("-o")
        .arg(&stats)
        .args(&model_args)
        .output()
        .context("running adain stats")?;
    if !made.status.success() {
        bail!(
            "adain stats failed:\n{}",
            String::from_utf8_lossy(&made.stderr)
        );
    }
    let result = out.join(format!("oneshot_{size}_{slug}.png"));
    let once = || -> Result<f64> {
        std::thread::sleep(SETTLE);
        let started = Instant::now();
        let output = Command::new(adain)
            .args(["stylize", "-q"])
            .arg(&inputs.content_png)
            .arg("--style-stats")
            .arg(&stats)
            .args(&model_args)
            .arg("-o")
            .arg(&result)
            .output()
            .context("running adain stylize")?;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        if !output.status.success() {
            bail!(
                "adain stylize failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(ms)
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
