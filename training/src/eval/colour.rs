//! Colour fidelity: how far an output's colours are from its style's, as the distance between the
//! two images' colour distributions in CIELAB (perceptually near-uniform, so 1 unit ≈ a just
//! noticeable difference), each summarised by its mean and covariance.

use adain::ops::color::{mul, sym_power};

/// Mean and covariance of an image's pixels in CIELAB (D65).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabMoments {
    pub mean: [f64; 3],
    pub cov: [[f64; 3]; 3],
}

impl LabMoments {
    /// Of a planar RGB image in [0, 1] (values outside are clamped, as a written image would be).
    pub fn of_planar(planar: &[f32]) -> Self {
        let n = planar.len() / 3;
        let (r, rest) = planar.split_at(n);
        let (g, b) = rest.split_at(n);
        let lab: Vec<[f64; 3]> = (0..n).map(|i| srgb_to_lab([r[i], g[i], b[i]])).collect();
        let mut mean = [0.0; 3];
        for p in &lab {
            for c in 0..3 {
                mean[c] += p[c] / n as f64;
            }
        }
        let mut cov = [[0.0; 3]; 3];
        for p in &lab {
            for i in 0..3 {
                for j in 0..3 {
                    cov[i][j] += (p[i] - mean[i]) * (p[j] - mean[j]) / n as f64;
                }
            }
        }
        Self { mean, cov }
    }

    /// The 2-Wasserstein (Fréchet) distance between the Gaussians with these moments, in Lab
    /// units: sqrt(|μa − μb|² + tr(Σa + Σb − 2 (Σb^½ Σa Σb^½)^½)). Zero for equal moments; a shift
    /// of every pixel by d moves it by exactly |d|.
    pub fn distance(&self, other: &Self) -> f64 {
        let shift: f64 = (0..3).map(|c| (self.mean[c] - other.mean[c]).powi(2)).sum();
        let root_b = sym_sqrt(&other.cov);
        let cross = sym_sqrt(&mul(&mul(&root_b, &self.cov), &root_b));
        let trace = |m: &[[f64; 3]; 3]| m[0][0] + m[1][1] + m[2][2];
        let spread = trace(&self.cov) + trace(&other.cov) - 2.0 * trace(&cross);
        (shift + spread.max(0.0)).sqrt()
    }
}

/// sRGB (gamma-encoded, [0, 1]) to CIELAB under D65.
pub fn srgb_to_lab(rgb: [f32; 3]) -> [f64; 3] {
    let linear = rgb.map(|v| {
        let v = f64::from(v.clamp(0.0, 1.0));
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    });
    let [r, g, b] = linear;
    // sRGB primaries to XYZ, each divided by the D65 white's X, Y, Z.
    let x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
    let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    let z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
    let f = |t: f64| {
        const DELTA: f64 = 6.0 / 29.0;
        if t > DELTA.powi(3) {
            t.cbrt()
        } else {
            t / (3.0 * DELTA * DELTA) + 4.0 / 29.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// The square root of a symmetric positive semi-definite 3×3 matrix (the inference crate's, which
/// colour preservation uses; negative eigenvalues from rounding count as 0).
fn sym_sqrt(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    sym_power(m, 0.5, 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_matches_reference_values() {
        let near = |a: [f64; 3], b: [f64; 3]| (0..3).all(|c| (a[c] - b[c]).abs() < 0.05);
        assert!(near(srgb_to_lab([1.0, 1.0, 1.0]), [100.0, 0.0, 0.0]));
        assert!(near(srgb_to_lab([0.0, 0.0, 0.0]), [0.0, 0.0, 0.0]));
        // sRGB red and mid grey (128) in CIELAB D65.
        assert!(near(srgb_to_lab([1.0, 0.0, 0.0]), [53.24, 80.09, 67.20]));
        let grey = srgb_to_lab([128.0 / 255.0; 3]);
        assert!(
            (grey[0] - 53.59).abs() < 0.05 && grey[1].abs() < 0.01,
            "{grey:?}"
        );
    }

    #[test]
    fn the_square_root_squares_back() {
        let m = [[4.0, 1.2, -0.5], [1.2, 3.0, 0.7], [-0.5, 0.7, 2.0]];
        let r = sym_sqrt(&m);
        let back = mul(&r, &r);
        for i in 0..3 {
            for j in 0..3 {
                assert!((back[i][j] - m[i][j]).abs() < 1e-9, "{back:?}");
            }
        }
    }

    #[test]
    fn distance_is_zero_for_equal_moments_and_measures_shifts_and_spreads() {
        let a = LabMoments {
            mean: [50.0, 10.0, -5.0],
            cov: [[90.0, 12.0, 3.0], [12.0, 40.0, -6.0], [3.0, -6.0, 25.0]],
        };
        assert!(a.distance(&a).abs() < 1e-6);
        let shifted = LabMoments {
            mean: [53.0, 14.0, -5.0],
            ..a
        };
        assert!((a.distance(&shifted) - 5.0).abs() < 1e-6);
        // Same mean, variances scaled by 4: each std doubles, so d² = Σ (2σ − σ)² = tr Σ.
        let diagonal = LabMoments {
            mean: [0.0; 3],
            cov: [[9.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 1.0]],
        };
        let wider = LabMoments {
            cov: diagonal.cov.map(|row| row.map(|v| 4.0 * v)),
            ..diagonal
        };
        assert!((diagonal.distance(&wider) - 14f64.sqrt()).abs() < 1e-6);
        assert!(
            (wider.distance(&diagonal) - 14f64.sqrt()).abs() < 1e-6,
            "symmetric"
        );
    }

    #[test]
    fn moments_of_a_two_colour_image() {
        // Half black, half white: L is 0 or 100, a and b are 0.
        let planar: Vec<f32> = (0..3).flat_map(|_| [0.0, 0.0, 1.0, 1.0]).collect();
        let m = LabMoments::of_planar(&planar);
        assert!(
            (m.mean[0] - 50.0).abs() < 1e-4 && m.mean[1].abs() < 1e-3,
            "{:?}",
            m.mean
        );
        assert!((m.cov[0][0] - 2500.0).abs() < 1e-3, "{:?}", m.cov);
    }
}
