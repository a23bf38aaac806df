//! Layer lists of the encoders and the decoder: the one description of the architecture that the
//! ONNX writer and the tch trainer both walk.

use std::borrow::Cow;

/// One step of a sequential network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    /// Convolution with stride 1; `reflect_pad` pixels of reflection padding on each side first.
    Conv {
        name: Cow<'static, str>,
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        reflect_pad: usize,
    },
    /// ReLU; `tap` names the activation when it is an output of the network (e.g. `relu4_1`).
    Relu { tap: Option<&'static str> },
    /// 2×2 max pooling, stride 2, ceil mode (odd sizes round up).
    MaxPool,
    /// ×2 nearest-neighbour upsampling.
    Upsample,
}

/// A named sequence of layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Architecture {
    pub name: &'static str,
    pub layers: Vec<Layer>,
}

fn conv3(name: &'static str, in_channels: usize, out_channels: usize) -> Layer {
    Layer::Conv {
        name: Cow::Borrowed(name),
        in_channels,
        out_channels,
        kernel: 3,
        reflect_pad: 1,
    }
}
fn relu() -> Layer {
    Layer::Relu { tap: None }
}
fn tap(name: &'static str) -> Layer {
    Layer::Relu { tap: Some(name) }
}

impl Architecture {
    /// ImageNet VGG16 up to relu4_1 (our default encoder).
    pub fn vgg16_encoder() -> Self {
        use Layer::MaxPool;
        Self {
            name: "vgg16-relu4_1",
            layers: vec![
                conv3("conv1_1", 3, 64),
                tap("relu1_1"),
                conv3("conv1_2", 64, 64),
                relu(),
                MaxPool,
                conv3("conv2_1", 64, 128),
                tap("relu2_1"),
                conv3("conv2_2", 128, 128),
                relu(),
                MaxPool,
                conv3("conv3_1", 128, 256),
                tap("relu3_1"),
                conv3("conv3_2", 256, 256),
                relu(),
                conv3("conv3_3", 256, 256),
                relu(),
                MaxPool,
                conv3("conv4_1", 256, 512),
                tap("relu4_1"),
            ],
        }
    }

    /// The authors' normalised VGG19 up to relu4_1: a 1×1 colour conv (their preprocessing) first.
    pub fn vgg19_encoder() -> Self {
        use Layer::MaxPool;
        let preprocess = Layer::Conv {
            name: Cow::Borrowed("conv0"),
            in_channels: 3,
            out_channels: 3,
            kernel: 1,
            reflect_pad: 0,
        };
        Self {
            name: "vgg19-relu4_1",
            layers: vec![
                preprocess,
                conv3("conv1_1", 3, 64),
                tap("relu1_1"),
                conv3("conv1_2", 64, 64),
                relu(),
                MaxPool,
                conv3("conv2_1", 64, 128),
                tap("relu2_1"),
                conv3("conv2_2", 128, 128),
                relu(),
                MaxPool,
                conv3("conv3_1", 128, 256),
                tap("relu3_1"),
                conv3("conv3_2", 256, 256),
                relu(),
                conv3("conv3_3", 256, 256),
                relu(),
                conv3("conv3_4", 256, 256),
                relu(),
                MaxPool,
                conv3("conv4_1", 256, 512),
                tap("relu4_1"),
            ],
        }
    }

    /// The paper's decoder: mirrors the encoder, nearest upsampling, no normalisation layers,
    /// no activation after the last conv.
    pub fn decoder() -> Self {
        use Layer::Upsample;
        Self {
            name: "adain-decoder",
            layers: vec![
                conv3("dec4_1", 512, 256),
                relu(),
                Upsample,
                conv3("dec3_4", 256, 256),
                relu(),
                conv3("dec3_3", 256, 256),
                relu(),
                conv3("dec3_2", 256, 256),
                relu(),
                conv3("dec3_1", 256, 128),
                relu(),
                Upsample,
                conv3("dec2_2", 128, 128),
                relu(),
                conv3("dec2_1", 128, 64),
                relu(),
                Upsample,
                conv3("dec1_2", 64, 64),
                relu(),
                conv3("dec1_1", 64, 3),
            ],
        }
    }

    /// Looks an encoder up by the name stored in metadata.
    pub fn encoder_by_name(name: &str) -> Option<Self> {
        [Self::vgg16_encoder(), Self::vgg19_encoder()]
            .into_iter()
            .find(|a| a.name == name)
    }

    /// The conv layers in order: (name, in, out, kernel).
    pub fn convs(&self) -> impl Iterator<Item = ConvShape<'_>> {
        self.layers.iter().filter_map(|l| match l {
            Layer::Conv {
                name,
                in_channels,
                out_channels,
                kernel,
                ..
            } => Some(ConvShape {
                name: name.as_ref(),
                in_channels: *in_channels,
                out_channels: *out_channels,
                kernel: *kernel,
            }),
            _ => None,
        })
    }

    /// Names of the tapped activations in order.
    pub fn taps(&self) -> Vec<&'static str> {
        self.layers
            .iter()
            .filter_map(|l| {
                if let Layer::Relu { tap: Some(t) } = l {
                    Some(*t)
                } else {
                    None
                }
            })
            .collect()
    }

    /// Layers up to and including the last tap (what the encoder graph needs to compute).
    pub fn through_last_tap(&self) -> &[Layer] {
        let end = self
            .layers
            .iter()
            .rposition(|l| matches!(l, Layer::Relu { tap: Some(_) }));
        &self.layers[..end.map_or(self.layers.len(), |i| i + 1)]
    }

    /// Multiply-accumulates per output pixel of the input image, a rough cost model for benchmarks.
    pub fn macs_per_input_pixel(&self) -> f64 {
        let mut scale = 1.0f64; // pixels at this depth per input pixel
        let mut macs = 0.0;
        for layer in &self.layers {
            match layer {
                Layer::Conv {
                    in_channels,
                    out_channels,
                    kernel,
                    ..
                } => {
                    macs += scale * (*in_channels * *out_channels * kernel * kernel) as f64;
                }
                Layer::MaxPool => scale /= 4.0,
                Layer::Upsample => scale *= 4.0,
                Layer::Relu { .. } => {}
            }
        }
        macs
    }
}

/// Shape of one convolution's weight (OIHW) and bias (O).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvShape<'a> {
    pub name: &'a str,
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel: usize,
}

impl ConvShape<'_> {
    pub fn weight_dims(&self) -> [usize; 4] {
        [
            self.out_channels,
            self.in_channels,
            self.kernel,
            self.kernel,
        ]
    }
    pub fn weight_len(&self) -> usize {
        self.weight_dims().iter().product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoders_tap_the_four_feature_layers() {
        for arch in [Architecture::vgg16_encoder(), Architecture::vgg19_encoder()] {
            assert_eq!(arch.taps(), crate::convention::FEATURE_LAYERS);
        }
    }

    #[test]
    fn channels_chain() {
        for arch in [
            Architecture::vgg16_encoder(),
            Architecture::vgg19_encoder(),
            Architecture::decoder(),
        ] {
            let convs: Vec<_> = arch.convs().collect();
            for pair in convs.windows(2) {
                assert_eq!(pair[0].out_channels, pair[1].in_channels, "{}", arch.name);
            }
        }
        let decoder = Architecture::decoder();
        let dec: Vec<_> = decoder.convs().collect();
        assert_eq!(dec.first().unwrap().in_channels, 512);
        assert_eq!(dec.last().unwrap().out_channels, 3);
        let ups = Architecture::decoder()
            .layers
            .iter()
            .filter(|l| **l == Layer::Upsample)
            .count();
        assert_eq!(1 << ups, crate::convention::DECODER_SCALE);
    }
}
