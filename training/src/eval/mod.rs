//! `adain-train eval`: the paper's content and style losses of a model package, averaged over every
//! content × style pair (α = 1), computed with the package's own graphs' weights in tch; the style
//! loss's mean and std parts per layer; colour fidelity (the Lab distance between each output's and
//! its style's colour distribution, [`colour`]); and how much of a checkerboard its outputs carry
//! next to the photographs they come from.
//!
//! Each pair is scored twice. The primary numbers score what a user gets: the whole images (shorter
//! side resized to `size`), the decoder's output cropped to the content's size, clamped to [0, 1] and
//! quantised to 8 bits, as `adain stylize` writes it. [`EvalReport::crop_float`] keeps the earlier
//! measure: `size`² centre crops and the decoder's raw float output, as training's validation sees it.

pub mod colour;
mod written;

pub use written::{as_written, as_written_in_style_colors, color_moments, cropped};

use std::path::Path;

use adain_models::convention::FEATURE_LAYERS;
use adain_models::manifest::{Manifest, Role};
use adain_models::onnx::{network_from_graph, read_model};
use adain_models::Architecture;
use tch::{Device, Kind, Tensor};

use crate::checkerboard::{checkerboard_score, luma};
use crate::data::{center_crop, load_resized, planar_batch, ImageFolder};
use crate::error::{Result, TrainError};
use crate::loss::{adain_losses_to, style_terms};
use crate::model::{tensor_to_vec, Decoder, Encoder};
use crate::stats::{adain_to, channel_stats, MeanStd};
use adain::ops::ColorMoments;
use colour::LabMoments;

/// The report's schema is shared with the tools that read it (`cargo xtask model-card`).
pub use adain_models::reports::{
    Checkerboard, ColourFidelity, EvalReport, LayerTerms, PairReport, Scores, Spread,
};

/// What the primary numbers of a report score.
pub const WHOLE_8BIT: &str = "whole image (shorter side resized to `size`); the decoder's output \
    cropped to the content's size, clamped to [0, 1] and quantised to 8 bits, as `adain stylize` writes it";
/// What [`EvalReport::crop_float`] scores.
pub const CROP_FLOAT: &str =
    "`size`² centre crops; the decoder's raw float output, neither clamped \
    nor quantised (the checkerboard score clamps it to [0, 1])";

/// A file's name for the report: relative to its set's root.
fn short_name(folder: &ImageFolder, path: &Path) -> String {
    path.strip_prefix(&folder.root)
        .unwrap_or(path)
        .display()
        .to_string()
}

pub fn evaluate(
    model_dir: &Path,
    content_dir: &Path,
    style_dir: &Path,
    size: u32,
    match_style_color: bool,
    device: Device,
) -> Result<EvalReport> {
    let (encoder, decoder) = load_package(model_dir, device)?;
    let (contents, _) = ImageFolder::scan(content_dir)?;
    let (styles, _) = ImageFolder::scan(style_dir)?;
    let mut whole = Tally::new(WHOLE_8BIT);
    let mut crop = Tally::new(CROP_FLOAT);
    let mut pair_scores = Vec::new();
    let bar = crate::progress::bar(contents.files.len() * styles.files.len(), "evaluating");
    tch::no_grad(|| -> Result<()> {
        let style_sets: Vec<Both<Styled>> = styles
            .files
            .iter()
            .map(|p| Ok(load_both(p, size, device)?.map(|s| Styled::new(&encoder, &s))))
            .collect::<Result<_>>()?;
        for path in &contents.files {
            let content = load_both(path, size, device)?.map(|c| Encoded::new(&encoder, c));
            whole.contents.push(checkerboard_of(&content.whole.image));
            crop.contents.push(checkerboard_of(&content.crop.image));
            for (style, style_path) in style_sets.iter().zip(&styles.files) {
                let written = Written::File { match_style_color };
                let pair = score_pair(&encoder, &decoder, &content.whole, &style.whole, written);
                pair_scores.push(PairReport {
                    content: short_name(&contents, path),
                    style: short_name(&styles, style_path),
                    content_loss: pair.content,
                    style_loss: pair.style,
                    colour: pair.colour,
                    content_colour: pair.content_colour,
                });
                whole.add(pair);
                crop.add(score_pair(
                    &encoder,
                    &decoder,
                    &content.crop,
                    &style.crop,
                    Written::Float,
                ));
                bar.inc(1);
            }
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    let (whole, crop_float) = (whole.scores(), crop.scores());
    Ok(EvalReport {
        model: model_dir.display().to_string(),
        pairs: contents.files.len() * styles.files.len(),
        size,
        match_style_color,
        primary: whole,
        crop_float,
        pair_scores,
    })
}

/// The package's fp32 encoder and decoder, as tch networks.
fn load_package(model_dir: &Path, device: Device) -> Result<(Encoder, Decoder)> {
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
    Ok((encoder, decoder))
}

/// Something as each scoring sees it: from the whole image, and from its centre crop.
struct Both<T> {
    whole: T,
    crop: T,
}

impl<T> Both<T> {
    fn map<U>(self, f: impl Fn(T) -> U) -> Both<U> {
        Both {
            whole: f(self.whole),
            crop: f(self.crop),
        }
    }
}

/// An image resized to shorter side `size` ([1, 3, H, W]), and its `size`² centre crop.
fn load_both(path: &Path, size: u32, device: Device) -> Result<Both<Tensor>> {
    let whole = load_resized(path, size, size).ok_or_else(|| TrainError::Data {
        path: path.into(),
        message: "could not be decoded".into(),
    })?;
    let crop = center_crop(&whole, size);
    let tensor = |img: image::RgbImage| {
        Tensor::from_slice(&planar_batch(std::slice::from_ref(&img)))
            .view([1, 3, i64::from(img.height()), i64::from(img.width())])
            .to_device(device)
    };
    Ok(Both {
        whole: tensor(whole),
        crop: tensor(crop),
    })
}

/// A style image as the scores need it: per-layer (μ, σ), all the style loss and AdaIN need, and
/// its colour moments.
struct Styled {
    stats: Vec<MeanStd>,
    colour: LabMoments,
    /// RGB mean and covariance, which `--match-style-color` recolours to.
    rgb: ColorMoments,
}

impl Styled {
    fn new(encoder: &Encoder, style: &Tensor) -> Self {
        Self {
            stats: encoder.features(style).iter().map(channel_stats).collect(),
            colour: lab_moments(style),
            rgb: color_moments(style),
        }
    }
}

/// What of the decoder's output a scoring sees.
#[derive(Debug, Clone, Copy)]
enum Written {
    /// The image file `adain stylize` writes (with or without `--match-style-color`).
    File { match_style_color: bool },
    /// The raw float values.
    Float,
}

fn lab_moments(image: &Tensor) -> LabMoments {
    LabMoments::of_planar(&tensor_to_vec(image))
}

/// A content image with its relu4_1 features and colour moments.
struct Encoded {
    image: Tensor,
    relu4_1: Tensor,
    colour: LabMoments,
}

impl Encoded {
    fn new(encoder: &Encoder, image: Tensor) -> Self {
        let relu4_1 = encoder.relu4_1(&image);
        let colour = lab_moments(&image);
        Self {
            image,
            relu4_1,
            colour,
        }
    }
}

/// The scores of one pair.
struct PairScore {
    content: f64,
    style: f64,
    /// (mean, std) parts of the style loss per layer.
    layers: Vec<(f64, f64)>,
    colour: f64,
    content_colour: f64,
    checkerboard: f32,
}

/// Decodes AdaIN(content, style) and scores the output at the content's size, as `written`.
fn score_pair(
    encoder: &Encoder,
    decoder: &Decoder,
    content: &Encoded,
    style: &Styled,
    written: Written,
) -> PairScore {
    let target = adain_to(&content.relu4_1, &style.stats[3]);
    let decoded = decoder.forward(&target, Kind::Float);
    let (height, width) = (content.image.size()[2], content.image.size()[3]);
    let output = match written {
        Written::File {
            match_style_color: false,
        } => as_written(&decoded, height, width),
        Written::File {
            match_style_color: true,
        } => as_written_in_style_colors(&decoded, height, width, &style.rgb),
        Written::Float => cropped(&decoded, height, width),
    };
    let features = encoder.features(&output);
    let losses = adain_losses_to(&features, &target, &style.stats);
    let layers = style_terms(&features, &style.stats)
        .iter()
        .map(|(m, s)| (m.double_value(&[]), s.double_value(&[])))
        .collect();
    PairScore {
        content: losses.content.double_value(&[]),
        style: losses.style.double_value(&[]),
        layers,
        colour: lab_moments(&output).distance(&style.colour),
        content_colour: content.colour.distance(&style.colour),
        checkerboard: checkerboard_of(&output),
    }
}

/// Checkerboard score of a [1, 3, H, W] image, clamped to the range written to files.
fn checkerboard_of(image: &Tensor) -> f32 {
    let (height, width) = (image.size()[2] as usize, image.size()[3] as usize);
    let planar = tensor_to_vec(&image.clamp(0.0, 1.0));
    checkerboard_score(&luma(&planar, width, height), width, height)
}

/// One scoring's sums over the pairs so far.
struct Tally {
    scoring: &'static str,
    content: f64,
    style: f64,
    layers: [(f64, f64); 4],
    colour: Vec<f32>,
    content_colour: Vec<f32>,
    pairs: usize,
    outputs: Vec<f32>,
    contents: Vec<f32>,
}

impl Tally {
    fn new(scoring: &'static str) -> Self {
        Self {
            scoring,
            content: 0.0,
            style: 0.0,
            layers: [(0.0, 0.0); 4],
            colour: Vec::new(),
            content_colour: Vec::new(),
            pairs: 0,
            outputs: Vec::new(),
            contents: Vec::new(),
        }
    }

    fn add(&mut self, pair: PairScore) {
        self.content += pair.content;
        self.style += pair.style;
        for (sum, (m, s)) in self.layers.iter_mut().zip(&pair.layers) {
            sum.0 += m;
            sum.1 += s;
        }
        self.colour.push(pair.colour as f32);
        self.content_colour.push(pair.content_colour as f32);
        self.outputs.push(pair.checkerboard);
        self.pairs += 1;
    }

    /// Means over the pairs; the total weighs the style with the paper's λ = 10.
    fn scores(&self) -> Scores {
        let n = self.pairs as f64;
        let (content, style) = (self.content / n, self.style / n);
        Scores {
            scoring: self.scoring.into(),
            content_loss: content,
            style_loss: style,
            total_loss: content + 10.0 * style,
            checkerboard: Checkerboard {
                outputs: Spread::of(&self.outputs),
                contents: Spread::of(&self.contents),
            },
            style_layers: FEATURE_LAYERS
                .iter()
                .zip(&self.layers)
                .map(|(layer, (m, s))| LayerTerms {
                    layer: layer.to_string(),
                    mean: m / n,
                    std: s / n,
                })
                .collect(),
            colour: ColourFidelity {
                outputs: Spread::of(&self.colour),
                contents: Spread::of(&self.content_colour),
            },
        }
    }
}
