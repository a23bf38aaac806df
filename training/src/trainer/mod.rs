//! The training loop: batches from the loader thread, the paper's loss, Adam with the paper's
//! learning-rate decay, metrics, validation and atomic checkpoints; `resume` carries a run on.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use tch::{Device, Kind, Tensor};

use crate::checkpoint::{Checkpoint, TrainConfig, CHECKPOINT_FILE};
use crate::data::{
    center_crop, load_resized, planar_batch, BatchLoader, ImageFolder, LoaderConfig,
};
use crate::error::{Result, TrainError};
use crate::loss::{adain_losses, shift_consistency, total_variation, upsampling_grid_energy};
use crate::metrics::{MetricsLog, Record};
use crate::model::{tensor_to_vec, Decoder, Encoder};
use crate::optim::{learning_rate, Adam};
use crate::stats::adain;

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
}

/// Penalty weights a resumed run may change.
#[derive(Debug, Clone, Copy, Default)]
pub struct Retune {
    pub tv_weight: Option<f64>,
    pub grid_weight: Option<f64>,
    pub stability_weight: Option<f64>,
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

/// The fixed validation images (center crops), in pairs.
struct Validation {
    content: Tensor,
    style: Tensor,
}

pub fn train(opts: TrainOptions) -> Result<TrainSummary> {
    let ckpt_path = opts.run_dir.join(CHECKPOINT_FILE);
    let resumed = if opts.resume {
        if !ckpt_path.is_file() {
            return Err(TrainError::Config(format!(
                "--resume: no checkpoint at {}",
                ckpt_path.display()
            )));
        }
        Some(Checkpoint::load(&ckpt_path)?)
    } else {
        if ckpt_path.exists() {
            return Err(TrainError::Config(format!(
                "{} already holds a checkpoint: pass --resume to continue it, or choose another --out",
                opts.run_dir.display()
            )));
        }
        None
    };
    std::fs::create_dir_all(&opts.run_dir).map_err(|e| TrainError::io(&opts.run_dir, e))?;
    remove_stale_temporaries(&opts.run_dir);
    let mut config = match &resumed {
        Some(c) => c.config.clone(),
        None => opts.config.clone(),
    };
    if let Some(c) = &resumed {
        for (name, weight, new) in [
            (
                "total-variation",
                &mut config.tv_weight,
                opts.retune.tv_weight,
            ),
            (
                "upsampling-grid",
                &mut config.grid_weight,
                opts.retune.grid_weight,
            ),
            (
                "shift-stability",
                &mut config.stability_weight,
                opts.retune.stability_weight,
            ),
        ] {
            if let Some(new) = new.filter(|&w| w != *weight) {
                tracing::info!(
                    "{name} weight {weight} → {new} from iteration {}",
                    c.iteration
                );
                *weight = new;
            }
        }
    }
    for (flag, weight) in [
        ("--tv-weight", config.tv_weight),
        ("--grid-weight", config.grid_weight),
        ("--stability-weight", config.stability_weight),
    ] {
        if !(weight >= 0.0 && weight.is_finite()) {
            return Err(TrainError::Config(format!(
                "{flag} {weight}: expected a finite weight ≥ 0"
            )));
        }
    }
    let kind = match config.precision.as_str() {
        "fp32" => Kind::Float,
        "bf16" => Kind::BFloat16,
        other => {
            return Err(TrainError::Config(format!(
                "--precision {other}: expected fp32 or bf16"
            )))
        }
    };

    let encoder = Encoder::load(Path::new(&config.encoder), opts.device)?.with_kind(kind);
    let identity = encoder.network().identity();
    if !config.encoder_identity.is_empty() && config.encoder_identity != identity {
        return Err(TrainError::Config(format!(
            "{} is not the encoder this run was trained with (identity {} vs {})",
            config.encoder,
            &identity[..12],
            &config.encoder_identity[..config.encoder_identity.len().min(12)]
        )));
    }
    let config = TrainConfig {
        encoder_identity: identity,
        ..config
    };
    std::fs::write(
        opts.run_dir.join("config.json"),
        serde_json::to_string_pretty(&config).expect("serialises"),
    )
    .map_err(|e| TrainError::io(opts.run_dir.join("config.json"), e))?;

    let (content, style, validation) = datasets(&config, &opts.run_dir)?;
    let validation = validation
        .map(|(c, s)| build_validation(&c, &s, &config, opts.device))
        .transpose()?;

    let (decoder, mut adam, start) = match resumed {
        Some(c) => {
            let decoder = Decoder::from_network(&c.decoder, opts.device);
            let mut adam = Adam::new(&decoder.parameters());
            for (dst, src) in adam
                .m
                .iter_mut()
                .zip(&c.adam_m)
                .chain(adam.v.iter_mut().zip(&c.adam_v))
            {
                *dst = Tensor::from_slice(src)
                    .view(dst.size().as_slice())
                    .to_device(opts.device);
            }
            adam.steps = c.adam_steps;
            tracing::info!(
                "resuming {} at iteration {}",
                opts.run_dir.display(),
                c.iteration
            );
            (decoder, adam, c.iteration)
        }
        None => {
            let decoder = match &config.init_decoder {
                Some(path) => {
                    tracing::info!("starting from the decoder in {path}");
                    Decoder::from_network(&load_decoder_graph(Path::new(path))?, opts.device)
                }
                None => Decoder::seeded(config.seed, opts.device),
            };
            let adam = Adam::new(&decoder.parameters());
            (decoder, adam, 0)
        }
    };
    let metrics = MetricsLog::open(&opts.run_dir, start)?;
    metrics.note_penalties(
        start,
        config.tv_weight,
        config.grid_weight,
        config.stability_weight,
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

    let loader_config = LoaderConfig {
        batch: config.batch,
        resize: config.resize,
        crop: config.crop,
        seed: config.seed,
    };
    let loader = BatchLoader::spawn(
        Arc::new(content),
        Arc::new(style),
        loader_config,
        start,
        opts.iters,
    );
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

    let params = decoder.parameters();
    let shape = [
        config.batch as i64,
        3,
        config.crop as i64,
        config.crop as i64,
    ];
    let (mut window, mut window_n, mut window_start) = ([0f64; 6], 0u64, Instant::now());
    let run_start = Instant::now();
    let (mut first_loss, mut last_loss, mut last_val, mut skipped) = (f64::NAN, f64::NAN, None, 0);
    for iteration in start..opts.iters {
        let batch = loader
            .receiver
            .recv()
            .map_err(|_| TrainError::Config("the data loader stopped".into()))?;
        let batch = batch.map_err(|m| TrainError::Data {
            path: PathBuf::from(&config.content_dir),
            message: m,
        })?;
        debug_assert_eq!(batch.iteration, iteration);
        skipped = batch.skipped.len();
        let c = Tensor::from_slice(&batch.content)
            .view(shape)
            .to_device(opts.device);
        let s = Tensor::from_slice(&batch.style)
            .view(shape)
            .to_device(opts.device);

        let (target, style_features) = tch::no_grad(|| {
            let fc = encoder.relu4_1(&c);
            let fs = encoder.features(&s);
            (adain(&fc, &fs[3]), fs)
        });
        let output = decoder.forward(&target, kind);
        let losses = adain_losses(&encoder.features(&output), &target, &style_features);
        let paper_loss = losses.total(config.content_weight, config.style_weight);
        let output32 = output.to_kind(Kind::Float);
        let penalty = |weight: f64, f: fn(&Tensor) -> Tensor| (weight > 0.0).then(|| f(&output32));
        let tv = penalty(config.tv_weight, total_variation);
        let grid = penalty(config.grid_weight, upsampling_grid_energy);
        let stability = (config.stability_weight > 0.0).then(|| {
            let (dy, dx) = stability_shift(config.seed, iteration);
            let side = config.crop as i64 - SHIFT_SPAN;
            let shifted = c.narrow(2, dy, side).narrow(3, dx, side);
            let target = tch::no_grad(|| adain(&encoder.relu4_1(&shifted), &style_features[3]));
            let shifted_output = decoder.forward(&target, kind).to_kind(Kind::Float);
            shift_consistency(&output32, &shifted_output, dy, dx, STABILITY_MARGIN)
        });
        let mut objective = paper_loss.shallow_clone();
        for (term, weight) in [
            (&tv, config.tv_weight),
            (&grid, config.grid_weight),
            (&stability, config.stability_weight),
        ] {
            if let Some(term) = term {
                objective = objective + term * weight;
            }
        }
        objective.backward();
        let lr = learning_rate(config.lr, config.lr_decay, iteration);
        adam.step(&params, lr);

        let values = [
            paper_loss.double_value(&[]),
            losses.content.double_value(&[]),
            losses.style.double_value(&[]),
            tv.map_or(0.0, |t| t.double_value(&[])),
            grid.map_or(0.0, |t| t.double_value(&[])),
            stability.map_or(0.0, |t| t.double_value(&[])),
        ];
        let objective = values[0]
            + config.tv_weight * values[3]
            + config.grid_weight * values[4]
            + config.stability_weight * values[5];
        if !objective.is_finite() {
            return Err(TrainError::Config(format!(
                "the loss became {objective} at iteration {iteration}; the last checkpoint is intact"
            )));
        }
        if first_loss.is_nan() {
            first_loss = values[0];
        }
        last_loss = values[0];
        for (w, v) in window.iter_mut().zip(values) {
            *w += v;
        }
        window_n += 1;
        let done = iteration + 1;
        bar.set_position(done);
        bar.set_message(format!(
            "loss {:.3} (content {:.3}, style {:.3})",
            values[0], values[1], values[2]
        ));

        if done % opts.log_every == 0 || done == opts.iters {
            let n = window_n as f64;
            metrics.append(&Record::Train {
                iteration: done,
                lr,
                loss: window[0] / n,
                content: window[1] / n,
                style: window[2] / n,
                tv: (config.tv_weight > 0.0).then(|| window[3] / n),
                grid: (config.grid_weight > 0.0).then(|| window[4] / n),
                stability: (config.stability_weight > 0.0).then(|| window[5] / n),
                seconds_per_iteration: window_start.elapsed().as_secs_f64() / n,
            })?;
            (window, window_n, window_start) = ([0.0; 6], 0, Instant::now());
        }
        if let Some(v) = &validation {
            if done % config.val_every == 0 || done == opts.iters {
                let (total, content, style) = validate(v, &encoder, &decoder, &config, kind);
                metrics.append(&Record::Val {
                    iteration: done,
                    loss: total,
                    content,
                    style,
                })?;
                tracing::info!("iteration {done}: validation loss {total:.4} (content {content:.4}, style {style:.4})");
                last_val = Some(total);
            }
        }
        if done % opts.save_every == 0 || done == opts.iters {
            save(&ckpt_path, done, &decoder, &adam, &config)?;
        }
    }
    bar.finish();
    let ran = opts.iters - start;
    Ok(TrainSummary {
        start_iteration: start,
        end_iteration: opts.iters,
        seconds_per_iteration: run_start.elapsed().as_secs_f64() / ran as f64,
        last_loss,
        first_loss,
        skipped_files: skipped,
        last_val,
    })
}

/// The shifted copy of each crop is this much smaller, so shifts of 0..SHIFT_SPAN fit inside.
const SHIFT_SPAN: i64 = 8;
/// Pixels along the overlap's edges left out of the stability term: there the two decodings see
/// different image borders (reflect padding), which no decoder can hide.
const STABILITY_MARGIN: i64 = 8;

/// The sub-stride shift (dy, dx) of an iteration's stability term: each in 0..8, never both 0 (a
/// shift by the encoder's stride of 8 costs nothing to match). Drawn from the run's seed and the
/// iteration, so a resumed run draws the same shifts.
fn stability_shift(seed: u64, iteration: u64) -> (i64, i64) {
    use rand::{Rng, SeedableRng};
    let mut rng =
        rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ iteration.rotate_left(32) ^ 0x5ab1e);
    loop {
        let (dy, dx) = (
            rng.random_range(0..SHIFT_SPAN),
            rng.random_range(0..SHIFT_SPAN),
        );
        if (dy, dx) != (0, 0) {
            return (dy, dx);
        }
    }
}

/// A package's decoder graph (decoder.onnx) as a network, to fine-tune from.
fn load_decoder_graph(path: &Path) -> Result<adain_models::Network> {
    let model = adain_models::onnx::read_model(path)?;
    Ok(adain_models::onnx::network_from_graph(
        &model,
        adain_models::Architecture::decoder(),
        path,
    )?)
}

/// Temporary files of checkpoints whose writer was killed mid-write (never renamed into place).
fn remove_stale_temporaries(run_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(run_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&format!(".{CHECKPOINT_FILE}.tmp-")) {
            tracing::info!(
                "removing {} left by an interrupted checkpoint write",
                entry.path().display()
            );
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn save(
    path: &Path,
    iteration: u64,
    decoder: &Decoder,
    adam: &Adam,
    config: &TrainConfig,
) -> Result<()> {
    Checkpoint {
        iteration,
        decoder: decoder.to_network()?,
        adam_m: adam.m.iter().map(tensor_to_vec).collect(),
        adam_v: adam.v.iter().map(tensor_to_vec).collect(),
        adam_steps: adam.steps,
        config: config.clone(),
    }
    .save(path)
}

type Folders = (ImageFolder, ImageFolder, Option<(ImageFolder, ImageFolder)>);

/// Training folders, and the validation folders (explicit, or held out of the training ones).
fn datasets(config: &TrainConfig, run_dir: &Path) -> Result<Folders> {
    let scan = |dir: &str| -> Result<ImageFolder> {
        let (folder, report) = ImageFolder::scan(Path::new(dir))?;
        if !report.skipped.is_empty() {
            tracing::warn!(
                "{dir}: skipped {} undecodable files (first: {})",
                report.skipped.len(),
                report.skipped[0].display()
            );
        }
        Ok(folder)
    };
    let (mut content, mut style) = (scan(&config.content_dir)?, scan(&config.style_dir)?);
    let mut validation = match (&config.val_content, &config.val_style) {
        (Some(c), Some(s)) => Some((scan(c)?, scan(s)?)),
        (None, None) => None,
        _ => {
            return Err(TrainError::Config(
                "--val-content and --val-style go together".into(),
            ))
        }
    };
    if config.holdout > 0.0 {
        let (ck, ch) = content.split(config.holdout);
        let (sk, sh) = style.split(config.holdout);
        if ch.is_empty() || sh.is_empty() || ck.is_empty() || sk.is_empty() {
            return Err(TrainError::Config(format!(
                "--holdout {} leaves a training or validation folder empty",
                config.holdout
            )));
        }
        let list: String = ch
            .files
            .iter()
            .chain(&sh.files)
            .map(|f| format!("{}\n", f.display()))
            .collect();
        let list_path = run_dir.join("validation_files.txt");
        std::fs::write(&list_path, list).map_err(|e| TrainError::io(&list_path, e))?;
        (content, style) = (ck, sk);
        validation = Some((ch, sh));
    }
    tracing::info!(
        "training on {} content and {} style images",
        content.len(),
        style.len()
    );
    Ok((content, style, validation))
}

fn build_validation(
    content: &ImageFolder,
    style: &ImageFolder,
    config: &TrainConfig,
    device: Device,
) -> Result<Validation> {
    let load = |path: &Path| {
        load_resized(path, config.resize, config.crop)
            .map(|i| center_crop(&i, config.crop))
            .ok_or_else(|| TrainError::Data {
                path: path.into(),
                message: "validation image could not be decoded".into(),
            })
    };
    // Pair k = (k mod #content, k mod #style): distinct pairs for k below the lcm of the two counts.
    let n = config.val_pairs.max(1);
    let mut cs = Vec::new();
    let mut ss = Vec::new();
    for k in 0..n {
        cs.push(load(&content.files[k % content.len()])?);
        ss.push(load(&style.files[k % style.len()])?);
    }
    let shape = [n as i64, 3, config.crop as i64, config.crop as i64];
    Ok(Validation {
        content: Tensor::from_slice(&planar_batch(&cs))
            .view(shape)
            .to_device(device),
        style: Tensor::from_slice(&planar_batch(&ss))
            .view(shape)
            .to_device(device),
    })
}

/// Mean (total, content, style) loss over the validation pairs, in chunks of the batch size.
fn validate(
    v: &Validation,
    encoder: &Encoder,
    decoder: &Decoder,
    config: &TrainConfig,
    kind: Kind,
) -> (f64, f64, f64) {
    tch::no_grad(|| {
        let n = v.content.size()[0];
        let (mut content, mut style, mut chunks) = (0.0, 0.0, 0.0);
        let mut i = 0;
        while i < n {
            let len = (config.batch as i64).min(n - i);
            let c = v.content.narrow(0, i, len);
            let s = v.style.narrow(0, i, len);
            let fs = encoder.features(&s);
            let t = adain(&encoder.relu4_1(&c), &fs[3]);
            let l = adain_losses(&encoder.features(&decoder.forward(&t, kind)), &t, &fs);
            content += l.content.double_value(&[]) * len as f64;
            style += l.style.double_value(&[]) * len as f64;
            chunks += len as f64;
            i += len;
        }
        let (c, s) = (content / chunks, style / chunks);
        (config.content_weight * c + config.style_weight * s, c, s)
    })
}
