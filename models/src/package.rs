//! Writing model packages: `encoder.onnx`, `decoder.onnx` and `manifest.json` with the metadata that
//! lets the runtime check the pieces belong together.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use onnx_protobuf::ModelProto;

use crate::convention::{
    CONVENTION, DECODER_INPUT, DECODER_OUTPUT, ENCODER_INPUT, FEATURE_CHANNELS,
};
use crate::error::{ModelError, Result};
use crate::manifest::{sha256_file, EncoderInfo, Manifest, PackageFile, Role, MANIFEST_FORMAT};
use crate::network::Network;
use crate::onnx::quantize::{fp16_graph, int8_graph, ActivationRanges};
use crate::onnx::{network_graph, save_model, GraphSpec, Outputs, PadMode};

pub const ENCODER_FILE: &str = "encoder.onnx";
pub const DECODER_FILE: &str = "decoder.onnx";

/// The committed activation ranges of the default encoder (next to `vgg16_channel_scales.json` in
/// `models/`), from which setup builds its int8 graph without any training data.
pub const VGG16_INT8_RANGES_FILE: &str = "vgg16_int8_ranges.json";

/// PSNR (dB, against the fp32 pipeline) a reduced-precision variant needs to be picked automatically.
pub const MIN_VALIDATED_PSNR_DB: f64 = 30.0;

/// Numeric precision of a package's graphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    Fp32,
    /// Half-precision weights and activations (for GPUs).
    Fp16,
    /// QDQ int8: int8 per-channel weights, uint8 activations (for CPUs with VNNI/AMX).
    Int8,
}

impl Precision {
    pub const ALL: [Precision; 3] = [Precision::Fp32, Precision::Fp16, Precision::Int8];

    /// The name in manifests and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Fp16 => "fp16",
            Precision::Int8 => "int8",
        }
    }

    /// File of the graph with this role: `encoder.onnx`, `decoder.int8.onnx`, …
    pub fn file_name(self, role: Role) -> String {
        let stem = match role {
            Role::Encoder => "encoder",
            Role::Decoder => "decoder",
        };
        match self {
            Precision::Fp32 => format!("{stem}.onnx"),
            other => format!("{stem}.{}.onnx", other.as_str()),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Precision::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown precision `{s}` (expected fp32, fp16 or int8)"))
    }
}

/// How to build one graph: in fp32, fp16, or int8 with the activation ranges of that network.
#[derive(Debug, Clone, Copy)]
pub enum Variant<'a> {
    Fp32,
    Fp16,
    Int8(&'a ActivationRanges),
}

impl Variant<'_> {
    pub fn precision(&self) -> Precision {
        match self {
            Variant::Fp32 => Precision::Fp32,
            Variant::Fp16 => Precision::Fp16,
            Variant::Int8(_) => Precision::Int8,
        }
    }
}

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
    /// How an int8 graph was quantized (scheme and where its activation ranges came from).
    pub const QUANTIZATION: &str = "adain.quantization";
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

fn metadata(
    info: &PackageInfo,
    role: &str,
    encoder: &Network,
    precision: &str,
) -> Vec<(String, String)> {
    let mut m = vec![
        (keys::ROLE.into(), role.into()),
        (keys::MODEL_NAME.into(), info.name.clone()),
        (keys::MODEL_VERSION.into(), info.version.clone()),
        (keys::CONVENTION.into(), CONVENTION.into()),
        (keys::ENCODER_IDENTITY.into(), encoder.identity()),
        (
            keys::ENCODER_ARCHITECTURE.into(),
            encoder.architecture().name.into(),
        ),
        (keys::WEIGHTS_SOURCE.into(), info.encoder_source.clone()),
        (keys::PRECISION.into(), precision.into()),
    ];
    m.extend(
        info.provenance
            .iter()
            .map(|(k, v)| (format!("{}{k}", keys::PROVENANCE_PREFIX), v.clone())),
    );
    m
}

/// The encoder graph: `image` [N,3,H,W] RGB in [0,1] → relu1_1 … relu4_1.
pub fn encoder_graph(
    encoder: &Network,
    info: &PackageInfo,
    pad_mode: PadMode,
) -> Result<ModelProto> {
    encoder_graph_as(encoder, info, pad_mode, Variant::Fp32)
}

/// The decoder graph: `features` [N,512,h,w] → `image` [N,3,8h,8w].
pub fn decoder_graph(
    decoder: &Network,
    encoder: &Network,
    info: &PackageInfo,
    pad_mode: PadMode,
) -> Result<ModelProto> {
    decoder_graph_as(decoder, encoder, info, pad_mode, Variant::Fp32)
}

/// The encoder graph in the precision of `variant` (same interface in every precision).
pub fn encoder_graph_as(
    encoder: &Network,
    info: &PackageInfo,
    pad_mode: PadMode,
    variant: Variant<'_>,
) -> Result<ModelProto> {
    let spec = GraphSpec {
        graph_name: format!("{}-encoder", info.name),
        input: ENCODER_INPUT.into(),
        input_channels: 3,
        outputs: Outputs::Taps,
        pad_mode,
        metadata: variant_metadata(
            metadata(info, "encoder", encoder, variant.precision().as_str()),
            variant,
        ),
    };
    build(encoder, &spec, variant)
}

/// The decoder graph in the precision of `variant`.
pub fn decoder_graph_as(
    decoder: &Network,
    encoder: &Network,
    info: &PackageInfo,
    pad_mode: PadMode,
    variant: Variant<'_>,
) -> Result<ModelProto> {
    let spec = GraphSpec {
        graph_name: format!("{}-decoder", info.name),
        input: DECODER_INPUT.into(),
        input_channels: FEATURE_CHANNELS[3],
        outputs: Outputs::Final(DECODER_OUTPUT.into()),
        pad_mode,
        metadata: variant_metadata(
            metadata(info, "decoder", encoder, variant.precision().as_str()),
            variant,
        ),
    };
    build(decoder, &spec, variant)
}

fn build(net: &Network, spec: &GraphSpec, variant: Variant<'_>) -> Result<ModelProto> {
    match variant {
        Variant::Fp32 => network_graph(net, spec),
        Variant::Fp16 => fp16_graph(net, spec),
        Variant::Int8(ranges) => int8_graph(net, spec, ranges),
    }
}

fn variant_metadata(mut m: Vec<(String, String)>, variant: Variant<'_>) -> Vec<(String, String)> {
    if let Variant::Int8(ranges) = variant {
        m.push((
            keys::QUANTIZATION.into(),
            format!(
                "QDQ: weights int8 symmetric per output channel, activations uint8 per tensor; ranges: {}",
                ranges.method
            ),
        ));
    }
    m
}

/// Writes the encoder graph of `variant` as `dir/<Precision::file_name>`; returns its path.
pub fn write_encoder_as(
    dir: &Path,
    encoder: &Network,
    info: &PackageInfo,
    variant: Variant<'_>,
) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    let path = dir.join(variant.precision().file_name(Role::Encoder));
    save_model(
        &encoder_graph_as(encoder, info, PadMode::Reflect, variant)?,
        &path,
    )?;
    Ok(path)
}

/// Writes the decoder graph of `variant` as `dir/<Precision::file_name>`; returns its path.
pub fn write_decoder_as(
    dir: &Path,
    decoder: &Network,
    encoder: &Network,
    info: &PackageInfo,
    variant: Variant<'_>,
) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    let path = dir.join(variant.precision().file_name(Role::Decoder));
    save_model(
        &decoder_graph_as(decoder, encoder, info, PadMode::Reflect, variant)?,
        &path,
    )?;
    Ok(path)
}

/// The manifest entry of a graph written into `dir` (sha256 unless `hash` is false).
pub fn package_file(
    dir: &Path,
    role: Role,
    precision: Precision,
    hash: bool,
) -> Result<PackageFile> {
    let path = precision.file_name(role);
    let sha256 = if hash {
        Some(sha256_file(&dir.join(&path))?)
    } else {
        None
    };
    Ok(PackageFile {
        role,
        path,
        precision: precision.as_str().into(),
        sha256,
        validation: None,
    })
}

/// Writes only the encoder graph into `dir` (what setup does for the committed default package).
pub fn write_encoder(dir: &Path, encoder: &Network, info: &PackageInfo) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    save_model(
        &encoder_graph(encoder, info, PadMode::Reflect)?,
        &dir.join(ENCODER_FILE),
    )
}

/// Writes a complete package. `hash_encoder` = false leaves the encoder's sha256 out of the manifest
/// (for packages whose encoder is rebuilt on each machine by setup).
pub fn write_package(
    dir: &Path,
    encoder: &Network,
    decoder: &Network,
    info: &PackageInfo,
    hash_encoder: bool,
) -> Result<Manifest> {
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    write_encoder(dir, encoder, info)?;
    save_model(
        &decoder_graph(decoder, encoder, info, PadMode::Reflect)?,
        &dir.join(DECODER_FILE),
    )?;
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
                sha256: if hash_encoder {
                    Some(sha256_file(&dir.join(ENCODER_FILE))?)
                } else {
                    None
                },
                validation: None,
            },
            PackageFile {
                role: Role::Decoder,
                path: DECODER_FILE.into(),
                precision: "fp32".into(),
                sha256: Some(sha256_file(&dir.join(DECODER_FILE))?),
                validation: None,
            },
        ],
        provenance: info.provenance.clone(),
        runtime_validations: Default::default(),
    };
    manifest.save(dir)?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::architecture::Architecture;
    use crate::manifest::Validation;

    fn info() -> PackageInfo {
        PackageInfo {
            name: "t".into(),
            version: "0".into(),
            encoder_source: "seeded".into(),
            provenance: BTreeMap::new(),
        }
    }

    fn ranges(net: &Network, input: &str) -> ActivationRanges {
        let mut r: BTreeMap<String, (f32, f32)> = net
            .architecture()
            .convs()
            .map(|c| (c.name.to_string(), (0.0, 4.0)))
            .collect();
        r.insert(input.into(), (-1.0, 1.0));
        ActivationRanges::new(net, "test".into(), r)
    }

    #[test]
    fn precisions_name_their_files() {
        assert_eq!(Precision::Fp32.file_name(Role::Encoder), ENCODER_FILE);
        assert_eq!(
            Precision::Int8.file_name(Role::Decoder),
            "decoder.int8.onnx"
        );
        assert_eq!("FP16".parse::<Precision>(), Ok(Precision::Fp16));
        assert!("int4".parse::<Precision>().is_err());
    }

    #[test]
    fn manifest_with_variants_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let (encoder, decoder) = (
            Network::seeded(Architecture::vgg16_encoder(), 1),
            Network::seeded(Architecture::decoder(), 2),
        );
        let mut manifest = write_package(dir.path(), &encoder, &decoder, &info(), false).unwrap();
        let (er, dr) = (
            ranges(&encoder, ENCODER_INPUT),
            ranges(&decoder, DECODER_INPUT),
        );
        for (variant, dvariant) in [
            (Variant::Int8(&er), Variant::Int8(&dr)),
            (Variant::Fp16, Variant::Fp16),
        ] {
            let p = variant.precision();
            write_encoder_as(dir.path(), &encoder, &info(), variant).unwrap();
            write_decoder_as(dir.path(), &decoder, &encoder, &info(), dvariant).unwrap();
            manifest.set_file(package_file(dir.path(), Role::Encoder, p, false).unwrap());
            let mut file = package_file(dir.path(), Role::Decoder, p, true).unwrap();
            file.validation = Some(Validation {
                psnr_db: 31.5,
                min_psnr_db: 29.0,
                pairs: 4,
                size: 64,
                threshold_db: MIN_VALIDATED_PSNR_DB,
                validated: true,
                method: "test".into(),
            });
            manifest.set_file(file);
        }
        manifest.save(dir.path()).unwrap();
        let loaded = Manifest::load(dir.path()).unwrap();
        assert_eq!(loaded, manifest);
        assert_eq!(loaded.precisions(Role::Decoder), ["fp32", "int8", "fp16"]);
        assert_eq!(
            loaded.file(Role::Decoder, "int8").unwrap().path,
            "decoder.int8.onnx"
        );
        assert!(loaded.file(Role::Encoder, "int8").unwrap().sha256.is_none());
        loaded.verify_files(dir.path()).unwrap();
        // Validation recorded on the decoder only: both graphs must carry it to count.
        assert!(!loaded.is_validated("int8"));
        assert_eq!(loaded.validation("int8").map(|v| v.psnr_db), Some(31.5));
        let mut both = loaded.clone();
        let mut enc = both.file(Role::Encoder, "int8").unwrap().clone();
        enc.validation = loaded.validation("int8").cloned();
        both.set_file(enc);
        assert!(both.is_validated("int8"));
        assert_eq!(both.files.len(), 6, "set_file replaces, never duplicates");
        // A wrong sha256 is caught.
        std::fs::write(dir.path().join("decoder.int8.onnx"), b"not the graph").unwrap();
        let err = both
            .file(Role::Decoder, "int8")
            .unwrap()
            .verify(dir.path())
            .unwrap_err();
        assert!(err.to_string().contains("sha256"), "{err}");
    }

    #[test]
    fn variant_graphs_carry_their_precision() {
        let encoder = Network::seeded(Architecture::vgg16_encoder(), 1);
        let r = ranges(&encoder, ENCODER_INPUT);
        for variant in [Variant::Fp32, Variant::Fp16, Variant::Int8(&r)] {
            let m = crate::onnx::metadata(
                &encoder_graph_as(&encoder, &info(), PadMode::Reflect, variant).unwrap(),
            );
            assert_eq!(m[keys::PRECISION], variant.precision().as_str());
            assert_eq!(
                m.contains_key(keys::QUANTIZATION),
                variant.precision() == Precision::Int8
            );
        }
    }
}
