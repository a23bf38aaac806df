//! Writing model packages: `encoder.onnx`, `decoder.onnx` and `manifest.json` with the metadata that
//! lets the runtime check the pieces belong together.

use std::collections::BTreeMap;
use std::path::Path;

use onnx_protobuf::ModelProto;

use crate::convention::{CONVENTION, DECODER_INPUT, DECODER_OUTPUT, ENCODER_INPUT, FEATURE_CHANNELS};
use crate::error::{ModelError, Result};
use crate::manifest::{sha256_file, EncoderInfo, Manifest, PackageFile, Role, MANIFEST_FORMAT};
use crate::network::Network;
use crate::onnx::{network_graph, save_model, GraphSpec, Outputs, PadMode};

pub const ENCODER_FILE: &str = "encoder.onnx";
pub const DECODER_FILE: &str = "decoder.onnx";

/// `metadata_props` keys every graph carries.
pub mod keys {
    pub const ROLE: &str = "adain.role";
    pub const MODEL_NAME: &str = "adain.model_name";
    pub const MODEL_VERSION: &str = "adain.model_version";
    pub const CONVENTION: &str = "adain.convention";
    pub const ENCODER_IDENTITY: &str = "adain.encoder_identity";
    pub const ENCODER_ARCHITECTURE: &str = "adain.encoder_architecture";
    pub const WEIGHTS_SOURCE: &str = "adain.weights_source";
    pub const PRECISION: &str = "adain.precision";
    /// Prefix of provenance entries (iterations, data, hyperparameters).
    pub const PROVENANCE_PREFIX: &str = "adain.provenance.";
}

/// Who a package is and where it came from.
#[derive(Debug, Clone)]
pub struct PackageInfo {
    pub name: String,
    pub version: String,
    pub encoder_source: String,
    pub provenance: BTreeMap<String, String>,
}

fn metadata(info: &PackageInfo, role: &str, encoder: &Network, precision: &str) -> Vec<(String, String)> {
    let mut m = vec![
        (keys::ROLE.into(), role.into()),
        (keys::MODEL_NAME.into(), info.name.clone()),
        (keys::MODEL_VERSION.into(), info.version.clone()),
        (keys::CONVENTION.into(), CONVENTION.into()),
        (keys::ENCODER_IDENTITY.into(), encoder.identity()),
        (keys::ENCODER_ARCHITECTURE.into(), encoder.architecture().name.into()),
        (keys::WEIGHTS_SOURCE.into(), info.encoder_source.clone()),
        (keys::PRECISION.into(), precision.into()),
    ];
    m.extend(info.provenance.iter().map(|(k, v)| (format!("{}{k}", keys::PROVENANCE_PREFIX), v.clone())));
    m
}

/// The encoder graph: `image` [N,3,H,W] RGB in [0,1] → relu1_1 … relu4_1.
pub fn encoder_graph(encoder: &Network, info: &PackageInfo, pad_mode: PadMode) -> Result<ModelProto> {
    network_graph(
        encoder,
        &GraphSpec {
            graph_name: format!("{}-encoder", info.name),
            input: ENCODER_INPUT.into(),
            input_channels: 3,
            outputs: Outputs::Taps,
            pad_mode,
            metadata: metadata(info, "encoder", encoder, "fp32"),
        },
    )
}

/// The decoder graph: `features` [N,512,h,w] → `image` [N,3,8h,8w].
pub fn decoder_graph(decoder: &Network, encoder: &Network, info: &PackageInfo, pad_mode: PadMode) -> Result<ModelProto> {
    network_graph(
        decoder,
        &GraphSpec {
            graph_name: format!("{}-decoder", info.name),
            input: DECODER_INPUT.into(),
            input_channels: FEATURE_CHANNELS[3],
            outputs: Outputs::Final(DECODER_OUTPUT.into()),
            pad_mode,
            metadata: metadata(info, "decoder", encoder, "fp32"),
        },
    )
}

/// Writes only the encoder graph into `dir` (what setup does for the committed default package).
pub fn write_encoder(dir: &Path, encoder: &Network, info: &PackageInfo) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    save_model(&encoder_graph(encoder, info, PadMode::Reflect)?, &dir.join(ENCODER_FILE))
}

/// Writes a complete package. `hash_encoder` = false leaves the encoder's sha256 out of the manifest
/// (for packages whose encoder is rebuilt on each machine by setup).
pub fn write_package(dir: &Path, encoder: &Network, decoder: &Network, info: &PackageInfo, hash_encoder: bool) -> Result<Manifest> {
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    write_encoder(dir, encoder, info)?;
    save_model(&decoder_graph(decoder, encoder, info, PadMode::Reflect)?, &dir.join(DECODER_FILE))?;
    let manifest = Manifest {
        format: MANIFEST_FORMAT.into(),
        name: info.name.clone(),
        version: info.version.clone(),
        convention: CONVENTION.into(),
        encoder: EncoderInfo {
            architecture: encoder.architecture().name.into(),
            identity: encoder.identity(),
            source: info.encoder_source.clone(),
        },
        files: vec![
            PackageFile {
                role: Role::Encoder,
                path: ENCODER_FILE.into(),
                precision: "fp32".into(),
                sha256: if hash_encoder { Some(sha256_file(&dir.join(ENCODER_FILE))?) } else { None },
            },
            PackageFile {
                role: Role::Decoder,
                path: DECODER_FILE.into(),
                precision: "fp32".into(),
                sha256: Some(sha256_file(&dir.join(DECODER_FILE))?),
            },
        ],
        provenance: info.provenance.clone(),
    };
    manifest.save(dir)?;
    Ok(manifest)
}
