//! Channel scales that "normalise" an encoder: each ReLU channel divided by its mean activation over a
//! set of images, so the feature magnitudes (and with them the loss balance λ = 10) match the
//! authors' normalised VGG. Exact for a ReLU network: relu(x / a) = relu(x) / a for a > 0, max-pooling
//! and reflection padding commute with it, and the next conv multiplies its input channel j by aⱼ.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::architecture::Layer;
use crate::error::{ModelError, Result};
use crate::network::Network;

/// Mean activations of one conv's ReLU output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerScales {
    pub conv: String,
    pub mean_activation: Vec<f32>,
}

/// The committed data file (`models/vgg16_channel_scales.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelScales {
    /// Architecture name the scales belong to.
    pub architecture: String,
    /// Identity of the unscaled network they were measured on.
    pub measured_on: String,
    /// How they were measured (images, sizes), for the record.
    pub method: String,
    pub layers: Vec<LayerScales>,
}

/// Activations below this are treated as dead channels and left unscaled.
const DEAD_CHANNEL: f32 = 1e-6;

impl ChannelScales {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| ModelError::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| ModelError::format(path, format!("not a channel-scales file: {e}")))
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("scales serialise");
        crate::atomic_file::write(path, text.as_bytes())
    }

    /// Rescales `raw` (the unscaled network these scales were measured on).
    pub fn apply(&self, raw: Network) -> Result<Network> {
        if raw.architecture().name != self.architecture || raw.identity() != self.measured_on {
            return Err(ModelError::Invalid(format!(
                "channel scales were measured on {} ({}), not on these {} weights ({})",
                self.architecture,
                &self.measured_on[..self.measured_on.len().min(12)],
                raw.architecture().name,
                &raw.identity()[..12]
            )));
        }
        let arch = raw.architecture().clone();
        let relu_after: Vec<bool> = {
            // A conv is followed by a ReLU (and so can be rescaled) unless it is the last layer.
            let mut v = Vec::new();
            for (i, l) in arch.layers.iter().enumerate() {
                if let Layer::Conv { .. } = l {
                    v.push(matches!(arch.layers.get(i + 1), Some(Layer::Relu { .. })));
                }
            }
            v
        };
        let mut params = raw.into_params();
        let mut prev: Option<Vec<f32>> = None;
        for ((shape, p), has_relu) in arch.convs().zip(params.iter_mut()).zip(relu_after) {
            let taps = shape.kernel * shape.kernel;
            if let Some(prev) = &prev {
                for o in 0..shape.out_channels {
                    for i in 0..shape.in_channels {
                        for t in 0..taps {
                            p.weight[(o * shape.in_channels + i) * taps + t] *= prev[i];
                        }
                    }
                }
            }
            let own = match self.layers.iter().find(|l| l.conv == shape.name) {
                Some(l) if has_relu => {
                    if l.mean_activation.len() != shape.out_channels {
                        return Err(ModelError::Shape {
                            layer: format!("channel scales of {}", shape.name),
                            expected: vec![shape.out_channels],
                            found: vec![l.mean_activation.len()],
                        });
                    }
                    l.mean_activation
                        .iter()
                        .map(|&a| {
                            if a > DEAD_CHANNEL && a.is_finite() {
                                a
                            } else {
                                1.0
                            }
                        })
                        .collect()
                }
                _ => vec![1.0; shape.out_channels],
            };
            for o in 0..shape.out_channels {
                p.bias[o] /= own[o];
                for v in
                    &mut p.weight[o * shape.in_channels * taps..(o + 1) * shape.in_channels * taps]
                {
                    *v /= own[o];
                }
            }
            prev = Some(own);
        }
        Network::new(arch, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::architecture::Architecture;

    #[test]
    fn scales_divide_outputs_and_compensate_inputs() {
        let raw = Network::seeded(Architecture::vgg16_encoder(), 3);
        let scales = ChannelScales {
            architecture: raw.architecture().name.into(),
            measured_on: raw.identity(),
            method: "test".into(),
            layers: raw
                .architecture()
                .convs()
                .map(|c| LayerScales {
                    conv: c.name.into(),
                    mean_activation: vec![2.0; c.out_channels],
                })
                .collect(),
        };
        let scaled = scales.apply(raw.clone()).unwrap();
        // conv1_1: divided by 2; conv1_2: inputs ×2 and outputs ÷2 → unchanged.
        assert_eq!(scaled.params()[0].bias[0], raw.params()[0].bias[0] / 2.0);
        assert_eq!(scaled.params()[1].weight[5], raw.params()[1].weight[5]);
        assert_eq!(scaled.params()[1].bias[0], raw.params()[1].bias[0] / 2.0);
    }

    #[test]
    fn scales_for_other_weights_are_refused() {
        let raw = Network::seeded(Architecture::vgg16_encoder(), 3);
        let scales = ChannelScales {
            architecture: raw.architecture().name.into(),
            measured_on: "0".repeat(64),
            method: String::new(),
            layers: vec![],
        };
        assert!(scales
            .apply(raw)
            .unwrap_err()
            .to_string()
            .contains("measured on"));
    }
}
