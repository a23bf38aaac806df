//! A run whose loss blows up stops with `Diverged`, and the last good checkpoint survives it.

mod common;

use adain_test_kit::images::write_folder;
use adain_training::checkpoint::{Checkpoint, CHECKPOINT_FILE};
use adain_training::trainer::{train, TrainOptions};
use adain_training::TrainError;
use tch::Device;

#[test]
fn a_diverging_run_stops_with_diverged_and_keeps_the_last_good_checkpoint() {
    tch::set_num_threads(2);
    let dir = tempfile::tempdir().unwrap();
    let content = write_folder(&dir.path().join("c"), 3, 40, 40, 21);
    let style = write_folder(&dir.path().join("s"), 3, 40, 40, 22);
    let run = dir.path().join("run");
    let ckpt = run.join(CHECKPOINT_FILE);
    let options = |resume, iters| TrainOptions {
        config: common::small_config(&content, &style),
        run_dir: run.clone(),
        resume,
        retune: Default::default(),
        iters,
        save_every: 2,
        log_every: 1,
        device: Device::Cpu,
        progress: false,
        time_limit: None,
    };
    train(options(false, 4)).unwrap();
    let good = Checkpoint::load(&ckpt).unwrap();
    assert_eq!(good.iteration, 4);

    // The same run carried on with an absurd learning rate (as if the run had been configured
    // with one): the first update at iteration 4 throws the weights far out, and the loss of
    // iteration 5 overflows, before the checkpoint due after iteration 6 is written.
    let mut absurd = Checkpoint::load(&ckpt).unwrap();
    absurd.config.lr = 1e6;
    absurd.save(&ckpt).unwrap();
    let err = train(options(true, 20)).unwrap_err();
    match err {
        TrainError::Diverged { iteration, loss } => {
            assert_eq!(iteration, 5, "loss {loss}");
            assert!(!loss.is_finite() || loss > 1e6, "{loss}");
        }
        other => panic!("expected Diverged, got: {other}"),
    }

    // Nothing is lost: the checkpoint is the good one, loadable, weights and Adam state untouched.
    let kept = Checkpoint::load(&ckpt).unwrap();
    assert_eq!(kept.iteration, 4);
    assert_eq!(kept.adam_steps, good.adam_steps);
    assert_eq!(kept.decoder.params(), good.decoder.params());
    assert_eq!((&kept.adam_m, &kept.adam_v), (&good.adam_m, &good.adam_v));
    assert!(kept.decoder.params().iter().all(|p| p
        .weight
        .iter()
        .chain(&p.bias)
        .all(|v| v.is_finite())));
    // And the run can carry on from it once the learning rate is sane again.
    let mut sane = kept;
    sane.config.lr = 1e-4;
    sane.save(&ckpt).unwrap();
    let summary = train(options(true, 6)).unwrap();
    assert_eq!((summary.start_iteration, summary.end_iteration), (4, 6));
    assert!(summary.last_loss.is_finite());
}
