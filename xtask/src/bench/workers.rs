//! The measured processes: each opens its sessions once, then answers `full` / `cached` / `quit` on
//! stdin with one JSON line (see inference/examples/bench_worker.rs and xtask/bench/worker.py).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{Context, Result};
use serde::Deserialize;

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

/// One contestant at one size.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Contestant {
    pub runner: Runner,
    pub precision: String,
}

/// The stage times of one request, in ms.
pub type Stages = BTreeMap<String, f64>;

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    stages_ms: Option<Stages>,
    #[serde(default)]
    peak_rss_mib: Option<f64>,
    #[serde(default)]
    setup_ms: Option<f64>,
}

pub struct Worker {
    pub contestant: Contestant,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    log: PathBuf,
    pub setup_ms: f64,
}

impl Worker {
    /// Starts `command` (stderr to `log`) and waits until it has warmed up.
    pub fn start(contestant: Contestant, mut command: Command, log: &Path) -> Result<Self> {
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
    pub fn request(&mut self, mode: &str) -> Result<Stages> {
        self.send(mode)?;
        self.read()?
            .stages_ms
            .with_context(|| format!("{:?}: no stage times in the reply", self.contestant))
    }

    /// Stops the worker; its peak resident memory in MiB.
    pub fn quit(mut self) -> Result<Option<f64>> {
        self.send("quit")?;
        let peak = self.read()?.peak_rss_mib;
        let _ = self.child.wait();
        Ok(peak)
    }

    fn send(&mut self, line: &str) -> Result<()> {
        writeln!(self.stdin, "{line}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| self.died(&e.to_string()))
    }

    fn read(&mut self) -> Result<Reply> {
        let mut line = String::new();
        let n = self
            .stdout
            .read_line(&mut line)
            .map_err(|e| self.died(&e.to_string()))?;
        if n == 0 {
            return Err(self.died("it closed its output"));
        }
        serde_json::from_str(&line)
            .with_context(|| format!("{:?}: not a reply: {line}", self.contestant))
    }

    /// An error that quotes the end of the worker's log.
    fn died(&mut self, what: &str) -> anyhow::Error {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log
            .lines()
            .rev()
            .take(15)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        anyhow::anyhow!(
            "{:?} failed ({what}); end of {}:\n{}",
            self.contestant,
            self.log.display(),
            tail.join("\n")
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
