//! A single-channel float image: what the flow search reads (luma), with the sampling it needs.

/// The luma of an RGB colour: BT.601 weights, in the channels' units.
#[inline]
pub fn luma(r: f32, g: f32, b: f32) -> f32 {
    0.299 * r + 0.587 * g + 0.114 * b
}

/// A row-major plane of `f32` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    width: usize,
    height: usize,
    values: Vec<f32>,
}

impl Plane {
    /// A plane of `values`, `width × height` of them, row by row.
    ///
    /// # Panics
    /// When `values` does not hold `width × height` numbers, or a side is 0.
    pub fn new(width: usize, height: usize, values: Vec<f32>) -> Self {
        assert!(width > 0 && height > 0, "a plane needs pixels");
        assert_eq!(values.len(), width * height, "values for {width}×{height}");
        Self {
            width,
            height,
            values,
        }
    }

    /// A plane of zeros.
    pub fn zeros(width: usize, height: usize) -> Self {
        Self::new(width, height, vec![0.0; width * height])
    }

    /// The luma (BT.601 weights, 0–255) of 8-bit RGB pixels, `width × height` of them.
    ///
    /// # Panics
    /// When `rgb` does not hold `3 × width × height` bytes.
    pub fn luma(rgb: &[u8], width: usize, height: usize) -> Self {
        assert_eq!(
            rgb.len(),
            3 * width * height,
            "RGB bytes for {width}×{height}"
        );
        let values = rgb
            .chunks_exact(3)
            .map(|p| luma(f32::from(p[0]), f32::from(p[1]), f32::from(p[2])))
            .collect();
        Self::new(width, height, values)
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn values(&self) -> &[f32] {
        &self.values
    }

    pub fn values_mut(&mut self) -> &mut [f32] {
        &mut self.values
    }

    #[inline]
    pub fn get(&self, x: usize, y: usize) -> f32 {
        self.values[y * self.width + x]
    }

    /// The value at a real position, bilinearly interpolated; positions outside take the nearest
    /// edge's value.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        let max_x = (self.width - 1) as f32;
        let max_y = (self.height - 1) as f32;
        let x = x.clamp(0.0, max_x);
        let y = y.clamp(0.0, max_y);
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as usize, y0 as usize);
        let x1 = (x0 + 1).min(self.width - 1);
        let y1 = (y0 + 1).min(self.height - 1);
        let top = self.get(x0, y0) * (1.0 - fx) + self.get(x1, y0) * fx;
        let bottom = self.get(x0, y1) * (1.0 - fx) + self.get(x1, y1) * fx;
        top * (1.0 - fy) + bottom * fy
    }

    /// `out` (`bw × bh`, row-major) filled with the block whose top-left corner is at the real
    /// position `(x, y)`, bilinearly: as [`Self::sample`] at each of its pixels, but one set of
    /// weights serves the whole block (its pixels share the fractional part), which is what makes
    /// a patch search cheap.
    pub fn sample_block(&self, x: f32, y: f32, bw: usize, bh: usize, out: &mut [f32]) {
        let (fx0, fy0) = (x.floor(), y.floor());
        let inside = fx0 >= 0.0
            && fy0 >= 0.0
            && fx0 as usize + bw < self.width
            && fy0 as usize + bh < self.height;
        if !inside {
            for j in 0..bh {
                for i in 0..bw {
                    out[j * bw + i] = self.sample(x + i as f32, y + j as f32);
                }
            }
            return;
        }
        let (ix, iy) = (fx0 as usize, fy0 as usize);
        let (fx, fy) = (x - fx0, y - fy0);
        let (w00, w10, w01, w11) = (
            (1.0 - fx) * (1.0 - fy),
            fx * (1.0 - fy),
            (1.0 - fx) * fy,
            fx * fy,
        );
        for j in 0..bh {
            let top = &self.values[(iy + j) * self.width + ix..][..bw + 1];
            let bottom = &self.values[(iy + j + 1) * self.width + ix..][..bw + 1];
            let row = &mut out[j * bw..][..bw];
            for i in 0..bw {
                row[i] = w00 * top[i] + w10 * top[i + 1] + w01 * bottom[i] + w11 * bottom[i + 1];
            }
        }
    }

    /// The mean over each value's (2r+1)² window, clipped at the borders: rows, then columns, with
    /// running sums (cost independent of `r`). The column pass keeps a running sum per column and
    /// moves down whole rows at a time, so it reads memory in order.
    pub fn box_blur(&self, r: usize) -> Self {
        let (w, h) = (self.width, self.height);
        let mut rows = vec![0.0f32; w * h];
        for y in 0..h {
            blur_line(&self.values[y * w..][..w], &mut rows[y * w..][..w], r);
        }
        let mut out = vec![0.0f32; w * h];
        let mut sum = vec![0.0f32; w];
        for row in rows.chunks_exact(w).take(r + 1) {
            for (s, v) in sum.iter_mut().zip(row) {
                *s += v;
            }
        }
        for y in 0..h {
            let (top, bottom) = (y.saturating_sub(r), (y + r).min(h - 1));
            let scale = 1.0 / (bottom - top + 1) as f32;
            for (o, s) in out[y * w..][..w].iter_mut().zip(&sum) {
                *o = s * scale;
            }
            // Slide the window down: add the row entering below, drop the one leaving above.
            if y + r + 1 < h {
                for (s, v) in sum.iter_mut().zip(&rows[(y + r + 1) * w..][..w]) {
                    *s += v;
                }
            }
            if y >= r {
                for (s, v) in sum.iter_mut().zip(&rows[(y - r) * w..][..w]) {
                    *s -= v;
                }
            }
        }
        Self::new(w, h, out)
    }

    /// Half the size (rounded up), each value the mean of the 2×2 block it covers.
    pub fn half(&self) -> Self {
        let (w, h) = (self.width.div_ceil(2), self.height.div_ceil(2));
        let mut values = Vec::with_capacity(w * h);
        for y in 0..h {
            let (y0, y1) = (2 * y, (2 * y + 1).min(self.height - 1));
            for x in 0..w {
                let (x0, x1) = (2 * x, (2 * x + 1).min(self.width - 1));
                values.push(
                    0.25 * (self.get(x0, y0)
                        + self.get(x1, y0)
                        + self.get(x0, y1)
                        + self.get(x1, y1)),
                );
            }
        }
        Self::new(w, h, values)
    }

    /// Horizontal and vertical derivatives (central differences, one-sided at the edges).
    pub fn gradients(&self) -> (Plane, Plane) {
        let (w, h) = (self.width, self.height);
        let mut gx = vec![0.0; w * h];
        let mut gy = vec![0.0; w * h];
        for y in 0..h {
            let (up, down) = (y.saturating_sub(1), (y + 1).min(h - 1));
            let dy = (down - up).max(1) as f32;
            for x in 0..w {
                let (left, right) = (x.saturating_sub(1), (x + 1).min(w - 1));
                let dx = (right - left).max(1) as f32;
                gx[y * w + x] = (self.get(right, y) - self.get(left, y)) / dx;
                gy[y * w + x] = (self.get(x, down) - self.get(x, up)) / dy;
            }
        }
        (Plane::new(w, h, gx), Plane::new(w, h, gy))
    }
}

/// `out[i]` = mean of `line[i − r ..= i + r]`, the window clipped to the line.
fn blur_line(line: &[f32], out: &mut [f32], r: usize) {
    let n = line.len();
    let mut sum: f32 = line[..(r + 1).min(n)].iter().sum();
    for i in 0..n {
        let (a, b) = (i.saturating_sub(r), (i + r).min(n - 1));
        out[i] = sum / (b - a + 1) as f32;
        // Slide the window: add the value entering at the right, drop the one leaving at the left.
        if i + r + 1 < n {
            sum += line[i + r + 1];
        }
        if i >= r {
            sum -= line[i - r];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilinear_sampling_interpolates_and_clamps() {
        let p = Plane::new(2, 2, vec![0.0, 10.0, 20.0, 30.0]);
        assert_eq!(p.sample(0.5, 0.0), 5.0);
        assert_eq!(p.sample(0.5, 0.5), 15.0);
        assert_eq!(p.sample(-3.0, 7.0), 20.0);
    }

    #[test]
    fn a_block_samples_as_its_pixels_do() {
        let p = Plane::new(7, 5, (0..35).map(|i| ((i * 13) % 11) as f32).collect());
        let mut block = [0.0; 6];
        for (x, y) in [(1.25, 0.5), (3.9, 2.999), (-0.5, 1.0), (5.5, 3.5)] {
            p.sample_block(x, y, 3, 2, &mut block);
            for j in 0..2 {
                for i in 0..3 {
                    let expected = p.sample(x + i as f32, y + j as f32);
                    assert!(
                        (block[j * 3 + i] - expected).abs() < 1e-4,
                        "({x}, {y}) + ({i}, {j})"
                    );
                }
            }
        }
    }

    #[test]
    fn box_blur_is_the_clipped_window_mean() {
        let p = Plane::new(5, 3, (0..15).map(|i| ((i * 7) % 5) as f32).collect());
        for r in [0, 1, 2, 6] {
            let b = p.box_blur(r);
            for y in 0..3usize {
                for x in 0..5usize {
                    let (mut s, mut n) = (0.0, 0.0);
                    for yy in y.saturating_sub(r)..=(y + r).min(2) {
                        for xx in x.saturating_sub(r)..=(x + r).min(4) {
                            s += p.get(xx, yy);
                            n += 1.0;
                        }
                    }
                    assert!((b.get(x, y) - s / n).abs() < 1e-5, "r {r} at ({x}, {y})");
                }
            }
        }
    }

    #[test]
    fn halving_averages_blocks_and_keeps_odd_edges() {
        let p = Plane::new(3, 2, vec![1.0, 3.0, 5.0, 1.0, 3.0, 5.0]);
        let half = p.half();
        assert_eq!((half.width(), half.height()), (2, 1));
        assert_eq!(half.values(), &[2.0, 5.0]);
    }

    #[test]
    fn gradients_of_a_ramp_are_its_slope() {
        let p = Plane::new(
            4,
            3,
            (0..12)
                .map(|i| (i % 4) as f32 * 2.0 + (i / 4) as f32)
                .collect(),
        );
        let (gx, gy) = p.gradients();
        assert!(gx.values().iter().all(|&g| g == 2.0));
        assert!(gy.values().iter().all(|&g| g == 1.0));
    }
}
