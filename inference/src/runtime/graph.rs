//! What the execution providers need to know about a graph's input (TensorRT's optimisation
//! profiles are shapes of it). A leaf module: sessions and providers both use it.

use adain_models::convention::{DECODER_INPUT, DECODER_SCALE, ENCODER_INPUT, FEATURE_CHANNELS};

/// The input of a graph, as TensorRT's optimisation profile needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphInput {
    pub name: &'static str,
    pub channels: usize,
    /// Image pixels per input element along a side: 1 for the encoder, 8 for the decoder.
    pub downscale: usize,
}

impl GraphInput {
    pub const ENCODER: GraphInput = GraphInput {
        name: ENCODER_INPUT,
        channels: 3,
        downscale: 1,
    };
    pub const DECODER: GraphInput = GraphInput {
        name: DECODER_INPUT,
        channels: FEATURE_CHANNELS[3],
        downscale: DECODER_SCALE,
    };

    /// `name:1xCxHxW` for a square image of `image_side` pixels.
    pub fn profile_shape(&self, image_side: usize) -> String {
        let side = image_side.div_ceil(self.downscale).max(1);
        format!("{}:1x{}x{side}x{side}", self.name, self.channels)
    }
}
