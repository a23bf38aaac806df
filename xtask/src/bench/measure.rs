//! One size: every contestant's worker started once, then repetitions interleaved round-robin (each
//! round asks every worker for each mode once), so slow drifts of the machine — the background
//! training job, thermal state — fall on all contestants alike.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Result;

use super::inputs::Inputs;
use super::python;
use super::workers::{Contestant, Runner, Stages, Worker};

/// Pause before each request, so threads of the previous contestant that spin or sleep lazily after
/// their run (OpenMP's wait policy, ONNX Runtime's spinning pools) are idle when the next one starts.
pub const SETTLE: Duration = Duration::from_millis(250);

/// Modes every worker runs: the whole pipeline, and with the style statistics computed beforehand.
pub const MODES: [&str; 2] = ["full", "cached"];

/// Everything the workers need to start.
pub struct Setup<'a> {
    pub package: &'a Path,
    pub threads: usize,
    pub bench_worker: &'a Path,
    pub torch_weights: Option<&'a Path>,
    pub graphs: &'a dyn Fn(&str) -> Result<(PathBuf, PathBuf)>,
    pub out: &'a Path,
}

/// What one contestant did at one size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Measured {
    pub contestant: Contestant,
    pub size: u32,
    pub setup_ms: f64,
    pub peak_rss_mib: Option<f64>,
    /// Per mode, one entry per repetition.
    pub samples: Vec<(String, Vec<Stages>)>,
    /// The warm-up `full` result, raw RGB8 (for PSNR).
    pub output: PathBuf,
}

pub fn size(
    setup: &Setup<'_>,
    contestants: &[Contestant],
    inputs: &Inputs,
    size: u32,
    reps: usize,
) -> Result<Vec<Measured>> {
    let mut workers = Vec::new();
    let mut outputs = Vec::new();
    for contestant in contestants {
        let tag = format!(
            "{}-{}-{size}",
            slug(contestant.runner),
            contestant.precision.replace(':', "-")
        );
        let output = setup.out.join("outputs").join(format!("{tag}.rgb"));
        let log = setup.out.join("logs").join(format!("{tag}.log"));
        tracing::info!(
            "{size}²: starting {} {} (sessions, warm-up)",
            contestant.runner.label(),
            contestant.precision
        );
        let command = command(setup, contestant, inputs, size, &output)?;
        workers.push(Worker::start(contestant.clone(), command, &log)?);
        outputs.push(output);
    }
    let mut samples: Vec<Vec<Vec<Stages>>> = vec![vec![Vec::new(); MODES.len()]; workers.len()];
    for rep in 0..reps {
        tracing::info!("{size}²: repetition {}/{reps}", rep + 1);
        for (w, worker) in workers.iter_mut().enumerate() {
            for (m, mode) in MODES.iter().enumerate() {
                std::thread::sleep(SETTLE);
                samples[w][m].push(worker.request(mode)?);
            }
        }
    }
    let mut measured = Vec::new();
    for ((worker, samples), output) in workers.into_iter().zip(samples).zip(outputs) {
        let (contestant, setup_ms) = (worker.contestant.clone(), worker.setup_ms);
        let peak_rss_mib = worker.quit()?;
        let samples = MODES.iter().map(|m| m.to_string()).zip(samples).collect();
        measured.push(Measured {
            contestant,
            size,
            setup_ms,
            peak_rss_mib,
            samples,
            output,
        });
    }
    Ok(measured)
}

fn command(
    setup: &Setup<'_>,
    contestant: &Contestant,
    inputs: &Inputs,
    size: u32,
    output: &Path,
) -> Result<Command> {
    let threads = setup.threads.to_string();
    Ok(match contestant.runner {
        Runner::Adain => {
            // `openvino:bf16` is OpenVINO's provider running the package in that precision.
            let (ep, precision) = contestant
                .precision
                .split_once(':')
                .unwrap_or(("cpu", &contestant.precision));
            let mut cmd = Command::new(setup.bench_worker);
            cmd.arg("--model").arg(setup.package).args([
                "--precision",
                precision,
                "--ep",
                ep,
                "--threads",
                &threads,
            ]);
            cmd.arg("--content")
                .arg(&inputs.content_png)
                .arg("--style")
                .arg(&inputs.style_png)
                .arg("--save")
                .arg(output);
            // The CLI keeps ONNX Runtime's arena up to 1 MP: so does its measurement.
            cmd.args([
                "--arena",
                if u64::from(size) * u64::from(size) <= 1 << 20 {
                    "true"
                } else {
                    "false"
                },
            ]);
            cmd
        }
        Runner::OrtPython | Runner::Torch => {
            let mut cmd = Command::new(python::python());
            cmd.current_dir(python::scripts());
            // Both libraries size their pools from these when asked for no explicit count.
            for var in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] {
                cmd.env(var, &threads);
            }
            if contestant.runner == Runner::OrtPython {
                // `openvino:bf16`: the fp32 graphs on OpenVINO's plugin in bf16, as ours runs them.
                let (openvino, precision) = match contestant.precision.split_once(':') {
                    Some((_, "bf16")) => (Some("bf16"), "fp32"),
                    Some((_, graphs)) => (Some("f32"), graphs),
                    None => (None, contestant.precision.as_str()),
                };
                let (encoder, decoder) = (setup.graphs)(precision)?;
                cmd.arg("ort_worker.py")
                    .arg("--encoder")
                    .arg(encoder)
                    .arg("--decoder")
                    .arg(decoder);
                if let Some(arithmetic) = openvino {
                    cmd.arg("--openvino")
                        .arg(adain::runtime::ep::openvino::locate_plugin()?)
                        .args(["--arithmetic", arithmetic]);
                }
            } else {
                let weights = setup
                    .torch_weights
                    .expect("torch weights are exported when torch runs");
                cmd.arg("torch_worker.py").arg("--weights").arg(weights);
            }
            cmd.args(["--threads", &threads, "--size", &size.to_string()]);
            cmd.arg("--content")
                .arg(&inputs.content_rgb)
                .arg("--style")
                .arg(&inputs.style_rgb)
                .arg("--save")
                .arg(output);
            cmd
        }
    })
}

fn slug(runner: Runner) -> &'static str {
    match runner {
        Runner::Adain => "adain",
        Runner::OrtPython => "ort-python",
        Runner::Torch => "torch",
    }
}
