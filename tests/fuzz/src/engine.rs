//! The fuzzing loop: run the seeds, then mutate corpus inputs for a time budget, keeping every input
//! that reaches a new edge (or a new hit-count class of one), and recording panics, slow runs and
//! oversized allocations as findings with the input that caused them.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rand::{Rng as _, SeedableRng};
use sha2::{Digest, Sha256};

use crate::alloc_watch;
use crate::coverage::{bucket, Counters};
use crate::mutate::havoc;
use crate::target::{Rng, Target};

/// A run slower than this is a finding: every reader here should answer in milliseconds.
pub const SLOW: Duration = Duration::from_secs(2);
/// A single allocation above this is a finding (the image limits allow 512 MiB in total).
pub const BIG_ALLOCATION: usize = 640 << 20;

pub struct Config {
    pub duration: Duration,
    /// Stop after this many runs even if time is left (for tests).
    pub max_runs: Option<u64>,
    pub seed: u64,
    /// Corpus kept between runs (read at start, new inputs written); none to keep it in memory.
    pub corpus_dir: Option<PathBuf>,
    /// Where findings are written.
    pub findings_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingKind {
    Panic,
    Slow,
    BigAllocation,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub kind: FindingKind,
    pub message: String,
    pub input: PathBuf,
}

#[derive(Debug)]
pub struct Report {
    pub target: &'static str,
    pub runs: u64,
    pub elapsed: Duration,
    pub corpus: usize,
    /// Edges reached and instrumented (0 of 0 in an uninstrumented build).
    pub edges_hit: usize,
    pub edges: usize,
    pub slowest: Duration,
    pub findings: Vec<Finding>,
}

/// The message of the last panic inside a run, recorded by our hook instead of printed.
static PANIC_MESSAGE: Mutex<Option<String>> = Mutex::new(None);

thread_local! {
    /// Whether the code under test is running: a panic elsewhere is the fuzzer's own and is printed.
    static IN_RUN: Cell<bool> = const { Cell::new(false) };
}

fn install_quiet_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_RUN.get() {
                return previous(info);
            }
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            *PANIC_MESSAGE.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(format!("{payload} (at {location})"));
        }));
    });
}

/// Runs the code under test, catching its panic and returning the message.
fn run_caught(target: &dyn Target, data: &[u8]) -> std::result::Result<(), String> {
    IN_RUN.set(true);
    let outcome = catch_unwind(AssertUnwindSafe(|| target.run(data)));
    IN_RUN.set(false);
    outcome.map_err(|_| {
        PANIC_MESSAGE
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_else(|| "panic without a message".into())
    })
}

struct Fuzzer<'a> {
    target: &'a dyn Target,
    config: &'a Config,
    counters: Counters,
    /// Per edge, the hit-count classes seen so far.
    seen: Vec<u8>,
    corpus: Vec<Vec<u8>>,
    findings: BTreeMap<String, Finding>,
    runs: u64,
    slowest: Duration,
}

impl Fuzzer<'_> {
    /// Runs one input; returns whether it reached new coverage.
    fn execute(&mut self, data: &[u8]) -> Result<bool> {
        self.counters.clear();
        alloc_watch::take_largest();
        let start = Instant::now();
        let outcome = run_caught(self.target, data);
        let elapsed = start.elapsed();
        let largest = alloc_watch::take_largest();
        self.runs += 1;
        self.slowest = self.slowest.max(elapsed);

        if let Err(message) = outcome {
            self.record(FindingKind::Panic, message, data)?;
        }
        if elapsed > SLOW {
            self.record(
                FindingKind::Slow,
                format!("one run took {elapsed:.1?}"),
                data,
            )?;
        }
        if largest > BIG_ALLOCATION {
            let mib = largest >> 20;
            self.record(
                FindingKind::BigAllocation,
                format!("a single allocation of {mib} MiB"),
                data,
            )?;
        }

        let mut new = false;
        let seen = &mut self.seen;
        self.counters.for_each_hit(|edge, hits| {
            let class = bucket(hits);
            if seen[edge] & class == 0 {
                seen[edge] |= class;
                new = true;
            }
        });
        Ok(new)
    }

    /// Keeps the first input of each distinct finding (panics are told apart by message and place).
    fn record(&mut self, kind: FindingKind, message: String, data: &[u8]) -> Result<()> {
        let key = match kind {
            // One bug with varying numbers in its message is one finding.
            FindingKind::Panic => message.replace(|c: char| c.is_ascii_digit(), "#"),
            _ => format!("{kind:?}"),
        };
        if self.findings.contains_key(&key) {
            return Ok(());
        }
        let dir = self.config.findings_dir.join(self.target.name());
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let input = dir.join(format!("{kind:?}-{}", short_hash(data)).to_lowercase());
        std::fs::write(&input, data).with_context(|| format!("writing {}", input.display()))?;
        std::fs::write(input.with_extension("txt"), &message)
            .with_context(|| format!("writing the message next to {}", input.display()))?;
        tracing::warn!(
            target = self.target.name(),
            "finding: {message} (input: {})",
            input.display()
        );
        self.findings.insert(
            key,
            Finding {
                kind,
                message,
                input,
            },
        );
        Ok(())
    }

    fn keep(&mut self, data: Vec<u8>) -> Result<()> {
        if let Some(dir) = &self.config.corpus_dir {
            let path = dir.join(short_hash(&data));
            std::fs::write(&path, &data).with_context(|| format!("writing {}", path.display()))?;
        }
        self.corpus.push(data);
        Ok(())
    }
}

fn short_hash(data: &[u8]) -> String {
    hex::encode(&Sha256::digest(data)[..8])
}

/// Fuzzes `target` for the configured budget.
pub fn fuzz(target: &dyn Target, config: &Config) -> Result<Report> {
    install_quiet_panic_hook();
    let counters = Counters::get();
    let edges = counters.edges();
    let mut fuzzer = Fuzzer {
        target,
        config,
        seen: vec![0; edges],
        counters,
        corpus: Vec::new(),
        findings: BTreeMap::new(),
        runs: 0,
        slowest: Duration::ZERO,
    };
    let mut rng = Rng::seed_from_u64(config.seed);
    let start = Instant::now();

    let mut initial = target
        .seeds()
        .with_context(|| format!("making the seeds of {}", target.name()))?;
    if let Some(dir) = &config.corpus_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            initial
                .push(std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?);
        }
    }
    for input in initial {
        fuzzer.execute(&input)?;
        // Seeds and the kept corpus stay, new coverage or not: they are the starting points.
        fuzzer.corpus.push(input);
    }

    let progress = crate::progress::bar(target.name(), config.duration);
    let mut last_tick = Instant::now();
    while start.elapsed() < config.duration && config.max_runs.is_none_or(|max| fuzzer.runs < max) {
        let parent = &fuzzer.corpus[rng.random_range(0..fuzzer.corpus.len())];
        let other = &fuzzer.corpus[rng.random_range(0..fuzzer.corpus.len())];
        let structured = if rng.random_bool(0.5) {
            target.mutate(&mut rng, parent)
        } else {
            None
        };
        let child = structured.unwrap_or_else(|| {
            let mut child = parent.clone();
            havoc(&mut rng, &mut child, other, target.max_len());
            child
        });
        if fuzzer.execute(&child)? {
            fuzzer.keep(child)?;
        }
        if last_tick.elapsed() > Duration::from_millis(500) {
            last_tick = Instant::now();
            progress.set_position(start.elapsed().as_secs());
            progress.set_message(format!(
                "{} runs, corpus {}, {} findings",
                fuzzer.runs,
                fuzzer.corpus.len(),
                fuzzer.findings.len()
            ));
        }
    }
    progress.finish_and_clear();
    let edges_hit = fuzzer.seen.iter().filter(|s| **s != 0).count();
    Ok(Report {
        target: target.name(),
        runs: fuzzer.runs,
        elapsed: start.elapsed(),
        corpus: fuzzer.corpus.len(),
        edges_hit,
        edges,
        slowest: fuzzer.slowest,
        findings: fuzzer.findings.into_values().collect(),
    })
}

/// Runs one saved input the way the fuzzer does; `Err` carries the panic message.
pub fn replay(target: &dyn Target, data: &[u8]) -> std::result::Result<(), String> {
    install_quiet_panic_hook();
    run_caught(target, data)
}

/// The inputs saved under `dir` (none when it does not exist).
pub fn inputs_in(dir: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.retain(|p| p.is_file() && p.extension().is_none_or(|e| e != "txt"));
    files.sort();
    files
        .into_iter()
        .map(|p| {
            std::fs::read(&p)
                .map(|d| (p.clone(), d))
                .with_context(|| format!("reading {}", p.display()))
        })
        .collect()
}
