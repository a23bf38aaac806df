//! Style Gaussians: a normal distribution fitted to the AdaIN-layer statistics of many styles, in
//! (μ, log σ) coordinates, to draw endless new styles from (style augmentation). Log σ keeps every
//! drawn σ positive.
//!
//! The full covariance of 2C = 1024 coordinates is never formed: with n styles, the fit keeps the
//! centred rows D (n × 2C, scaled by 1/√(n−1)), and a draw is mean + Dᵀz with z ~ N(0, Iₙ), whose
//! covariance DᵀD is exactly the sample covariance. The file is safetensors: `mean` [2C] and
//! `deviations` [n, 2C], with the encoder identity in the metadata.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::{tensor::TensorView, Dtype, SafeTensors};

use crate::convention::{channels_of, ADAIN_LAYER, CONVENTION};
use crate::error::{ModelError, Result};
use crate::stats_file::{LayerStats, StyleStats};

pub const GAUSSIAN_FORMAT: &str = "adain-style-gaussian/1";

#[derive(Debug, Clone, PartialEq)]
pub struct StyleGaussian {
    /// Channels C of the layer ([`ADAIN_LAYER`]).
    pub channels: usize,
    /// [μ₁ … μ_C, log σ₁ … log σ_C]
    pub mean: Vec<f32>,
    /// n rows of 2C: each style's coordinates minus `mean`, divided by √(n−1).
    pub deviations: Vec<f32>,
    pub encoder_identity: String,
    pub info: BTreeMap<String, String>,
}

impl StyleGaussian {
    /// Fits the Gaussian to the AdaIN-layer statistics of `styles` (at least 2, of one encoder).
    pub fn fit(styles: &[StyleStats]) -> Result<Self> {
        let first = styles.first().ok_or_else(|| {
            ModelError::Invalid("fitting a style Gaussian needs at least 2 styles, got none".into())
        })?;
        if styles.len() < 2 {
            return Err(ModelError::Invalid(
                "fitting a style Gaussian needs at least 2 styles, got 1".into(),
            ));
        }
        let channels = channels_of(ADAIN_LAYER).expect("the AdaIN layer is a feature layer");
        let mut rows = Vec::with_capacity(styles.len());
        for (i, style) in styles.iter().enumerate() {
            if style.encoder_identity != first.encoder_identity {
                return Err(ModelError::Invalid(format!(
                    "style {} was computed with another encoder than style 1",
                    i + 1
                )));
            }
            let layer = style
                .layers
                .get(ADAIN_LAYER)
                .ok_or_else(|| ModelError::Missing {
                    layer: ADAIN_LAYER.into(),
                    hint: Some(format!("style {} has no {ADAIN_LAYER} statistics", i + 1)),
                })?;
            rows.push(coordinates(layer));
        }
        let n = rows.len();
        let width = 2 * channels;
        let mean: Vec<f64> = (0..width)
            .map(|k| rows.iter().map(|r| r[k]).sum::<f64>() / n as f64)
            .collect();
        let scale = 1.0 / ((n - 1) as f64).sqrt();
        let deviations = rows
            .iter()
            .flat_map(|r| {
                r.iter()
                    .zip(&mean)
                    .map(move |(x, m)| ((x - m) * scale) as f32)
            })
            .collect();
        Ok(Self {
            channels,
            mean: mean.iter().map(|&m| m as f32).collect(),
            deviations,
            encoder_identity: first.encoder_identity.clone(),
            info: BTreeMap::from([("styles".to_string(), n.to_string())]),
        })
    }

    /// Styles the Gaussian was fitted to (the rows of `deviations`).
    pub fn count(&self) -> usize {
        self.deviations.len() / (2 * self.channels)
    }

    /// The style for standard-normal numbers `z` (one per fitted style: [`Self::count`]).
    pub fn sample(&self, z: &[f32]) -> Result<StyleStats> {
        let width = 2 * self.channels;
        if z.len() != self.count() {
            return Err(ModelError::Invalid(format!(
                "a draw needs {} standard-normal numbers (one per fitted style), got {}",
                self.count(),
                z.len()
            )));
        }
        let mut point: Vec<f64> = self.mean.iter().map(|&m| f64::from(m)).collect();
        for (row, &w) in self.deviations.chunks_exact(width).zip(z) {
            for (p, &d) in point.iter_mut().zip(row) {
                *p += f64::from(w) * f64::from(d);
            }
        }
        let (mean, log_std) = point.split_at(self.channels);
        let layer = LayerStats {
            mean: mean.iter().map(|&m| m as f32).collect(),
            std: log_std.iter().map(|&l| l.exp() as f32).collect(),
        };
        Ok(StyleStats {
            // A draw is a point in feature space with no image behind it: no colours of its own.
            color: None,
            layers: BTreeMap::from([(ADAIN_LAYER.to_string(), layer)]),
            encoder_identity: self.encoder_identity.clone(),
            info: BTreeMap::from([(
                "sampled_from".to_string(),
                format!("a style Gaussian of {} styles", self.count()),
            )]),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut meta: HashMap<String, String> = self.info.clone().into_iter().collect();
        meta.insert("format".into(), GAUSSIAN_FORMAT.into());
        meta.insert("convention".into(), CONVENTION.into());
        meta.insert("layer".into(), ADAIN_LAYER.into());
        meta.insert("encoder_identity".into(), self.encoder_identity.clone());
        let bytes = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
        let (mean, deviations) = (bytes(&self.mean), bytes(&self.deviations));
        let views = vec![
            (
                "mean",
                TensorView::new(Dtype::F32, vec![self.mean.len()], &mean).expect("view"),
            ),
            (
                "deviations",
                TensorView::new(
                    Dtype::F32,
                    vec![self.count(), 2 * self.channels],
                    &deviations,
                )
                .expect("view"),
            ),
        ];
        safetensors::serialize(views, Some(meta))
            .expect("serialising in-memory tensors cannot fail")
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        crate::atomic_file::write(path, &self.to_bytes())
    }

    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| ModelError::io(path, e))?;
        Self::from_bytes(&bytes, path)
    }

    /// Reads and checks a Gaussian file: its format, the layer and shapes, finite values.
    pub fn from_bytes(bytes: &[u8], source: &Path) -> Result<Self> {
        let bad = |m: String| ModelError::format(source, m);
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| bad(format!("not a safetensors style-Gaussian file: {e}")))?;
        let tensors = SafeTensors::deserialize(bytes)
            .map_err(|e| bad(format!("not a safetensors file: {e}")))?;
        let mut info: BTreeMap<String, String> = header
            .metadata()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        match info.remove("format").as_deref() {
            Some(GAUSSIAN_FORMAT) => {}
            Some(other) => {
                return Err(bad(format!(
                    "format `{other}`, expected `{GAUSSIAN_FORMAT}` (made by `adain stats --fit-gaussian`)"
                )))
            }
            None => {
                return Err(bad(format!(
                    "no `format` in the metadata: not a style Gaussian (expected `{GAUSSIAN_FORMAT}`)"
                )))
            }
        }
        if info.remove("convention").as_deref() != Some(CONVENTION) {
            return Err(bad(format!(
                "not of the statistics convention `{CONVENTION}`"
            )));
        }
        if info.remove("layer").as_deref() != Some(ADAIN_LAYER) {
            return Err(bad(format!("not a Gaussian over {ADAIN_LAYER} statistics")));
        }
        let encoder_identity = info
            .remove("encoder_identity")
            .ok_or_else(|| bad("no `encoder_identity` in the metadata".into()))?;
        let channels = channels_of(ADAIN_LAYER).expect("the AdaIN layer is a feature layer");
        let read = |name: &str, shape_ok: &dyn Fn(&[usize]) -> bool| -> Result<Vec<f32>> {
            let view = tensors
                .tensor(name)
                .map_err(|_| bad(format!("no `{name}` tensor")))?;
            if view.dtype() != Dtype::F32 || !shape_ok(view.shape()) {
                return Err(bad(format!(
                    "`{name}` is {:?} {:?}, not f32 of the expected shape (2C = {})",
                    view.dtype(),
                    view.shape(),
                    2 * channels
                )));
            }
            let values: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            if values.iter().any(|v| !v.is_finite()) {
                return Err(bad(format!("`{name}` holds non-finite values")));
            }
            Ok(values)
        };
        let mean = read("mean", &|s| s == [2 * channels])?;
        let deviations = read("deviations", &|s| {
            s.len() == 2 && s[0] >= 2 && s[1] == 2 * channels
        })?;
        Ok(Self {
            channels,
            mean,
            deviations,
            encoder_identity,
            info,
        })
    }
}

/// [μ, log σ] of one style, in f64.
fn coordinates(layer: &LayerStats) -> Vec<f64> {
    layer
        .mean
        .iter()
        .map(|&m| f64::from(m))
        .chain(layer.std.iter().map(|&s| f64::from(s).ln()))
        .collect()
}

/// `n` standard-normal numbers from `seed` (SplitMix64 and Box–Muller): the same seed gives the
/// same numbers on every platform, so a seeded draw is reproducible.
pub fn standard_normals(seed: u64, n: usize) -> Vec<f32> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        // 53 random bits in (0, 1]: never 0, so the logarithm is finite.
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 + f64::EPSILON / 2.0
    };
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        let (u, v) = (next(), next());
        let radius = (-2.0 * u.ln()).sqrt();
        let angle = std::f64::consts::TAU * v;
        out.push((radius * angle.cos()) as f32);
        out.push((radius * angle.sin()) as f32);
    }
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Styles whose (μ, log σ) follow a known correlated Gaussian in every channel pair.
    fn styles(n: usize, seed: u64) -> Vec<StyleStats> {
        let c = channels_of(ADAIN_LAYER).unwrap();
        let z = standard_normals(seed, n * 2);
        (0..n)
            .map(|i| {
                let (a, b) = (f64::from(z[2 * i]), f64::from(z[2 * i + 1]));
                // μ = 1 + 0.5a, log σ = −0.3 + 0.2a + 0.1b: correlated, known moments.
                let layer = LayerStats {
                    mean: (0..c)
                        .map(|k| (1.0 + 0.5 * a + 0.001 * k as f64) as f32)
                        .collect(),
                    std: (0..c)
                        .map(|_| (-0.3 + 0.2 * a + 0.1 * b).exp() as f32)
                        .collect(),
                };
                StyleStats {
                    color: None,
                    layers: BTreeMap::from([(ADAIN_LAYER.to_string(), layer)]),
                    encoder_identity: "enc".into(),
                    info: BTreeMap::new(),
                }
            })
            .collect()
    }

    #[test]
    fn draws_have_the_fitted_moments() {
        let gaussian = StyleGaussian::fit(&styles(400, 1)).unwrap();
        let c = gaussian.channels;
        // The fit: the data's mean and covariance, which the generator says are near these.
        assert!(
            (gaussian.mean[0] - 1.0).abs() < 0.08,
            "{}",
            gaussian.mean[0]
        );
        assert!(
            (gaussian.mean[c] + 0.3).abs() < 0.04,
            "{}",
            gaussian.mean[c]
        );
        // Draws: their moments match the fitted ones (var μ = 0.25, var log σ = 0.05, cov = 0.1).
        let draws = 4000;
        let mut points = Vec::with_capacity(draws);
        for d in 0..draws {
            let stats = gaussian
                .sample(&standard_normals(1000 + d as u64, gaussian.count()))
                .unwrap();
            let layer = stats.adain_layer();
            assert!(layer.std.iter().all(|&s| s > 0.0 && s.is_finite()));
            points.push((f64::from(layer.mean[0]), f64::from(layer.std[0]).ln()));
        }
        let n = draws as f64;
        let (mx, my) = (
            points.iter().map(|p| p.0).sum::<f64>() / n,
            points.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let cov = |f: &dyn Fn(&(f64, f64)) -> f64| points.iter().map(f).sum::<f64>() / (n - 1.0);
        let (vx, vy, cxy) = (
            cov(&|p| (p.0 - mx).powi(2)),
            cov(&|p| (p.1 - my).powi(2)),
            cov(&|p| (p.0 - mx) * (p.1 - my)),
        );
        // The fitted moments, from the deviations.
        let rows: Vec<&[f32]> = gaussian.deviations.chunks_exact(2 * c).collect();
        let fitted = |i: usize, j: usize| {
            rows.iter()
                .map(|r| f64::from(r[i]) * f64::from(r[j]))
                .sum::<f64>()
        };
        let (fx, fy, fxy) = (fitted(0, 0), fitted(c, c), fitted(0, c));
        assert!(
            (mx - f64::from(gaussian.mean[0])).abs() < 0.03,
            "mean μ {mx}"
        );
        assert!(
            (my - f64::from(gaussian.mean[c])).abs() < 0.015,
            "mean log σ {my}"
        );
        assert!((vx / fx - 1.0).abs() < 0.1, "var μ {vx} vs {fx}");
        assert!((vy / fy - 1.0).abs() < 0.1, "var log σ {vy} vs {fy}");
        assert!((cxy / fxy - 1.0).abs() < 0.1, "cov {cxy} vs {fxy}");
        assert!((fx - 0.25).abs() < 0.05 && (fy - 0.05).abs() < 0.01 && (fxy - 0.1).abs() < 0.02);
    }

    #[test]
    fn file_round_trip_and_refusals() {
        let gaussian = StyleGaussian::fit(&styles(5, 2)).unwrap();
        let bytes = gaussian.to_bytes();
        assert_eq!(
            StyleGaussian::from_bytes(&bytes, Path::new("g")).unwrap(),
            gaussian
        );
        let stats = styles(1, 3).remove(0).to_bytes();
        let error = StyleGaussian::from_bytes(&stats, Path::new("s.safetensors")).unwrap_err();
        assert!(
            error.to_string().contains("s.safetensors") && error.to_string().contains("format"),
            "{error}"
        );
        assert!(StyleGaussian::fit(&styles(1, 4)).is_err());
        assert!(gaussian.sample(&[0.0; 3]).is_err());
        // z = 0 draws the mean.
        let centre = gaussian.sample(&[0.0; 5]).unwrap();
        assert_eq!(centre.adain_layer().mean[0], gaussian.mean[0]);
    }

    #[test]
    fn seeded_normals_are_reproducible_and_standard() {
        assert_eq!(standard_normals(7, 9), standard_normals(7, 9));
        assert_ne!(standard_normals(7, 9), standard_normals(8, 9));
        let z = standard_normals(11, 100_000);
        let mean = z.iter().map(|&x| f64::from(x)).sum::<f64>() / 1e5;
        let var = z
            .iter()
            .map(|&x| (f64::from(x) - mean).powi(2))
            .sum::<f64>()
            / 1e5;
        assert!(
            mean.abs() < 0.01 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
    }
}
