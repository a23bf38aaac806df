//! The fuzzer's own checks (uninstrumented: mutations of the seeds only) and the regression inputs:
//! every input a fuzz run once found is replayed and must now pass.

use std::path::Path;
use std::time::Duration;

use adain_fuzz::engine::{fuzz, inputs_in, replay, Config, FindingKind};
use adain_fuzz::target::{Rng, Target};
use adain_fuzz::targets::{by_name, NAMES};
use adain_test_kit::paths::{default_package, workspace_root};

fn config(findings: &Path, runs: u64) -> Config {
    Config {
        duration: Duration::from_secs(120),
        max_runs: Some(runs),
        seed: 7,
        corpus_dir: None,
        findings_dir: findings.to_path_buf(),
    }
}

/// Panics on inputs that start with 0xAB: a bug the mutations must reach from a zero seed.
struct Planted;

impl Target for Planted {
    fn name(&self) -> &'static str {
        "planted"
    }
    fn seeds(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        Ok(vec![vec![0; 4]])
    }
    fn mutate(&self, _: &mut Rng, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
    fn run(&self, data: &[u8]) {
        assert!(data.first() != Some(&0xAB), "planted bug");
    }
}

#[test]
fn a_planted_panic_is_found_and_its_input_saved() {
    let findings = tempfile::tempdir().unwrap();
    let report = fuzz(&Planted, &config(findings.path(), 200_000)).unwrap();
    assert_eq!(report.findings.len(), 1, "{report:?}");
    let finding = &report.findings[0];
    assert_eq!(finding.kind, FindingKind::Panic);
    assert!(
        finding.message.contains("planted bug"),
        "{}",
        finding.message
    );
    let input = std::fs::read(&finding.input).unwrap();
    assert_eq!(input.first(), Some(&0xAB));
    assert!(replay(&Planted, &input).is_err());
}

#[test]
fn every_target_survives_a_short_uninstrumented_run() {
    let findings = tempfile::tempdir().unwrap();
    for name in NAMES {
        let target = by_name(name, &default_package()).unwrap();
        let report = fuzz(target.as_ref(), &config(findings.path(), 3_000)).unwrap();
        assert_eq!(report.runs, 3_000, "{name}: seeds and mutations together");
        assert!(report.findings.is_empty(), "{name}: {:?}", report.findings);
    }
}

#[test]
fn every_seed_is_accepted_except_the_deliberate_refusals() {
    // Every target has seeds, and none of them is a finding.
    for name in NAMES {
        let target = by_name(name, &default_package()).unwrap();
        let seeds = target.seeds().unwrap();
        assert!(!seeds.is_empty(), "{name}: no seeds");
        for (k, seed) in seeds.iter().enumerate() {
            if let Err(message) = replay(target.as_ref(), seed) {
                panic!("{name}: seed {k}: {message}");
            }
        }
    }
    // Seeds that parse make mutations start deep in the readers; a seed the reader refuses would
    // waste the structured mutations. (The GIF and huge-header images are refusals on purpose.)
    let stats = by_name("stats-file", &default_package()).unwrap();
    for seed in stats.seeds().unwrap() {
        adain_models::stats_file::StyleStats::from_bytes(&seed, Path::new("seed")).unwrap();
    }
    let manifest = by_name("manifest", &default_package()).unwrap();
    for seed in manifest.seeds().unwrap() {
        adain_models::manifest::Manifest::from_json(
            std::str::from_utf8(&seed).unwrap(),
            Path::new("seed"),
        )
        .unwrap();
    }
}

#[test]
fn regression_inputs_pass() {
    let dir = workspace_root()
        .join("tests")
        .join("fuzz")
        .join("regressions");
    let mut replayed = 0;
    for name in NAMES {
        let target = by_name(name, &default_package()).unwrap();
        for (path, data) in inputs_in(&dir.join(name)).unwrap() {
            if let Err(message) = replay(target.as_ref(), &data) {
                panic!("{}: {message}", path.display());
            }
            replayed += 1;
        }
    }
    assert!(
        replayed >= 3,
        "only {replayed} regression inputs under {}",
        dir.display()
    );
}
