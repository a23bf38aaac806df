//! Temporal stability. Per-frame AdaIN normalises each frame by its own content statistics, which
//! move a little with every frame (more so as the encoder's stride-8 grid slides over a pan); the
//! decoder turns that into flicker. [`ContentStatsSmoother`] averages the statistics over time, and
//! [`SceneCuts`] restarts the average where the picture changes.

use image::RgbImage;

use crate::ops::ChannelStats;

/// Default `--temporal-smoothing`: the weight of the past in the running statistics (measured with
/// `cargo xtask bench-video`, see docs/video.md).
pub const DEFAULT_SMOOTHING: f32 = 0.9;

/// Default `--scene-cut`: the colour-histogram distance (0 to 2) above which two frames belong to
/// different shots.
pub const DEFAULT_SCENE_CUT: f32 = 0.5;

/// An exponential moving average of a content's per-channel μ and σ:
/// s̄ₜ = k·s̄ₜ₋₁ + (1 − k)·sₜ, started afresh at the first frame and after [`Self::reset`].
#[derive(Debug, Clone)]
pub struct ContentStatsSmoother {
    keep: f32,
    state: Option<ChannelStats>,
}

impl ContentStatsSmoother {
    /// `keep` in [0, 1): 0 is per-frame AdaIN.
    pub fn new(keep: f32) -> Self {
        Self {
            keep: keep.clamp(0.0, 0.999),
            state: None,
        }
    }

    /// Forgets the past (at a scene cut).
    pub fn reset(&mut self) {
        self.state = None;
    }

    /// Takes this frame's statistics in and returns the ones to normalise it with.
    pub fn update(&mut self, frame: &ChannelStats) -> &ChannelStats {
        let k = self.keep;
        match &mut self.state {
            Some(state) if k > 0.0 && state.channels() == frame.channels() => {
                state
                    .mean
                    .zip_mut_with(&frame.mean, |s, &f| *s = k * *s + (1.0 - k) * f);
                state
                    .std
                    .zip_mut_with(&frame.std, |s, &f| *s = k * *s + (1.0 - k) * f);
            }
            _ => self.state = Some(frame.clone()),
        }
        self.state.as_ref().expect("set above")
    }
}

/// Bins per colour channel of the cut detector's histogram.
const BINS: usize = 4;

/// Scene cuts from the frames themselves: the L1 distance between consecutive frames' normalised
/// 4×4×4 RGB histograms (0 identical, 2 disjoint). A camera move changes few pixels' colour bins;
/// a cut to another shot changes most of them.
#[derive(Debug, Clone)]
pub struct SceneCuts {
    threshold: f32,
    previous: Option<Vec<f32>>,
}

impl SceneCuts {
    /// `threshold` in (0, 2]; above 2 no cut is ever found.
    pub fn new(threshold: f32) -> Self {
        Self {
            threshold,
            previous: None,
        }
    }

    /// Whether `frame` starts a new shot (the first frame does not).
    pub fn is_cut(&mut self, frame: &RgbImage) -> bool {
        let histogram = colour_histogram(frame);
        let cut = self
            .previous
            .as_ref()
            .is_some_and(|p| histogram_distance(p, &histogram) > self.threshold);
        self.previous = Some(histogram);
        cut
    }
}

/// Normalised BINS³ RGB histogram over every 2nd pixel of every 2nd row (plenty for a distance).
pub fn colour_histogram(frame: &RgbImage) -> Vec<f32> {
    let mut counts = vec![0u32; BINS * BINS * BINS];
    let bin = |v: u8| usize::from(v) * BINS / 256;
    let mut n = 0u32;
    for y in (0..frame.height()).step_by(2) {
        for x in (0..frame.width()).step_by(2) {
            let [r, g, b] = frame.get_pixel(x, y).0;
            counts[(bin(r) * BINS + bin(g)) * BINS + bin(b)] += 1;
            n += 1;
        }
    }
    counts.iter().map(|&c| c as f32 / n.max(1) as f32).collect()
}

/// L1 distance between two normalised histograms, 0 to 2.
pub fn histogram_distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr1;

    fn stats(mean: f32, std: f32) -> ChannelStats {
        ChannelStats {
            mean: arr1(&[mean, -mean]),
            std: arr1(&[std, 2.0 * std]),
        }
    }

    #[test]
    fn the_average_starts_at_the_first_frame_and_moves_by_one_minus_k() {
        let mut s = ContentStatsSmoother::new(0.75);
        assert_eq!(s.update(&stats(4.0, 1.0)), &stats(4.0, 1.0));
        let second = s.update(&stats(8.0, 3.0)).clone();
        assert_eq!(second, stats(5.0, 1.5));
        s.reset();
        assert_eq!(s.update(&stats(8.0, 3.0)), &stats(8.0, 3.0));
    }

    #[test]
    fn zero_smoothing_is_per_frame_adain() {
        let mut s = ContentStatsSmoother::new(0.0);
        s.update(&stats(1.0, 1.0));
        assert_eq!(s.update(&stats(3.0, 2.0)), &stats(3.0, 2.0));
    }

    #[test]
    fn a_cut_between_different_pictures_is_found_and_a_small_shift_is_not() {
        let picture = |seed: u32| {
            RgbImage::from_fn(64, 48, |x, y| {
                let v = (x * (3 + seed) + y * (5 + 2 * seed)) % 256;
                image::Rgb([v as u8, (v * seed % 256) as u8, (255 - v) as u8])
            })
        };
        let a = picture(1);
        let shifted = RgbImage::from_fn(64, 48, |x, y| *a.get_pixel((x + 2).min(63), y));
        let mut cuts = SceneCuts::new(DEFAULT_SCENE_CUT);
        assert!(!cuts.is_cut(&a), "the first frame is no cut");
        assert!(!cuts.is_cut(&shifted));
        let dark = RgbImage::from_pixel(64, 48, image::Rgb([10, 20, 30]));
        assert!(cuts.is_cut(&dark));
        assert!(!cuts.is_cut(&dark));
    }
}
