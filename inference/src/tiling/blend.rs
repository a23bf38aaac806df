//! Putting decoded tiles together: each tile covers its core plus a margin, and across every boundary
//! between two cores the two tiles cross-fade with sin²/cos² ramps, which sum to 1 — so the weights
//! form a partition of unity and no normalisation pass (or weight image) is needed.

use std::f32::consts::FRAC_PI_2;

use image::RgbImage;
use ndarray::{s, Array3, ArrayView3};

use crate::image_io::from_planar;

/// Weights along one axis of a tile whose core is [start, end) in an image of `len` pixels, with
/// ramps `margin` pixels either side of each inner boundary: the weight of pixel `from + i`.
pub fn axis_weights(
    from: usize,
    to: usize,
    start: usize,
    end: usize,
    len: usize,
    margin: usize,
) -> Vec<f32> {
    (from..to)
        .map(|p| {
            let rise = if start == 0 {
                1.0
            } else {
                ramp(p, start, margin)
            };
            let fall = if end == len {
                1.0
            } else {
                1.0 - ramp(p, end, margin)
            };
            rise * fall
        })
        .collect()
}

/// 0 before `boundary − margin`, 1 after `boundary + margin`, sin² in between (centre of pixel p).
fn ramp(p: usize, boundary: usize, margin: usize) -> f32 {
    if margin == 0 {
        return if p >= boundary { 1.0 } else { 0.0 };
    }
    let t = ((p as f32 + 0.5) - (boundary as f32 - margin as f32)) / (2 * margin) as f32;
    (t.clamp(0.0, 1.0) * FRAC_PI_2).sin().powi(2)
}

/// The output being assembled, planar f32 [3, H, W].
pub struct Canvas {
    sum: Array3<f32>,
}

impl Canvas {
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            sum: Array3::zeros((3, height, width)),
        }
    }

    /// Adds `tile` [3, h, w] at (x, y) weighted by `wy[i]·wx[j]`.
    pub fn add(&mut self, tile: ArrayView3<'_, f32>, x: usize, y: usize, wx: &[f32], wy: &[f32]) {
        let (_, h, w) = tile.dim();
        debug_assert_eq!((wx.len(), wy.len()), (w, h));
        let mut region = self.sum.slice_mut(s![.., y..y + h, x..x + w]);
        for (mut dst_plane, src_plane) in region.outer_iter_mut().zip(tile.outer_iter()) {
            for ((mut dst, src), &row_weight) in dst_plane
                .outer_iter_mut()
                .zip(src_plane.outer_iter())
                .zip(wy)
            {
                for ((d, &v), &col_weight) in dst.iter_mut().zip(src.iter()).zip(wx) {
                    *d += v * row_weight * col_weight;
                }
            }
        }
    }

    /// The image, clamped and quantised.
    pub fn finish(self) -> RgbImage {
        from_planar(self.sum.view())
    }

    /// The blended values, planar and not clamped.
    pub fn into_planar(self) -> Array3<f32> {
        self.sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbouring_ramps_sum_to_one() {
        let len = 300;
        let (left, right) = (
            axis_weights(0, 160, 0, 128, len, 16),
            axis_weights(112, 300, 128, 300, len, 16),
        );
        for p in 0..len {
            let l = if p < 160 { left[p] } else { 0.0 };
            let r = if p >= 112 { right[p - 112] } else { 0.0 };
            assert!((l + r - 1.0).abs() < 1e-6, "pixel {p}: {l} + {r}");
        }
        assert_eq!(left[0], 1.0);
        assert_eq!(right[right.len() - 1], 1.0);
        assert!(left[120] > 0.5 && left[120] < 1.0);
    }

    #[test]
    fn a_single_tile_is_copied() {
        let tile = Array3::from_shape_fn((3, 4, 5), |(c, i, j)| (c + i + j) as f32 / 12.0);
        let mut canvas = Canvas::new(5, 4);
        canvas.add(
            tile.view(),
            0,
            0,
            &axis_weights(0, 5, 0, 5, 5, 8),
            &axis_weights(0, 4, 0, 4, 4, 8),
        );
        assert_eq!(canvas.finish(), from_planar(tile.view()));
    }
}
