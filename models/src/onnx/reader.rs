//! Reading ONNX files: initializers (for weight import), interface shapes and metadata (for checks).

use std::collections::BTreeMap;
use std::path::Path;

use onnx_protobuf::{
    tensor_proto::DataType, tensor_shape_proto::dimension::Value, type_proto, Message, ModelProto,
    TensorProto, ValueInfoProto,
};

use crate::error::{ModelError, Result};

/// Parses an ONNX file.
pub fn read_model(path: &Path) -> Result<ModelProto> {
    let bytes = std::fs::read(path).map_err(|e| ModelError::io(path, e))?;
    parse_model(&bytes, path)
}

/// Parses an ONNX model held in memory; `path` names it in errors.
pub fn parse_model(bytes: &[u8], path: &Path) -> Result<ModelProto> {
    ModelProto::parse_from_bytes(bytes).map_err(|e| ModelError::Onnx {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The float initializer `name` as (dims, values).
pub fn initializer_f32(model: &ModelProto, name: &str) -> Option<(Vec<usize>, Vec<f32>)> {
    let t = model.graph.initializer.iter().find(|t| t.name == name)?;
    Some((t.dims.iter().map(|&d| d as usize).collect(), tensor_f32(t)?))
}

fn tensor_f32(t: &TensorProto) -> Option<Vec<f32>> {
    if t.data_type != DataType::FLOAT as i32 {
        return None;
    }
    if !t.raw_data.is_empty() {
        Some(
            t.raw_data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        )
    } else {
        Some(t.float_data.clone())
    }
}

/// `metadata_props` as a map.
pub fn metadata(model: &ModelProto) -> BTreeMap<String, String> {
    model
        .metadata_props
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect()
}

/// One dimension of a graph input or output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dim {
    Fixed(i64),
    Dynamic(String),
}

/// Element type and dims of a value info, when it is a tensor.
pub fn value_info_shape(vi: &ValueInfoProto) -> Option<(i32, Vec<Dim>)> {
    match &vi.type_.value {
        Some(type_proto::Value::TensorType(t)) => Some((t.elem_type, tensor_shape(t))),
        _ => None,
    }
}

/// Dims of a tensor type.
pub fn tensor_shape(t: &type_proto::Tensor) -> Vec<Dim> {
    t.shape
        .dim
        .iter()
        .map(|d| match &d.value {
            Some(Value::DimValue(v)) => Dim::Fixed(*v),
            Some(Value::DimParam(p)) => Dim::Dynamic(p.clone()),
            _ => Dim::Dynamic(String::new()),
        })
        .collect()
}

/// Rebuilds a [`Network`] of `architecture` from a graph we wrote (initializers `<conv>.weight` and
/// `<conv>.bias`), e.g. to load an exported decoder back into training or to check an encoder.
pub fn network_from_graph(
    model: &ModelProto,
    architecture: crate::architecture::Architecture,
    path: &Path,
) -> Result<crate::network::Network> {
    let mut params = Vec::new();
    for shape in architecture.convs() {
        let get = |suffix: &str, dims: &[usize]| -> Result<Vec<f32>> {
            let name = format!("{}.{suffix}", shape.name);
            let (found, values) =
                initializer_f32(model, &name).ok_or_else(|| ModelError::Missing {
                    layer: shape.name.to_string(),
                    hint: Some(format!(
                        "no float initializer `{name}` in {}",
                        path.display()
                    )),
                })?;
            if found != dims {
                return Err(ModelError::Shape {
                    layer: format!("{name} in {}", path.display()),
                    expected: dims.to_vec(),
                    found,
                });
            }
            // The dims are only a claim: the data may hold fewer (or more) values.
            let count: usize = dims.iter().product();
            if values.len() != count {
                return Err(ModelError::format(
                    path,
                    format!("initializer `{name}` has dims {dims:?} ({count} values) but holds {} values", values.len()),
                ));
            }
            Ok(values)
        };
        params.push(crate::network::ConvParams {
            weight: get("weight", &shape.weight_dims())?,
            bias: get("bias", &[shape.out_channels])?,
        });
    }
    crate::network::Network::new(architecture, params)
}
