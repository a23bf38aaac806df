//! ONNX graphs of our networks: written from a [`crate::Network`], read back for checks and imports.

mod adain;
mod float;
pub mod quantize;
mod reader;
mod spec;
mod walk;
mod writer;

pub use adain::{adain_graph, ALPHA, STYLE_MEAN, STYLE_STD};
pub use float::network_graph;
/// The parsed model type, so callers of [`read_model`] can name it without depending on onnx-protobuf.
pub use onnx_protobuf::ModelProto;
pub use reader::{
    initializer_f32, metadata, network_from_graph, parse_model, read_model, tensor_shape,
    value_info_shape, Dim,
};
pub use spec::{GraphSpec, Outputs, PadMode};
pub use writer::{model_bytes, save_model};

/// IR version and opset that ORT 1.31 and `onnx.checker` accept for our graphs.
pub const IR_VERSION: i64 = 10;
pub const OPSET: i64 = 17;
