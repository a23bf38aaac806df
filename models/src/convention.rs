//! The statistics convention and the graph interface names: the numerics contract of DESIGN.md.
//!
//! Training (tch) and inference (ndarray) each implement the statistics for their own tensor type;
//! both use the constants here, and an end-to-end test runs the two side by side.

/// Added to the biased variance inside the square root (the instance-norm definition).
pub const STATS_EPS: f32 = 1e-5;

/// Recorded in every model's metadata and every statistics file; a mismatch is refused.
pub const CONVENTION: &str = "mean over HxW; std = sqrt(biased variance over HxW + 1e-5)";

/// Encoder outputs, shallow to deep. AdaIN uses the last; style losses use all four.
pub const FEATURE_LAYERS: [&str; 4] = ["relu1_1", "relu2_1", "relu3_1", "relu4_1"];
/// The layer AdaIN operates on.
pub const ADAIN_LAYER: &str = "relu4_1";
/// Channels of each feature layer of the VGG encoders.
pub const FEATURE_CHANNELS: [usize; 4] = [64, 128, 256, 512];

pub const ENCODER_INPUT: &str = "image";
pub const DECODER_INPUT: &str = "features";
pub const DECODER_OUTPUT: &str = "image";
/// The decoder upsamples relu4_1 by this factor (three ×2 steps).
pub const DECODER_SCALE: usize = 8;

/// Channels at `layer`, if it is one of [`FEATURE_LAYERS`].
pub fn channels_of(layer: &str) -> Option<usize> {
    FEATURE_LAYERS
        .iter()
        .position(|l| *l == layer)
        .map(|i| FEATURE_CHANNELS[i])
}

/// Feature-grid size of relu4_1 for an image side: three ceil-mode 2×2 poolings.
pub fn feature_side(image_side: usize) -> usize {
    let mut s = image_side;
    for _ in 0..3 {
        s = s.div_ceil(2);
    }
    s
}

/// Reference statistics of one channel in f64, the convention written out once.
pub fn channel_stats_f64(values: &[f32]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = values
        .iter()
        .map(|&v| (v as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, (var + STATS_EPS as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_side_is_three_ceil_halvings() {
        assert_eq!(feature_side(512), 64);
        assert_eq!(feature_side(333), 42); // 167 → 84 → 42
        assert_eq!(feature_side(257), 33); // 129 → 65 → 33
        assert_eq!(feature_side(1), 1);
    }

    #[test]
    fn stats_use_biased_variance_plus_eps() {
        let (m, s) = channel_stats_f64(&[1.0, 3.0]);
        assert_eq!(m, 2.0);
        assert!((s - (1.0f64 + 1e-5).sqrt()).abs() < 1e-12);
    }
}
