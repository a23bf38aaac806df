//! The layer walk shared by every graph writer (fp32, fp16, int8): one sequence of layers and one
//! interface (names, f32 in and out, dynamic N/H/W), with each layer emitted by an [`Emitter`] that
//! keeps its own tensor type inside the graph and hands f32 tensors in and out.

use onnx_protobuf::tensor_proto::DataType;
use onnx_protobuf::ModelProto;

use super::spec::{GraphSpec, Outputs, PadMode};
use super::writer::{dim_names, finish_model, value_info_typed, Builder};
use crate::architecture::Layer;
use crate::error::{ModelError, Result};
use crate::network::{ConvParams, Network};

/// One convolution as the emitters see it.
pub(super) struct Conv<'a> {
    pub name: &'a str,
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel: usize,
    pub reflect_pad: usize,
    pub pad_mode: PadMode,
    pub params: &'a ConvParams,
    /// The next layer is a ReLU.
    pub relu_follows: bool,
}

/// Writes the layers in one numeric representation. Tensor names flow between the calls.
pub(super) trait Emitter {
    /// The f32 graph input → the working representation.
    fn begin(&mut self, g: &mut Builder, input: &str) -> Result<String>;
    /// Reflection padding (if any) and the convolution.
    fn conv(&mut self, g: &mut Builder, x: &str, conv: &Conv<'_>) -> Result<String>;
    /// ReLU after the conv `conv`.
    fn relu(&mut self, g: &mut Builder, x: &str, conv: &str) -> String;
    fn max_pool(&mut self, g: &mut Builder, x: &str, name: &str) -> String;
    fn upsample(&mut self, g: &mut Builder, x: &str, name: &str) -> String;
    /// An f32 graph output called `name` holding `x`; returns the tensor later layers read instead of
    /// `x` (`x` itself, or `name` where the emitter renamed `x` to it).
    fn export(&mut self, g: &mut Builder, x: &str, name: &str) -> Result<String>;
}

/// The network as an ONNX model with dynamic N, H and W, in the emitter's representation inside.
pub(super) fn walk(
    net: &Network,
    spec: &GraphSpec,
    emitter: &mut dyn Emitter,
) -> Result<ModelProto> {
    let mut g = Builder::default();
    g.graph.name = spec.graph_name.clone();
    g.graph.input.push(value_info_typed(
        &spec.input,
        DataType::FLOAT,
        spec.input_channels,
        "H",
        "W",
    ));

    let layers = match spec.outputs {
        Outputs::Taps => net.architecture().through_last_tap(),
        _ => &net.architecture().layers[..],
    };
    let mut x = emitter.begin(&mut g, &spec.input)?;
    let mut params = net.params().iter();
    let mut last_conv = String::new();
    let mut channels = spec.input_channels;
    let mut level = 0i32; // log2 of the downscale, for output dim names
    for (i, layer) in layers.iter().enumerate() {
        x = match layer {
            Layer::Conv {
                name,
                in_channels,
                out_channels,
                kernel,
                reflect_pad,
            } => {
                if *in_channels != channels {
                    return Err(ModelError::Invalid(format!(
                        "{name}: expects {in_channels} input channels, the graph carries {channels}"
                    )));
                }
                let conv = Conv {
                    name,
                    in_channels: *in_channels,
                    out_channels: *out_channels,
                    kernel: *kernel,
                    reflect_pad: *reflect_pad,
                    pad_mode: spec.pad_mode,
                    params: params.next().expect("Network::new checked the conv count"),
                    relu_follows: matches!(layers.get(i + 1), Some(Layer::Relu { .. })),
                };
                channels = *out_channels;
                last_conv = name.to_string();
                emitter.conv(&mut g, &x, &conv)?
            }
            Layer::Relu { tap } => {
                let y = emitter.relu(&mut g, &x, &last_conv);
                let out = match (&spec.outputs, tap) {
                    (Outputs::Taps, Some(t)) => Some(t.to_string()),
                    (Outputs::EveryRelu, _) => Some(last_conv.clone()),
                    _ => None,
                };
                match out {
                    Some(out) => {
                        let y = emitter.export(&mut g, &y, &out)?;
                        let (h, w) = dim_names(level);
                        let info = value_info_typed(&out, DataType::FLOAT, channels, &h, &w);
                        g.graph.output.push(info);
                        y
                    }
                    None => y,
                }
            }
            Layer::MaxPool => {
                level += 1;
                emitter.max_pool(&mut g, &x, &format!("pool{i}"))
            }
            Layer::Upsample => {
                level -= 1;
                emitter.upsample(&mut g, &x, &format!("upsample{i}"))
            }
        };
    }
    if let Outputs::Final(name) = &spec.outputs {
        emitter.export(&mut g, &x, name)?;
        let (h, w) = dim_names(level);
        g.graph
            .output
            .push(value_info_typed(name, DataType::FLOAT, channels, &h, &w));
    }
    Ok(finish_model(g.graph, &spec.metadata))
}
