//! The measured processes, one per contestant: each opens its sessions once, then answers `full` /
//! `cached` / `quit` on stdin with one JSON line (src/bin/bench_worker.rs and
//! python/worker.py). At one size every worker is started, then the repetitions are
//! interleaved round-robin, so slow drifts of the machine fall on all contestants alike.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Deserialize;

use super::inputs::Inputs;
use super::python;

/// Pause before each request, so threads of the previous contestant that spin or sleep lazily after
/// their run (OpenMP's wait policy, ONNX Runtime's spinning pools) are idle when the next one starts.
pub const SETTLE: Duration = Duration::from_millis(250);
/// Modes every worker runs: the whole pipeline, and with the style statistics computed beforehand.
pub const MODES: [&str; 2] = ["full", "cached"];

/// Who runs the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runner {
    /// This project's library (Rust, ONNX Runtime through `ort`, AdaIN in ndarray).
    Adain,
    /// ONNX Runtime's Python API on the same graphs, AdaIN in numpy.
    OrtPython,
    /// PyTorch eager, same architecture and weights.
    Torch,
}

impl Runner {
    pub fn label(self) -> &'static str {
        match self {
            Runner::Adain => "adain (Rust)",
            Runner::OrtPython => "ORT-Python",
            Runner::Torch => "PyTorch eager",
        }
    }
}

/// A runner and its precision (`openvino:bf16`: OpenVINO's provider in that precision).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Contestant {
    pub runner: Runner,
    pub precision: String,
}

/// The stage times of one request, in ms.
pub type Stages = BTreeMap<String, f64>;

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

/// Everything the workers need to start.
pub struct Setup<'a> {
    pub package: &'a Path,
    pub threads: usize,
    pub bench_worker: &'a Path,
    pub torch_weights: Option<&'a Path>,
    /// The (encoder, decoder) graphs of a precision.
    pub graphs: &'a dyn Fn(&str) -> Result<(PathBuf, PathBuf)>,
    pub out: &'a Path,
}

/// Every contestant at one size: `reps` interleaved rounds of both modes after each one's warm-up.
pub fn measure(
    setup: &Setup,
    contestants: &[Contestant],
    inputs: &Inputs,
    size: u32,
    reps: usize,
) -> Result<Vec<Measured>> {
    let mut workers = Vec::new();
    for contestant in contestants {
        let tag = format!(
            "{:?}-{}-{size}",
            contestant.runner,
            contestant.precision.replace(':', "-")
        );
        let output = setup.out.join("outputs").join(format!("{tag}.rgb"));
        let log = setup.out.join("logs").join(format!("{tag}.log"));
        tracing::info!(
            "{size}²: starting {} {}",
            contestant.runner.label(),
            contestant.precision
        );
        let command = command(setup, contestant, inputs, size, &output)?;
        workers.push((Worker::start(contestant.clone(), command, &log)?, output));
    }
    let mut samples = vec![vec![Vec::new(); MODES.len()]; workers.len()];
    for rep in 0..reps {
        tracing::info!("{size}²: repetition {}/{reps}", rep + 1);
        for ((worker, _), samples) in workers.iter_mut().zip(&mut samples) {
            for (mode, samples) in MODES.iter().zip(samples.iter_mut()) {
                std::thread::sleep(SETTLE);
                samples.push(worker.request(mode)?);
            }
        }
    }
    let mut measured = Vec::new();
    for ((worker, output), samples) in workers.into_iter().zip(samples) {
        let (contestant, setup_ms) = (worker.contestant.clone(), worker.setup_ms);
        measured.push(Measured {
            contestant,
            size,
            setup_ms,
            peak_rss_mib: worker.quit()?,
            samples: MODES.iter().map(|m| m.to_string()).zip(samples).collect(),
            output,
        });
    }
    Ok(measured)
}

/// The worker process of `contestant`.
fn command(
    setup: &Setup,
    contestant: &Contestant,
    inputs: &Inputs,
    size: u32,
    output: &Path,
) -> Result<Command> {
    let threads = setup.threads.to_string();
    let split = contestant.precision.split_once(':');
    let mut cmd = if contestant.runner == Runner::Adain {
        let (ep, precision) = split.unwrap_or(("cpu", &contestant.precision));
        let mut cmd = Command::new(setup.bench_worker);
        cmd.arg("--model").arg(setup.package);
        cmd.args(["--precision", precision, "--ep", ep, "--threads", &threads]);
        cmd.arg("--content").arg(&inputs.content_png);
        cmd.arg("--style").arg(&inputs.style_png);
        // The CLI keeps ONNX Runtime's arena up to 1 MP: so does its measurement.
        let arena = u64::from(size) * u64::from(size) <= 1 << 20;
        cmd.args(["--arena", if arena { "true" } else { "false" }]);
        cmd
    } else {
        let mut cmd = Command::new(python::python());
        cmd.current_dir(python::scripts());
        // Both libraries size their pools from these when asked for no explicit count.
        for var in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] {
            cmd.env(var, &threads);
        }
        if contestant.runner == Runner::OrtPython {
            // `openvino:bf16`: the fp32 graphs on OpenVINO's plugin in bf16, as ours runs them.
            let (openvino, precision) = match split {
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
                let plugin = adain::runtime::ep::openvino::locate_plugin()?;
                cmd.arg("--openvino")
                    .arg(plugin)
                    .args(["--arithmetic", arithmetic]);
            }
        } else {
            let weights = setup
                .torch_weights
                .context("torch runs without its weights")?;
            cmd.arg("torch_worker.py").arg("--weights").arg(weights);
        }
        cmd.args(["--threads", &threads, "--size", &size.to_string()]);
        cmd.arg("--content").arg(&inputs.content_rgb);
        cmd.arg("--style").arg(&inputs.style_rgb);
        cmd
    };
    cmd.arg("--save").arg(output);
    Ok(cmd)
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    stages_ms: Option<Stages>,
    #[serde(default)]
    peak_rss_mib: Option<f64>,
    #[serde(default)]
    setup_ms: Option<f64>,
}

struct Worker {
    contestant: Contestant,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    log: PathBuf,
    setup_ms: f64,
}

impl Worker {
    /// Starts `command` (stderr to `log`) and waits until it has warmed up.
    fn start(contestant: Contestant, mut command: Command, log: &Path) -> Result<Self> {
        let stderr =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("starting {command:?}"))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut worker = Self {
            contestant,
            child,
            stdin,
            stdout,
            log: log.to_path_buf(),
            setup_ms: 0.0,
        };
        worker.setup_ms = worker.read()?.setup_ms.unwrap_or(0.0);
        Ok(worker)
    }

    /// One stylization: `full` or `cached`.
    fn request(&mut self, mode: &str) -> Result<Stages> {
        self.send(mode)?;
        let reply = self.read()?;
        reply
            .stages_ms
            .with_context(|| format!("{:?}: no stage times in the reply", self.contestant))
    }

    /// Stops the worker; its peak resident memory in MiB.
    fn quit(mut self) -> Result<Option<f64>> {
        self.send("quit")?;
        let peak = self.read()?.peak_rss_mib;
        let _ = self.child.wait();
        Ok(peak)
    }

    fn send(&mut self, line: &str) -> Result<()> {
        let sent = writeln!(self.stdin, "{line}").and_then(|()| self.stdin.flush());
        sent.map_err(|e| self.died(&e.to_string()))
    }

    fn read(&mut self) -> Result<Reply> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => Err(self.died("it closed its output")),
            Ok(_) => serde_json::from_str(&line)
                .with_context(|| format!("{:?}: not a reply: {line}", self.contestant)),
            Err(e) => Err(self.died(&e.to_string())),
        }
    }

    /// An error that quotes the end of the worker's log.
    fn died(&mut self, what: &str) -> anyhow::Error {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        anyhow::anyhow!(
            "{:?} failed ({what}); end of {}:\n{tail}",
            self.contestant,
            self.log.display()
        )
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // A worker left behind by an error must not keep running (it would skew what follows).
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
