//! Per-channel statistics under the project's convention (`adain_models::convention`):
//! μ = mean over H×W, σ = sqrt(biased variance over H×W + 1e-5).

use adain_models::convention::STATS_EPS;
use adain_models::stats_file::LayerStats;
use ndarray::{Array1, ArrayView2, ArrayView3, Axis};

/// Mean and std of every channel of one feature map.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelStats {
    pub mean: Array1<f32>,
    pub std: Array1<f32>,
}

impl ChannelStats {
    /// Statistics of a [C, H, W] feature map.
    pub fn of(features: ArrayView3<'_, f32>) -> Self {
        let (c, h, w) = features.dim();
        // A contiguous map reshapes for free; a strided one is copied once.
        match features.to_shape((c, h * w)) {
            Ok(flat) => Self::of_pixels(flat.view()),
            Err(_) => Self::of_pixels(
                features
                    .to_owned()
                    .into_shape_with_order((c, h * w))
                    .expect("owned is contiguous")
                    .view(),
            ),
        }
    }

    /// Statistics of [C, P] values: one row per channel, P pixels (for masked regions).
    pub fn of_pixels(values: ArrayView2<'_, f32>) -> Self {
        let (mean, std) = values
            .axis_iter(Axis(0))
            .map(|row| channel_stats(row.iter().copied(), row.len()))
            .unzip();
        Self {
            mean: Array1::from_vec(mean),
            std: Array1::from_vec(std),
        }
    }

    pub fn channels(&self) -> usize {
        self.mean.len()
    }

    /// From a stats file's layer (exact: both hold f32).
    pub fn from_layer(layer: &LayerStats) -> Self {
        Self {
            mean: Array1::from_vec(layer.mean.clone()),
            std: Array1::from_vec(layer.std.clone()),
        }
    }

    /// For a stats file.
    pub fn to_layer(&self) -> LayerStats {
        LayerStats {
            mean: self.mean.to_vec(),
            std: self.std.to_vec(),
        }
    }
}

/// Two passes in f64: the sums over a 512² map lose digits in f32, and the stats must match the
/// training side's numbers, not just be close to them.
fn channel_stats(values: impl Iterator<Item = f32> + Clone, n: usize) -> (f32, f32) {
    let n = n.max(1) as f64;
    let mean = values.clone().map(f64::from).sum::<f64>() / n;
    let var = values.map(|v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
    (mean as f32, (var + f64::from(STATS_EPS)).sqrt() as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use adain_models::convention::channel_stats_f64;
    use ndarray::Array3;

    #[test]
    fn matches_the_f64_reference_of_the_convention() {
        let x = Array3::from_shape_fn((3, 17, 23), |(c, i, j)| {
            ((c * 31 + i * 7 + j * 13) % 19) as f32 * 0.37 - c as f32
        });
        let s = ChannelStats::of(x.view());
        for c in 0..3 {
            let values: Vec<f32> = x.index_axis(Axis(0), c).iter().copied().collect();
            let (m, d) = channel_stats_f64(&values);
            assert!(
                (f64::from(s.mean[c]) - m).abs() <= 1e-6 * m.abs().max(1.0),
                "mean {c}"
            );
            assert!((f64::from(s.std[c]) - d).abs() <= 1e-6 * d, "std {c}");
        }
    }

    #[test]
    fn strided_views_give_the_same_stats() {
        let x = Array3::from_shape_fn((4, 6, 5), |(c, i, j)| (c + i * j) as f32);
        let transposed = x.view().reversed_axes(); // [5, 6, 4], not contiguous
        let copy = transposed.to_owned();
        assert_eq!(ChannelStats::of(transposed), ChannelStats::of(copy.view()));
    }

    #[test]
    fn a_constant_channel_has_std_sqrt_eps() {
        let s = ChannelStats::of(Array3::from_elem((1, 4, 4), 2.5).view());
        assert_eq!(s.mean[0], 2.5);
        assert_eq!(s.std[0], f64::from(STATS_EPS).sqrt() as f32);
    }
}
