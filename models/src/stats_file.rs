//! Style-statistics files: safetensors with `relu*_1.mean` / `relu*_1.std` (f32 [C]), optionally the
//! style's colours `rgb.mean` (f64 [3]) and `rgb.cov` (f64 [3, 3]), and metadata naming the encoder and
//! the convention. Anyone can write one (e.g. from numpy); we check it hard. Files written before the
//! colours were added (format `adain-style-stats/1`) load with [`StyleStats::color`] `None`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::{tensor::TensorView, Dtype, SafeTensors};

use crate::convention::{channels_of, ADAIN_LAYER, CONVENTION, FEATURE_LAYERS};
use crate::error::{ModelError, Result};

pub const STATS_FORMAT: &str = "adain-style-stats/2";

/// Tensor names of the style's colour moments.
pub const RGB_MEAN: &str = "rgb.mean";
pub const RGB_COV: &str = "rgb.cov";

/// Mean and std of every channel of one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerStats {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

/// The RGB mean and (biased) covariance of a style image's pixels, in the units of the pixel
/// convention (`crate::pixels`, [0, 1]): the colours the style palette takes results to. Kept in f64
/// so a statistics file gives the same result as its image, bit for bit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColorStats {
    pub mean: [f64; 3],
    pub cov: [[f64; 3]; 3],
}

/// Statistics of a style, per layer, with where they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleStats {
    pub layers: BTreeMap<String, LayerStats>,
    /// The style's colours, where known (files of format `adain-style-stats/1` have none).
    pub color: Option<ColorStats>,
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
        let mut bytes: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = self
            .layers
            .iter()
            .flat_map(|(name, s)| {
                [("mean", &s.mean), ("std", &s.std)].map(|(kind, v)| {
                    (
                        format!("{name}.{kind}"),
                        Dtype::F32,
                        vec![v.len()],
                        v.iter().flat_map(|x| x.to_le_bytes()).collect(),
                    )
                })
            })
            .collect();
        if let Some(color) = &self.color {
            let f64_bytes = |v: &[f64]| v.iter().flat_map(|x| x.to_le_bytes()).collect();
            bytes.push((RGB_MEAN.into(), Dtype::F64, vec![3], f64_bytes(&color.mean)));
            bytes.push((
                RGB_COV.into(),
                Dtype::F64,
                vec![3, 3],
                f64_bytes(color.cov.as_flattened()),
            ));
        }
        let views: Vec<(String, TensorView<'_>)> = bytes
            .iter()
            .map(|(n, dtype, shape, b)| {
                (
                    n.clone(),
                    TensorView::new(*dtype, shape.clone(), b).expect("a view of its own bytes"),
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
        let mut rgb_mean = None;
        let mut rgb_cov = None;
        for (name, view) in tensors.tensors() {
            if name == RGB_MEAN || name == RGB_COV {
                let shape: &[usize] = if name == RGB_MEAN { &[3] } else { &[3, 3] };
                if view.dtype() != Dtype::F64 || view.shape() != shape {
                    return Err(bad(format!(
                        "`{name}` is {:?} {:?}, expected F64 {shape:?}",
                        view.dtype(),
                        view.shape()
                    )));
                }
                let values: Vec<f64> = view
                    .data()
                    .chunks_exact(8)
                    .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
                    .collect();
                if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                    return Err(bad(format!("`{name}` contains a non-finite value ({v})")));
                }
                if name == RGB_MEAN {
                    rgb_mean = Some([values[0], values[1], values[2]]);
                } else {
                    rgb_cov = Some(std::array::from_fn(|r| {
                        std::array::from_fn(|c| values[3 * r + c])
                    }));
                }
                continue;
            }
            let (layer, kind) = name
                .rsplit_once('.')
                .filter(|(l, k)| FEATURE_LAYERS.contains(l) && (*k == "mean" || *k == "std"))
                .ok_or_else(|| {
                    bad(format!(
                        "unexpected tensor `{name}` (expected relu{{1,2,3,4}}_1.mean/.std, {RGB_MEAN}, {RGB_COV})"
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
        let color = match (rgb_mean, rgb_cov) {
            (Some(mean), Some(cov)) => Some(checked_color(ColorStats { mean, cov }).map_err(bad)?),
            (None, None) => None,
            _ => {
                return Err(bad(format!(
                    "`{RGB_MEAN}` and `{RGB_COV}` come together: the file has one of them"
                )))
            }
        };
        Ok(Self {
            layers,
            color,
            encoder_identity,
            info,
        })
    }
}

/// A covariance must be symmetric with non-negative variances to be one.
fn checked_color(color: ColorStats) -> std::result::Result<ColorStats, String> {
    let cov = &color.cov;
    for r in 0..3 {
        if cov[r][r] < 0.0 {
            return Err(format!(
                "`{RGB_COV}` has a negative variance ({})",
                cov[r][r]
            ));
        }
        for c in 0..r {
            let scale = cov[r][c].abs().max(cov[c][r].abs()).max(1e-12);
            if (cov[r][c] - cov[c][r]).abs() > 1e-9 * scale {
                return Err(format!("`{RGB_COV}` is not symmetric"));
            }
        }
    }
    Ok(color)
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
            color: Some(ColorStats {
                mean: [0.1, 0.2, 1.0 / 3.0],
                cov: [[0.04, 0.01, -0.002], [0.01, 0.03, 0.0], [-0.002, 0.0, 0.05]],
            }),
            encoder_identity: "abc".into(),
            info: [("sources".into(), "x.jpg".into())].into(),
        }
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.safetensors");
        sample().save(&p).unwrap();
        // Exactly, colours included (f64 on disk).
        assert_eq!(StyleStats::load(&p).unwrap(), sample());
        let without = StyleStats {
            color: None,
            ..sample()
        };
        without.save(&p).unwrap();
        assert_eq!(StyleStats::load(&p).unwrap(), without);
    }

    /// A file of format 1, as adain wrote them before colours: relu layers only.
    #[test]
    fn files_without_colours_load() {
        let s = sample();
        let data: Vec<(String, Vec<u8>)> = s
            .layers
            .iter()
            .flat_map(|(name, l)| {
                [("mean", &l.mean), ("std", &l.std)].map(|(kind, v)| {
                    (
                        format!("{name}.{kind}"),
                        v.iter().flat_map(|x| x.to_le_bytes()).collect(),
                    )
                })
            })
            .collect();
        let views: Vec<(String, TensorView<'_>)> = data
            .iter()
            .map(|(n, b)| {
                (
                    n.clone(),
                    TensorView::new(Dtype::F32, vec![b.len() / 4], b).unwrap(),
                )
            })
            .collect();
        let meta: HashMap<String, String> = [
            ("format", "adain-style-stats/1"),
            ("convention", CONVENTION),
            ("encoder_identity", "abc"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
        let bytes = safetensors::serialize(views, Some(meta)).unwrap();
        let loaded = StyleStats::from_bytes(&bytes, Path::new("old.safetensors")).unwrap();
        assert_eq!(loaded.color, None);
        assert_eq!(loaded.layers, s.layers);
    }

    #[test]
    fn refuses_bad_colours() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("colours.safetensors");
        let mut s = sample();
        s.color.as_mut().unwrap().cov[1][1] = -0.1;
        s.save(&p).unwrap();
        let e = StyleStats::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("colours.safetensors") && e.contains("negative variance"),
            "{e}"
        );
        let mut s = sample();
        s.color.as_mut().unwrap().cov[0][2] = 0.3;
        s.save(&p).unwrap();
        let e = StyleStats::load(&p).unwrap_err().to_string();
        assert!(e.contains("not symmetric"), "{e}");
        let mut s = sample();
        s.color.as_mut().unwrap().mean[0] = f64::INFINITY;
        s.save(&p).unwrap();
        let e = StyleStats::load(&p).unwrap_err().to_string();
        assert!(e.contains("non-finite"), "{e}");
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
