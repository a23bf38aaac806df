//! A Triton Inference Server model repository of a package: `encoder` and `decoder` (onnxruntime
//! backend), `adain` (AdaIN in plain ONNX ops, `adain_models::onnx::adain_graph`) and the ensemble
//! `adain_ensemble` chaining them: image + style statistics + α → stylized image.
//!
//! Clients send the image as float [3, H, W] in [0, 1] (RGB, planar: `image_io::to_planar`) and get
//! [3, 8·⌈H/8⌉, 8·⌈W/8⌉] back, to crop to H × W and clamp, as the library does.

mod config;

use std::path::{Path, PathBuf};

use adain_models::convention::{
    ADAIN_LAYER, DECODER_INPUT, DECODER_OUTPUT, ENCODER_INPUT, FEATURE_CHANNELS,
};
use adain_models::onnx::{adain_graph, model_bytes, ALPHA, STYLE_MEAN, STYLE_STD};

pub use config::TensorRtPrecision;
use config::{GraphConfig, Step, Tensor};

use adain::ModelPackage;
use adain::{AdainError, Result};

/// Names of the repository's models.
pub const ENCODER_MODEL: &str = "encoder";
pub const ADAIN_MODEL: &str = "adain";
pub const DECODER_MODEL: &str = "decoder";
pub const ENSEMBLE_MODEL: &str = "adain_ensemble";
/// The ensemble's output (its input is the encoder's `image`).
pub const STYLIZED: &str = "stylized";
/// Each model's one version folder.
pub const VERSION: &str = "1";
pub const MODEL_FILE: &str = "model.onnx";
pub const CONFIG_FILE: &str = "config.pbtxt";

#[derive(Debug, Clone)]
pub struct TritonOptions {
    /// Largest batch Triton forms (dynamic batching); every graph takes a batch dimension.
    pub max_batch_size: u32,
    /// Run the encoder and decoder through TensorRT inside the onnxruntime backend.
    pub tensorrt: Option<TensorRtPrecision>,
    /// Run them through OpenVINO on the CPU instances of the onnxruntime backend.
    pub openvino: bool,
}

impl Default for TritonOptions {
    fn default() -> Self {
        Self {
            max_batch_size: 8,
            tensorrt: None,
            openvino: false,
        }
    }
}

/// Writes the repository of `package` to `out`, which must not exist yet (or be empty). It is
/// built in a sibling folder and renamed into place, so a failure leaves nothing half-written.
pub fn export(
    package: &ModelPackage,
    out: impl AsRef<Path>,
    options: &TritonOptions,
) -> Result<PathBuf> {
    let out = out.as_ref();
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(|e| AdainError::io(out, e))?
            .next()
            .is_some()
    {
        return Err(AdainError::InvalidParameter(format!(
            "{}: the repository folder exists and is not empty; give a new folder",
            out.display()
        )));
    }
    let staging = Staging::new(out)?;
    write_repository(package, staging.path(), options)?;
    if out.exists() {
        std::fs::remove_dir(out).map_err(|e| AdainError::io(out, e))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, out).map_err(|e| AdainError::io(out, e))?;
    Ok(out.to_path_buf())
}

/// The sibling folder the repository is built in; removed again unless kept.
struct Staging(Option<PathBuf>);

impl Staging {
    fn new(out: &Path) -> Result<Self> {
        let name = out
            .file_name()
            .map_or("repository".into(), |n| n.to_string_lossy().into_owned());
        let dir = out.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| AdainError::io(&dir, e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| AdainError::io(&dir, e))?;
        Ok(Self(Some(dir)))
    }

    fn path(&self) -> &Path {
        self.0.as_deref().expect("kept only once")
    }

    fn keep(mut self) -> PathBuf {
        self.0.take().expect("kept only once")
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn write_repository(package: &ModelPackage, root: &Path, options: &TritonOptions) -> Result<()> {
    let batch = options.max_batch_size;
    let c = FEATURE_CHANNELS[3] as i64;
    let image = [Tensor {
        name: ENCODER_INPUT,
        dims: &[3, -1, -1],
    }];
    let relu4_1 = [Tensor {
        name: ADAIN_LAYER,
        dims: &[c, -1, -1],
    }];
    let features = [Tensor {
        name: DECODER_INPUT,
        dims: &[c, -1, -1],
    }];
    let decoded = [Tensor {
        name: DECODER_OUTPUT,
        dims: &[3, -1, -1],
    }];
    let style = [
        Tensor {
            name: STYLE_MEAN,
            dims: &[c],
        },
        Tensor {
            name: STYLE_STD,
            dims: &[c],
        },
        Tensor {
            name: ALPHA,
            dims: &[1],
        },
    ];
    let adain_inputs = [&relu4_1[..], &style[..]].concat();
    let ensemble_inputs = [&image[..], &style[..]].concat();

    // The networks get the accelerators; the AdaIN graph is a handful of reductions.
    let graph = |name, inputs, outputs, network: bool| GraphConfig {
        name,
        max_batch_size: batch,
        inputs,
        outputs,
        tensorrt: options.tensorrt.filter(|_| network),
        openvino: options.openvino && network,
    };
    let graphs = [
        graph(ENCODER_MODEL, &image, &relu4_1, true),
        graph(ADAIN_MODEL, &adain_inputs, &features, false),
        graph(DECODER_MODEL, &features, &decoded, true),
    ];
    for config in &graphs {
        let dir = root.join(config.name);
        let version = dir.join(VERSION);
        std::fs::create_dir_all(&version).map_err(|e| AdainError::io(&version, e))?;
        let model = version.join(MODEL_FILE);
        let written = match config.name {
            ENCODER_MODEL => std::fs::copy(package.encoder_path(), &model).map(drop),
            DECODER_MODEL => std::fs::copy(package.decoder_path(), &model).map(drop),
            _ => std::fs::write(&model, model_bytes(&adain_graph())),
        };
        written.map_err(|e| AdainError::io(&model, e))?;
        write(&dir.join(CONFIG_FILE), &config::graph(config))?;
    }

    let ensemble_dir = root.join(ENSEMBLE_MODEL);
    let version = ensemble_dir.join(VERSION);
    // An ensemble has no model file, but Triton wants its version folder.
    std::fs::create_dir_all(&version).map_err(|e| AdainError::io(&version, e))?;
    let steps = [
        Step {
            model: ENCODER_MODEL,
            inputs: &[(ENCODER_INPUT, ENCODER_INPUT)],
            outputs: &[(ADAIN_LAYER, "content_features")],
        },
        Step {
            model: ADAIN_MODEL,
            inputs: &[
                (ADAIN_LAYER, "content_features"),
                (STYLE_MEAN, STYLE_MEAN),
                (STYLE_STD, STYLE_STD),
                (ALPHA, ALPHA),
            ],
            outputs: &[(DECODER_INPUT, "target_features")],
        },
        Step {
            model: DECODER_MODEL,
            inputs: &[(DECODER_INPUT, "target_features")],
            outputs: &[(DECODER_OUTPUT, STYLIZED)],
        },
    ];
    let stylized = [Tensor {
        name: STYLIZED,
        dims: &[3, -1, -1],
    }];
    let text = config::ensemble(ENSEMBLE_MODEL, batch, &ensemble_inputs, &stylized, &steps);
    write(&ensemble_dir.join(CONFIG_FILE), &text)
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| AdainError::io(path, e))
}
