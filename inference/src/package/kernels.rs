//! Which kernels ONNX Runtime really runs for a graph: a session with profiling on, one or more runs
//! on a synthetic input, and the profile's node events summed per operator and provider. This is how
//! an int8 graph is shown to run quantized kernels (QLinearConv) rather than float ones.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::Array4;
use ort::session::{builder::GraphOptimizationLevel, Session};
use ort::value::TensorRef;

use crate::error::{AdainError, Result};
use crate::runtime::{GraphInput, Runtime};

/// One operator type as it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelUse {
    /// The kernel's operator (after ONNX Runtime's fusions), e.g. `QLinearConv`, `Conv`, `MaxPool`.
    pub op: String,
    /// The execution provider that ran it, e.g. `CPUExecutionProvider`.
    pub provider: String,
    /// Nodes of this operator in the optimised graph.
    pub nodes: usize,
    /// Time spent in them per run.
    pub millis: f64,
}

/// Kernels of one graph, slowest first, and the wall time of each run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KernelProfile {
    pub kernels: Vec<KernelUse>,
    /// `model_run` time of each run, in order (the first includes one-time allocations).
    pub run_millis: Vec<f64>,
}

impl KernelProfile {
    /// Nodes that ran operator `op`.
    pub fn nodes_of(&self, op: &str) -> usize {
        self.kernels
            .iter()
            .filter(|k| k.op == op)
            .map(|k| k.nodes)
            .sum()
    }

    /// Total kernel time per run.
    pub fn millis(&self) -> f64 {
        self.kernels.iter().map(|k| k.millis).sum()
    }

    /// Median wall time of the runs after the first (of all runs if there is only one).
    pub fn median_run_millis(&self) -> Option<f64> {
        let mut runs: Vec<f64> = if self.run_millis.len() > 1 {
            self.run_millis[1..].to_vec()
        } else {
            self.run_millis.clone()
        };
        runs.sort_by(f64::total_cmp);
        runs.get(runs.len() / 2).copied()
    }

    /// `QLinearConv×8 (410.2 ms), MaxPool×3 (2.1 ms), …`
    pub fn summary(&self) -> String {
        self.kernels
            .iter()
            .map(|k| format!("{}×{} ({:.1} ms)", k.op, k.nodes, k.millis))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Runs `graph` `runs` times on the CPU with `threads` intra-op threads, on a [1, C, side, side] input
/// (side = `image_side` / the graph's downscale), with ONNX Runtime's profiler on.
pub fn profile_graph(
    graph: &Path,
    input: &GraphInput,
    image_side: usize,
    threads: usize,
    runs: usize,
) -> Result<KernelProfile> {
    let runtime = Runtime::get()?;
    let prefix =
        std::env::temp_dir().join(format!("adain-profile-{}-{}", std::process::id(), unique()));
    let mut session =
        profiling_session(runtime.environment(), graph, threads, &prefix).map_err(|e| {
            AdainError::ort(
                format!("{}: opening a profiling session", graph.display()),
                e,
            )
        })?;
    let side = image_side.div_ceil(input.downscale).max(1);
    let x = Array4::from_shape_fn((1, input.channels, side, side), |(_, c, y, x)| {
        ((c * 7 + y * 3 + x) % 17) as f32 / 16.0
    });
    for _ in 0..runs.max(1) {
        let value = TensorRef::from_array_view(&x)
            .map_err(|e| AdainError::ort("preparing the profiling input", e))?;
        session
            .run(ort::inputs![input.name => value])
            .map_err(|e| AdainError::ort(format!("{}: profiling run", graph.display()), e))?;
    }
    let file = session
        .end_profiling()
        .map_err(|e| AdainError::ort("ending the profile", e))?;
    let file = Path::new(&file).to_path_buf();
    let text = std::fs::read_to_string(&file).map_err(|e| AdainError::Io {
        path: file.clone(),
        source: e,
    })?;
    let _ = std::fs::remove_file(&file);
    parse_profile(&text, runs.max(1)).map_err(|m| AdainError::package(&file, m))
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn profiling_session(
    env: &ort::environment::Environment,
    graph: &Path,
    threads: usize,
    prefix: &Path,
) -> ort::Result<Session> {
    Session::builder(env)?
        .with_optimization_level(GraphOptimizationLevel::Level3)?
        .with_intra_threads(threads.max(1))?
        .with_inter_threads(1)?
        .with_profiling(prefix)?
        .commit_from_file(graph)
}

/// Sums the `Node` events (`<node>_kernel_time`) of an ONNX Runtime profile per (operator, provider).
pub fn parse_profile(text: &str, runs: usize) -> std::result::Result<KernelProfile, String> {
    let events: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|e| format!("not an ONNX Runtime profile: {e}"))?;
    // (op, provider) → (node names, microseconds)
    let mut per_op: BTreeMap<(String, String), (std::collections::BTreeSet<String>, f64)> =
        BTreeMap::new();
    let mut run_millis = Vec::new();
    for e in &events {
        let cat = e.get("cat").and_then(|c| c.as_str());
        if cat == Some("Session") && e.get("name").and_then(|n| n.as_str()) == Some("model_run") {
            run_millis.push(e.get("dur").and_then(|d| d.as_f64()).unwrap_or(0.0) / 1000.0);
            continue;
        }
        if cat != Some("Node") {
            continue;
        }
        let Some(name) = e
            .get("name")
            .and_then(|n| n.as_str())
            .and_then(|n| n.strip_suffix("_kernel_time"))
        else {
            continue;
        };
        let args = e.get("args");
        let field = |k: &str| {
            args.and_then(|a| a.get(k))
                .and_then(|v| v.as_str())
                .unwrap_or("?")
                .to_string()
        };
        let dur = e.get("dur").and_then(|d| d.as_f64()).unwrap_or(0.0);
        let entry = per_op
            .entry((field("op_name"), field("provider")))
            .or_default();
        entry.0.insert(name.to_string());
        entry.1 += dur;
    }
    let mut kernels: Vec<KernelUse> = per_op
        .into_iter()
        .map(|((op, provider), (nodes, micros))| KernelUse {
            op,
            provider,
            nodes: nodes.len(),
            millis: micros / 1000.0 / runs as f64,
        })
        .collect();
    kernels.sort_by(|a, b| b.millis.total_cmp(&a.millis));
    Ok(KernelProfile {
        kernels,
        run_millis,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_events_are_summed_per_operator() {
        let text = r#"[
            {"cat":"Session","name":"model_run","dur":900},
            {"cat":"Session","name":"model_run","dur":700},
            {"cat":"Node","name":"conv1_kernel_time","dur":300,"args":{"op_name":"QLinearConv","provider":"CPUExecutionProvider"}},
            {"cat":"Node","name":"conv2_kernel_time","dur":500,"args":{"op_name":"QLinearConv","provider":"CPUExecutionProvider"}},
            {"cat":"Node","name":"conv1_kernel_time","dur":300,"args":{"op_name":"QLinearConv","provider":"CPUExecutionProvider"}},
            {"cat":"Node","name":"pool_fence_before","dur":0,"args":{"op_name":"MaxPool"}},
            {"cat":"Node","name":"pool_kernel_time","dur":100,"args":{"op_name":"MaxPool","provider":"CPUExecutionProvider"}}
        ]"#;
        let p = parse_profile(text, 1).unwrap();
        assert_eq!(p.nodes_of("QLinearConv"), 2);
        assert_eq!(p.kernels[0].op, "QLinearConv");
        assert!((p.kernels[0].millis - 1.1).abs() < 1e-9);
        assert_eq!(p.nodes_of("MaxPool"), 1);
        assert_eq!(p.nodes_of("Conv"), 0);
        assert_eq!(p.run_millis, [0.9, 0.7]);
        assert_eq!(p.median_run_millis(), Some(0.7));
    }
}
