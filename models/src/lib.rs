//! The AdaIN model contract, shared by the training and the inference crates.
//!
//! Everything both sides must agree on lives here and nowhere else: the layer lists of the encoder and
//! the decoder, the statistics convention, the pixel preprocessing, the ONNX graphs we write, the model
//! package manifest, the style-statistics file, and the reports training writes for the tools. The
//! crate has no libtorch and no ONNX Runtime dependency, so the inference side can build the encoder
//! graph from the offline VGG16 weights.

pub mod architecture;
pub mod atomic_file;
pub mod convention;
pub mod error;
pub mod install_paths;
pub mod manifest;
pub mod network;
pub mod onnx;
pub mod package;
pub mod pixels;
pub mod reports;
pub mod stats_file;
pub mod style_gaussian;
pub mod vgg;

pub use architecture::{Architecture, Layer};
pub use error::ModelError;
pub use network::{ConvParams, Network};
