//! The fp16 graph: half-precision weights and activations (for GPUs), with Casts at the boundaries so
//! the interface stays f32. ONNX Runtime's CPU provider runs it too (it inserts float casts around
//! kernels it has only in f32), which is what the tests use.

use half::f16;
use onnx_protobuf::tensor_proto::DataType;

use super::super::writer::{int, ints, string, Builder};
use super::super::PadMode;
use super::walk::{Conv, Emitter};
use crate::error::Result;

pub(super) struct Fp16Emitter;

fn half_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| f16::from_f32(*v).to_le_bytes()).collect()
}

impl Emitter for Fp16Emitter {
    fn begin(&mut self, g: &mut Builder, input: &str) -> Result<String> {
        Ok(g.node("Cast", &format!("{input}_to_fp16"), &[input], vec![int("to", DataType::FLOAT16 as i64)]))
    }

    fn conv(&mut self, g: &mut Builder, x: &str, conv: &Conv<'_>) -> Result<String> {
        let name = conv.name;
        let padded = match (conv.reflect_pad, conv.pad_mode) {
            (0, _) => x.to_string(),
            (pad, PadMode::Reflect) => g.reflect_pad(x, pad, name),
            (pad, PadMode::SliceConcat) => g.reflect_pad_slices(x, pad, name),
        };
        let dims = [conv.out_channels, conv.in_channels, conv.kernel, conv.kernel];
        let w = g.initializer_raw(&format!("{name}.weight"), &dims, DataType::FLOAT16, half_bytes(&conv.params.weight));
        let b = g.initializer_raw(&format!("{name}.bias"), &[conv.out_channels], DataType::FLOAT16, half_bytes(&conv.params.bias));
        let k = conv.kernel as i64;
        Ok(g.node("Conv", name, &[&padded, &w, &b], vec![ints("kernel_shape", &[k, k]), ints("strides", &[1, 1])]))
    }

    fn relu(&mut self, g: &mut Builder, x: &str, conv: &str) -> String {
        g.node("Relu", &format!("{conv}_relu"), &[x], vec![])
    }

    fn max_pool(&mut self, g: &mut Builder, x: &str, name: &str) -> String {
        g.node("MaxPool", name, &[x], vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2]), int("ceil_mode", 1)])
    }

    fn upsample(&mut self, g: &mut Builder, x: &str, name: &str) -> String {
        let scales = g.initializer_f32(&format!("{name}.scales"), &[4], &[1.0, 1.0, 2.0, 2.0]);
        g.node(
            "Resize",
            name,
            &[x, "", &scales],
            vec![string("mode", "nearest"), string("coordinate_transformation_mode", "asymmetric"), string("nearest_mode", "floor")],
        )
    }

    fn export(&mut self, g: &mut Builder, x: &str, name: &str) {
        g.node_named("Cast", &format!("{name}_to_fp32"), &[x], vec![int("to", DataType::FLOAT as i64)], Some(name.to_string()));
    }
}
