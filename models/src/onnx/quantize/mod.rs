//! Reduced-precision graphs of a [`Network`], with the fp32 graph's interface (same names, f32 in and
//! out, dynamic N/H/W), so the runtime swaps them in without any other change:
//!
//! - [`int8_graph`]: QDQ format (QuantizeLinear / DequantizeLinear around each Conv) that ONNX Runtime's
//!   CPU provider fuses into QLinearConv; activation ranges come from a calibration ([`ActivationRanges`],
//!   filled through [`Histogram`]s and a [`Clip`] rule).
//! - [`fp16_graph`]: half-precision weights and activations, Casts at the boundaries (for GPUs).

mod int8;
mod ranges;

pub use int8::{quantize_weights, uint8_params};
pub use ranges::{ActivationRanges, Clip, Histogram, TensorRange};

use onnx_protobuf::ModelProto;

use super::float::FloatEmitter;
use super::walk::walk;
use super::GraphSpec;
use crate::architecture::{Architecture, Layer};
use crate::error::Result;
use crate::network::Network;

/// The convs an int8 graph of `architecture` keeps in f32: the ones next to AdaIN. AdaIN divides each
/// relu4_1 channel by its own σ, so the per-tensor uint8 step of relu4_1 (and of the decoder's input,
/// AdaIN's output) is an error that AdaIN magnifies in every low-σ channel. Measured on photos at 512²
/// with a trained decoder: quantizing either conv alone costs more than any other two layers together
/// (pipeline 33 dB with one of them int8 and everything else f32); keeping both in f32 (≈ 8 % of the
/// multiply-adds) lifts the whole int8 pipeline from 29.6 to 34.3 dB PSNR against fp32.
/// - an encoder (its layers tap `relu4_1` last): the conv producing the last tap;
/// - any other network (the decoder): its first conv, which reads AdaIN's output.
pub fn adain_boundary_convs(architecture: &Architecture) -> Vec<String> {
    let (mut last_conv, mut at_last_tap) = (None, None);
    for layer in &architecture.layers {
        match layer {
            Layer::Conv { name, .. } => last_conv = Some(name.to_string()),
            Layer::Relu { tap: Some(_) } => at_last_tap = last_conv.clone(),
            _ => {}
        }
    }
    at_last_tap
        .or_else(|| architecture.convs().next().map(|c| c.name.to_string()))
        .into_iter()
        .collect()
}

/// The int8 (QDQ) graph of `net`. `ranges` must be measured on exactly these weights and name the
/// graph input and every conv (its post-ReLU output when a ReLU follows).
pub fn int8_graph(
    net: &Network,
    spec: &GraphSpec,
    ranges: &ActivationRanges,
) -> Result<ModelProto> {
    ranges.check(net)?;
    walk(net, spec, &mut int8::Int8Emitter::new(ranges))
}

/// The fp16 graph of `net`.
pub fn fp16_graph(net: &Network, spec: &GraphSpec) -> Result<ModelProto> {
    walk(net, spec, &mut FloatEmitter::F16)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use onnx_protobuf::tensor_proto::DataType;

    use super::*;
    use crate::architecture::Architecture;
    use crate::onnx::{Outputs, PadMode};

    fn spec(outputs: Outputs, input: &str, channels: usize) -> GraphSpec {
        GraphSpec {
            graph_name: "t".into(),
            input: input.into(),
            input_channels: channels,
            outputs,
            pad_mode: PadMode::Reflect,
            metadata: vec![],
        }
    }

    fn ranges(net: &Network, input: &str) -> ActivationRanges {
        let mut r: BTreeMap<String, (f32, f32)> = net
            .architecture()
            .convs()
            .map(|c| (c.name.to_string(), (-1.0, 4.0)))
            .collect();
        r.insert(input.into(), (-2.0, 2.0));
        ActivationRanges::new(net, "test".into(), r)
    }

    #[test]
    fn int8_encoder_has_qdq_convs_and_float_interface() {
        let net = Network::seeded(Architecture::vgg16_encoder(), 1);
        let model = int8_graph(
            &net,
            &spec(Outputs::Taps, "image", 3),
            &ranges(&net, "image"),
        )
        .unwrap();
        let g = &model.graph;
        let count = |op: &str| g.node.iter().filter(|n| n.op_type == op).count();
        assert_eq!(count("Conv"), 8);
        assert_eq!(count("QuantizeLinear"), 9); // the input and each conv
                                                // Each conv dequantizes input, weight and bias; each of the 4 taps is dequantized for output.
        assert_eq!(count("DequantizeLinear"), 28);
        assert_eq!(count("Relu"), 0);
        assert_eq!(count("MaxPool"), 3);
        let dtype = |name: &str| {
            g.initializer
                .iter()
                .find(|t| t.name == name)
                .map(|t| t.data_type)
        };
        assert_eq!(
            dtype("conv1_1.weight_quantized"),
            Some(DataType::INT8 as i32)
        );
        assert_eq!(
            dtype("conv1_1.bias_quantized"),
            Some(DataType::INT32 as i32)
        );
        assert_eq!(dtype("conv1_1.weight"), None, "no float weights");
        let outputs: Vec<&str> = g.output.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(outputs, ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]);
    }

    #[test]
    fn int8_refuses_ranges_of_other_weights_or_missing_tensors() {
        let net = Network::seeded(Architecture::decoder(), 1);
        let other = Network::seeded(Architecture::decoder(), 2);
        let s = spec(Outputs::Final("image".into()), "features", 512);
        assert!(int8_graph(&net, &s, &ranges(&other, "features"))
            .unwrap_err()
            .to_string()
            .contains("measured on"));
        let err = int8_graph(&net, &s, &ranges(&net, "image")).unwrap_err();
        assert!(err.to_string().contains("`features`"), "{err}");
    }

    #[test]
    fn the_convs_next_to_adain_stay_float() {
        assert_eq!(
            adain_boundary_convs(&Architecture::vgg16_encoder()),
            ["conv4_1"]
        );
        assert_eq!(
            adain_boundary_convs(&Architecture::vgg19_encoder()),
            ["conv4_1"]
        );
        assert_eq!(adain_boundary_convs(&Architecture::decoder()), ["dec4_1"]);
        // And the int8 writer honours the list: f32 weights for those, int8 for the rest.
        let net = Network::seeded(Architecture::decoder(), 1);
        let mut r = ranges(&net, "features");
        r.keep_float = adain_boundary_convs(net.architecture());
        let model = int8_graph(
            &net,
            &spec(Outputs::Final("image".into()), "features", 512),
            &r,
        )
        .unwrap();
        let dtype = |name: &str| {
            model
                .graph
                .initializer
                .iter()
                .find(|t| t.name == name)
                .map(|t| t.data_type)
        };
        assert_eq!(dtype("dec4_1.weight"), Some(DataType::FLOAT as i32));
        assert_eq!(dtype("dec4_1.weight_quantized"), None);
        assert_eq!(
            dtype("dec3_4.weight_quantized"),
            Some(DataType::INT8 as i32)
        );
    }

    #[test]
    fn fp16_decoder_casts_at_the_boundaries() {
        let net = Network::seeded(Architecture::decoder(), 1);
        let model =
            fp16_graph(&net, &spec(Outputs::Final("image".into()), "features", 512)).unwrap();
        let g = &model.graph;
        assert_eq!(g.node.first().unwrap().op_type, "Cast");
        let last = g.node.last().unwrap();
        assert_eq!(
            (last.op_type.as_str(), last.output[0].as_str()),
            ("Cast", "image")
        );
        assert!(g
            .initializer
            .iter()
            .filter(|t| t.name.ends_with(".weight"))
            .all(|t| t.data_type == DataType::FLOAT16 as i32));
    }
}
