//! Checks of the two graphs against the contract, read from the ONNX files before any session exists:
//! interface names, element types, ranks and channel counts, and the `adain.*` metadata.

use std::path::Path;

use adain_models::convention::{
    CONVENTION, DECODER_INPUT, DECODER_OUTPUT, ENCODER_INPUT, FEATURE_CHANNELS, FEATURE_LAYERS,
};
use adain_models::manifest::Manifest;
use adain_models::onnx::{metadata, network_from_graph, value_info_shape, Dim, ModelProto};
use adain_models::package::keys;
use adain_models::Architecture;

use super::Check;
use crate::error::{AdainError, Result};

/// `TensorProto.DataType.FLOAT` in the ONNX schema.
const ONNX_FLOAT: i32 = 1;

/// Encoder: `image` [N,3,H,W] → relu1_1…relu4_1 with 64/128/256/512 channels, metadata of the
/// manifest's encoder, and (for fp32 graphs) weights whose identity is the one the manifest claims.
pub(super) fn check_encoder(
    model: &ModelProto,
    path: &Path,
    manifest: &Manifest,
    precision: &str,
) -> Result<Vec<Check>> {
    check_inputs(model, path, &[(ENCODER_INPUT, 3)])?;
    let outputs: Vec<(&str, usize)> = FEATURE_LAYERS
        .iter()
        .copied()
        .zip(FEATURE_CHANNELS)
        .collect();
    check_outputs(model, path, &outputs)?;
    check_metadata(model, path, manifest, "encoder", precision)?;
    let weights = if precision == "fp32" {
        check_encoder_weights(model, path, manifest)?;
        "weights hash to the manifest's encoder identity".to_string()
    } else {
        format!("weight identity not recomputed for {precision} graphs; metadata identity matches")
    };
    Ok(vec![Check {
        what: "encoder graph".into(),
        detail: format!(
            "{}: {ENCODER_INPUT}[N,3,H,W] → {}, {precision}; metadata matches the manifest; {weights}",
            path.display(),
            outputs.iter().map(|(n, c)| format!("{n}[{c}]")).collect::<Vec<_>>().join(", ")
        ),
    }])
}

/// Decoder: `features` [N,512,h,w] → `image` [N,3,8h,8w], metadata naming the manifest's encoder.
pub(super) fn check_decoder(
    model: &ModelProto,
    path: &Path,
    manifest: &Manifest,
    precision: &str,
) -> Result<Vec<Check>> {
    check_inputs(model, path, &[(DECODER_INPUT, FEATURE_CHANNELS[3])])?;
    check_outputs(model, path, &[(DECODER_OUTPUT, 3)])?;
    check_metadata(model, path, manifest, "decoder", precision)?;
    Ok(vec![Check {
        what: "decoder graph".into(),
        detail: format!(
            "{}: {DECODER_INPUT}[N,{},h,w] → {DECODER_OUTPUT}[N,3,8h,8w], {precision}; trained against the manifest's encoder",
            path.display(),
            FEATURE_CHANNELS[3]
        ),
    }])
}

fn check_inputs(model: &ModelProto, path: &Path, expected: &[(&str, usize)]) -> Result<()> {
    // Older exporters list initializers among the inputs; they are weights, not interface.
    let inputs: Vec<_> = model
        .graph
        .input
        .iter()
        .filter(|vi| !model.graph.initializer.iter().any(|t| t.name == vi.name))
        .collect();
    let names: Vec<&str> = inputs.iter().map(|vi| vi.name.as_str()).collect();
    let wanted: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    if names != wanted {
        return Err(AdainError::package(
            path,
            format!("graph inputs {names:?}, expected {wanted:?}"),
        ));
    }
    for (vi, (name, channels)) in inputs.iter().zip(expected) {
        check_tensor(path, "input", name, value_info_shape(vi), *channels)?;
    }
    Ok(())
}

fn check_outputs(model: &ModelProto, path: &Path, expected: &[(&str, usize)]) -> Result<()> {
    for (name, channels) in expected {
        let vi = model
            .graph
            .output
            .iter()
            .find(|vi| vi.name == *name)
            .ok_or_else(|| {
                let found: Vec<&str> = model
                    .graph
                    .output
                    .iter()
                    .map(|vi| vi.name.as_str())
                    .collect();
                AdainError::package(
                    path,
                    format!("no graph output `{name}` (outputs: {found:?})"),
                )
            })?;
        check_tensor(path, "output", name, value_info_shape(vi), *channels)?;
    }
    Ok(())
}

/// f32, rank 4, `channels` fixed, H and W dynamic (any image size must run).
fn check_tensor(
    path: &Path,
    kind: &str,
    name: &str,
    shape: Option<(i32, Vec<Dim>)>,
    channels: usize,
) -> Result<()> {
    let bad = |m: String| AdainError::package(path, format!("{kind} `{name}`: {m}"));
    let (elem_type, dims) = shape.ok_or_else(|| bad("is not a tensor".into()))?;
    if elem_type != ONNX_FLOAT {
        return Err(bad(format!(
            "element type {elem_type}, expected float32 ({ONNX_FLOAT})"
        )));
    }
    if dims.len() != 4 {
        return Err(bad(format!(
            "rank {} ({dims:?}), expected 4 (N,C,H,W)",
            dims.len()
        )));
    }
    if dims[1] != Dim::Fixed(channels as i64) {
        let found = match &dims[1] {
            Dim::Fixed(c) => c.to_string(),
            Dim::Dynamic(p) => format!("dynamic `{p}`"),
        };
        return Err(bad(format!("{found} channels, expected {channels}")));
    }
    for (axis, dim) in [("H", &dims[2]), ("W", &dims[3])] {
        if let Dim::Fixed(v) = dim {
            return Err(bad(format!(
                "{axis} is fixed at {v}, expected a dynamic dimension"
            )));
        }
    }
    Ok(())
}

fn check_metadata(
    model: &ModelProto,
    path: &Path,
    manifest: &Manifest,
    role: &str,
    precision: &str,
) -> Result<()> {
    let meta = metadata(model);
    let expect = |key: &str, expected: &str| -> Result<()> {
        match meta.get(key) {
            Some(found) if found == expected => Ok(()),
            Some(found) => Err(AdainError::package(
                path,
                format!("metadata `{key}` is `{found}`, expected `{expected}`"),
            )),
            None => Err(AdainError::package(
                path,
                format!("no `{key}` in the graph metadata (expected `{expected}`)"),
            )),
        }
    };
    expect(keys::ROLE, role)?;
    expect(keys::PRECISION, precision)?;
    expect(keys::CONVENTION, CONVENTION)?;
    expect(keys::ENCODER_ARCHITECTURE, &manifest.encoder.architecture)?;
    expect(keys::ENCODER_IDENTITY, &manifest.encoder.identity)
}

/// Recomputes the encoder identity from the graph's weights: the default encoder is built on each
/// machine by setup and has no sha256 in the manifest, so this is what proves it is the right one.
fn check_encoder_weights(model: &ModelProto, path: &Path, manifest: &Manifest) -> Result<()> {
    let architecture =
        Architecture::encoder_by_name(&manifest.encoder.architecture).ok_or_else(|| {
            AdainError::package(
                path,
                format!(
                    "unknown encoder architecture `{}`",
                    manifest.encoder.architecture
                ),
            )
        })?;
    let network = network_from_graph(model, architecture, path)?;
    let found = network.identity();
    if found != manifest.encoder.identity {
        return Err(AdainError::package(
            path,
            format!(
                "encoder weights have identity {found}, the manifest expects {} (rebuild it with `cargo xtask setup`)",
                manifest.encoder.identity
            ),
        ));
    }
    Ok(())
}
