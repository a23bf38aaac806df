//! Reduced-precision graphs of a [`Network`], with the fp32 graph's interface (same names, f32 in and
//! out, dynamic N/H/W), so the runtime swaps them in without any other change:
//!
//! - [`int8_graph`]: QDQ format (QuantizeLinear / DequantizeLinear around each Conv) that ONNX Runtime's
//!   CPU provider fuses into QLinearConv; activation ranges come from a calibration ([`ActivationRanges`],
//!   filled through [`Histogram`]s and a [`Clip`] rule).
//! - [`fp16_graph`]: half-precision weights and activations, Casts at the boundaries (for GPUs).

mod fp16;
mod int8;
mod ranges;
mod walk;

pub use int8::{quantize_weights, uint8_params};
pub use ranges::{ActivationRanges, Clip, Histogram, TensorRange};

use onnx_protobuf::ModelProto;

use super::GraphSpec;
use crate::error::Result;
use crate::network::Network;

/// The int8 (QDQ) graph of `net`. `ranges` must be measured on exactly these weights and name the
/// graph input and every conv (its post-ReLU output when a ReLU follows).
pub fn int8_graph(net: &Network, spec: &GraphSpec, ranges: &ActivationRanges) -> Result<ModelProto> {
    ranges.check(net)?;
    walk::walk(net, spec, &mut int8::Int8Emitter::new(ranges))
}

/// The fp16 graph of `net`.
pub fn fp16_graph(net: &Network, spec: &GraphSpec) -> Result<ModelProto> {
    walk::walk(net, spec, &mut fp16::Fp16Emitter)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use onnx_protobuf::tensor_proto::DataType;

    use super::*;
    use crate::architecture::Architecture;
    use crate::onnx::{Outputs, PadMode};

    fn spec(outputs: Outputs, input: &str, channels: usize) -> GraphSpec {
        GraphSpec { graph_name: "t".into(), input: input.into(), input_channels: channels, outputs, pad_mode: PadMode::Reflect, metadata: vec![] }
    }

    fn ranges(net: &Network, input: &str) -> ActivationRanges {
        let mut r: BTreeMap<String, (f32, f32)> = net.architecture().convs().map(|c| (c.name.to_string(), (-1.0, 4.0))).collect();
        r.insert(input.into(), (-2.0, 2.0));
        ActivationRanges::new(net, "test".into(), r)
    }

    #[test]
    fn int8_encoder_has_qdq_convs_and_float_interface() {
        let net = Network::seeded(Architecture::vgg16_encoder(), 1);
        let model = int8_graph(&net, &spec(Outputs::Taps, "image", 3), &ranges(&net, "image")).unwrap();
        let g = &model.graph;
        let count = |op: &str| g.node.iter().filter(|n| n.op_type == op).count();
        assert_eq!(count("Conv"), 8);
        assert_eq!(count("QuantizeLinear"), 9); // the input and each conv
        // Each conv dequantizes input, weight and bias; each of the 4 taps is dequantized for output.
        assert_eq!(count("DequantizeLinear"), 28);
        assert_eq!(count("Relu"), 0);
        assert_eq!(count("MaxPool"), 3);
        let dtype = |name: &str| g.initializer.iter().find(|t| t.name == name).map(|t| t.data_type);
        assert_eq!(dtype("conv1_1.weight_quantized"), Some(DataType::INT8 as i32));
        assert_eq!(dtype("conv1_1.bias_quantized"), Some(DataType::INT32 as i32));
        assert_eq!(dtype("conv1_1.weight"), None, "no float weights");
        let outputs: Vec<&str> = g.output.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(outputs, ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]);
    }

    #[test]
    fn int8_refuses_ranges_of_other_weights_or_missing_tensors() {
        let net = Network::seeded(Architecture::decoder(), 1);
        let other = Network::seeded(Architecture::decoder(), 2);
        let s = spec(Outputs::Final("image".into()), "features", 512);
        assert!(int8_graph(&net, &s, &ranges(&other, "features")).unwrap_err().to_string().contains("measured on"));
        let err = int8_graph(&net, &s, &ranges(&net, "image")).unwrap_err();
        assert!(err.to_string().contains("`features`"), "{err}");
    }

    #[test]
    fn fp16_decoder_casts_at_the_boundaries() {
        let net = Network::seeded(Architecture::decoder(), 1);
        let model = fp16_graph(&net, &spec(Outputs::Final("image".into()), "features", 512)).unwrap();
        let g = &model.graph;
        assert_eq!(g.node.first().unwrap().op_type, "Cast");
        let last = g.node.last().unwrap();
        assert_eq!((last.op_type.as_str(), last.output[0].as_str()), ("Cast", "image"));
        assert!(g.initializer.iter().filter(|t| t.name.ends_with(".weight")).all(|t| t.data_type == DataType::FLOAT16 as i32));
    }
}
