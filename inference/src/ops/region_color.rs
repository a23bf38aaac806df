//! The style palette under masks: each region of a result recoloured to its own style's colours
//! (CORAL from the region's own pixels), with soft edges.
//!
//! The regions are those AdaIN used, on the relu4_1 grid (one cell per 8 pixels). Each region's
//! indicator is softened by a 3×3 box on that grid and stretched bilinearly over the image, so
//! every pixel takes a weighted blend of the regions' colour maps: the colours change over about
//! three cells, where the style itself changes, rather than at a seam.

use ndarray::{Array2, Array3, ArrayView2, ArrayView3};

use super::color::{mul, sym_power, ColorMoments, Mat3};

/// Eigenvalues of a region's covariance are floored here before Σ^−½ (as for whole images).
const MIN_SOURCE_VARIANCE: f64 = 1e-4;

/// `image` [3, H, W] with each region (`regions`, on the feature grid: a style index, or `None`
/// for the content's own features, which keep their colours) recoloured towards `targets[k]`, in
/// proportion `strength`. Not clamped.
pub fn match_region_colors(
    image: ArrayView3<'_, f32>,
    regions: ArrayView2<'_, Option<usize>>,
    targets: &[ColorMoments],
    strength: f32,
) -> Array3<f32> {
    let (_, h, w) = image.dim();
    let weights = SoftRegions::new(regions, targets.len(), w, h);
    // Pass 1: each region's colour moments over its own (softly weighted) pixels.
    let sources = weights.moments(image);
    // Each region's colour map, blended with the identity by `strength`: y = A·x + b.
    let s = f64::from(strength.clamp(0.0, 1.0));
    let maps: Vec<Affine> = targets
        .iter()
        .zip(&sources)
        .map(|(target, source)| match source {
            Some(source) => Affine::coral(source, target).towards_identity(s),
            None => Affine::IDENTITY,
        })
        .chain(std::iter::once(Affine::IDENTITY))
        .collect();
    // Pass 2: every pixel through the blend of the maps of the regions it belongs to.
    let mut out = image.to_owned();
    let mut weight = vec![0.0f64; maps.len()];
    for i in 0..h {
        for j in 0..w {
            weights.at(i, j, &mut weight);
            let x: [f64; 3] = std::array::from_fn(|c| f64::from(image[(c, i, j)]));
            let mut y = [0.0; 3];
            for (map, &wk) in maps.iter().zip(&weight) {
                if wk > 0.0 {
                    let mapped = map.apply(x);
                    for c in 0..3 {
                        y[c] += wk * mapped[c];
                    }
                }
            }
            for c in 0..3 {
                out[(c, i, j)] = y[c] as f32;
            }
        }
    }
    out
}

/// y = a·x + b.
#[derive(Debug, Clone, Copy)]
struct Affine {
    a: Mat3,
    b: [f64; 3],
}

impl Affine {
    const IDENTITY: Affine = Affine {
        a: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        b: [0.0; 3],
    };

    /// CORAL: Σ_t^½ · Σ_s^−½ · (x − μ_s) + μ_t.
    fn coral(source: &ColorMoments, target: &ColorMoments) -> Self {
        let a = mul(
            &sym_power(&target.cov, 0.5, 0.0),
            &sym_power(&source.cov, -0.5, MIN_SOURCE_VARIANCE),
        );
        let b = std::array::from_fn(|c| {
            target.mean[c] - (0..3).map(|k| a[c][k] * source.mean[k]).sum::<f64>()
        });
        Self { a, b }
    }

    /// (1 − s)·x + s·(a·x + b).
    fn towards_identity(self, s: f64) -> Self {
        let a = std::array::from_fn(|r| {
            std::array::from_fn(|c| {
                let identity = if r == c { 1.0 } else { 0.0 };
                (1.0 - s) * identity + s * self.a[r][c]
            })
        });
        let b = self.b.map(|v| s * v);
        Self { a, b }
    }

    fn apply(&self, x: [f64; 3]) -> [f64; 3] {
        std::array::from_fn(|r| (0..3).map(|k| self.a[r][k] * x[k]).sum::<f64>() + self.b[r])
    }
}

/// Per grid cell, the weight of each region (styles 0..n, then "no style"), softened by a 3×3 box,
/// read at image pixels by bilinear interpolation.
struct SoftRegions {
    /// [cell row, cell column, region].
    cells: Array3<f64>,
    width: usize,
    height: usize,
}

impl SoftRegions {
    fn new(
        regions: ArrayView2<'_, Option<usize>>,
        styles: usize,
        width: usize,
        height: usize,
    ) -> Self {
        let (gh, gw) = regions.dim();
        let classes = styles + 1;
        let class = |r: Option<usize>| r.filter(|&k| k < styles).unwrap_or(styles);
        let mut hard = Array2::<usize>::zeros((gh, gw));
        for ((i, j), r) in regions.indexed_iter() {
            hard[(i, j)] = class(*r);
        }
        let mut cells = Array3::<f64>::zeros((gh, gw, classes));
        for i in 0..gh {
            for j in 0..gw {
                let mut count = 0.0;
                for di in -1i64..=1 {
                    for dj in -1i64..=1 {
                        let (y, x) = (i as i64 + di, j as i64 + dj);
                        if y >= 0 && x >= 0 && (y as usize) < gh && (x as usize) < gw {
                            cells[(i, j, hard[(y as usize, x as usize)])] += 1.0;
                            count += 1.0;
                        }
                    }
                }
                for k in 0..classes {
                    cells[(i, j, k)] /= count;
                }
            }
        }
        Self {
            cells,
            width,
            height,
        }
    }

    /// The regions' weights at pixel (i, j) (they sum to 1).
    fn at(&self, i: usize, j: usize, out: &mut [f64]) {
        let (gh, gw, classes) = self.cells.dim();
        // Pixel centres onto cell centres.
        let coordinate = |p: usize, pixels: usize, cells: usize| -> (usize, usize, f64) {
            let g = ((p as f64 + 0.5) * cells as f64 / pixels as f64 - 0.5)
                .clamp(0.0, (cells - 1) as f64);
            let lo = g.floor() as usize;
            let hi = (lo + 1).min(cells - 1);
            (lo, hi, g - lo as f64)
        };
        let (y0, y1, fy) = coordinate(i, self.height, gh);
        let (x0, x1, fx) = coordinate(j, self.width, gw);
        for (k, o) in out.iter_mut().enumerate().take(classes) {
            let top = self.cells[(y0, x0, k)] * (1.0 - fx) + self.cells[(y0, x1, k)] * fx;
            let bottom = self.cells[(y1, x0, k)] * (1.0 - fx) + self.cells[(y1, x1, k)] * fx;
            *o = top * (1.0 - fy) + bottom * fy;
        }
    }

    /// Each style region's colour moments over its weighted pixels; `None` for a region with
    /// (almost) no pixels.
    fn moments(&self, image: ArrayView3<'_, f32>) -> Vec<Option<ColorMoments>> {
        let classes = self.cells.dim().2;
        let styles = classes - 1;
        let mut total = vec![0.0f64; styles];
        let mut sum = vec![[0.0f64; 3]; styles];
        let mut outer = vec![[[0.0f64; 3]; 3]; styles];
        let mut weight = vec![0.0f64; classes];
        for i in 0..self.height {
            for j in 0..self.width {
                self.at(i, j, &mut weight);
                let x: [f64; 3] = std::array::from_fn(|c| f64::from(image[(c, i, j)]));
                for k in 0..styles {
                    let wk = weight[k];
                    if wk <= 0.0 {
                        continue;
                    }
                    total[k] += wk;
                    for a in 0..3 {
                        sum[k][a] += wk * x[a];
                        for b in 0..3 {
                            outer[k][a][b] += wk * x[a] * x[b];
                        }
                    }
                }
            }
        }
        (0..styles)
            .map(|k| {
                // Fewer than one cell's worth of pixels: too few to measure colours from.
                (total[k] >= 64.0).then(|| {
                    let mean: [f64; 3] = std::array::from_fn(|a| sum[k][a] / total[k]);
                    let cov = std::array::from_fn(|a| {
                        std::array::from_fn(|b| outer[k][a][b] / total[k] - mean[a] * mean[b])
                    });
                    ColorMoments { mean, cov }
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::color::color_moments;

    /// Two halves, each taken to its own colours; without masks' help the whole would get one map.
    #[test]
    fn each_region_takes_its_own_colours_and_the_edge_is_soft() {
        let (w, h) = (128usize, 64usize);
        // A textured grey image.
        let image = Array3::from_shape_fn((3, h, w), |(c, i, j)| {
            0.5 + 0.2 * (((i * 7 + j * 13 + c * 5) % 17) as f32 / 17.0 - 0.5)
        });
        let regions =
            Array2::from_shape_fn((h / 8, w / 8), |(_, j)| Some(usize::from(j >= w / 16)));
        let red = ColorMoments {
            mean: [0.8, 0.2, 0.2],
            cov: [[0.01, 0.0, 0.0], [0.0, 0.002, 0.0], [0.0, 0.0, 0.002]],
        };
        let blue = ColorMoments {
            mean: [0.1, 0.2, 0.7],
            cov: [[0.002, 0.0, 0.0], [0.0, 0.002, 0.0], [0.0, 0.0, 0.02]],
        };
        let out = match_region_colors(image.view(), regions.view(), &[red, blue], 1.0);
        // Away from the edge, each half has its target's mean.
        let left = out.slice(ndarray::s![.., .., ..w / 2 - 24]);
        let right = out.slice(ndarray::s![.., .., w / 2 + 24..]);
        let (mean_left, _) = color_moments(left);
        let (mean_right, _) = color_moments(right);
        for c in 0..3 {
            assert!(
                (mean_left[c] - red.mean[c]).abs() < 0.02,
                "left {mean_left:?}"
            );
            assert!(
                (mean_right[c] - blue.mean[c]).abs() < 0.02,
                "right {mean_right:?}"
            );
        }
        // Across the edge the mean colour of a column moves in steps no larger than a tenth of
        // the whole change: no seam.
        let column_mean =
            |j: usize| -> f64 { (0..h).map(|i| f64::from(out[(0, i, j)])).sum::<f64>() / h as f64 };
        let change = (column_mean(0) - column_mean(w - 1)).abs();
        let steepest = (1..w)
            .map(|j| (column_mean(j) - column_mean(j - 1)).abs())
            .fold(0.0, f64::max);
        assert!(
            change > 0.5 && steepest < change / 10.0,
            "change {change}, steepest step {steepest}"
        );
        // At strength 0 nothing changes.
        let same = match_region_colors(image.view(), regions.view(), &[red, blue], 0.0);
        assert!(same
            .iter()
            .zip(image.iter())
            .all(|(a, b)| (a - b).abs() < 1e-6));
    }

    /// Pixels outside every mask keep their colours.
    #[test]
    fn unstyled_pixels_keep_their_colours() {
        let (w, h) = (64usize, 64usize);
        let image = Array3::from_shape_fn((3, h, w), |(c, i, j)| ((i + j + c) % 9) as f32 / 9.0);
        let regions = Array2::from_shape_fn((8, 8), |(_, j)| (j < 2).then_some(0));
        let target = ColorMoments {
            mean: [0.9, 0.1, 0.1],
            cov: [[0.001, 0.0, 0.0], [0.0, 0.001, 0.0], [0.0, 0.0, 0.001]],
        };
        let out = match_region_colors(image.view(), regions.view(), &[target], 1.0);
        for i in 0..h {
            for j in 40..w {
                for c in 0..3 {
                    assert!((out[(c, i, j)] - image[(c, i, j)]).abs() < 1e-6);
                }
            }
        }
    }
}
