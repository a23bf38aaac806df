//! Style-statistics files: safetensors with `relu*_1.mean` / `relu*_1.std` (f32 [C]) and metadata
//! naming the encoder and the convention. Anyone can write one (e.g. from numpy); we check it hard.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::{tensor::TensorView, Dtype, SafeTensors};

use crate::convention::{channels_of, ADAIN_LAYER, CONVENTION, FEATURE_LAYERS};
use crate::error::{ModelError, Result};

pub const STATS_FORMAT: &str = "adain-style-stats/1";

/// Mean and std of every channel of one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerStats {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

/// Statistics of a style, per layer, with where they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleStats {
    pub layers: BTreeMap<String, LayerStats>,
    /// Identity of the encoder that produced the features.
    pub encoder_identity: String,
    /// Free-form record: source images, sizes, averaging.
    pub info: BTreeMap<String, String>,
}

impl StyleStats {
    /// The statistics AdaIN uses.
    pub fn adain_layer(&self) -> &LayerStats {
        &self.layers[ADAIN_LAYER]
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut meta: HashMap<String, String> = self.info.clone().into_iter().collect();
        meta.insert("format".into(), STATS_FORMAT.into());
        meta.insert("convention".into(), CONVENTION.into());
        meta.insert("encoder_identity".into(), self.encoder_identity.clone());
        let bytes: Vec<(String, Vec<u8>, usize)> = self
            .layers
            .iter()
            .flat_map(|(name, s)| {
                [("mean", &s.mean), ("std", &s.std)].map(|(kind, v)| {
                    (
                        format!("{name}.{kind}"),
                        v.iter().flat_map(|x| x.to_le_bytes()).collect(),
                        v.len(),
                    )
                })
            })
            .collect();
        let views: Vec<(String, TensorView<'_>)> = bytes
            .iter()
            .map(|(n, b, len)| {
                (
                    n.clone(),
                    TensorView::new(Dtype::F32, vec![*len], b).expect("f32 vector view"),
                )
            })
            .collect();
        safetensors::serialize(views, Some(meta))
            .expect("serialising in-memory tensors cannot fail")
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        crate::atomic_file::write(path, &self.to_bytes())
    }

    /// Reads and validates: the convention, layer names, shapes [C] with C matching the layer, finite
    /// values, positive stds, and relu4_1 present.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| ModelError::io(path, e))?;
        Self::from_bytes(&bytes, path)
    }

    /// [`Self::load`] of bytes already in memory (an upload, a fuzz input); `source` names them in errors.
    pub fn from_bytes(bytes: &[u8], source: &Path) -> Result<Self> {
        let path = source;
        let bad = |m: String| ModelError::format(path, m);
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| bad(format!("not a safetensors style-statistics file: {e}")))?;
        let tensors = SafeTensors::deserialize(bytes)
            .map_err(|e| bad(format!("not a safetensors file: {e}")))?;
        let mut info: BTreeMap<String, String> = header
            .metadata()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        match info.remove("convention") {
            Some(c) if c == CONVENTION => {}
            Some(c) => {
                return Err(bad(format!(
                    "statistics convention `{c}`, expected `{CONVENTION}`"
                )))
            }
            None => {
                return Err(bad(format!(
                    "no `convention` in the metadata (expected `{CONVENTION}`)"
                )))
            }
        }
        let encoder_identity = info.remove("encoder_identity").ok_or_else(|| {
            bad("no `encoder_identity` in the metadata: which encoder made these?".into())
        })?;
        info.remove("format");

        let mut layers = BTreeMap::new();
        for (name, view) in tensors.tensors() {
            let (layer, kind) = name
                .rsplit_once('.')
                .filter(|(l, k)| FEATURE_LAYERS.contains(l) && (*k == "mean" || *k == "std"))
                .ok_or_else(|| {
                    bad(format!(
                        "unexpected tensor `{name}` (expected relu{{1,2,3,4}}_1.mean/.std)"
                    ))
                })?;
            let channels = channels_of(layer).expect("checked above");
            if view.dtype() != Dtype::F32 || view.shape() != [channels] {
                return Err(bad(format!(
                    "`{name}` is {:?} {:?}, expected F32 [{channels}]",
                    view.dtype(),
                    view.shape()
                )));
            }
            let values: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                return Err(bad(format!("`{name}` contains a non-finite value ({v})")));
            }
            if kind == "std" {
                if let Some(v) = values.iter().find(|v| **v <= 0.0) {
                    return Err(bad(format!("`{name}` contains a non-positive std ({v})")));
                }
            }
            let entry = layers.entry(layer.to_string()).or_insert(LayerStats {
                mean: vec![],
                std: vec![],
            });
            if kind == "mean" {
                entry.mean = values
            } else {
                entry.std = values
            }
        }
        for (layer, s) in &layers {
            if s.mean.is_empty() || s.std.is_empty() {
                return Err(bad(format!("`{layer}` has a mean or a std but not both")));
            }
        }
        if !layers.contains_key(ADAIN_LAYER) {
            return Err(bad(format!(
                "no `{ADAIN_LAYER}.mean`/`.std`: AdaIN needs them"
            )));
        }
        Ok(Self {
            layers,
            encoder_identity,
            info,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StyleStats {
        let layers = FEATURE_LAYERS
            .iter()
            .map(|l| {
                let c = channels_of(l).unwrap();
                (
                    l.to_string(),
                    LayerStats {
                        mean: (0..c).map(|i| i as f32).collect(),
                        std: vec![0.5; c],
                    },
                )
            })
            .collect();
        StyleStats {
            layers,
            encoder_identity: "abc".into(),
            info: [("sources".into(), "x.jpg".into())].into(),
        }
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.safetensors");
        sample().save(&p).unwrap();
        assert_eq!(StyleStats::load(&p).unwrap(), sample());
    }

    #[test]
    fn refuses_bad_files_naming_them() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.safetensors");
        let mut s = sample();
        s.layers.get_mut("relu4_1").unwrap().std[3] = f32::NAN;
        s.save(&p).unwrap();
        let e = StyleStats::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("bad.safetensors") && e.contains("non-finite"),
            "{e}"
        );

        let mut s = sample();
        s.layers.get_mut("relu4_1").unwrap().mean.pop();
        s.layers.get_mut("relu4_1").unwrap().std.pop();
        s.save(&p).unwrap();
        let e = StyleStats::load(&p).unwrap_err().to_string();
        assert!(e.contains("expected F32 [512]"), "{e}");

        std::fs::write(&p, b"hello").unwrap();
        assert!(StyleStats::load(&p)
            .unwrap_err()
            .to_string()
            .contains("not a safetensors"));
    }
}
