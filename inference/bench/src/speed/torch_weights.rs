//! The package's weights for the PyTorch contestant: every conv's initializers read back from the
//! ONNX graphs into one safetensors file, with the layer lists the Python side rebuilds the networks
//! from (so both run the same architecture, not a hand-copied one).

use std::collections::HashMap;
use std::path::Path;

use adain_models::manifest::Role;
use adain_models::onnx::{network_from_graph, read_model};
use adain_models::{Architecture, Layer, Network};
use anyhow::{Context, Result};
use safetensors::tensor::TensorView;
use safetensors::Dtype;
use serde_json::{json, Value};

/// Writes `encoder.<conv>.{weight,bias}` and `decoder.<conv>.{weight,bias}` (fp32 graphs) to `out`.
pub fn export(package: &Path, out: &Path) -> Result<()> {
    let manifest = adain_models::manifest::Manifest::load(package)?;
    let graph = |role: Role| -> Result<_> {
        let file = manifest
            .file(role, "fp32")
            .with_context(|| format!("{}: no fp32 {role:?} graph", package.display()))?;
        let path = package.join(&file.path);
        Ok((read_model(&path)?, path))
    };
    let arch =
        Architecture::encoder_by_name(&manifest.encoder.architecture).with_context(|| {
            format!(
                "unknown encoder architecture `{}`",
                manifest.encoder.architecture
            )
        })?;
    let (model, path) = graph(Role::Encoder)?;
    let encoder = network_from_graph(&model, arch, &path)?;
    let (model, path) = graph(Role::Decoder)?;
    let decoder = network_from_graph(&model, Architecture::decoder(), &path)?;

    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (prefix, net) in [("encoder", &encoder), ("decoder", &decoder)] {
        for (shape, params) in net.architecture().convs().zip(net.params()) {
            let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
            tensors.push((
                format!("{prefix}.{}.weight", shape.name),
                shape.weight_dims().to_vec(),
                bytes(&params.weight),
            ));
            tensors.push((
                format!("{prefix}.{}.bias", shape.name),
                vec![shape.out_channels],
                bytes(&params.bias),
            ));
        }
    }
    let views = tensors
        .iter()
        .map(|(name, shape, bytes)| {
            Ok((
                name.clone(),
                TensorView::new(Dtype::F32, shape.clone(), bytes)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let metadata = HashMap::from([
        ("encoder_layers".to_string(), layers(&encoder).to_string()),
        ("decoder_layers".to_string(), layers(&decoder).to_string()),
    ]);
    let bytes = safetensors::serialize(views, Some(metadata))?;
    adain_models::atomic_file::write(out, &bytes)?;
    Ok(())
}

/// The layer list as the Python side reads it.
fn layers(net: &Network) -> Value {
    let list: Vec<Value> = net
        .architecture()
        .layers
        .iter()
        .map(|layer| match layer {
            Layer::Conv { name, in_channels, out_channels, kernel, reflect_pad } => {
                json!({"conv": name, "in": in_channels, "out": out_channels, "k": kernel, "pad": reflect_pad})
            }
            Layer::Relu { tap } => json!({"relu": tap}),
            Layer::MaxPool => json!({"pool": true}),
            Layer::Upsample => json!({"upsample": true}),
        })
        .collect();
    Value::from(list)
}
