//! The frozen VGG encoder.

use std::path::Path;

use adain_models::onnx::{metadata, network_from_graph, read_model};
use adain_models::package::keys;
use adain_models::{Architecture, Network};
use tch::{Device, Kind, Tensor};

use super::{forward, to_tensors, ConvTensors};
use crate::error::{Result, TrainError};

/// VGG up to relu4_1, weights frozen (no gradients), input RGB in [0, 1].
pub struct Encoder {
    network: Network,
    params: ConvTensors,
    kind: Kind,
}

impl Encoder {
    pub fn new(network: Network, device: Device) -> Self {
        let params = to_tensors(&network, device);
        Self {
            network,
            params,
            kind: Kind::Float,
        }
    }

    /// Loads the encoder from a package's `encoder.onnx` (the architecture named in its metadata), or
    /// the authors' VGG19 from a `.safetensors` file with the PyTorch port's layout.
    pub fn load(path: &Path, device: Device) -> Result<Self> {
        let is_safetensors = path.extension().is_some_and(|e| e == "safetensors");
        let network = if is_safetensors {
            adain_models::vgg::load_authors_vgg19(path)?
        } else {
            let model = read_model(path)?;
            let arch_name = metadata(&model)
                .get(keys::ENCODER_ARCHITECTURE)
                .cloned()
                .unwrap_or_default();
            let arch = Architecture::encoder_by_name(&arch_name).ok_or_else(|| TrainError::Data {
                path: path.to_path_buf(),
                message: format!("unknown encoder architecture `{arch_name}` in the metadata (expected vgg16-relu4_1 or vgg19-relu4_1)"),
            })?;
            network_from_graph(&model, arch, path)?
        };
        Ok(Self::new(network, device))
    }

    /// Computes in `kind` (Float or BFloat16); features come back as f32.
    pub fn with_kind(mut self, kind: Kind) -> Self {
        // Cast once instead of per step: the encoder never changes.
        self.params = self
            .params
            .iter()
            .map(|(w, b)| (w.to_kind(kind), b.to_kind(kind)))
            .collect();
        self.kind = kind;
        self
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    /// relu1_1, relu2_1, relu3_1, relu4_1 (f32).
    pub fn features(&self, image: &Tensor) -> Vec<Tensor> {
        let mut taps = Vec::with_capacity(4);
        let _last = forward(
            self.network.architecture().through_last_tap(),
            &self.params,
            image,
            self.kind,
            Some(&mut taps),
        );
        taps.into_iter().map(|t| t.to_kind(Kind::Float)).collect()
    }

    /// relu4_1 only (f32).
    pub fn relu4_1(&self, image: &Tensor) -> Tensor {
        self.features(image).pop().expect("four taps")
    }
}
