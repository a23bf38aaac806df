//! A checkpoint being written when the process is killed is the old one or the new one, never broken.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use adain_training::checkpoint::{Checkpoint, CHECKPOINT_FILE};

#[test]
fn killing_the_trainer_never_breaks_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let content = common::synthetic_folder(&dir.path().join("c"), 3, 40, 40, 7);
    let style = common::synthetic_folder(&dir.path().join("s"), 3, 40, 40, 8);
    let run = dir.path().join("run");
    let ckpt = run.join(CHECKPOINT_FILE);
    let mut last_iteration = 0;
    let mut kills = 0;
    // Kill at varied moments; checkpoints are written every iteration, so most kills land in or near
    // a write (each write is ~40 MB).
    for round in 0..6u64 {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_adain-train"));
        cmd.args([
            "train",
            "--iters",
            "1000",
            "--batch",
            "1",
            "--resize",
            "32",
            "--crop",
            "32",
            "--save-every",
            "1",
            "--quiet",
            "--threads",
            "1",
        ])
        .arg("--out")
        .arg(&run)
        .arg("--encoder")
        .arg(common::encoder_path())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if ckpt.exists() {
            cmd.arg("--resume");
        } else {
            cmd.arg("--content-dir")
                .arg(&content)
                .arg("--style-dir")
                .arg(&style);
        }
        let mut child = cmd.spawn().unwrap();
        // Wait until the first checkpoint of this round exists, then a varying extra delay.
        let start = Instant::now();
        while !ckpt.exists() && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(300 + 137 * round));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no cleanup runs
            kills += 1;
        }
        child.wait().unwrap();
        let loaded = Checkpoint::load(&ckpt)
            .unwrap_or_else(|e| panic!("round {round}: checkpoint broken: {e}"));
        assert!(
            loaded.iteration >= last_iteration,
            "round {round}: iteration went back"
        );
        last_iteration = loaded.iteration;
    }
    // Resuming cleans up what killed writers left behind.
    let leftovers = std::fs::read_dir(&run)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .count();
    assert!(leftovers <= 1, "{leftovers} temporary files accumulated");
    assert!(kills >= 4, "the trainer was killed only {kills} times");
    assert!(last_iteration > 0);
}
