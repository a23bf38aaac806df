//! Training the AdaIN decoder with tch (libtorch), and exporting what it learns as an ONNX model package.
//!
//! The architectures and the statistics convention come from `adain-models`, the same source the ONNX
//! graphs are written from, so training and inference cannot drift apart.

pub mod calibration;
pub mod checkerboard;
pub mod checkpoint;
pub mod data;
pub mod error;
pub mod eval;
pub mod export;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod optim;
pub mod precision;
pub mod progress;
pub mod stats;
pub mod trainer;

pub use error::TrainError;
