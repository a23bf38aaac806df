//! Weights attached to an [`Architecture`]: what an ONNX graph or a tch module is built from.

use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

use crate::architecture::Architecture;
use crate::error::{ModelError, Result};

/// Weight (OIHW, row-major) and bias of one convolution.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvParams {
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// An architecture with one [`ConvParams`] per conv layer, in layer order; shapes are checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    architecture: Architecture,
    params: Vec<ConvParams>,
}

impl Network {
    pub fn new(architecture: Architecture, params: Vec<ConvParams>) -> Result<Self> {
        let shapes: Vec<_> = architecture.convs().collect();
        if shapes.len() != params.len() {
            return Err(ModelError::Invalid(format!(
                "{}: expected {} conv layers, found {}",
                architecture.name,
                shapes.len(),
                params.len()
            )));
        }
        for (shape, p) in shapes.iter().zip(&params) {
            if p.weight.len() != shape.weight_len() {
                return Err(ModelError::Shape {
                    layer: shape.name.to_string(),
                    expected: shape.weight_dims().to_vec(),
                    found: vec![p.weight.len()],
                });
            }
            if p.bias.len() != shape.out_channels {
                return Err(ModelError::Shape {
                    layer: format!("{}.bias", shape.name),
                    expected: vec![shape.out_channels],
                    found: vec![p.bias.len()],
                });
            }
            if let Some(bad) = p.weight.iter().chain(&p.bias).find(|v| !v.is_finite()) {
                return Err(ModelError::Invalid(format!(
                    "weights for `{}` contain {bad}",
                    shape.name
                )));
            }
        }
        Ok(Self {
            architecture,
            params,
        })
    }

    /// Kaiming-uniform weights from a seed: a reproducible untrained network (for tests and demos
    /// before a decoder is trained).
    pub fn seeded(architecture: Architecture, seed: u64) -> Self {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let params = architecture
            .convs()
            .map(|s| {
                let fan_in = (s.in_channels * s.kernel * s.kernel) as f32;
                let bound = (6.0 / fan_in).sqrt();
                let weight = (0..s.weight_len())
                    .map(|_| rng.random_range(-bound..bound))
                    .collect();
                let bias_bound = 1.0 / fan_in.sqrt();
                let bias = (0..s.out_channels)
                    .map(|_| rng.random_range(-bias_bound..bias_bound))
                    .collect();
                ConvParams { weight, bias }
            })
            .collect();
        Self {
            architecture,
            params,
        }
    }

    pub fn architecture(&self) -> &Architecture {
        &self.architecture
    }
    pub fn params(&self) -> &[ConvParams] {
        &self.params
    }
    pub fn params_mut(&mut self) -> &mut [ConvParams] {
        &mut self.params
    }
    pub fn into_params(self) -> Vec<ConvParams> {
        self.params
    }

    /// Parameters of the conv called `name`.
    pub fn conv(&self, name: &str) -> Option<&ConvParams> {
        self.architecture
            .convs()
            .position(|c| c.name == name)
            .map(|i| &self.params[i])
    }

    /// sha256 over the architecture name and every weight: the identity that stats files and decoders
    /// record, so they can be checked against the encoder they belong to.
    pub fn identity(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.architecture.name.as_bytes());
        for (shape, p) in self.architecture.convs().zip(&self.params) {
            h.update(shape.name.as_bytes());
            for d in shape.weight_dims() {
                h.update((d as u64).to_le_bytes());
            }
            for v in p.weight.iter().chain(&p.bias) {
                h.update(v.to_le_bytes());
            }
        }
        hex::encode(h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_reproducible_and_identity_tracks_weights() {
        let a = Network::seeded(Architecture::decoder(), 7);
        let b = Network::seeded(Architecture::decoder(), 7);
        let c = Network::seeded(Architecture::decoder(), 8);
        assert_eq!(a.identity(), b.identity());
        assert_ne!(a.identity(), c.identity());
    }

    #[test]
    fn wrong_shapes_are_refused() {
        let mut params = Network::seeded(Architecture::decoder(), 1).into_params();
        params[1].weight.pop();
        let err = Network::new(Architecture::decoder(), params).unwrap_err();
        assert!(err.to_string().contains("dec3_4"), "{err}");
    }
}
