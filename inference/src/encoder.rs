//! The encoder graph f: an RGB image [3, H, W] in [0, 1] → relu1_1 … relu4_1.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use adain_models::convention::{ADAIN_LAYER, ENCODER_INPUT, FEATURE_CHANNELS, FEATURE_LAYERS};
use ndarray::{Array3, ArrayView3, Axis, Ix4};
use ort::session::{HasSelectedOutputs, OutputSelector, RunOptions, Session};
use ort::value::TensorRef;

use crate::error::{AdainError, Result};
use crate::ops::ChannelStats;
use crate::runtime::{open_session, GraphInput, Provider, SessionOptions};

/// Smallest image side the encoder accepts: conv4_1 pads by reflection at 1/8 scale, which needs at
/// least 2 pixels there (⌈9/8⌉ = 2).
pub const MIN_IMAGE_SIDE: usize = 9;

/// Rough peak memory of an encoder run per input pixel on the CPU: relu1_1 and conv1_2's output
/// (64 channels each, f32) dominate. Used to warn before a run that may exhaust memory.
const BYTES_PER_PIXEL: usize = 2 * 64 * 4 + 64;

/// An encoder session.
pub struct Encoder {
    session: Session,
    provider: Provider,
    path: PathBuf,
    /// Asks the runtime for relu4_1 only: it then need not hand out (or keep alive) relu1_1..relu3_1,
    /// which at full and half resolution are most of an encoder run's memory.
    adain_only: RunOptions<HasSelectedOutputs>,
}

impl Encoder {
    pub fn open(path: &Path, options: &SessionOptions) -> Result<Self> {
        let opened = open_session(path, &GraphInput::ENCODER, options)?;
        let adain_only = RunOptions::new()
            .map(|o| o.with_outputs(OutputSelector::no_default().with(ADAIN_LAYER)))
            .map_err(|e| AdainError::ort("creating run options", e))?;
        Ok(Self {
            session: opened.session,
            provider: opened.provider,
            path: path.to_path_buf(),
            adain_only,
        })
    }

    /// The execution provider the session runs on.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// relu4_1 of `image` [3, H, W]: [512, ⌈H/8⌉, ⌈W/8⌉].
    pub fn content_features(&mut self, image: ArrayView3<'_, f32>) -> Result<Array3<f32>> {
        let mut features = None;
        self.run(image, Layers::AdainOnly, |_, map| {
            features = Some(map.to_owned())
        })?;
        Ok(features.expect("run() visits relu4_1"))
    }

    /// Channel statistics of relu4_1 alone: all AdaIN needs. The same numbers, bit for bit, as the
    /// relu4_1 entry of [`Self::feature_statistics`] (same graph, same kernels, same reduction).
    pub fn adain_statistics(&mut self, image: ArrayView3<'_, f32>) -> Result<ChannelStats> {
        let mut stats = None;
        self.run(image, Layers::AdainOnly, |_, map| {
            stats = Some(ChannelStats::of(map))
        })?;
        Ok(stats.expect("run() visits relu4_1"))
    }

    /// Channel statistics of all four feature layers of `image` [3, H, W], straight from the
    /// runtime's buffers (relu1_1 of a big image is large; it is never copied).
    pub fn feature_statistics(
        &mut self,
        image: ArrayView3<'_, f32>,
    ) -> Result<BTreeMap<String, ChannelStats>> {
        let mut stats = BTreeMap::new();
        self.run(image, Layers::All, |layer, map| {
            stats.insert(layer.to_string(), ChannelStats::of(map));
        })?;
        Ok(stats)
    }

    /// Runs the graph and hands each requested feature layer, checked against the contract, to `visit`.
    fn run(
        &mut self,
        image: ArrayView3<'_, f32>,
        layers: Layers,
        mut visit: impl FnMut(&str, ArrayView3<'_, f32>),
    ) -> Result<()> {
        let (channels, h, w) = image.dim();
        if channels != 3 {
            return Err(AdainError::Mismatch(format!(
                "the encoder takes 3 colour channels, got {channels}"
            )));
        }
        if h < MIN_IMAGE_SIDE || w < MIN_IMAGE_SIDE {
            return Err(AdainError::Mismatch(format!(
                "a {w}x{h} image is too small: the encoder needs at least {MIN_IMAGE_SIDE} pixels on each side"
            )));
        }
        let gigabytes = (h * w * BYTES_PER_PIXEL) as f64 / 1e9;
        if gigabytes > 4.0 {
            tracing::warn!("encoding a {w}x{h} image needs about {gigabytes:.0} GB of memory; a smaller image needs less");
        }
        let batch = image.insert_axis(Axis(0));
        let batch = batch.as_standard_layout();
        let input = TensorRef::from_array_view(&batch)
            .map_err(|e| AdainError::ort("preparing the encoder input", e))?;
        let outputs = match layers {
            Layers::All => self.session.run(ort::inputs![ENCODER_INPUT => input]),
            Layers::AdainOnly => self
                .session
                .run_with_options(ort::inputs![ENCODER_INPUT => input], &self.adain_only),
        }
        .map_err(|e| AdainError::ort(format!("{}: running the encoder", self.path.display()), e))?;
        let graph = self.path.display().to_string();
        for (level, (layer, expected_channels)) in
            FEATURE_LAYERS.iter().zip(FEATURE_CHANNELS).enumerate()
        {
            if layers == Layers::AdainOnly && *layer != ADAIN_LAYER {
                continue;
            }
            let value = outputs.get(*layer).ok_or_else(|| AdainError::GraphOutput {
                graph: graph.clone(),
                message: format!("no output `{layer}`"),
            })?;
            let array = value
                .try_extract_array::<f32>()
                .map_err(|e| AdainError::ort(format!("{graph}: reading `{layer}`"), e))?;
            // relu1_1 is full size, each pooling halves (rounding up): levels 0, 1, 2, 3.
            let side = |s: usize| (0..level).fold(s, |s, _| s.div_ceil(2));
            let expected = [1, expected_channels, side(h), side(w)];
            let map = array
                .into_dimensionality::<Ix4>()
                .ok()
                .filter(|a| a.shape() == expected)
                .ok_or_else(|| AdainError::GraphOutput {
                    graph: graph.clone(),
                    message: format!(
                        "`{layer}` has shape {:?}, expected {expected:?}",
                        value.shape()
                    ),
                })?;
            visit(layer, map.index_axis_move(Axis(0), 0));
        }
        Ok(())
    }
}

/// Which feature layers a run asks the runtime for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layers {
    All,
    AdainOnly,
}
