//! Colour preservation (paper §7.3, after Gatys et al.): before encoding, recolour the style image so
//! that its RGB mean and covariance equal the content's (CORAL):
//! x' = Σ_c^½ · Σ_s^−½ · (x − μ_s) + μ_c.

use ndarray::{Array3, ArrayView3, Axis};

/// Eigenvalues of the style covariance are floored here before Σ_s^−½ is taken: a grey or flat style
/// image has (nearly) no variance along some colour axes, and dividing by it would blow JPEG noise up
/// into garbage colours. 1e-4 is a standard deviation of 0.01, about 2.5 grey levels.
const MIN_STYLE_VARIANCE: f64 = 1e-4;

/// A 3×3 matrix, rows first.
pub type Mat3 = [[f64; 3]; 3];

/// `style` [3, H, W] recoloured to the colour statistics of `content` [3, H', W'] (both RGB in [0, 1]).
/// Not clamped: the encoder takes any float, and clamping would undo part of the match.
pub fn match_color(style: ArrayView3<'_, f32>, content: ArrayView3<'_, f32>) -> Array3<f32> {
    let (mean_s, cov_s) = color_moments(style);
    let (mean_c, cov_c) = color_moments(content);
    let transform = mul(
        &sym_power(&cov_c, 0.5, 0.0),
        &sym_power(&cov_s, -0.5, MIN_STYLE_VARIANCE),
    );
    let mut out = style.to_owned();
    let (_, h, w) = style.dim();
    for i in 0..h {
        for j in 0..w {
            let x: [f64; 3] = std::array::from_fn(|c| f64::from(style[(c, i, j)]) - mean_s[c]);
            for c in 0..3 {
                let y = transform[c][0] * x[0]
                    + transform[c][1] * x[1]
                    + transform[c][2] * x[2]
                    + mean_c[c];
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
