//! Checkpoints: decoder weights, Adam moments, iteration and configuration in ONE safetensors file,
//! written atomically (temporary file, fsync, rename), so a kill at any moment leaves either the old
//! or the new checkpoint, never a broken one.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use adain_models::{Architecture, ConvParams, Network};
use safetensors::{tensor::TensorView, Dtype, SafeTensors};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

pub const CHECKPOINT_FORMAT: &str = "adain-checkpoint/1";
pub const CHECKPOINT_FILE: &str = "checkpoint.safetensors";

/// A test hook: set to an iteration, the checkpoint of that iteration is abandoned half-written: the
/// process exits on the spot with [`ABORT_MID_WRITE_EXIT_CODE`] once half its bytes are in the
/// temporary file and synced, before the rename, running no cleanup, as a kill at that moment would.
/// Lets a test interrupt a write at a known point instead of killing at a random moment (an exit,
/// not an abort: no core dump of a libtorch process). Nothing sets it outside the tests.
pub const ABORT_MID_WRITE_ENV: &str = "ADAIN_TRAIN_TEST_ABORT_MID_CHECKPOINT";
/// How a process stopped by [`ABORT_MID_WRITE_ENV`] exits.
pub const ABORT_MID_WRITE_EXIT_CODE: i32 = 86;

/// Everything that defines a run; stored in the checkpoint and in `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub content_dir: String,
    pub style_dir: String,
    /// Fraction of each folder held out for validation (0 = none).
    pub holdout: f64,
    pub val_content: Option<String>,
    pub val_style: Option<String>,
    pub val_pairs: usize,
    pub val_every: u64,
    pub encoder: String,
    pub encoder_identity: String,
    pub batch: usize,
    pub resize: u32,
    pub crop: u32,
    pub lr: f64,
    pub lr_decay: f64,
    pub style_weight: f64,
    pub content_weight: f64,
    /// Weight of the total-variation penalty on the decoded image (0 = the paper's objective alone).
    /// Absent from checkpoints written before the penalty existed.
    #[serde(default)]
    pub tv_weight: f64,
    /// Weight of the penalty on the decoded image's energy at the upsampling periods (2, 4, 8 px).
    #[serde(default)]
    pub grid_weight: f64,
    /// Weight of the shift-consistency term (decodings of a crop and of it moved by under the
    /// encoder's stride must agree), against flicker in video.
    #[serde(default)]
    pub stability_weight: f64,
    /// Weight of the colour term: the decoded image's per-channel RGB mean and std against the
    /// style image's (the style loss's form, on the pixels), since VGG's features leave colour loose.
    #[serde(default)]
    pub colour_weight: f64,
    /// The decoder graph a new run started from (fine-tuning), if not from seeded weights.
    #[serde(default)]
    pub init_decoder: Option<String>,
    pub seed: u64,
    /// `fp32` or `bf16` (convolutions in bfloat16 against f32 master weights); a new run's `auto`
    /// is recorded as what it chose.
    pub precision: String,
}

/// A resumable training state.
pub struct Checkpoint {
    /// Iterations completed.
    pub iteration: u64,
    pub decoder: Network,
    pub adam_m: Vec<Vec<f32>>,
    pub adam_v: Vec<Vec<f32>>,
    pub adam_steps: u64,
    pub config: TrainConfig,
}

impl Checkpoint {
    pub fn save(&self, path: &Path) -> Result<()> {
        let arch = self.decoder.architecture().clone();
        let names: Vec<(String, Vec<usize>)> = arch
            .convs()
            .flat_map(|c| {
                [
                    (format!("{}.weight", c.name), c.weight_dims().to_vec()),
                    (format!("{}.bias", c.name), vec![c.out_channels]),
                ]
            })
            .collect();
        let values: Vec<&Vec<f32>> = self
            .decoder
            .params()
            .iter()
            .flat_map(|p| [&p.weight, &p.bias])
            .collect();
        let mut blobs: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        for (prefix, list) in [
            ("decoder", &values.to_vec()),
            ("adam_m", &self.adam_m.iter().collect()),
            ("adam_v", &self.adam_v.iter().collect()),
        ] {
            for ((name, dims), data) in names.iter().zip(list.iter()) {
                blobs.push((
                    format!("{prefix}/{name}"),
                    dims.clone(),
                    data.iter().flat_map(|x| x.to_le_bytes()).collect(),
                ));
            }
        }
        let views: Vec<(String, TensorView<'_>)> = blobs
            .iter()
            .map(|(n, d, b)| {
                (
                    n.clone(),
                    TensorView::new(Dtype::F32, d.clone(), b).expect("consistent view"),
                )
            })
            .collect();
        let meta: HashMap<String, String> = [
            ("format".to_string(), CHECKPOINT_FORMAT.to_string()),
            ("architecture".into(), arch.name.into()),
            ("iteration".into(), self.iteration.to_string()),
            ("adam_steps".into(), self.adam_steps.to_string()),
            (
                "config".into(),
                serde_json::to_string(&self.config).expect("config serialises"),
            ),
        ]
        .into();
        let bytes =
            safetensors::serialize(views, Some(meta)).map_err(|e| TrainError::Checkpoint {
                path: path.into(),
                message: e.to_string(),
            })?;
        let abort_mid_write = std::env::var(ABORT_MID_WRITE_ENV)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            == Some(self.iteration);
        adain_models::atomic_file::write_with(path, |file| {
            if abort_mid_write {
                file.write_all(&bytes[..bytes.len() / 2])?;
                file.sync_all()?;
                std::process::exit(ABORT_MID_WRITE_EXIT_CODE);
            }
            file.write_all(&bytes)
        })?;
        Ok(())
    }

    pub fn load(path: &Path) -> Result<Self> {
        let bad = |message: String| TrainError::Checkpoint {
            path: path.into(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
        let (_, header) = SafeTensors::read_metadata(&bytes)
            .map_err(|e| bad(format!("not a safetensors checkpoint: {e}")))?;
        let tensors = SafeTensors::deserialize(&bytes)
            .map_err(|e| bad(format!("not a safetensors checkpoint: {e}")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        let get = |k: &str| {
            meta.get(k)
                .cloned()
                .ok_or_else(|| bad(format!("no `{k}` in the metadata")))
        };
        if get("format")? != CHECKPOINT_FORMAT {
            return Err(bad(format!(
                "format `{}`, expected `{CHECKPOINT_FORMAT}`",
                get("format")?
            )));
        }
        let arch = Architecture::decoder();
        if get("architecture")? != arch.name {
            return Err(bad(format!(
                "a checkpoint of `{}`, expected `{}`",
                get("architecture")?,
                arch.name
            )));
        }
        let iteration = get("iteration")?
            .parse()
            .map_err(|_| bad("iteration is not a number".into()))?;
        let adam_steps = get("adam_steps")?
            .parse()
            .map_err(|_| bad("adam_steps is not a number".into()))?;
        let config: TrainConfig =
            serde_json::from_str(&get("config")?).map_err(|e| bad(format!("config: {e}")))?;

        let read = |name: &str, dims: &[usize]| -> Result<Vec<f32>> {
            let t = tensors.tensor(name).map_err(|_| {
                bad(format!(
                    "missing tensor `{name}` (a checkpoint of another architecture?)"
                ))
            })?;
            if t.dtype() != Dtype::F32 || t.shape() != dims {
                return Err(bad(format!("`{name}` is {:?} {:?}, expected F32 {dims:?} (a checkpoint of another architecture?)", t.dtype(), t.shape())));
            }
            Ok(t.data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect())
        };
        let mut params = Vec::new();
        let (mut adam_m, mut adam_v) = (Vec::new(), Vec::new());
        for c in arch.convs() {
            let wd = c.weight_dims();
            let bd = [c.out_channels];
            params.push(ConvParams {
                weight: read(&format!("decoder/{}.weight", c.name), &wd)?,
                bias: read(&format!("decoder/{}.bias", c.name), &bd)?,
            });
            for (prefix, list) in [("adam_m", &mut adam_m), ("adam_v", &mut adam_v)] {
                list.push(read(&format!("{prefix}/{}.weight", c.name), &wd)?);
                list.push(read(&format!("{prefix}/{}.bias", c.name), &bd)?);
            }
        }
        let expected = 3 * 2 * arch.convs().count();
        if tensors.len() != expected {
            return Err(bad(format!(
                "{} tensors, expected {expected} (a checkpoint of another architecture?)",
                tensors.len()
            )));
        }
        let decoder = Network::new(arch, params).map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            iteration,
            decoder,
            adam_m,
            adam_v,
            adam_steps,
            config,
        })
    }
}
