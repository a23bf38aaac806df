//! A checkpoint write interrupted mid-way leaves the previous checkpoint intact, and resuming cleans
//! up after it. The interruption is deterministic: `ABORT_MID_WRITE_ENV` makes the trainer exit with
//! half of one checkpoint in its temporary file, the state a kill at that moment leaves.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use adain_test_kit::images::write_folder;
use adain_test_kit::paths::default_encoder;
use adain_training::checkpoint::{
    Checkpoint, ABORT_MID_WRITE_ENV, ABORT_MID_WRITE_EXIT_CODE, CHECKPOINT_FILE,
};

/// `adain-train train` for `iters` iterations in total, a checkpoint after each; `extra` picks a new
/// run's data or `--resume`.
fn train(run: &Path, iters: u64, extra: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> ExitStatus {
    Command::new(env!("CARGO_BIN_EXE_adain-train"))
        .args(["train", "--batch", "1", "--resize", "32", "--crop", "32"])
        .args(["--save-every", "1", "--quiet", "--threads", "1"])
        .arg("--iters")
        .arg(iters.to_string())
        .arg("--out")
        .arg(run)
        .arg("--encoder")
        .arg(default_encoder())
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("running adain-train")
}

/// The temporary files checkpoint writes left in `run`, with their sizes.
fn temporaries(run: &Path) -> Vec<u64> {
    std::fs::read_dir(run)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .map(|e| e.metadata().unwrap().len())
        .collect()
}

#[test]
fn a_checkpoint_write_interrupted_midway_leaves_the_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_folder(&dir.path().join("c"), 3, 40, 40, 7);
    let style = write_folder(&dir.path().join("s"), 3, 40, 40, 8);
    let run = dir.path().join("run");
    let ckpt = run.join(CHECKPOINT_FILE);

    // Iteration 1's checkpoint is written whole; iteration 2's is abandoned half-way.
    let data = [
        "--content-dir".as_ref(),
        content.as_os_str(),
        "--style-dir".as_ref(),
        style.as_os_str(),
    ];
    let status = train(&run, 3, &data, &[(ABORT_MID_WRITE_ENV, "2")]);
    assert_eq!(
        status.code(),
        Some(ABORT_MID_WRITE_EXIT_CODE),
        "not stopped by the hook: {status}"
    );
    let whole = std::fs::metadata(&ckpt).unwrap().len();
    let left = temporaries(&run);
    assert!(
        left.len() == 1 && left[0] > 0 && left[0] < whole,
        "expected one partly written temporary beside the {whole}-byte checkpoint, found {left:?}"
    );
    let kept = Checkpoint::load(&ckpt).unwrap_or_else(|e| panic!("checkpoint broken: {e}"));
    assert_eq!(
        kept.iteration, 1,
        "the checkpoint before the interrupted write"
    );

    // Resuming carries on from it and removes what the interrupted write left.
    let status = train(&run, 3, &["--resume".as_ref()], &[]);
    assert!(status.success(), "resuming failed: {status}");
    assert_eq!(Checkpoint::load(&ckpt).unwrap().iteration, 3);
    assert_eq!(temporaries(&run), Vec::<u64>::new());
}
