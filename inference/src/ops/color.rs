//! Colour matching by CORAL: an image recoloured so that its RGB mean and covariance equal a target's,
//! x' = Σ_t^½ · Σ_x^−½ · (x − μ_x) + μ_t.
//!
//! - Colour preservation (paper §7.3, after Gatys et al.): before encoding, the style image takes the
//!   content's colours ([`match_color`]).
//! - Style colour matching: after decoding, the result takes its style's colours
//!   ([`match_color_to`] with the style's [`ColorMoments`]), where the decoder drifted from them.

use adain_models::stats_file::ColorStats;
use ndarray::{Array3, ArrayView3, Axis};

/// Eigenvalues of the recoloured image's covariance are floored here before Σ_x^−½ is taken: a grey or
/// flat image has (nearly) no variance along some colour axes, and dividing by it would blow JPEG
/// noise up into garbage colours. 1e-4 is a standard deviation of 0.01, about 2.5 grey levels.
const MIN_SOURCE_VARIANCE: f64 = 1e-4;

/// A 3×3 matrix, rows first.
pub type Mat3 = [[f64; 3]; 3];

/// The RGB mean and (biased) covariance of an image: the colour distribution CORAL matches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColorMoments {
    pub mean: [f64; 3],
    pub cov: Mat3,
}

/// The form statistics files keep them in.
impl From<ColorMoments> for ColorStats {
    fn from(m: ColorMoments) -> Self {
        ColorStats {
            mean: m.mean,
            cov: m.cov,
        }
    }
}

impl From<ColorStats> for ColorMoments {
    fn from(c: ColorStats) -> Self {
        ColorMoments {
            mean: c.mean,
            cov: c.cov,
        }
    }
}

impl ColorMoments {
    /// The moments of a [3, H, W] image.
    pub fn of(image: ArrayView3<'_, f32>) -> Self {
        let (mean, cov) = color_moments(image);
        Self { mean, cov }
    }

    /// The colours results take under `--match-style-color`: one style's own, or the mixture of
    /// several with these weights (one per style).
    pub fn of_styles(weights: &[f32], styles: &[ColorMoments]) -> Self {
        match styles {
            [one] => *one,
            _ => Self::mixture(
                &weights
                    .iter()
                    .copied()
                    .zip(styles.iter().copied())
                    .collect::<Vec<_>>(),
            ),
        }
    }

    /// The moments of a mixture of distributions with these weights (normalised here): the mean of
    /// the means, and the mixture's covariance, which includes the spread between the means.
    pub fn mixture(parts: &[(f32, ColorMoments)]) -> Self {
        let total: f64 = parts.iter().map(|(w, _)| f64::from(*w)).sum();
        let weight = |w: f32| {
            if total > 0.0 {
                f64::from(w) / total
            } else {
                0.0
            }
        };
        let mean: [f64; 3] =
            std::array::from_fn(|c| parts.iter().map(|(w, m)| weight(*w) * m.mean[c]).sum());
        let cov: Mat3 = std::array::from_fn(|a| {
            std::array::from_fn(|b| {
                parts
                    .iter()
                    .map(|(w, m)| weight(*w) * (m.cov[a][b] + m.mean[a] * m.mean[b]))
                    .sum::<f64>()
                    - mean[a] * mean[b]
            })
        });
        Self { mean, cov }
    }
}

/// `style` [3, H, W] recoloured to the colour statistics of `content` [3, H', W'] (both RGB in [0, 1]).
/// Not clamped: the encoder takes any float, and clamping would undo part of the match.
pub fn match_color(style: ArrayView3<'_, f32>, content: ArrayView3<'_, f32>) -> Array3<f32> {
    match_color_to(style, &ColorMoments::of(content))
}

/// `image` [3, H, W] recoloured so that its colour mean and covariance become `target`'s. Not clamped.
pub fn match_color_to(image: ArrayView3<'_, f32>, target: &ColorMoments) -> Array3<f32> {
    let (mean_x, cov_x) = color_moments(image);
    let transform = mul(
        &sym_power(&target.cov, 0.5, 0.0),
        &sym_power(&cov_x, -0.5, MIN_SOURCE_VARIANCE),
    );
    let mut out = image.to_owned();
    let (_, h, w) = image.dim();
    for i in 0..h {
        for j in 0..w {
            let x: [f64; 3] = std::array::from_fn(|c| f64::from(image[(c, i, j)]) - mean_x[c]);
            for c in 0..3 {
                let y = transform[c][0] * x[0]
                    + transform[c][1] * x[1]
                    + transform[c][2] * x[2]
                    + target.mean[c];
                out[(c, i, j)] = y as f32;
            }
        }
    }
    out
}

/// Mean and (biased) covariance of the RGB values of a [3, H, W] image.
pub fn color_moments(image: ArrayView3<'_, f32>) -> ([f64; 3], Mat3) {
    assert_eq!(image.dim().0, 3, "colour moments need 3 channels");
    let n = (image.len() / 3).max(1) as f64;
    let planes: Vec<_> = image.axis_iter(Axis(0)).collect();
    let mean: [f64; 3] =
        std::array::from_fn(|c| planes[c].iter().map(|&v| f64::from(v)).sum::<f64>() / n);
    let mut cov = [[0.0; 3]; 3];
    for a in 0..3 {
        for b in a..3 {
            let s: f64 = planes[a]
                .iter()
                .zip(planes[b].iter())
                .map(|(&x, &y)| (f64::from(x) - mean[a]) * (f64::from(y) - mean[b]))
                .sum();
            cov[a][b] = s / n;
            cov[b][a] = s / n;
        }
    }
    (mean, cov)
}

/// M^p for a symmetric positive semi-definite M, eigenvalues floored at `floor` (and at 0).
pub fn sym_power(m: &Mat3, p: f64, floor: f64) -> Mat3 {
    let (values, vectors) = jacobi_eigen(*m);
    let powered: [f64; 3] = values.map(|l| l.max(floor).max(0.0).powf(p));
    let mut out = [[0.0; 3]; 3];
    for (a, row) in out.iter_mut().enumerate() {
        for (b, cell) in row.iter_mut().enumerate() {
            *cell = (0..3)
                .map(|k| vectors[a][k] * powered[k] * vectors[b][k])
                .sum();
        }
    }
    out
}

/// The matrix product a·b.
pub fn mul(a: &Mat3, b: &Mat3) -> Mat3 {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

/// Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations: (values, vectors as
/// columns). Converges to machine precision in a handful of sweeps for 3×3.
fn jacobi_eigen(mut a: Mat3) -> ([f64; 3], Mat3) {
    let mut v = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    for _ in 0..50 {
        let off = a[0][1].powi(2) + a[0][2].powi(2) + a[1][2].powi(2);
        if off < 1e-30 {
            break;
        }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] {
            if a[p][q].abs() < 1e-300 {
                continue;
            }
            let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
            let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
            let t = if theta == 0.0 { 1.0 } else { t };
            let c = 1.0 / (t * t + 1.0).sqrt();
            let s = t * c;
            // A ← Jᵀ A J, V ← V J for the rotation J in the (p, q) plane.
            for row in a.iter_mut() {
                let (akp, akq) = (row[p], row[q]);
                row[p] = c * akp - s * akq;
                row[q] = s * akp + c * akq;
            }
            let (row_p, row_q) = (a[p], a[q]);
            a[p] = std::array::from_fn(|k| c * row_p[k] - s * row_q[k]);
            a[q] = std::array::from_fn(|k| s * row_p[k] + c * row_q[k]);
            for row in v.iter_mut() {
                let (vp, vq) = (row[p], row[q]);
                row[p] = c * vp - s * vq;
                row[q] = s * vp + c * vq;
            }
        }
    }
    ([a[0][0], a[1][1], a[2][2]], v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_reconstructs_the_matrix() {
        let m = [
            [0.09, 0.02, -0.01],
            [0.02, 0.05, 0.015],
            [-0.01, 0.015, 0.07],
        ];
        let (values, v) = jacobi_eigen(m);
        for a in 0..3 {
            for b in 0..3 {
                let r: f64 = (0..3).map(|k| v[a][k] * values[k] * v[b][k]).sum();
                assert!((r - m[a][b]).abs() < 1e-14, "{a}{b}");
            }
        }
        let root = sym_power(&m, 0.5, 0.0);
        let square = mul(&root, &root);
        for a in 0..3 {
            for b in 0..3 {
                assert!((square[a][b] - m[a][b]).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn a_mixture_has_the_moments_of_the_pooled_pixels() {
        // Two images pooled pixel for pixel, with weights equal to their sizes' shares.
        let a = Array3::from_shape_fn((3, 4, 4), |(c, i, j)| {
            ((c * 7 + i * 3 + j) % 5) as f32 / 5.0
        });
        let b = Array3::from_shape_fn((3, 4, 8), |(c, i, j)| ((c + i * j) % 3) as f32 / 4.0 + 0.2);
        let pooled = ndarray::concatenate(Axis(2), &[a.view(), b.view()]).unwrap();
        let expected = ColorMoments::of(pooled.view());
        let mixed = ColorMoments::mixture(&[
            (1.0, ColorMoments::of(a.view())),
            (2.0, ColorMoments::of(b.view())),
        ]);
        for c in 0..3 {
            assert!((mixed.mean[c] - expected.mean[c]).abs() < 1e-12);
            for d in 0..3 {
                assert!(
                    (mixed.cov[c][d] - expected.cov[c][d]).abs() < 1e-12,
                    "{c}{d}"
                );
            }
        }
    }

    #[test]
    fn an_image_takes_the_target_moments() {
        let image = Array3::from_shape_fn((3, 9, 7), |(c, i, j)| {
            ((c * 5 + i * 2 + j * 3) % 11) as f32 / 11.0 * (0.5 + c as f32 * 0.2)
        });
        let target = ColorMoments {
            mean: [0.7, 0.4, 0.2],
            cov: [[0.02, 0.01, 0.0], [0.01, 0.03, -0.005], [0.0, -0.005, 0.01]],
        };
        let out = ColorMoments::of(match_color_to(image.view(), &target).view());
        for c in 0..3 {
            assert!((out.mean[c] - target.mean[c]).abs() < 1e-6);
            for d in 0..3 {
                assert!((out.cov[c][d] - target.cov[c][d]).abs() < 1e-6, "{c}{d}");
            }
        }
    }

    #[test]
    fn a_flat_style_becomes_the_content_mean() {
        let style = Array3::from_elem((3, 4, 4), 0.3f32);
        let content = Array3::from_shape_fn((3, 5, 5), |(c, i, j)| (c + i + j) as f32 / 12.0);
        let out = match_color(style.view(), content.view());
        let (mean_c, _) = color_moments(content.view());
        for (c, mean) in mean_c.iter().enumerate() {
            assert!(out
                .index_axis(Axis(0), c)
                .iter()
                .all(|&v| (f64::from(v) - mean).abs() < 1e-6));
        }
    }
}
