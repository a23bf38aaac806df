//! Training itself: the loss falls, a resumed run is the same run, and a resume may retune the
//! penalty weights.

mod common;

use std::path::Path;

use adain_test_kit::images::write_folder;
use adain_training::checkpoint::{Checkpoint, CHECKPOINT_FILE};
use adain_training::metrics::{self, Record, METRICS_FILE};
use adain_training::optim::learning_rate;
use adain_training::trainer::{train, Retune, TrainOptions};
use tch::Device;

fn options(
    config: adain_training::checkpoint::TrainConfig,
    run: &Path,
    resume: bool,
    iters: u64,
) -> TrainOptions {
    TrainOptions {
        config,
        run_dir: run.into(),
        resume,
        retune: Default::default(),
        iters,
        save_every: 5,
        log_every: 1,
        device: Device::Cpu,
        progress: false,
        time_limit: None,
    }
}

#[test]
fn a_few_iterations_lower_the_loss() {
    tch::set_num_threads(2);
    let dir = tempfile::tempdir().unwrap();
    let content = write_folder(&dir.path().join("c"), 6, 64, 56, 1);
    let style = write_folder(&dir.path().join("s"), 6, 60, 64, 2);
    let mut config = common::small_config(&content, &style);
    config.lr = 1e-3; // a few steps must show progress
    let run = dir.path().join("run");
    train(options(config, &run, false, 40)).unwrap();
    let losses: Vec<f64> = metrics::read(&run.join(METRICS_FILE))
        .unwrap()
        .into_iter()
        .filter_map(|r| {
            if let Record::Train { loss, .. } = r {
                Some(loss)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(losses.len(), 40);
    let first: f64 = losses[..5].iter().sum::<f64>() / 5.0;
    let last: f64 = losses[35..].iter().sum::<f64>() / 5.0;
    assert!(
        last < 0.5 * first,
        "loss did not fall: first 5 average {first}, last 5 average {last}"
    );
}

#[test]
fn train_then_resume_equals_one_run() {
    tch::set_num_threads(1); // bitwise-reproducible kernels for the comparison
    let dir = tempfile::tempdir().unwrap();
    let content = write_folder(&dir.path().join("c"), 4, 48, 40, 3);
    let style = write_folder(&dir.path().join("s"), 4, 40, 48, 4);
    let config = common::small_config(&content, &style);

    let straight = dir.path().join("straight");
    train(options(config.clone(), &straight, false, 10)).unwrap();
    let resumed = dir.path().join("resumed");
    train(options(config.clone(), &resumed, false, 6)).unwrap();
    let summary = train(options(config.clone(), &resumed, true, 10)).unwrap();
    assert_eq!((summary.start_iteration, summary.end_iteration), (6, 10));

    let a = Checkpoint::load(&straight.join(CHECKPOINT_FILE)).unwrap();
    let b = Checkpoint::load(&resumed.join(CHECKPOINT_FILE)).unwrap();
    assert_eq!(a.iteration, 10);
    assert_eq!(b.iteration, 10);
    assert_eq!(a.adam_steps, b.adam_steps);
    let max_diff = a
        .decoder
        .params()
        .iter()
        .zip(b.decoder.params())
        .flat_map(|(p, q)| p.weight.iter().zip(&q.weight).map(|(x, y)| (x - y).abs()))
        .fold(0f32, f32::max);
    assert!(
        max_diff < 1e-6,
        "resumed weights differ from the straight run by {max_diff}"
    );

    // The loss curve carries on: iterations 1..=10 once each, with the schedule's learning rates.
    let records = metrics::read(&resumed.join(METRICS_FILE)).unwrap();
    let iters: Vec<u64> = records.iter().map(|r| r.iteration()).collect();
    assert_eq!(iters, (1..=10).collect::<Vec<_>>());
    for r in &records {
        if let Record::Train { iteration, lr, .. } = r {
            assert!((lr - learning_rate(config.lr, config.lr_decay, iteration - 1)).abs() < 1e-15);
        }
    }
}

/// A small run in `dir`/run, trained 5 iterations on synthetic images drawn from `seed`.
fn run_of_five_iterations(
    dir: &Path,
    seed: u32,
) -> (std::path::PathBuf, adain_training::checkpoint::TrainConfig) {
    tch::set_num_threads(2);
    let content = write_folder(&dir.join("c"), 3, 40, 40, seed);
    let style = write_folder(&dir.join("s"), 3, 40, 40, seed + 1);
    let run = dir.join("run");
    let config = common::small_config(&content, &style);
    train(options(config.clone(), &run, false, 5)).unwrap();
    (run, config)
}

#[test]
fn resume_can_change_the_learning_rate_and_keeps_the_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let (run, config) = run_of_five_iterations(dir.path(), 9);
    let new_lr = config.lr * 3.0;
    let mut stage = options(config.clone(), &run, true, 8);
    stage.retune.lr = Some(new_lr);
    train(stage).unwrap();

    let checkpoint = Checkpoint::load(&run.join(CHECKPOINT_FILE)).unwrap();
    assert_eq!(
        checkpoint.config.lr, new_lr,
        "the checkpoint records the new rate"
    );
    assert_eq!(checkpoint.iteration, 8);
    assert_eq!(checkpoint.adam_steps, 8, "Adam carried on, not restarted");
    let rates: Vec<(u64, f64)> = metrics::read(&run.join(METRICS_FILE))
        .unwrap()
        .into_iter()
        .filter_map(|r| match r {
            Record::Train { iteration, lr, .. } => Some((iteration, lr)),
            _ => None,
        })
        .collect();
    assert_eq!(rates.len(), 8);
    for (iteration, lr) in rates {
        let base = if iteration <= 5 { config.lr } else { new_lr };
        let expected = learning_rate(base, config.lr_decay, iteration - 1);
        assert!(
            (lr - expected).abs() < 1e-15,
            "iteration {iteration}: lr {lr}, expected {expected}"
        );
    }
}

#[test]
fn resume_drops_metrics_written_after_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (run, config) = run_of_five_iterations(dir.path(), 5);
    // As if the process died at iteration 7, after logging but before its next checkpoint (at 10).
    let log = run.join(METRICS_FILE);
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("{\"kind\":\"train\",\"iteration\":6,\"lr\":0,\"loss\":1,\"content\":1,\"style\":0,\"seconds_per_iteration\":1}\n{\"kind\":\"tr");
    std::fs::write(&log, text).unwrap();
    train(options(config, &run, true, 8)).unwrap();
    let iters: Vec<u64> = metrics::read(&log)
        .unwrap()
        .iter()
        .map(|r| r.iteration())
        .collect();
    assert_eq!(iters, (1..=8).collect::<Vec<_>>());
}

#[test]
fn resume_can_retune_the_penalties_and_logs_them() {
    let dir = tempfile::tempdir().unwrap();
    let (run, config) = run_of_five_iterations(dir.path(), 7);
    let mut retuned = options(config.clone(), &run, true, 7);
    retuned.retune.tv_weight = Some(5.0);
    train(retuned).unwrap();
    let mut retuned = options(config, &run, true, 9);
    retuned.retune.grid_weight = Some(100.0);
    train(retuned).unwrap();

    let stored = Checkpoint::load(&run.join(CHECKPOINT_FILE)).unwrap().config;
    assert_eq!((stored.tv_weight, stored.grid_weight), (5.0, 100.0));
    let json: adain_training::checkpoint::TrainConfig =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(json, stored, "config.json records the retuned run");
    let records = metrics::read(&run.join(METRICS_FILE)).unwrap();
    let schedule: Vec<_> = records
        .iter()
        .filter_map(|r| match *r {
            Record::Penalties {
                iteration,
                tv_weight,
                grid_weight,
                ..
            } => Some((iteration, tv_weight, grid_weight)),
            _ => None,
        })
        .collect();
    assert_eq!(
        schedule,
        vec![(5, 5.0, 0.0), (7, 5.0, 100.0)],
        "the log keeps when each weight changed"
    );
    for r in records {
        if let Record::Train {
            iteration,
            tv,
            grid,
            ..
        } = r
        {
            assert_eq!(
                tv.is_some(),
                iteration > 5,
                "iteration {iteration}: tv {tv:?}"
            );
            assert_eq!(
                grid.is_some(),
                iteration > 7,
                "iteration {iteration}: grid {grid:?}"
            );
            for v in [tv, grid].into_iter().flatten() {
                assert!(v > 0.0 && v.is_finite(), "iteration {iteration}: {v}");
            }
        }
    }

    for (flag, retune) in [
        (
            "--lr -0.001",
            Retune {
                lr: Some(-1e-3),
                ..Default::default()
            },
        ),
        (
            "--tv-weight -1",
            Retune {
                tv_weight: Some(-1.0),
                ..Default::default()
            },
        ),
        (
            "--grid-weight NaN",
            Retune {
                grid_weight: Some(f64::NAN),
                ..Default::default()
            },
        ),
    ] {
        let mut bad = options(stored.clone(), &run, true, 10);
        bad.retune = retune;
        let err = train(bad).unwrap_err().to_string();
        assert!(err.contains(flag), "{err}");
    }
}

#[test]
fn a_fine_tune_starts_from_a_package_decoder_and_logs_the_stability_term() {
    let dir = tempfile::tempdir().unwrap();
    let (run, config) = run_of_five_iterations(dir.path(), 11);
    let package = dir.path().join("package");
    adain_training::export::export(&adain_training::export::ExportOptions {
        checkpoint: &run.join(CHECKPOINT_FILE),
        out: &package,
        name: "first".into(),
        version: "0".into(),
        encoder: None,
        provenance: Default::default(),
    })
    .unwrap();
    let exported = Checkpoint::load(&run.join(CHECKPOINT_FILE))
        .unwrap()
        .decoder;

    // lr 0: Adam moves nothing, so the fine-tune's decoder is the package's, weight for weight.
    let tuned = dir.path().join("tuned");
    let fine_tune = adain_training::checkpoint::TrainConfig {
        init_decoder: Some(package.join("decoder.onnx").display().to_string()),
        stability_weight: 100.0,
        lr: 0.0,
        ..config
    };
    train(options(fine_tune, &tuned, false, 3)).unwrap();
    let checkpoint = Checkpoint::load(&tuned.join(CHECKPOINT_FILE)).unwrap();
    assert_eq!(checkpoint.decoder.params(), exported.params());
    assert!(checkpoint.config.init_decoder.is_some());
    let stability: Vec<f64> = metrics::read(&tuned.join(METRICS_FILE))
        .unwrap()
        .into_iter()
        .filter_map(|r| match r {
            Record::Train { stability, .. } => stability,
            _ => None,
        })
        .collect();
    assert_eq!(stability.len(), 3, "one value per logged iteration");
    // Random decoders are far from shift-equivariant: the term is clearly positive.
    assert!(
        stability.iter().all(|v| v.is_finite() && *v > 1e-6),
        "{stability:?}"
    );
}

#[test]
fn auto_precision_records_its_choice_and_a_resume_can_switch_it() {
    use adain_training::precision::{cpu_has_native_bf16, Precision};
    tch::set_num_threads(2);
    let dir = tempfile::tempdir().unwrap();
    let content = write_folder(&dir.path().join("c"), 3, 40, 40, 21);
    let style = write_folder(&dir.path().join("s"), 3, 40, 40, 22);
    let mut config = common::small_config(&content, &style);
    config.precision = "auto".into();
    let run = dir.path().join("run");
    train(options(config, &run, false, 2)).unwrap();

    let chosen = if cpu_has_native_bf16() {
        "bf16"
    } else {
        "fp32"
    };
    let checkpoint = Checkpoint::load(&run.join(CHECKPOINT_FILE)).unwrap();
    assert_eq!(
        checkpoint.config.precision, chosen,
        "auto is recorded as what it chose"
    );
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(written["precision"], chosen);

    // A run carried to another machine computes in what that one runs: the other precision here.
    let other = if chosen == "bf16" {
        Precision::Fp32
    } else {
        Precision::Bf16
    };
    let mut stage = options(checkpoint.config.clone(), &run, true, 3);
    stage.retune.precision = Some(other);
    let summary = train(stage).unwrap();
    assert_eq!((summary.start_iteration, summary.end_iteration), (2, 3));
    assert!(summary.last_loss.is_finite());
    let checkpoint = Checkpoint::load(&run.join(CHECKPOINT_FILE)).unwrap();
    assert_eq!(checkpoint.config.precision, other.to_string());
    assert_eq!(
        checkpoint.adam_steps, 3,
        "Adam carried on across the switch"
    );

    // An unknown precision is refused by name before anything trains.
    let mut bad = common::small_config(&content, &style);
    bad.precision = "fp8".into();
    let err = train(options(bad, &dir.path().join("bad"), false, 1))
        .expect_err("fp8 is refused")
        .to_string();
    assert!(
        err.contains("fp8") && err.contains("auto, fp32 or bf16"),
        "{err}"
    );
}

#[test]
fn a_time_limit_stops_with_a_checkpoint_that_a_resume_carries_on_from() {
    tch::set_num_threads(2);
    let dir = tempfile::tempdir().unwrap();
    let content = write_folder(&dir.path().join("c"), 3, 40, 40, 23);
    let style = write_folder(&dir.path().join("s"), 3, 40, 40, 24);
    let config = common::small_config(&content, &style);
    let run = dir.path().join("run");
    // No time at all: the first iteration ends past the limit, long before the checkpoint interval.
    let mut limited = options(config.clone(), &run, false, 50);
    limited.save_every = 20;
    limited.log_every = 7;
    limited.time_limit = Some(std::time::Duration::ZERO);
    let summary = train(limited).unwrap();
    assert_eq!((summary.start_iteration, summary.end_iteration), (0, 1));
    let checkpoint = Checkpoint::load(&run.join(CHECKPOINT_FILE)).unwrap();
    assert_eq!(checkpoint.iteration, 1, "checkpointed where it stopped");
    let logged: Vec<u64> = metrics::read(&run.join(METRICS_FILE))
        .unwrap()
        .into_iter()
        .filter_map(|r| match r {
            Record::Train { iteration, .. } => Some(iteration),
            _ => None,
        })
        .collect();
    assert_eq!(logged, [1], "the stopped iteration's losses are logged");

    let summary = train(options(config, &run, true, 4)).unwrap();
    assert_eq!((summary.start_iteration, summary.end_iteration), (1, 4));
    assert_eq!(
        Checkpoint::load(&run.join(CHECKPOINT_FILE))
            .unwrap()
            .iteration,
        4
    );
}
