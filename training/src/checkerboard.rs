//! A number for "does this picture show a checkerboard?".
//!
//! The decoder upsamples three times by ×2 (nearest neighbour, then 3×3 convolutions). When it does that
//! badly, its output carries a pattern that repeats every 2, 4 or 8 pixels, which is a spike in the
//! image's spectrum at `side / period` cycles. The score compares the spectrum there with its
//! neighbourhood: about 1 for a photograph, clearly more when a periodic pattern is present, however
//! faint it looks. Textures that do not repeat on the upsampling grid (brush strokes, lines) do not count.

/// The periods, in pixels, at which the decoder's ×2 upsamplings repeat.
pub const UPSAMPLING_PERIODS: [usize; 3] = [2, 4, 8];

/// Neighbouring frequencies on each side of a period's frequency. The two closest (±1) are skipped:
/// a spike leaks into them when the side is not a multiple of the period.
const NEIGHBOURS: std::ops::RangeInclusive<usize> = 2..=7;

/// The largest spectral peak ratio at the upsampling periods, along rows and along columns, of a
/// single-channel `width × height` image stored row-major (1 for an empty image).
pub fn checkerboard_score(luma: &[f32], width: usize, height: usize) -> f32 {
    assert_eq!(
        luma.len(),
        width * height,
        "luma does not match {width}x{height}"
    );
    if width == 0 || height == 0 {
        return 1.0;
    }
    let rows: Vec<&[f32]> = luma.chunks_exact(width).collect();
    let columns: Vec<Vec<f32>> = (0..width)
        .map(|x| (0..height).map(|y| luma[y * width + x]).collect())
        .collect();
    let columns: Vec<&[f32]> = columns.iter().map(Vec::as_slice).collect();
    UPSAMPLING_PERIODS
        .iter()
        .flat_map(|&p| [peak_ratio(&rows, p), peak_ratio(&columns, p)])
        .fold(0.0, f32::max)
}

/// Luma (Rec. 601) of a planar RGB image (CHW), the channel the score is computed on.
pub fn luma(planar: &[f32], width: usize, height: usize) -> Vec<f32> {
    let plane = width * height;
    assert_eq!(
        planar.len(),
        plane * 3,
        "planar buffer does not match {width}x{height}"
    );
    (0..plane)
        .map(|i| 0.299 * planar[i] + 0.587 * planar[plane + i] + 0.114 * planar[2 * plane + i])
        .collect()
}

/// Mean spectral magnitude of the lines at `period`, over the median of its neighbours. Lines shorter
/// than four periods carry no measurable repetition and score 1.
fn peak_ratio(lines: &[&[f32]], period: usize) -> f32 {
    let n = lines.first().map_or(0, |l| l.len());
    if n < 4 * period {
        return 1.0;
    }
    let at = n as f64 / period as f64;
    let mut around: Vec<f64> = NEIGHBOURS
        .flat_map(|d| [at - d as f64, at + d as f64])
        .map(|f| mean_magnitude(lines, f))
        .collect();
    around.sort_by(f64::total_cmp);
    let median = (around[around.len() / 2 - 1] + around[around.len() / 2]) / 2.0;
    (mean_magnitude(lines, at) / median.max(f64::MIN_POSITIVE)) as f32
}

/// |DFT| of each mean-removed line at `cycles` per line length (any real frequency), averaged over the
/// lines. Magnitudes, not complex values, are averaged: a pattern's phase may change from line to line.
fn mean_magnitude(lines: &[&[f32]], cycles: f64) -> f64 {
    let n = lines[0].len();
    let step = std::f64::consts::TAU * cycles / n as f64;
    let (cos, sin): (Vec<f64>, Vec<f64>) = (0..n)
        .map(|i| (step * i as f64).sin_cos())
        .map(|(s, c)| (c, s))
        .unzip();
    let total: f64 = lines
        .iter()
        .map(|line| {
            let mean = line.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
            let (mut re, mut im) = (0.0, 0.0);
            for ((&v, c), s) in line.iter().zip(&cos).zip(&sin) {
                let v = f64::from(v) - mean;
                re += v * c;
                im -= v * s;
            }
            re.hypot(im)
        })
        .sum();
    total / lines.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Something like a photograph: smooth shading, a few hard-edged shapes and sensor noise.
    fn photo_like(side: usize, seed: u64) -> Vec<f32> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let discs: Vec<(f32, f32, f32, f32)> = (0..6)
            .map(|_| {
                let s = side as f32;
                (
                    rng.random_range(0.0..s),
                    rng.random_range(0.0..s),
                    rng.random_range(0.05 * s..0.3 * s),
                    rng.random_range(-0.3..0.3),
                )
            })
            .collect();
        let mut out = Vec::with_capacity(side * side);
        for y in 0..side {
            for x in 0..side {
                let (fx, fy) = (x as f32 / side as f32, y as f32 / side as f32);
                let mut v = 0.3 + 0.3 * fx + 0.1 * (6.0 * fy).sin();
                for &(cx, cy, r, dv) in &discs {
                    if (x as f32 - cx).hypot(y as f32 - cy) < r {
                        v += dv;
                    }
                }
                out.push(v + rng.random_range(-0.02..0.02));
            }
        }
        out
    }

    #[test]
    fn a_photograph_scores_about_one() {
        for (seed, side) in [(1, 256), (2, 200), (3, 97)] {
            let score = checkerboard_score(&photo_like(side, seed), side, side);
            assert!((0.7..1.5).contains(&score), "seed {seed}, {side}²: {score}");
        }
        assert_eq!(checkerboard_score(&[], 0, 0), 1.0);
    }

    #[test]
    fn a_faint_two_pixel_checkerboard_is_found() {
        let side = 256;
        let mut img = photo_like(side, 4);
        for (i, v) in img.iter_mut().enumerate() {
            // ±1 % of the range, far below what the eye notices next to the noise.
            *v += if (i % side + i / side) % 2 == 0 {
                0.01
            } else {
                -0.01
            };
        }
        let score = checkerboard_score(&img, side, side);
        assert!(score > 3.0, "{score}");
    }

    #[test]
    fn lines_every_eight_pixels_are_found_along_either_axis() {
        let side = 256;
        for vertical in [false, true] {
            let mut img = photo_like(side, 5);
            for (i, v) in img.iter_mut().enumerate() {
                let along = if vertical { i % side } else { i / side };
                if along % 8 == 0 {
                    *v -= 0.05;
                }
            }
            let score = checkerboard_score(&img, side, side);
            assert!(score > 3.0, "vertical {vertical}: {score}");
        }
    }

    #[test]
    fn luma_weighs_green_most() {
        let (r, g, b) = (
            luma(&[1.0, 0.0, 0.0], 1, 1),
            luma(&[0.0, 1.0, 0.0], 1, 1),
            luma(&[0.0, 0.0, 1.0], 1, 1),
        );
        assert!(g[0] > r[0] && r[0] > b[0]);
        assert!((r[0] + g[0] + b[0] - 1.0).abs() < 1e-6);
    }
}
