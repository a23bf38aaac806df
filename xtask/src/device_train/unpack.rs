//! The run a device call brought back, made a run folder here: the checkpoint travels split into
//! parts (a returned file holds at most 16 MiB) with its sha256, so it is joined and checked before
//! it lands, and a torn transfer never becomes a checkpoint.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

pub const CHECKPOINT: &str = "checkpoint.safetensors";
const PART_PREFIX: &str = "checkpoint.safetensors.part-";
const HASH_FILE: &str = "checkpoint.sha256";
/// Copied beside the checkpoint: the run's settings and its loss history.
const RUN_FILES: [&str; 2] = ["config.json", "metrics.jsonl"];

/// Joins the checkpoint parts in `from` into `run_dir`, checks them against the sha256 written on the
/// device, and copies the run's settings and metrics. `run_dir` must not hold a run already.
pub fn unpack(from: &Path, run_dir: &Path) -> Result<PathBuf> {
    let target = run_dir.join(CHECKPOINT);
    if target.exists() {
        bail!(
            "{} already holds a run ({CHECKPOINT}); pass another --run-dir",
            run_dir.display()
        );
    }
    let parts = parts_in(from)?;
    let expected = expected_hash(&from.join(HASH_FILE))?;
    std::fs::create_dir_all(run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    let mut staged = tempfile::NamedTempFile::new_in(run_dir)?;
    let mut hasher = Sha256::new();
    for part in &parts {
        let bytes = std::fs::read(part).with_context(|| format!("reading {}", part.display()))?;
        hasher.update(&bytes);
        staged.write_all(&bytes)?;
    }
    let found = hex::encode(hasher.finalize());
    if found != expected {
        bail!(
            "the {} checkpoint parts in {} join to sha256 {found}, not the {expected} written on the \
             device: a part is missing or torn",
            parts.len(),
            from.display()
        );
    }
    for name in RUN_FILES {
        let src = from.join(name);
        std::fs::copy(&src, run_dir.join(name))
            .with_context(|| format!("copying {} (the run's {name})", src.display()))?;
    }
    let log = from.join("train.log"); // the training call's output, when it came back
    if log.is_file() {
        std::fs::copy(&log, run_dir.join("train.log"))?;
    }
    staged.as_file().sync_all()?;
    staged
        .persist(&target)
        .with_context(|| format!("writing {}", target.display()))?;
    Ok(target)
}

/// The parts, in order; an error naming the folder when there are none.
fn parts_in(from: &Path) -> Result<Vec<PathBuf>> {
    let mut parts: Vec<PathBuf> = std::fs::read_dir(from)
        .with_context(|| format!("reading {}", from.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PART_PREFIX))
        })
        .collect();
    if parts.is_empty() {
        bail!(
            "{} has no {PART_PREFIX}* files (what `run.sh train` writes into $OUT)",
            from.display()
        );
    }
    parts.sort();
    Ok(parts)
}

/// The hash in a `sha256sum` line.
fn expected_hash(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {} (the checkpoint's sha256)", path.display()))?;
    text.split_whitespace()
        .next()
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
        .with_context(|| format!("{}: expected a sha256sum line", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device_output(dir: &Path, checkpoint: &[u8], part_size: usize) {
        for (i, chunk) in checkpoint.chunks(part_size).enumerate() {
            std::fs::write(dir.join(format!("{PART_PREFIX}{i:02}")), chunk).unwrap();
        }
        let hash = hex::encode(Sha256::digest(checkpoint));
        std::fs::write(dir.join(HASH_FILE), format!("{hash}  {CHECKPOINT}\n")).unwrap();
        std::fs::write(dir.join("config.json"), "{}").unwrap();
        std::fs::write(dir.join("metrics.jsonl"), "").unwrap();
    }

    #[test]
    fn the_parts_join_into_the_checkpoint_they_were_cut_from() {
        let (from, runs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let checkpoint: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        device_output(from.path(), &checkpoint, 30_000);
        let run = runs.path().join("run");
        let written = unpack(from.path(), &run).unwrap();
        assert_eq!(std::fs::read(written).unwrap(), checkpoint);
        assert!(run.join("config.json").is_file() && run.join("metrics.jsonl").is_file());

        let err = unpack(from.path(), &run).unwrap_err().to_string();
        assert!(err.contains("already holds a run"), "{err}");
    }

    #[test]
    fn a_missing_part_leaves_no_checkpoint() {
        let (from, runs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let checkpoint: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
        device_output(from.path(), &checkpoint, 30_000);
        std::fs::remove_file(from.path().join(format!("{PART_PREFIX}02"))).unwrap();
        let run = runs.path().join("run");
        let err = unpack(from.path(), &run).unwrap_err().to_string();
        assert!(err.contains("missing or torn"), "{err}");
        let left: Vec<_> = std::fs::read_dir(&run).unwrap().flatten().collect();
        assert!(left.is_empty(), "nothing lands: {left:?}");

        let empty = tempfile::tempdir().unwrap();
        let err = unpack(empty.path(), &run).unwrap_err().to_string();
        assert!(err.contains("no checkpoint.safetensors.part-"), "{err}");
    }
}
