//! The trainable decoder.

use adain_models::{Architecture, Network};
use tch::{Device, Kind, Tensor};

use super::{forward, to_network, to_tensors, ConvTensors};
use crate::error::Result;

/// The paper's decoder; parameters are f32 leaves with gradients.
pub struct Decoder {
    architecture: Architecture,
    params: ConvTensors,
}

impl Decoder {
    pub fn from_network(network: &Network, device: Device) -> Self {
        let params = to_tensors(network, device)
            .into_iter()
            .map(|(w, b)| (w.set_requires_grad(true), b.set_requires_grad(true)))
            .collect();
        Self {
            architecture: network.architecture().clone(),
            params,
        }
    }

    /// Reproducible initial weights (Kaiming uniform from `seed`).
    pub fn seeded(seed: u64, device: Device) -> Self {
        Self::from_network(&Network::seeded(Architecture::decoder(), seed), device)
    }

    /// relu4_1-shaped features → image (f32). `kind` = BFloat16 runs the convolutions in bf16
    /// against f32 master weights.
    pub fn forward(&self, features: &Tensor, kind: Kind) -> Tensor {
        forward(
            &self.architecture.layers,
            &self.params,
            features,
            kind,
            None,
        )
        .to_kind(Kind::Float)
    }

    /// Parameters in order: weight and bias of each conv.
    pub fn parameters(&self) -> Vec<&Tensor> {
        self.params.iter().flat_map(|(w, b)| [w, b]).collect()
    }

    /// `<conv>.weight` / `<conv>.bias` names, matching [`Self::parameters`].
    pub fn parameter_names(&self) -> Vec<String> {
        self.architecture
            .convs()
            .flat_map(|c| [format!("{}.weight", c.name), format!("{}.bias", c.name)])
            .collect()
    }

    pub fn to_network(&self) -> Result<Network> {
        to_network(&self.architecture, &self.params)
    }
}
