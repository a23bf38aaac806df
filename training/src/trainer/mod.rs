//! The training loop: batches from the loader thread, the paper's loss, Adam with the paper's
//! learning-rate decay, metrics, validation and atomic checkpoints; `resume` carries a run on.
//!
//! [`train`] strings the parts together: [`resume`] sets up where the run starts (a new run or a
//! checkpoint), [`step`] runs one iteration and guards against divergence, [`validate`] scores the
//! fixed validation pairs, and [`checkpoint`] keeps the run folder.

mod checkpoint;
mod folders;
mod resume;
mod step;
mod validate;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use tch::{Device, Kind};

use crate::checkpoint::{TrainConfig, CHECKPOINT_FILE};
use crate::data::{BatchLoader, LoaderConfig};
use crate::error::Result;
use crate::metrics::{MetricsLog, Record};
use crate::model::{Decoder, Encoder};
use crate::optim::Adam;

use step::{DivergenceGuard, Terms};
use validate::Validation;

/// Settings of one invocation (the run's hyperparameters live in [`TrainConfig`]).
pub struct TrainOptions {
    pub config: TrainConfig,
    pub run_dir: PathBuf,
    pub resume: bool,
    /// With `resume`: new penalty weights from here on (the run's other settings are kept).
    pub retune: Retune,
    /// Total iterations to reach.
    pub iters: u64,
    pub save_every: u64,
    pub log_every: u64,
    pub device: Device,
    pub progress: bool,
    /// Stop, checkpointed, at the first iteration that ends after this much training time (a lent
    /// machine's time slot); `--resume` carries on from there.
    pub time_limit: Option<std::time::Duration>,
}

/// Settings a resumed run may change: the penalty weights, the base learning rate (a new stage
/// of a long run keeps its warm Adam moments; the schedule stays lr / (1 + decay · iteration)) and
/// the precision the convolutions compute in (a run moved to another machine).
#[derive(Debug, Clone, Copy, Default)]
pub struct Retune {
    pub lr: Option<f64>,
    pub precision: Option<crate::precision::Precision>,
    pub tv_weight: Option<f64>,
    pub grid_weight: Option<f64>,
    pub stability_weight: Option<f64>,
    pub colour_weight: Option<f64>,
}

/// What a finished invocation did.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    pub start_iteration: u64,
    pub end_iteration: u64,
    pub seconds_per_iteration: f64,
    pub last_loss: f64,
    pub first_loss: f64,
    pub skipped_files: usize,
    pub last_val: Option<f64>,
}

/// What one invocation trains: the networks, the optimiser and the run's settings.
struct Trainer {
    config: TrainConfig,
    /// Precision of the convolutions (f32 or bf16).
    kind: Kind,
    device: Device,
    encoder: Encoder,
    decoder: Decoder,
    adam: Adam,
}

pub fn train(opts: TrainOptions) -> Result<TrainSummary> {
    let ckpt_path = opts.run_dir.join(CHECKPOINT_FILE);
    let resumed = resume::existing_checkpoint(&opts, &ckpt_path)?;
    checkpoint::prepare_run_dir(&opts.run_dir)?;
    let (config, kind) = resume::settings(&opts, resumed.as_ref())?;
    let (encoder, config) = resume::encoder(config, kind, opts.device)?;
    checkpoint::write_config(&opts.run_dir, &config)?;

    let (content, style, validation) = folders::datasets(&config, &opts.run_dir)?;
    let validation = validation
        .map(|(c, s)| Validation::load(&c, &s, &config, opts.device))
        .transpose()?;
    let (decoder, adam, start) = resume::model(resumed, &config, &opts)?;
    let metrics = MetricsLog::open(&opts.run_dir, start)?;
    metrics.note_penalties(
        start,
        config.tv_weight,
        config.grid_weight,
        config.stability_weight,
        config.colour_weight,
    )?;
    if start >= opts.iters {
        tracing::info!("already at iteration {start} (target {})", opts.iters);
        return Ok(TrainSummary {
            start_iteration: start,
            end_iteration: start,
            seconds_per_iteration: 0.0,
            last_loss: f64::NAN,
            first_loss: f64::NAN,
            skipped_files: 0,
            last_val: None,
        });
    }

    let loader = BatchLoader::spawn(
        Arc::new(content),
        Arc::new(style),
        LoaderConfig {
            batch: config.batch,
            resize: config.resize,
            crop: config.crop,
            seed: config.seed,
        },
        start,
        opts.iters,
    );
    let mut trainer = Trainer {
        config,
        kind,
        device: opts.device,
        encoder,
        decoder,
        adam,
    };
    let bar = progress_bar(&opts, start);
    let run_start = Instant::now();
    let mut window = LossWindow::new();
    let mut guard = DivergenceGuard::default();
    let (mut first_loss, mut last_loss, mut last_val, mut skipped) = (f64::NAN, f64::NAN, None, 0);
    let mut end = opts.iters;
    for iteration in start..opts.iters {
        let batch = step::next_batch(&loader.receiver, iteration, &trainer.config.content_dir)?;
        skipped = batch.skipped.len();
        let terms = trainer.losses(&batch, iteration);
        guard.check(iteration, terms.objective(&trainer.config))?;
        let lr = trainer.update(iteration);

        if first_loss.is_nan() {
            first_loss = terms.paper;
        }
        last_loss = terms.paper;
        window.add(&terms);
        let done = iteration + 1;
        bar.set_position(done);
        bar.set_message(format!(
            "loss {:.3} (content {:.3}, style {:.3})",
            terms.paper, terms.content, terms.style
        ));

        if due(done, opts.log_every, opts.iters) {
            metrics.append(&window.record(done, lr, &trainer.config))?;
            window = LossWindow::new();
        }
        if let Some(v) = &validation {
            if due(done, trainer.config.val_every, opts.iters) {
                last_val = Some(v.score_and_log(&trainer, &metrics, done)?);
            }
        }
        let out_of_time = opts.time_limit.is_some_and(|t| run_start.elapsed() >= t);
        if due(done, opts.save_every, opts.iters) || out_of_time {
            trainer.save(&ckpt_path, done)?;
        }
        if out_of_time && done < opts.iters {
            if !due(done, opts.log_every, opts.iters) {
                metrics.append(&window.record(done, lr, &trainer.config))?;
            }
            tracing::info!(
                "time limit reached: stopped at iteration {done} of {} (checkpointed; --resume carries on)",
                opts.iters
            );
            end = done;
            break;
        }
    }
    bar.finish();
    let ran = end - start;
    Ok(TrainSummary {
        start_iteration: start,
        end_iteration: end,
        seconds_per_iteration: run_start.elapsed().as_secs_f64() / ran as f64,
        last_loss,
        first_loss,
        skipped_files: skipped,
        last_val,
    })
}

/// Whether something done every `every` iterations (and at the end) is due after `done`.
fn due(done: u64, every: u64, last: u64) -> bool {
    done.is_multiple_of(every) || done == last
}

fn progress_bar(opts: &TrainOptions, start: u64) -> ProgressBar {
    let bar = if opts.progress {
        ProgressBar::new(opts.iters)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}")
            .expect("valid template"),
    );
    bar.set_prefix("training");
    bar.set_position(start);
    bar
}

/// Loss terms summed since the last metrics record, and since when.
struct LossWindow {
    sum: Terms,
    iterations: u64,
    since: Instant,
}

impl LossWindow {
    fn new() -> Self {
        Self {
            sum: Terms::default(),
            iterations: 0,
            since: Instant::now(),
        }
    }

    fn add(&mut self, terms: &Terms) {
        self.sum.add(terms);
        self.iterations += 1;
    }

    /// The window's averages as the metrics record of iteration `done`; penalties only when weighted.
    fn record(&self, done: u64, lr: f64, config: &TrainConfig) -> Record {
        let n = self.iterations as f64;
        let mean = |sum: f64| sum / n;
        let weighted = |weight: f64, sum: f64| (weight > 0.0).then(|| mean(sum));
        Record::Train {
            iteration: done,
            lr,
            loss: mean(self.sum.paper),
            content: mean(self.sum.content),
            style: mean(self.sum.style),
            tv: weighted(config.tv_weight, self.sum.tv),
            grid: weighted(config.grid_weight, self.sum.grid),
            stability: weighted(config.stability_weight, self.sum.stability),
            colour: weighted(config.colour_weight, self.sum.colour),
            seconds_per_iteration: self.since.elapsed().as_secs_f64() / n,
        }
    }
}
