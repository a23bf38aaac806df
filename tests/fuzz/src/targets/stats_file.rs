//! Style-statistics files (safetensors): `StyleStats::from_bytes`, what `--style-stats` reads.

use std::path::Path;

use adain_models::convention::{channels_of, FEATURE_LAYERS};
use adain_models::stats_file::{ColorStats, LayerStats, StyleStats};
use rand::Rng as _;

use super::json::mutate_value;
use crate::target::{refusal_names_input, Rng, Target};

const NAME: &str = "fuzz-style.safetensors";

pub struct StatsFile;

fn sample(layers: &[&str], rng_seed: u32) -> StyleStats {
    let layers = layers
        .iter()
        .map(|l| {
            let c = channels_of(l).expect("a feature layer");
            let value = |i: usize, k: u32| ((i as u32 * 31 + k + rng_seed) % 97) as f32 / 10.0;
            let stats = LayerStats {
                mean: (0..c).map(|i| value(i, 1) - 3.0).collect(),
                std: (0..c).map(|i| value(i, 2) + 0.01).collect(),
            };
            (l.to_string(), stats)
        })
        .collect();
    // Some seeds keep colours (f64 tensors), some do not, as files of both formats do.
    let color = (rng_seed % 2 == 0).then(|| ColorStats {
        mean: [0.4, 0.5, 0.6],
        cov: [[0.02, 0.005, 0.0], [0.005, 0.03, 0.001], [0.0, 0.001, 0.04]],
    });
    StyleStats {
        layers,
        color,
        encoder_identity: "0".repeat(64),
        info: [("source".to_string(), "fuzz seed".to_string())].into(),
    }
}

impl Target for StatsFile {
    fn name(&self) -> &'static str {
        "stats-file"
    }

    fn seeds(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        Ok(vec![
            sample(&FEATURE_LAYERS, 0).to_bytes(),
            sample(&["relu4_1"], 1).to_bytes(),
            sample(&["relu1_1", "relu4_1"], 2).to_bytes(),
        ])
    }

    /// Changes the JSON header (dtype, shape, offsets, metadata) and writes a correct length prefix
    /// (or, sometimes, a wrong one), or pokes a special float into the data.
    fn mutate(&self, rng: &mut Rng, data: &[u8]) -> Option<Vec<u8>> {
        let header_len =
            usize::try_from(u64::from_le_bytes(data.get(..8)?.try_into().ok()?)).ok()?;
        let header = data.get(8..8usize.checked_add(header_len)?)?;
        let body = &data[8 + header_len..];
        if rng.random_bool(0.2) && body.len() >= 4 {
            let mut out = data.to_vec();
            let at = 8 + header_len + rng.random_range(0..body.len() / 4) * 4;
            let special = [
                f32::NAN,
                f32::INFINITY,
                -1.0,
                0.0,
                f32::MIN_POSITIVE,
                f32::MAX,
            ][rng.random_range(0..6)];
            out[at..at + 4].copy_from_slice(&special.to_le_bytes());
            return Some(out);
        }
        let mut value: serde_json::Value = serde_json::from_slice(header).ok()?;
        mutate_value(rng, &mut value);
        let header = serde_json::to_vec(&value).ok()?;
        let mut len = header.len() as u64;
        if rng.random_bool(0.1) {
            len = len.wrapping_add(rng.random_range(0..16)).wrapping_sub(8);
        }
        let mut out = len.to_le_bytes().to_vec();
        out.extend_from_slice(&header);
        out.extend_from_slice(body);
        Some(out)
    }

    fn run(&self, data: &[u8]) {
        match StyleStats::from_bytes(data, Path::new(NAME)) {
            Err(e) => refusal_names_input(&e, NAME),
            Ok(stats) => {
                // What load promises: AdaIN's layer, shapes that match the layer, finite values, stds > 0.
                let adain = stats.adain_layer();
                assert_eq!(adain.mean.len(), adain.std.len());
                for (layer, s) in &stats.layers {
                    assert_eq!(
                        Some(s.mean.len()),
                        channels_of(layer),
                        "{layer} has the wrong width"
                    );
                    assert!(
                        s.mean.iter().all(|v| v.is_finite()),
                        "{layer}: non-finite mean accepted"
                    );
                    assert!(
                        s.std.iter().all(|v| v.is_finite() && *v > 0.0),
                        "{layer}: bad std accepted"
                    );
                }
                // And writing it back reads back the same.
                let again = StyleStats::from_bytes(&stats.to_bytes(), Path::new(NAME))
                    .expect("a file we wrote reads back");
                assert_eq!(again, stats, "a round trip changed the statistics");
            }
        }
    }
}
