//! The fixed validation pairs (centre crops at the training size), scored during training.

use std::path::Path;

use image::RgbImage;
use tch::{Device, Tensor};

use super::Trainer;
use crate::checkpoint::TrainConfig;
use crate::data::{center_crop, load_resized, planar_batch, ImageFolder};
use crate::error::{Result, TrainError};
use crate::loss::adain_losses;
use crate::metrics::{MetricsLog, Record};
use crate::stats::adain;

/// The validation images, in pairs: content k with style k.
pub(super) struct Validation {
    content: Tensor,
    style: Tensor,
}

impl Validation {
    /// `config.val_pairs` pairs; pair k = (k mod #content, k mod #style), so the pairs are distinct
    /// for k below the lcm of the two counts.
    pub fn load(
        content: &ImageFolder,
        style: &ImageFolder,
        config: &TrainConfig,
        device: Device,
    ) -> Result<Self> {
        let load = |path: &Path| {
            load_resized(path, config.resize, config.crop)
                .map(|i| center_crop(&i, config.crop))
                .ok_or_else(|| TrainError::Data {
                    path: path.into(),
                    message: "validation image could not be decoded".into(),
                })
        };
        let n = config.val_pairs.max(1);
        let mut cs = Vec::new();
        let mut ss = Vec::new();
        for k in 0..n {
            cs.push(load(&content.files[k % content.len()])?);
            ss.push(load(&style.files[k % style.len()])?);
        }
        let shape = [n as i64, 3, config.crop as i64, config.crop as i64];
        let batch = |images: &[RgbImage]| {
            Tensor::from_slice(&planar_batch(images))
                .view(shape)
                .to_device(device)
        };
        Ok(Self {
            content: batch(&cs),
            style: batch(&ss),
        })
    }

    /// Scores the pairs after `done` iterations, appends the record and logs it; returns the total.
    pub fn score_and_log(&self, trainer: &Trainer, metrics: &MetricsLog, done: u64) -> Result<f64> {
        let (total, content, style) = self.score(trainer);
        metrics.append(&Record::Val {
            iteration: done,
            loss: total,
            content,
            style,
        })?;
        tracing::info!(
            "iteration {done}: validation loss {total:.4} (content {content:.4}, style {style:.4})"
        );
        Ok(total)
    }

    /// Mean (total, content, style) loss over the pairs, in chunks of the batch size.
    fn score(&self, trainer: &Trainer) -> (f64, f64, f64) {
        let config = &trainer.config;
        tch::no_grad(|| {
            let n = self.content.size()[0];
            let (mut content, mut style, mut chunks) = (0.0, 0.0, 0.0);
            let mut i = 0;
            while i < n {
                let len = (config.batch as i64).min(n - i);
                let c = self.content.narrow(0, i, len);
                let s = self.style.narrow(0, i, len);
                let fs = trainer.encoder.features(&s);
                let t = adain(&trainer.encoder.relu4_1(&c), &fs[3]);
                let output = trainer.decoder.forward(&t, trainer.kind);
                let l = adain_losses(&trainer.encoder.features(&output), &t, &fs);
                content += l.content.double_value(&[]) * len as f64;
                style += l.style.double_value(&[]) * len as f64;
                chunks += len as f64;
                i += len;
            }
            let (c, s) = (content / chunks, style / chunks);
            (config.content_weight * c + config.style_weight * s, c, s)
        })
    }
}
