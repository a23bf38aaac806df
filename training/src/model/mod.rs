//! The networks in tch, walked from the same layer lists (`adain_models::Architecture`) that the ONNX
//! writer uses: reflection padding, ceil-mode pooling, nearest ×2 upsampling.

mod decoder;
mod encoder;

pub use decoder::Decoder;
pub use encoder::Encoder;

use adain_models::{Architecture, ConvParams, Layer, Network};
use tch::{Device, Kind, Tensor};

/// (weight, bias) per conv, in layer order.
pub(crate) type ConvTensors = Vec<(Tensor, Tensor)>;

/// Copies a network's weights into tensors.
pub(crate) fn to_tensors(net: &Network, device: Device) -> ConvTensors {
    net.architecture()
        .convs()
        .zip(net.params())
        .map(|(shape, p)| {
            let dims: Vec<i64> = shape.weight_dims().iter().map(|&d| d as i64).collect();
            let w = Tensor::from_slice(&p.weight)
                .view(dims.as_slice())
                .to_device(device);
            let b = Tensor::from_slice(&p.bias).to_device(device);
            (w, b)
        })
        .collect()
}

/// Reads tensors back into a checked [`Network`].
pub(crate) fn to_network(
    arch: &Architecture,
    tensors: &ConvTensors,
) -> crate::error::Result<Network> {
    let params = tensors
        .iter()
        .map(|(w, b)| ConvParams {
            weight: tensor_to_vec(w),
            bias: tensor_to_vec(b),
        })
        .collect();
    Ok(Network::new(arch.clone(), params)?)
}

/// Flattened f32 copy of a tensor (on the CPU).
pub fn tensor_to_vec(t: &Tensor) -> Vec<f32> {
    let flat = t
        .detach()
        .to_kind(Kind::Float)
        .to_device(Device::Cpu)
        .contiguous()
        .view([-1]);
    Vec::<f32>::try_from(&flat).expect("float tensor converts to Vec<f32>")
}

/// Runs `layers` on `x`; returns the tapped activations (when `taps` is true) or the final output.
/// The conv weights are cast to `kind` (bf16 runs the convolutions in reduced precision).
pub(crate) fn forward(
    layers: &[Layer],
    params: &ConvTensors,
    x: &Tensor,
    kind: Kind,
    mut taps: Option<&mut Vec<Tensor>>,
) -> Tensor {
    let mut x = x.to_kind(kind);
    let mut convs = params.iter();
    for layer in layers {
        x = match layer {
            Layer::Conv { reflect_pad, .. } => {
                let (w, b) = convs.next().expect("one tensor pair per conv");
                let p = *reflect_pad as i64;
                let padded = if p > 0 {
                    x.reflection_pad2d([p, p, p, p])
                } else {
                    x
                };
                padded.conv2d(
                    &w.to_kind(kind),
                    Some(&b.to_kind(kind)),
                    [1, 1],
                    [0, 0],
                    [1, 1],
                    1,
                )
            }
            Layer::Relu { tap } => {
                let y = x.relu();
                if let (Some(_), Some(out)) = (tap, taps.as_deref_mut()) {
                    out.push(y.shallow_clone());
                }
                y
            }
            Layer::MaxPool => x.max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], true),
            Layer::Upsample => {
                let size = x.size();
                x.upsample_nearest2d([size[2] * 2, size[3] * 2], 2.0, 2.0)
            }
        };
    }
    x
}
