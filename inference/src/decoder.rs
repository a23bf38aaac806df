//! The decoder graph g: relu4_1-shaped features [512, h, w] → an image [3, 8h, 8w].

use std::path::{Path, PathBuf};

use adain_models::convention::{DECODER_INPUT, DECODER_OUTPUT, DECODER_SCALE, FEATURE_CHANNELS};
use ndarray::{s, Array3, ArrayView3, Axis, Ix4};
use ort::session::Session;
use ort::value::TensorRef;

use crate::error::{AdainError, Result};
use crate::runtime::{open_session, GraphInput, Provider, SessionOptions};

/// A decoder session.
pub struct Decoder {
    session: Session,
    provider: Provider,
    path: PathBuf,
}

impl Decoder {
    pub fn open(path: &Path, options: &SessionOptions) -> Result<Self> {
        let opened = open_session(path, &GraphInput::DECODER, options)?;
        Ok(Self {
            session: opened.session,
            provider: opened.provider,
            path: path.to_path_buf(),
        })
    }

    /// The execution provider the session runs on.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// Decodes `features` [512, h, w] and crops the result to `height`×`width` (≤ 8h×8w: the encoder's
    /// ceil-mode pooling rounds odd sizes up, so the decoder's output can be a few pixels larger).
    /// The values are not clamped here; [`crate::image_io::from_planar`] clamps when converting.
    pub fn decode(
        &mut self,
        features: ArrayView3<'_, f32>,
        height: usize,
        width: usize,
    ) -> Result<Array3<f32>> {
        let (channels, h, w) = features.dim();
        if channels != FEATURE_CHANNELS[3] {
            return Err(AdainError::Mismatch(format!(
                "the decoder takes {} channels, got {channels}",
                FEATURE_CHANNELS[3]
            )));
        }
        let (out_h, out_w) = (h * DECODER_SCALE, w * DECODER_SCALE);
        if height > out_h || width > out_w {
            return Err(AdainError::Mismatch(format!(
                "cannot crop a {out_w}x{out_h} decoder output to {width}x{height}"
            )));
        }
        let batch = features.insert_axis(Axis(0));
        let batch = batch.as_standard_layout();
        let input = TensorRef::from_array_view(&batch)
            .map_err(|e| AdainError::ort("preparing the decoder input", e))?;
        let graph = self.path.display().to_string();
        let outputs = self
            .session
            .run(ort::inputs![DECODER_INPUT => input])
            .map_err(|e| AdainError::ort(format!("{graph}: running the decoder"), e))?;
        let value = outputs
            .get(DECODER_OUTPUT)
            .ok_or_else(|| AdainError::GraphOutput {
                graph: graph.clone(),
                message: format!("no output `{DECODER_OUTPUT}`"),
            })?;
        let array = value
            .try_extract_array::<f32>()
            .map_err(|e| AdainError::ort(format!("{graph}: reading `{DECODER_OUTPUT}`"), e))?;
        let expected = [1, 3, out_h, out_w];
        let image = array
            .into_dimensionality::<Ix4>()
            .ok()
            .filter(|a| a.shape() == expected)
            .ok_or_else(|| AdainError::GraphOutput {
                graph,
                message: format!(
                    "`{DECODER_OUTPUT}` has shape {:?}, expected {expected:?}",
                    value.shape()
                ),
            })?;
        // Top-left crop: the padding that ceil-mode pooling adds sits at the bottom and right.
        Ok(image.slice(s![0, .., ..height, ..width]).to_owned())
    }
}
