//! `adain-train eval`: the paper's content and style losses of a model package, averaged over every
//! content × style pair (α = 1), computed with the package's own graphs' weights in tch.

use std::path::Path;

use adain_models::manifest::{Manifest, Role};
use adain_models::onnx::{network_from_graph, read_model};
use adain_models::Architecture;
use serde::Serialize;
use tch::{Device, Kind, Tensor};

use crate::data::{center_crop, load_resized, planar_batch, ImageFolder};
use crate::error::{Result, TrainError};
use crate::loss::adain_losses;
use crate::model::{Decoder, Encoder};
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
    tch::no_grad(|| -> Result<()> {
        let style_feats: Vec<Vec<Tensor>> = styles
            .files
            .iter()
            .map(|p| Ok(encoder.features(&load(p)?)))
            .collect::<Result<_>>()?;
        for c in &contents.files {
            let fc = encoder.relu4_1(&load(c)?);
            for fs in &style_feats {
                let t = adain(&fc, &fs[3]);
                let l = adain_losses(&encoder.features(&decoder.forward(&t, Kind::Float)), &t, fs);
                content += l.content.double_value(&[]);
                style += l.style.double_value(&[]);
                pairs += 1;
            }
        }
        Ok(())
    })?;
    let (content, style) = (content / pairs as f64, style / pairs as f64);
    Ok(EvalReport {
        model: model_dir.display().to_string(),
        pairs,
        size,
        content_loss: content,
        style_loss: style,
        total_loss: content + 10.0 * style,
    })
}
