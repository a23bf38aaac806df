//! The float graphs: fp32 (the reference, written as trained) and fp16 (half-precision weights and
//! activations, for GPUs, with Casts at the boundaries so the interface stays f32). One emitter writes
//! both, so their nodes differ only in those Casts and in the weights' type. ONNX Runtime's CPU provider
//! runs the fp16 graph too (it inserts float casts around kernels it has only in f32), which is what the
//! tests use.

use half::f16;
use onnx_protobuf::tensor_proto::DataType;

use super::spec::GraphSpec;
use super::spec::PadMode;
use super::walk::{walk, Conv, Emitter};
use super::writer::{int, ints, Builder};
use crate::error::{ModelError, Result};
use crate::network::Network;

pub(super) enum FloatEmitter {
    F32,
    F16,
}

fn half_bytes(values: &[f32]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|v| f16::from_f32(*v).to_le_bytes())
        .collect()
}

impl FloatEmitter {
    /// A weight or bias initializer in this emitter's float type.
    fn initializer(&self, g: &mut Builder, name: &str, dims: &[usize], values: &[f32]) -> String {
        match self {
            Self::F32 => g.initializer_f32(name, dims, values),
            Self::F16 => g.initializer_raw(name, dims, DataType::FLOAT16, half_bytes(values)),
        }
    }
}

impl Emitter for FloatEmitter {
    fn begin(&mut self, g: &mut Builder, input: &str) -> Result<String> {
        Ok(match self {
            Self::F32 => input.to_string(),
            Self::F16 => g.node(
                "Cast",
                &format!("{input}_to_fp16"),
                &[input],
                vec![int("to", DataType::FLOAT16 as i64)],
            ),
        })
    }

    fn conv(&mut self, g: &mut Builder, x: &str, conv: &Conv<'_>) -> Result<String> {
        let name = conv.name;
        let padded = match (conv.reflect_pad, conv.pad_mode) {
            (0, _) => x.to_string(),
            (pad, PadMode::Reflect) => g.reflect_pad(x, pad, name),
            (pad, PadMode::SliceConcat) => g.reflect_pad_slices(x, pad, name),
        };
        let dims = [
            conv.out_channels,
            conv.in_channels,
            conv.kernel,
            conv.kernel,
        ];
        let w = self.initializer(g, &format!("{name}.weight"), &dims, &conv.params.weight);
        let b = self.initializer(
            g,
            &format!("{name}.bias"),
            &[conv.out_channels],
            &conv.params.bias,
        );
        let k = conv.kernel as i64;
        Ok(g.node(
            "Conv",
            name,
            &[&padded, &w, &b],
            vec![ints("kernel_shape", &[k, k]), ints("strides", &[1, 1])],
        ))
    }

    fn relu(&mut self, g: &mut Builder, x: &str, conv: &str) -> String {
        g.node("Relu", &format!("{conv}_relu"), &[x], vec![])
    }

    fn max_pool(&mut self, g: &mut Builder, x: &str, name: &str) -> String {
        g.max_pool_2x2(x, name)
    }

    fn upsample(&mut self, g: &mut Builder, x: &str, name: &str) -> String {
        g.upsample_nearest_2x(x, name)
    }

    fn export(&mut self, g: &mut Builder, x: &str, name: &str) -> Result<String> {
        match self {
            // No node to add: the node that made `x` (the last one) writes `name` instead.
            Self::F32 => {
                let last = g
                    .graph
                    .node
                    .last_mut()
                    .ok_or_else(|| ModelError::Invalid("empty network".into()))?;
                debug_assert_eq!(last.output[0], x, "the output is the last node's");
                last.output[0] = name.to_string();
                Ok(name.to_string())
            }
            Self::F16 => {
                g.node_named(
                    "Cast",
                    &format!("{name}_to_fp32"),
                    &[x],
                    vec![int("to", DataType::FLOAT as i64)],
                    Some(name.to_string()),
                );
                Ok(x.to_string())
            }
        }
    }
}

/// The network as an ONNX model with dynamic N, H and W.
pub fn network_graph(net: &Network, spec: &GraphSpec) -> Result<onnx_protobuf::ModelProto> {
    walk(net, spec, &mut FloatEmitter::F32)
}
