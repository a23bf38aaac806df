//! Int8 calibration: the fp32 graphs run in ONNX Runtime on a set of images, every activation that the
//! int8 graph will quantize goes into a histogram, and a clipping rule turns each histogram into a range.
//!
//! - Encoder: the input (an image in [0, 1]: fixed range, 8-bit images are exact) and every conv's
//!   post-ReLU output, over contents and styles.
//! - Decoder: its input, i.e. AdaIN targets of content × style pairs computed from the fp32 encoder's
//!   relu4_1 (the only signed tensor), and every conv's output; the last conv's output is the image,
//!   which the contract clamps to [0, 1], so it is quantized over exactly [0, 1] (step 1/255).

mod images;

pub use images::{load_square, ImageSet};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use adain::image_io::to_planar;
use adain::ops::{adain, ChannelStats};
use adain::runtime::{open_session, GraphInput, Provider, ProviderRequest, SessionOptions};
use adain_models::architecture::Layer;
use adain_models::convention::{DECODER_INPUT, ENCODER_INPUT, FEATURE_CHANNELS};
use adain_models::onnx::quantize::{adain_boundary_convs, ActivationRanges, Clip, Histogram};
use adain_models::onnx::{network_graph, save_model, GraphSpec, Outputs, PadMode};
use adain_models::Network;
use ndarray::{Array3, Axis, Ix4};
use ort::value::TensorRef;

use crate::error::{Result, TrainError};

/// Histograms of one network's quantized tensors, plus the ranges fixed by the contract.
#[derive(Debug, Clone, Default)]
pub struct Histograms {
    tensors: BTreeMap<String, (Histogram, bool)>,
    fixed: BTreeMap<String, (f32, f32)>,
    runs: usize,
}

impl Histograms {
    fn add(&mut self, name: &str, nonnegative: bool, values: &[f32]) {
        self.tensors
            .entry(name.to_string())
            .or_insert_with(|| (Histogram::default(), nonnegative))
            .0
            .add(values);
    }

    /// Network runs that filled the histograms.
    pub fn runs(&self) -> usize {
        self.runs
    }

    /// The histogram of `name`.
    pub fn histogram(&self, name: &str) -> Option<&Histogram> {
        self.tensors.get(name).map(|(h, _)| h)
    }

    /// Ranges with `clip`, tied to `network` (the one the histograms were measured on), with the convs
    /// next to AdaIN kept in f32 ([`adain_boundary_convs`]).
    pub fn ranges(&self, network: &Network, clip: Clip, images: &str) -> ActivationRanges {
        let mut ranges = self.fixed.clone();
        for (name, (h, nonnegative)) in &self.tensors {
            if !ranges.contains_key(name) {
                if let Some(r) = h.range(clip, *nonnegative) {
                    ranges.insert(name.clone(), r);
                }
            }
        }
        let fixed: Vec<&str> = self.fixed.keys().map(String::as_str).collect();
        let method = format!(
            "clip {clip} over {} runs of the fp32 graph on {images}; fixed to [0, 1]: {fixed:?}",
            self.runs
        );
        let mut r = ActivationRanges::new(network, method, ranges);
        r.keep_float = adain_boundary_convs(network.architecture());
        r
    }
}

/// What [`calibrate`] measured.
#[derive(Debug, Clone)]
pub struct Calibration {
    pub encoder: Histograms,
    /// None when no decoder was given.
    pub decoder: Option<Histograms>,
    /// The images, for the record.
    pub images: String,
}

/// Runs the fp32 `encoder` on every content and style image of `set` (shorter side resized to `size`,
/// centre crop) and, with a `decoder`, the decoder on AdaIN(content, style) for max(C, S) pairs.
pub fn calibrate(
    encoder: &Network,
    decoder: Option<&Network>,
    set: &ImageSet,
    size: u32,
    threads: usize,
) -> Result<Calibration> {
    if set.is_empty() {
        return Err(TrainError::Config(format!(
            "no calibration images ({})",
            set.describe()
        )));
    }
    let tmp = tempfile::tempdir().map_err(|e| TrainError::io(std::env::temp_dir(), e))?;
    let options = SessionOptions {
        threads,
        request: ProviderRequest::Only(Provider::Cpu),
        ..SessionOptions::default()
    };
    let enc_path = every_relu_graph(encoder, ENCODER_INPUT, 3, tmp.path())?;
    let mut enc = open_session(&enc_path, &GraphInput::ENCODER, &options)?.session;
    let enc_outputs = relu_outputs(encoder);
    let adain_tap = enc_outputs.last().cloned().expect("an encoder has convs").0;

    let mut encoder_h = Histograms::default();
    encoder_h.fixed.insert(ENCODER_INPUT.into(), (0.0, 1.0));
    let mut files: Vec<&PathBuf> = set.contents.iter().collect();
    files.extend(set.styles.iter().filter(|s| !set.contents.contains(s)));
    let bar = crate::progress::bar(
        files.len() + decoder.map_or(0, |_| set.contents.len().max(set.styles.len())),
        "calibrating int8",
    );
    let mut relu4_1: BTreeMap<&PathBuf, Array3<f32>> = BTreeMap::new();
    for file in files {
        let x = to_planar(&load_square(file, size)?).insert_axis(Axis(0));
        let outputs = enc
            .run(ort::inputs![ENCODER_INPUT => tensor(x.view(), &enc_path)?])
            .map_err(|e| runtime_error(&enc_path, e))?;
        for (name, nonnegative) in &enc_outputs {
            let a = outputs[name.as_str()]
                .try_extract_array::<f32>()
                .map_err(|e| runtime_error(&enc_path, e))?;
            encoder_h.add(
                name,
                *nonnegative,
                a.as_slice().expect("ONNX Runtime outputs are contiguous"),
            );
            if *name == adain_tap && decoder.is_some() {
                let a = a
                    .into_dimensionality::<Ix4>()
                    .map_err(|e| TrainError::Config(format!("relu4_1: {e}")))?;
                relu4_1.insert(file, a.index_axis(Axis(0), 0).to_owned());
            }
        }
        encoder_h.runs += 1;
        bar.inc(1);
    }

    let decoder_h = match decoder {
        None => None,
        Some(decoder) => {
            let dec_path =
                every_relu_graph(decoder, DECODER_INPUT, FEATURE_CHANNELS[3], tmp.path())?;
            let mut dec = open_session(&dec_path, &GraphInput::DECODER, &options)?.session;
            let mut h = Histograms::default();
            let last = decoder
                .architecture()
                .convs()
                .last()
                .expect("a decoder has convs")
                .name
                .to_string();
            h.fixed.insert(last, (0.0, 1.0));
            let dec_outputs = relu_outputs(decoder);
            let styles: BTreeMap<&PathBuf, ChannelStats> = set
                .styles
                .iter()
                .map(|s| (s, ChannelStats::of(relu4_1[s].view())))
                .collect();
            for (content, style) in set.pairs(set.contents.len().max(set.styles.len())) {
                let target = adain(relu4_1[&content].view(), &styles[&style])?;
                h.add(
                    DECODER_INPUT,
                    false,
                    target.as_slice().expect("standard layout"),
                );
                let x = target.insert_axis(Axis(0));
                let outputs = dec
                    .run(ort::inputs![DECODER_INPUT => tensor(x.view(), &dec_path)?])
                    .map_err(|e| runtime_error(&dec_path, e))?;
                for (name, nonnegative) in &dec_outputs {
                    let a = outputs[name.as_str()]
                        .try_extract_array::<f32>()
                        .map_err(|e| runtime_error(&dec_path, e))?;
                    h.add(
                        name,
                        *nonnegative,
                        a.as_slice().expect("ONNX Runtime outputs are contiguous"),
                    );
                }
                h.runs += 1;
                bar.inc(1);
            }
            Some(h)
        }
    };
    bar.finish_and_clear();
    Ok(Calibration {
        encoder: encoder_h,
        decoder: decoder_h,
        images: format!("{} at {size}²", set.describe()),
    })
}

fn tensor<'a>(x: ndarray::ArrayView4<'a, f32>, graph: &Path) -> Result<TensorRef<'a, f32>> {
    TensorRef::from_array_view(x).map_err(|e| runtime_error(graph, e))
}

fn runtime_error(graph: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Data {
        path: graph.to_path_buf(),
        message: format!("ONNX Runtime: {e}"),
    }
}

/// The fp32 graph with every ReLU as an output (named after its conv), written into `dir`.
fn every_relu_graph(net: &Network, input: &str, channels: usize, dir: &Path) -> Result<PathBuf> {
    let spec = GraphSpec {
        graph_name: format!("{}-calibration", net.architecture().name),
        input: input.into(),
        input_channels: channels,
        outputs: Outputs::EveryRelu,
        pad_mode: PadMode::Reflect,
        metadata: vec![],
    };
    let path = dir.join(format!("{}.onnx", net.architecture().name));
    save_model(&network_graph(net, &spec)?, &path)?;
    Ok(path)
}

/// Names of the graph outputs of [`every_relu_graph`] (the convs followed by a ReLU); all nonnegative.
fn relu_outputs(net: &Network) -> Vec<(String, bool)> {
    let layers = &net.architecture().layers;
    let mut out = Vec::new();
    let mut last_conv = None;
    for layer in layers {
        match layer {
            Layer::Conv { name, .. } => last_conv = Some(name.to_string()),
            Layer::Relu { .. } => out.extend(last_conv.clone().map(|c| (c, true))),
            _ => {}
        }
    }
    out
}
