//! `adain-train eval`: the paper's content and style losses of a model package, averaged over every
//! content × style pair (α = 1), computed with the package's own graphs' weights in tch, and how much
//! of a checkerboard its outputs carry next to the photographs they come from.

use std::path::Path;

use adain_models::manifest::{Manifest, Role};
use adain_models::onnx::{network_from_graph, read_model};
use adain_models::Architecture;
use serde::Serialize;
use tch::{Device, Kind, Tensor};

use crate::checkerboard::{checkerboard_score, luma};
use crate::data::{center_crop, load_resized, planar_batch, ImageFolder};
use crate::error::{Result, TrainError};
use crate::loss::adain_losses;
use crate::model::{tensor_to_vec, Decoder, Encoder};
use crate::stats::adain;

#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub model: String,
    pub pairs: usize,
    pub size: u32,
    pub content_loss: f64,
    pub style_loss: f64,
    /// content + 10 · style, the training objective with the paper's weights.
    pub total_loss: f64,
    /// `checkerboard_score` of the stylized outputs and, as the baseline, of the contents.
    pub checkerboard: Checkerboard,
}

#[derive(Debug, Clone, Serialize)]
pub struct Checkerboard {
    pub outputs: Spread,
    pub contents: Spread,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Spread {
    pub mean: f64,
    pub max: f64,
}

impl Spread {
    fn of(values: &[f32]) -> Self {
        Spread {
            mean: values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len().max(1) as f64,
            max: values.iter().copied().fold(0.0, f32::max).into(),
        }
    }
}

/// Checkerboard score of a [1, 3, side, side] image tensor, clamped to the range written to files.
fn score(image: &Tensor, side: usize) -> f32 {
    let planar = tensor_to_vec(&image.clamp(0.0, 1.0));
    checkerboard_score(&luma(&planar, side, side), side, side)
}

pub fn evaluate(
    model_dir: &Path,
    content_dir: &Path,
    style_dir: &Path,
    size: u32,
    device: Device,
) -> Result<EvalReport> {
    let manifest = Manifest::load(model_dir)?;
    manifest.verify_files(model_dir)?;
    let path_of = |role| {
        manifest
            .file(role, "fp32")
            .map(|f| model_dir.join(&f.path))
            .ok_or_else(|| TrainError::Data {
                path: model_dir.into(),
                message: format!("no fp32 {role:?} in the manifest"),
            })
    };
    let encoder = Encoder::load(&path_of(Role::Encoder)?, device)?;
    let decoder_path = path_of(Role::Decoder)?;
    let decoder = Decoder::from_network(
        &network_from_graph(
            &read_model(&decoder_path)?,
            Architecture::decoder(),
            &decoder_path,
        )?,
        device,
    );

    let (contents, _) = ImageFolder::scan(content_dir)?;
    let (styles, _) = ImageFolder::scan(style_dir)?;
    let load = |p: &Path| -> Result<Tensor> {
        let img = load_resized(p, size, size)
            .map(|i| center_crop(&i, size))
            .ok_or_else(|| TrainError::Data {
                path: p.into(),
                message: "could not be decoded".into(),
            })?;
        Ok(Tensor::from_slice(&planar_batch(&[img]))
            .view([1, 3, size as i64, size as i64])
            .to_device(device))
    };
    let (mut content, mut style, mut pairs) = (0.0, 0.0, 0usize);
    let (mut output_scores, mut content_scores) = (Vec::new(), Vec::new());
    let side = size as usize;
    let bar = crate::progress::bar(contents.files.len() * styles.files.len(), "evaluating");
    tch::no_grad(|| -> Result<()> {
        let style_feats: Vec<Vec<Tensor>> = styles
            .files
            .iter()
            .map(|p| Ok(encoder.features(&load(p)?)))
            .collect::<Result<_>>()?;
        for c in &contents.files {
            let image = load(c)?;
            content_scores.push(score(&image, side));
            let fc = encoder.relu4_1(&image);
            for fs in &style_feats {
                let t = adain(&fc, &fs[3]);
                let output = decoder.forward(&t, Kind::Float);
                let l = adain_losses(&encoder.features(&output), &t, fs);
                content += l.content.double_value(&[]);
                style += l.style.double_value(&[]);
                output_scores.push(score(&output, side));
                pairs += 1;
                bar.inc(1);
            }
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    let (content, style) = (content / pairs as f64, style / pairs as f64);
    Ok(EvalReport {
        model: model_dir.display().to_string(),
        pairs,
        size,
        content_loss: content,
        style_loss: style,
        total_loss: content + 10.0 * style,
        checkerboard: Checkerboard {
            outputs: Spread::of(&output_scores),
            contents: Spread::of(&content_scores),
        },
    })
}
