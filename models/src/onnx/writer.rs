//! The low-level ONNX writer: nodes, attributes, value infos and initializers, the model around a
//! graph, and serialisation. It knows nothing of networks (see `walk.rs` for that).

use std::path::Path;

use onnx_protobuf::{
    attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto, type_proto,
    AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto,
    StringStringEntryProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

use super::{IR_VERSION, OPSET};
use crate::error::Result;

/// Wraps a graph into a model with our IR version, opset and `metadata_props`.
pub(super) fn finish_model(graph: GraphProto, metadata: &[(String, String)]) -> ModelProto {
    let mut model = ModelProto::new();
    model.ir_version = IR_VERSION;
    model.producer_name = "adain".into();
    model.producer_version = env!("CARGO_PKG_VERSION").into();
    let mut opset = OperatorSetIdProto::new();
    opset.version = OPSET;
    model.opset_import.push(opset);
    model.graph = protobuf::MessageField::some(graph);
    for (key, value) in metadata {
        let mut e = StringStringEntryProto::new();
        e.key = key.clone();
        e.value = value.clone();
        model.metadata_props.push(e);
    }
    model
}

/// Serialised model.
pub fn model_bytes(model: &ModelProto) -> Vec<u8> {
    model
        .write_to_bytes()
        .expect("serialising an in-memory ONNX model cannot fail")
}

/// Writes the model atomically.
pub fn save_model(model: &ModelProto, path: &Path) -> Result<()> {
    crate::atomic_file::write(path, &model_bytes(model))
}

pub(super) fn dim_names(level: i32) -> (String, String) {
    match level {
        0 => ("H".into(), "W".into()),
        l if l > 0 => (format!("H_div{}", 1 << l), format!("W_div{}", 1 << l)),
        l => (format!("H_mul{}", 1 << -l), format!("W_mul{}", 1 << -l)),
    }
}

/// One dimension of a value info: a fixed size, or a dynamic one named for the runtime.
pub(super) enum Extent<'a> {
    Fixed(usize),
    Named(&'a str),
}

/// A tensor of `elem_type` with these dims.
pub(super) fn value_info(name: &str, elem_type: DataType, dims: &[Extent<'_>]) -> ValueInfoProto {
    use tensor_shape_proto::dimension::Value::{DimParam, DimValue};
    let mut shape = TensorShapeProto::new();
    shape.dim = dims
        .iter()
        .map(|extent| {
            let mut d = tensor_shape_proto::Dimension::new();
            d.value = Some(match extent {
                Extent::Fixed(n) => DimValue(*n as i64),
                Extent::Named(param) => DimParam((*param).into()),
            });
            d
        })
        .collect();
    let mut tensor = type_proto::Tensor::new();
    tensor.elem_type = elem_type as i32;
    tensor.shape = protobuf::MessageField::some(shape);
    let mut ty = TypeProto::new();
    ty.value = Some(type_proto::Value::TensorType(tensor));
    let mut vi = ValueInfoProto::new();
    vi.name = name.into();
    vi.type_ = protobuf::MessageField::some(ty);
    vi
}

/// A [N, channels, h, w] tensor of `elem_type` with dynamic N, h and w.
pub(super) fn value_info_typed(
    name: &str,
    elem_type: DataType,
    channels: usize,
    h: &str,
    w: &str,
) -> ValueInfoProto {
    use Extent::{Fixed, Named};
    value_info(
        name,
        elem_type,
        &[Named("N"), Fixed(channels), Named(h), Named(w)],
    )
}

fn attr(name: &str, ty: AttributeType) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = ty.into();
    a
}
pub(super) fn ints(name: &str, v: &[i64]) -> AttributeProto {
    let mut a = attr(name, AttributeType::INTS);
    a.ints = v.to_vec();
    a
}
pub(super) fn int(name: &str, v: i64) -> AttributeProto {
    let mut a = attr(name, AttributeType::INT);
    a.i = v;
    a
}
pub(super) fn string(name: &str, v: &str) -> AttributeProto {
    let mut a = attr(name, AttributeType::STRING);
    a.s = v.as_bytes().to_vec();
    a
}

/// Appends nodes and initializers to a graph; shared by the fp32 writer and the reduced-precision ones.
#[derive(Default)]
pub(super) struct Builder {
    pub(super) graph: GraphProto,
}

impl Builder {
    pub(super) fn node(
        &mut self,
        op: &str,
        name: &str,
        inputs: &[&str],
        attrs: Vec<AttributeProto>,
    ) -> String {
        self.node_named(op, name, inputs, attrs, None)
    }

    pub(super) fn node_named(
        &mut self,
        op: &str,
        name: &str,
        inputs: &[&str],
        attrs: Vec<AttributeProto>,
        output: Option<String>,
    ) -> String {
        let mut n = NodeProto::new();
        n.op_type = op.into();
        n.name = name.into();
        n.input = inputs.iter().map(|s| s.to_string()).collect();
        let out = output.unwrap_or_else(|| format!("{name}_out"));
        n.output = vec![out.clone()];
        n.attribute = attrs;
        self.graph.node.push(n);
        out
    }

    pub(super) fn initializer_f32(&mut self, name: &str, dims: &[usize], data: &[f32]) -> String {
        self.initializer_raw(
            name,
            dims,
            DataType::FLOAT,
            data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    }

    /// An initializer of any element type from its little-endian bytes.
    pub(super) fn initializer_raw(
        &mut self,
        name: &str,
        dims: &[usize],
        data_type: DataType,
        raw: Vec<u8>,
    ) -> String {
        let mut t = TensorProto::new();
        t.name = name.into();
        t.dims = dims.iter().map(|&d| d as i64).collect();
        t.data_type = data_type as i32;
        t.raw_data = raw;
        self.graph.initializer.push(t);
        name.into()
    }

    pub(super) fn initializer_i64(&mut self, name: &str, data: &[i64]) -> String {
        let mut t = TensorProto::new();
        t.name = name.into();
        t.dims = vec![data.len() as i64];
        t.data_type = DataType::INT64 as i32;
        t.raw_data = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.graph.initializer.push(t);
        name.into()
    }

    pub(super) fn reflect_pad(&mut self, x: &str, pad: usize, conv: &str) -> String {
        let p = pad as i64;
        let pads = self.initializer_i64(&format!("{conv}.pads"), &[0, 0, p, p, 0, 0, p, p]);
        self.node(
            "Pad",
            &format!("{conv}_pad"),
            &[x, &pads],
            vec![string("mode", "reflect")],
        )
    }

    /// 2×2 max pooling, stride 2, rounding the output size up (odd sides keep their last pixel).
    pub(super) fn max_pool_2x2(&mut self, x: &str, name: &str) -> String {
        self.node(
            "MaxPool",
            name,
            &[x],
            vec![
                ints("kernel_shape", &[2, 2]),
                ints("strides", &[2, 2]),
                int("ceil_mode", 1),
            ],
        )
    }

    /// Nearest-neighbour ×2 upsampling of H and W (each pixel copied into a 2×2 block).
    pub(super) fn upsample_nearest_2x(&mut self, x: &str, name: &str) -> String {
        let scales = self.initializer_f32(&format!("{name}.scales"), &[4], &[1.0, 1.0, 2.0, 2.0]);
        self.node(
            "Resize",
            name,
            &[x, "", &scales],
            vec![
                string("mode", "nearest"),
                string("coordinate_transformation_mode", "asymmetric"),
                string("nearest_mode", "floor"),
            ],
        )
    }

    /// Reflection padding of `pad` pixels as Slice/Concat: the border rows (then columns) mirrored
    /// without their edge, exactly what `Pad(mode=reflect)` computes.
    pub(super) fn reflect_pad_slices(&mut self, x: &str, pad: usize, conv: &str) -> String {
        let mut cur = x.to_string();
        for (axis, axis_name) in [(2i64, "h"), (3i64, "w")] {
            let axes = self.initializer_i64(&format!("{conv}.pad_{axis_name}.axes"), &[axis]);
            let mut parts_before = Vec::new();
            let mut parts_after = Vec::new();
            for k in 1..=pad as i64 {
                // before: element k (k = pad first), after: element -1-k
                let s = self.initializer_i64(&format!("{conv}.pad_{axis_name}{k}.start"), &[k]);
                let e = self.initializer_i64(&format!("{conv}.pad_{axis_name}{k}.end"), &[k + 1]);
                parts_before.push(self.node(
                    "Slice",
                    &format!("{conv}_pad_{axis_name}_lo{k}"),
                    &[&cur, &s, &e, &axes],
                    vec![],
                ));
                let s =
                    self.initializer_i64(&format!("{conv}.pad_{axis_name}{k}.rstart"), &[-1 - k]);
                let e = self.initializer_i64(&format!("{conv}.pad_{axis_name}{k}.rend"), &[-k]);
                parts_after.push(self.node(
                    "Slice",
                    &format!("{conv}_pad_{axis_name}_hi{k}"),
                    &[&cur, &s, &e, &axes],
                    vec![],
                ));
            }
            parts_before.reverse();
            let mut all: Vec<String> = parts_before;
            all.push(cur.clone());
            all.extend(parts_after);
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            cur = self.node(
                "Concat",
                &format!("{conv}_pad_{axis_name}"),
                &refs,
                vec![int("axis", axis)],
            );
        }
        cur
    }
}
