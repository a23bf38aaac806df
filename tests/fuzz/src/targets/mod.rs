//! The four readers that take files from users, each as a fuzz target.

mod image_decode;
mod json;
mod manifest;
mod onnx_graph;
mod stats_file;

use std::path::Path;

pub use image_decode::ImageDecode;
pub use manifest::ManifestFile;
pub use onnx_graph::OnnxGraph;
pub use stats_file::StatsFile;

use crate::target::Target;

/// Every target's name, in the order they run.
pub const NAMES: [&str; 4] = ["stats-file", "manifest", "onnx-graph", "image-decode"];

/// The target called `name`; `package` is the model package the ONNX seeds come from.
pub fn by_name(name: &str, package: &Path) -> anyhow::Result<Box<dyn Target>> {
    Ok(match name {
        "stats-file" => Box::new(StatsFile),
        "manifest" => Box::new(ManifestFile),
        "onnx-graph" => Box::new(OnnxGraph::new(package)?),
        "image-decode" => Box::new(ImageDecode),
        other => anyhow::bail!("no fuzz target `{other}` (targets: {})", NAMES.join(", ")),
    })
}
