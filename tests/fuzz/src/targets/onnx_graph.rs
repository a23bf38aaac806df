//! The ONNX graph checks a package load runs before any session exists: protobuf parsing, then
//! `adain::package::check_graph` for both roles against the default model's manifest.

use std::path::{Path, PathBuf};

use adain::package::check_graph;
use adain_models::manifest::{Manifest, Role};
use adain_models::onnx::{metadata, parse_model, ModelProto};
use adain_models::package::keys;
use anyhow::Context;
use onnx_protobuf::tensor_shape_proto::{dimension, Dimension};
use onnx_protobuf::type_proto;
use protobuf::Message;
use rand::Rng as _;

use crate::target::{refusal_names_input, Rng, Target};

const NAME: &str = "fuzz/graph.onnx";

/// Bytes kept of each initializer in a seed: the graph's structure matters here, not its weights.
const SEED_WEIGHT_BYTES: usize = 16;

pub struct OnnxGraph {
    package: PathBuf,
    manifest: Manifest,
}

impl OnnxGraph {
    /// Seeds come from the graphs of the package in `package` (the default model).
    pub fn new(package: &Path) -> anyhow::Result<Self> {
        let manifest = Manifest::load(package).context("the seed package's manifest")?;
        Ok(Self {
            package: package.to_path_buf(),
            manifest,
        })
    }
}

/// The graph with its weights cut to a few bytes each (dims kept).
fn slim(mut model: ModelProto) -> ModelProto {
    for tensor in &mut model.graph.mut_or_insert_default().initializer {
        tensor.raw_data.truncate(SEED_WEIGHT_BYTES);
        tensor.float_data.truncate(SEED_WEIGHT_BYTES / 4);
        tensor.int32_data.truncate(SEED_WEIGHT_BYTES / 4);
    }
    model
}

impl Target for OnnxGraph {
    fn name(&self) -> &'static str {
        "onnx-graph"
    }

    fn seeds(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        let mut seeds = Vec::new();
        for file in &self.manifest.files {
            let path = self.package.join(&file.path);
            if !path.is_file() {
                continue; // the encoder is built by setup; the other graphs are committed
            }
            let model = adain_models::onnx::read_model(&path)?;
            seeds.push(slim(model).write_to_bytes()?);
        }
        anyhow::ensure!(!seeds.is_empty(), "no graphs in {}", self.package.display());
        Ok(seeds)
    }

    fn mutate(&self, rng: &mut Rng, data: &[u8]) -> Option<Vec<u8>> {
        let mut model = parse_model(data, Path::new(NAME)).ok()?;
        mutate_model(rng, &mut model);
        model.write_to_bytes().ok()
    }

    fn run(&self, data: &[u8]) {
        let path = Path::new(NAME);
        let model = match parse_model(data, path) {
            Err(e) => return refusal_names_input(&e, NAME),
            Ok(m) => m,
        };
        let precision = metadata(&model)
            .get(keys::PRECISION)
            .filter(|p| ["fp32", "fp16", "int8"].contains(&p.as_str()))
            .cloned()
            .unwrap_or_else(|| "fp32".into());
        for role in [Role::Encoder, Role::Decoder] {
            if let Err(e) = check_graph(role, &model, path, &self.manifest, &precision) {
                refusal_names_input(&e, NAME);
            }
        }
    }

    fn max_len(&self) -> usize {
        256 << 10
    }
}

/// Changes one thing the checks read: an interface's name, type or dims, a metadata entry, an
/// initializer's dims or type, a node's operator.
fn mutate_model(rng: &mut Rng, model: &mut ModelProto) {
    let graph = model.graph.mut_or_insert_default();
    match rng.random_range(0..6) {
        0 | 1 => {
            let values = if rng.random() {
                &mut graph.input
            } else {
                &mut graph.output
            };
            if values.is_empty() {
                return;
            }
            let i = rng.random_range(0..values.len());
            let value = &mut values[i];
            match rng.random_range(0..4) {
                0 => {
                    value.name = ["image", "features", "relu4_1", "", "relu1_1"]
                        [rng.random_range(0..5)]
                    .into()
                }
                1 => {
                    values.remove(i);
                }
                _ => {
                    if let Some(type_proto::Value::TensorType(t)) =
                        &mut value.type_.mut_or_insert_default().value
                    {
                        if rng.random_bool(0.3) {
                            t.elem_type = rng.random_range(-1..20);
                        } else {
                            mutate_dims(rng, &mut t.shape.mut_or_insert_default().dim);
                        }
                    }
                }
            }
        }
        2 => {
            let props = &mut model.metadata_props;
            if props.is_empty() {
                return;
            }
            let i = rng.random_range(0..props.len());
            match rng.random_range(0..3) {
                0 => {
                    props.remove(i);
                }
                1 => {
                    props[i].value = ["", "fp16", "int8", "decoder", "encoder", "x"]
                        [rng.random_range(0..6)]
                    .into()
                }
                _ => {
                    let j = rng.random_range(0..props.len());
                    props[i].value = props[j].value.clone();
                }
            }
        }
        3 => {
            let inits = &mut graph.initializer;
            if inits.is_empty() {
                return;
            }
            let i = rng.random_range(0..inits.len());
            let t = &mut inits[i];
            match rng.random_range(0..3) {
                0 => t.data_type = rng.random_range(0..17),
                1 => {
                    if let Some(d) = t.dims.iter_mut().next() {
                        *d = [0, 1, -1, i64::MAX, d.saturating_add(1)][rng.random_range(0..5)];
                    }
                }
                _ => t.raw_data = vec![0; rng.random_range(0..64)],
            }
        }
        4 => {
            let i = rng.random_range(0..graph.node.len().max(1));
            if let Some(node) = graph.node.get_mut(i) {
                node.op_type =
                    ["Conv", "Relu", "Identity", "", "Resize"][rng.random_range(0..5)].into();
            }
        }
        _ => model.ir_version = rng.random_range(-1..12),
    }
}

fn mutate_dims(rng: &mut Rng, dims: &mut Vec<Dimension>) {
    match rng.random_range(0..3) {
        0 if !dims.is_empty() => {
            dims.remove(rng.random_range(0..dims.len()));
        }
        1 => dims.push(Dimension::new()),
        _ => {
            let i = rng.random_range(0..dims.len().max(1));
            if let Some(d) = dims.get_mut(i) {
                d.value = Some(if rng.random() {
                    dimension::Value::DimValue(
                        [0, 1, 3, 64, 512, -1, i64::MAX][rng.random_range(0..7)],
                    )
                } else {
                    dimension::Value::DimParam("N".into())
                });
            }
        }
    }
}
