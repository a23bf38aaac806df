//! The authors' "normalised" VGG19, for users who own it as safetensors with the layout of the
//! PyTorch port (an nn.Sequential: keys `0.weight`, `2.weight`, `5.weight`, … up to relu4_1 at 30).

use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use crate::architecture::Architecture;
use crate::error::{ModelError, Result};
use crate::network::{ConvParams, Network};

/// Sequential indices of conv0, conv1_1 … conv4_1 in the port's `vgg` module.
const SEQUENTIAL_INDICES: [usize; 10] = [0, 2, 5, 9, 12, 16, 19, 22, 25, 29];

/// Loads the encoder (already normalised; its 1×1 conv0 takes RGB in [0, 1]).
pub fn load_authors_vgg19(path: &Path) -> Result<Network> {
    let bytes = std::fs::read(path).map_err(|e| ModelError::io(path, e))?;
    let tensors = SafeTensors::deserialize(&bytes)
        .map_err(|e| ModelError::format(path, format!("not a safetensors file: {e}")))?;
    let arch = Architecture::vgg19_encoder();
    let mut params = Vec::new();
    for (shape, index) in arch.convs().zip(SEQUENTIAL_INDICES) {
        let read = |suffix: &str, dims: &[usize]| -> Result<Vec<f32>> {
            let key = format!("{index}.{suffix}");
            let t = tensors.tensor(&key).map_err(|_| ModelError::Missing {
                layer: shape.name.to_string(),
                hint: Some(format!("no tensor `{key}` in {}", path.display())),
            })?;
            if t.dtype() != Dtype::F32 || t.shape() != dims {
                return Err(ModelError::Shape {
                    layer: format!("{key} ({}) in {}", shape.name, path.display()),
                    expected: dims.to_vec(),
                    found: t.shape().to_vec(),
                });
            }
            Ok(t.data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect())
        };
        let weight = read("weight", &shape.weight_dims())?;
        let bias = read("bias", &[shape.out_channels])?;
        params.push(ConvParams { weight, bias });
    }
    Network::new(arch, params)
}
