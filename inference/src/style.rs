//! Style statistics as files hold them ([`StyleStats`]): made from an image's feature statistics,
//! averaged over several images, and checked against the encoder of the model that will use them.

use std::collections::BTreeMap;
use std::path::Path;

use adain_models::convention::FEATURE_LAYERS;
use adain_models::stats_file::{ColorStats, LayerStats, StyleStats};
use adain_models::style_gaussian::StyleGaussian;

use crate::error::{AdainError, Result};
use crate::ops::{ChannelStats, ColorMoments};

/// Metadata keys `adain` writes into stats files (values are strings; lists are JSON arrays).
pub mod info_keys {
    /// JSON array of the source image paths.
    pub const SOURCES: &str = "sources";
    /// JSON array of the sizes the images were encoded at, `WxH`.
    pub const IMAGE_SIZES: &str = "image_sizes";
    /// `--style-size` used (0 = original size).
    pub const STYLE_SIZE: &str = "style_size";
    /// `--crop` used.
    pub const CROP: &str = "crop";
    /// How several images were combined.
    pub const AVERAGING: &str = "averaging";
    /// Name and version of the model package whose encoder computed the features.
    pub const MODEL: &str = "model";
}

/// What `adain stats` does with several images, in words (also written into the file).
pub const AVERAGING: &str =
    "equal-weight arithmetic mean, over the images, of each image's per-channel mean and std";

/// A [`StyleStats`] from the feature statistics of one image and its colours.
pub fn from_features(
    stats: &BTreeMap<String, ChannelStats>,
    color: Option<ColorStats>,
    encoder_identity: &str,
    info: BTreeMap<String, String>,
) -> StyleStats {
    StyleStats {
        layers: stats
            .iter()
            .map(|(layer, s)| (layer.clone(), s.to_layer()))
            .collect(),
        color,
        encoder_identity: encoder_identity.to_string(),
        info,
    }
}

/// Equal-weight mean of each layer's per-channel μ and σ over `all` (see [`AVERAGING`]).
/// Accumulated in f64; the average of a single entry is that entry, bit for bit.
pub fn average(all: &[StyleStats]) -> Result<StyleStats> {
    let first = all
        .first()
        .ok_or_else(|| AdainError::InvalidParameter("no style statistics to average".into()))?;
    if let Some(other) = all
        .iter()
        .find(|s| s.encoder_identity != first.encoder_identity)
    {
        return Err(AdainError::Mismatch(format!(
            "cannot average statistics of different encoders ({} and {})",
            short(&first.encoder_identity),
            short(&other.encoder_identity)
        )));
    }
    let n = all.len() as f64;
    let mut layers = BTreeMap::new();
    for (name, layer) in &first.layers {
        let members: Vec<&LayerStats> = all
            .iter()
            .map(|s| {
                s.layers.get(name).ok_or_else(|| {
                    AdainError::Mismatch(format!("statistics without `{name}` cannot be averaged"))
                })
            })
            .collect::<Result<_>>()?;
        let mean_of = |pick: fn(&LayerStats) -> &Vec<f32>| -> Vec<f32> {
            (0..pick(layer).len())
                .map(|c| (members.iter().map(|m| f64::from(pick(m)[c])).sum::<f64>() / n) as f32)
                .collect()
        };
        layers.insert(
            name.clone(),
            LayerStats {
                mean: mean_of(|l| &l.mean),
                std: mean_of(|l| &l.std),
            },
        );
    }
    // The colours of the images together: the equal mixture of their distributions (the average of
    // one is that one, exactly). Without every image's colours, none.
    let colors: Option<Vec<ColorMoments>> = all
        .iter()
        .map(|s| s.color.map(ColorMoments::from))
        .collect();
    let color = colors.map(|each| ColorMoments::of_styles(&vec![1.0; each.len()], &each).into());
    Ok(StyleStats {
        layers,
        color,
        encoder_identity: first.encoder_identity.clone(),
        info: merged_info(all),
    })
}

/// List-valued keys are concatenated; any other key is kept when all entries agree on it.
fn merged_info(all: &[StyleStats]) -> BTreeMap<String, String> {
    let mut info = BTreeMap::new();
    for key in [info_keys::SOURCES, info_keys::IMAGE_SIZES] {
        let items: Vec<serde_json::Value> = all
            .iter()
            .filter_map(|s| s.info.get(key))
            .flat_map(|v| {
                serde_json::from_str::<Vec<serde_json::Value>>(v)
                    .unwrap_or_else(|_| vec![v.clone().into()])
            })
            .collect();
        if !items.is_empty() {
            info.insert(key.to_string(), serde_json::Value::from(items).to_string());
        }
    }
    for (key, value) in &all[0].info {
        if !info.contains_key(key) && all.iter().all(|s| s.info.get(key) == Some(value)) {
            info.insert(key.clone(), value.clone());
        }
    }
    if all.len() > 1 {
        info.insert(
            info_keys::AVERAGING.into(),
            format!("{AVERAGING} ({} images)", all.len()),
        );
    }
    info
}

/// Loads a stats file and checks it was computed with the encoder `encoder_identity` and holds every
/// layer (shapes, finiteness and the convention are checked by [`StyleStats::load`]).
pub fn load_checked(path: &Path, encoder_identity: &str) -> Result<StyleStats> {
    checked(StyleStats::load(path)?, path, encoder_identity)
}

/// [`load_checked`] of a file already in memory (an upload); `source` names it in errors.
pub fn from_bytes_checked(
    bytes: &[u8],
    source: &Path,
    encoder_identity: &str,
) -> Result<StyleStats> {
    checked(
        StyleStats::from_bytes(bytes, source)?,
        source,
        encoder_identity,
    )
}

/// Loads a style Gaussian (`adain stats --fit-gaussian`) and checks it was fitted to statistics of
/// the encoder `encoder_identity`.
pub fn load_gaussian_checked(path: &Path, encoder_identity: &str) -> Result<StyleGaussian> {
    let gaussian = StyleGaussian::load(path)?;
    if gaussian.encoder_identity != encoder_identity {
        return Err(AdainError::Stats {
            path: path.to_path_buf(),
            message: format!(
                "fitted to statistics of encoder {}, but this model's encoder is {}: fit it again to statistics of this model's encoder",
                short(&gaussian.encoder_identity),
                short(encoder_identity)
            ),
        });
    }
    Ok(gaussian)
}

fn checked(stats: StyleStats, path: &Path, encoder_identity: &str) -> Result<StyleStats> {
    if stats.encoder_identity != encoder_identity {
        return Err(AdainError::Stats {
            path: path.to_path_buf(),
            message: format!(
                "computed with encoder {}, but this model's encoder is {}: recompute them with this model's encoder",
                short(&stats.encoder_identity),
                short(encoder_identity)
            ),
        });
    }
    if let Some(missing) = FEATURE_LAYERS
        .iter()
        .find(|l| !stats.layers.contains_key(**l))
    {
        tracing::debug!(path = %path.display(), "no `{missing}` statistics; AdaIN only needs relu4_1");
    }
    Ok(stats)
}

fn short(identity: &str) -> String {
    format!("{}…", identity.chars().take(12).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(value: f32, source: &str) -> StyleStats {
        let layer = LayerStats {
            mean: vec![value, value * 3.0],
            std: vec![0.1 + value, 1.0],
        };
        StyleStats {
            layers: [("relu4_1".to_string(), layer)].into(),
            color: Some(ColorStats {
                mean: [f64::from(value) / 4.0; 3],
                cov: [[0.01, 0.0, 0.0], [0.0, 0.02, 0.0], [0.0, 0.0, 0.03]],
            }),
            encoder_identity: "e".into(),
            info: [
                (info_keys::SOURCES.to_string(), format!("[\"{source}\"]")),
                ("style_size".into(), "512".into()),
            ]
            .into(),
        }
    }

    #[test]
    fn average_of_one_is_exact_and_of_two_is_the_mean() {
        let one = stats(0.123_456_79, "a.png");
        let avg = average(std::slice::from_ref(&one)).unwrap();
        assert_eq!(avg.layers, one.layers);
        assert_eq!(avg.color, one.color);
        let two = average(&[stats(1.0, "a.png"), stats(2.0, "b.png")]).unwrap();
        assert_eq!(two.layers["relu4_1"].mean, vec![1.5, 4.5]);
        assert_eq!(two.info[info_keys::SOURCES], r#"["a.png","b.png"]"#);
        assert_eq!(two.info["style_size"], "512");
        // The mixture of the two colour distributions: their means' mean, and a covariance that
        // includes the spread between the means (each 0.125 from their mean: + 0.125²).
        let color = two.color.unwrap();
        assert!((color.mean[0] - 0.375).abs() < 1e-12);
        assert!((color.cov[0][0] - (0.01 + 0.125f64.powi(2))).abs() < 1e-12);
        assert!((color.cov[0][1] - 0.125f64.powi(2)).abs() < 1e-12);
        // One file without colours: the average has none.
        let old = StyleStats {
            color: None,
            ..stats(2.0, "old.png")
        };
        assert_eq!(average(&[stats(1.0, "a.png"), old]).unwrap().color, None);
    }

    #[test]
    fn different_encoders_do_not_average() {
        let mut b = stats(1.0, "b");
        b.encoder_identity = "other".into();
        assert!(average(&[stats(1.0, "a"), b]).is_err());
    }
}
