//! Where an invocation starts: a new run from the given settings, or a checkpoint's run with the
//! penalty weights a resume may retune; the settings checked, the encoder matched to the run.

use std::path::Path;

use tch::{Device, Kind, Tensor};

use super::TrainOptions;
use crate::checkpoint::{Checkpoint, TrainConfig};
use crate::error::{Result, TrainError};
use crate::model::{Decoder, Encoder};
use crate::optim::Adam;
use crate::precision::{self, Precision};

/// The checkpoint `--resume` carries on; a new run refuses a folder that already holds one.
pub(super) fn existing_checkpoint(
    opts: &TrainOptions,
    ckpt_path: &Path,
) -> Result<Option<Checkpoint>> {
    if opts.resume {
        if !ckpt_path.is_file() {
            return Err(TrainError::Config(format!(
                "--resume: no checkpoint at {}",
                ckpt_path.display()
            )));
        }
        Ok(Some(Checkpoint::load(ckpt_path)?))
    } else {
        if ckpt_path.exists() {
            return Err(TrainError::Config(format!(
                "{} already holds a checkpoint: pass --resume to continue it, or choose another --out",
                opts.run_dir.display()
            )));
        }
        Ok(None)
    }
}

/// The run's settings (a checkpoint's, retuned, or the options') and the precision they ask for.
pub(super) fn settings(
    opts: &TrainOptions,
    resumed: Option<&Checkpoint>,
) -> Result<(TrainConfig, Kind)> {
    let mut config = match resumed {
        Some(c) => retuned(c, &opts.retune),
        None => opts.config.clone(),
    };
    check_retunable(&config)?;
    // A resume keeps the precision it recorded unless told another: it is how this machine
    // computes, not part of the model (the master weights are f32 either way).
    let requested = match (resumed, opts.retune.precision) {
        (Some(_), Some(new)) => new,
        _ => config.precision.parse::<Precision>()?,
    };
    let chosen = precision::choose(requested, opts.device);
    if let Some(c) = resumed.filter(|c| c.config.precision != chosen.to_string()) {
        tracing::info!(
            "precision {} → {chosen} from iteration {}",
            c.config.precision,
            c.iteration
        );
    }
    config.precision = chosen.to_string();
    Ok((config, chosen.kind()))
}

/// A checkpoint's settings with the learning rate and penalty weights the resume changes (each
/// change logged).
fn retuned(checkpoint: &Checkpoint, retune: &super::Retune) -> TrainConfig {
    let mut config = checkpoint.config.clone();
    for (name, weight, new) in [
        ("learning rate", &mut config.lr, retune.lr),
        (
            "total-variation weight",
            &mut config.tv_weight,
            retune.tv_weight,
        ),
        (
            "upsampling-grid weight",
            &mut config.grid_weight,
            retune.grid_weight,
        ),
        (
            "shift-stability weight",
            &mut config.stability_weight,
            retune.stability_weight,
        ),
        (
            "colour weight",
            &mut config.colour_weight,
            retune.colour_weight,
        ),
    ] {
        if let Some(new) = new.filter(|&w| w != *weight) {
            tracing::info!(
                "{name} {weight} → {new} from iteration {}",
                checkpoint.iteration
            );
            *weight = new;
        }
    }
    config
}

fn check_retunable(config: &TrainConfig) -> Result<()> {
    for (flag, weight) in [
        ("--lr", config.lr),
        ("--tv-weight", config.tv_weight),
        ("--grid-weight", config.grid_weight),
        ("--stability-weight", config.stability_weight),
        ("--colour-weight", config.colour_weight),
    ] {
        if !(weight >= 0.0 && weight.is_finite()) {
            return Err(TrainError::Config(format!(
                "{flag} {weight}: expected a finite value ≥ 0"
            )));
        }
    }
    Ok(())
}

/// The run's encoder, refused when a resumed run recorded another one; the settings then record
/// its identity.
pub(super) fn encoder(
    config: TrainConfig,
    kind: Kind,
    device: Device,
) -> Result<(Encoder, TrainConfig)> {
    let encoder = Encoder::load(Path::new(&config.encoder), device)?.with_kind(kind);
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
    Ok((encoder, config))
}

/// The decoder, its Adam state and the iteration to start from: the checkpoint's, or a new run's
/// seeded (or fine-tuned) decoder at iteration 0.
pub(super) fn model(
    resumed: Option<Checkpoint>,
    config: &TrainConfig,
    opts: &TrainOptions,
) -> Result<(Decoder, Adam, u64)> {
    match resumed {
        Some(c) => {
            tracing::info!(
                "resuming {} at iteration {}",
                opts.run_dir.display(),
                c.iteration
            );
            let (decoder, adam) = restore(&c, opts.device);
            Ok((decoder, adam, c.iteration))
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
            Ok((decoder, adam, 0))
        }
    }
}

/// A checkpoint's decoder and Adam moments, on `device`.
fn restore(checkpoint: &Checkpoint, device: Device) -> (Decoder, Adam) {
    let decoder = Decoder::from_network(&checkpoint.decoder, device);
    let mut adam = Adam::new(&decoder.parameters());
    for (dst, src) in adam
        .m
        .iter_mut()
        .zip(&checkpoint.adam_m)
        .chain(adam.v.iter_mut().zip(&checkpoint.adam_v))
    {
        *dst = Tensor::from_slice(src)
            .view(dst.size().as_slice())
            .to_device(device);
    }
    adam.steps = checkpoint.adam_steps;
    (decoder, adam)
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
