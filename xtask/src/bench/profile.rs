//! Where the graphs spend their time: ONNX Runtime's per-node profiler, summed by operator type, for
//! each precision at one size (xtask/bench/ort_profile.py; same runtime release and graphs as ours).

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::python;

/// Per graph (`encoder`, `decoder`): operator type → ms per run.
pub type Profile = BTreeMap<String, BTreeMap<String, f64>>;

pub fn run(
    encoder: &std::path::Path,
    decoder: &std::path::Path,
    size: u32,
    threads: usize,
) -> Result<Profile> {
    let output = Command::new(python::python())
        .current_dir(python::scripts())
        .arg("ort_profile.py")
        .arg("--encoder")
        .arg(encoder)
        .arg("--decoder")
        .arg(decoder)
        .args([
            "--size",
            &size.to_string(),
            "--threads",
            &threads.to_string(),
        ])
        .output()
        .context("running ort_profile.py")?;
    if !output.status.success() {
        bail!(
            "ort_profile.py failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).context("reading ort_profile.py's output")
}
