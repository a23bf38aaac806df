//! A dense flow field and what is done with one: warping, forward-backward consistency, accuracy.

use crate::plane::Plane;

/// Per pixel of a frame `from`, where it went in a frame `to`: `from(x, y) ≈ to(x + u, y + v)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowField {
    pub u: Plane,
    pub v: Plane,
}

impl FlowField {
    /// No motion.
    pub fn zeros(width: usize, height: usize) -> Self {
        Self {
            u: Plane::zeros(width, height),
            v: Plane::zeros(width, height),
        }
    }

    /// The same motion `(u, v)` everywhere.
    pub fn uniform(width: usize, height: usize, u: f32, v: f32) -> Self {
        Self {
            u: Plane::new(width, height, vec![u; width * height]),
            v: Plane::new(width, height, vec![v; width * height]),
        }
    }

    /// A field from a function of the pixel position.
    pub fn from_fn(width: usize, height: usize, f: impl Fn(usize, usize) -> (f32, f32)) -> Self {
        let (mut u, mut v) = (
            Vec::with_capacity(width * height),
            Vec::with_capacity(width * height),
        );
        for y in 0..height {
            for x in 0..width {
                let (a, b) = f(x, y);
                u.push(a);
                v.push(b);
            }
        }
        Self {
            u: Plane::new(width, height, u),
            v: Plane::new(width, height, v),
        }
    }

    pub fn width(&self) -> usize {
        self.u.width()
    }

    pub fn height(&self) -> usize {
        self.u.height()
    }

    /// The motion at a pixel.
    #[inline]
    pub fn at(&self, x: usize, y: usize) -> (f32, f32) {
        (self.u.get(x, y), self.v.get(x, y))
    }

    /// The motion at a real position, bilinearly interpolated.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> (f32, f32) {
        (self.u.sample(x, y), self.v.sample(x, y))
    }

    /// The field at `width × height`, its vectors scaled with the size (a coarse level's motion
    /// carried to a finer one).
    pub fn resized(&self, width: usize, height: usize) -> Self {
        let sx = self.width() as f32 / width as f32;
        let sy = self.height() as f32 / height as f32;
        Self::from_fn(width, height, |x, y| {
            // Pixel centres map to pixel centres.
            let (fx, fy) = ((x as f32 + 0.5) * sx - 0.5, (y as f32 + 0.5) * sy - 0.5);
            let (u, v) = self.sample(fx, fy);
            (u / sx, v / sy)
        })
    }

    /// Mean endpoint error against the true field, over the pixels `keep` accepts.
    pub fn endpoint_error(&self, truth: &FlowField, keep: impl Fn(usize, usize) -> bool) -> f32 {
        assert_eq!(
            (self.width(), self.height()),
            (truth.width(), truth.height())
        );
        let (mut sum, mut n) = (0.0f64, 0usize);
        for y in 0..self.height() {
            for x in 0..self.width() {
                if keep(x, y) {
                    let (a, b) = self.at(x, y);
                    let (c, d) = truth.at(x, y);
                    sum += f64::from(((a - c).powi(2) + (b - d).powi(2)).sqrt());
                    n += 1;
                }
            }
        }
        if n == 0 {
            0.0
        } else {
            (sum / n as f64) as f32
        }
    }

    /// Per pixel, how far the round trip along this field and then `back` (the flow from `to` to
    /// `from`) misses the start, in pixels: small where both agree, large at occlusions and where
    /// either is wrong.
    pub fn round_trip_error(&self, back: &FlowField) -> Plane {
        let (w, h) = (self.width(), self.height());
        let mut values = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let (u, v) = self.at(x, y);
                let (bu, bv) = back.sample(x as f32 + u, y as f32 + v);
                values.push(((u + bu).powi(2) + (v + bv).powi(2)).sqrt());
            }
        }
        Plane::new(w, h, values)
    }

    /// Interleaved 8-bit RGB `image` (the size of `to`) pulled back onto this field's frame: each
    /// pixel takes `image` at `(x + u, y + v)`, by cubic interpolation. Positions outside `image` take the
    /// nearest edge. Bands of rows go to the machine's threads.
    pub fn warp_rgb(&self, image: &[u8], width: usize, height: usize) -> Vec<f32> {
        assert_eq!(
            image.len(),
            3 * width * height,
            "RGB bytes for {width}×{height}"
        );
        let (w, h) = (self.width(), self.height());
        let mut out = vec![0.0f32; 3 * w * h];
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let rows = h.div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            for (band, chunk) in out.chunks_mut(3 * w * rows).enumerate() {
                scope.spawn(move || {
                    for (k, pixel) in chunk.chunks_exact_mut(3).enumerate() {
                        let (x, y) = (k % w, band * rows + k / w);
                        self.warp_pixel(image, width, height, x, y, pixel);
                    }
                });
            }
        });
        out
    }

    #[inline]
    fn warp_pixel(
        &self,
        image: &[u8],
        width: usize,
        height: usize,
        x: usize,
        y: usize,
        out: &mut [f32],
    ) {
        let (max_x, max_y) = ((width - 1) as f32, (height - 1) as f32);
        let (u, v) = self.at(x, y);
        let sx = (x as f32 + u).clamp(0.0, max_x);
        let sy = (y as f32 + v).clamp(0.0, max_y);
        let (x0, y0) = (sx.floor(), sy.floor());
        let (wx, wy) = (catmull_rom(sx - x0), catmull_rom(sy - y0));
        let column = |k: isize| (x0 as isize + k).clamp(0, width as isize - 1) as usize;
        let row = |k: isize| (y0 as isize + k).clamp(0, height as isize - 1) as usize;
        let columns = [column(-1), column(0), column(1), column(2)];
        out.fill(0.0);
        for (j, wy) in wy.iter().enumerate() {
            let line = &image[3 * width * row(j as isize - 1)..][..3 * width];
            for (i, wx) in wx.iter().enumerate() {
                let weight = wx * wy;
                let pixel = &line[3 * columns[i]..][..3];
                for (value, &p) in out.iter_mut().zip(pixel) {
                    *value += weight * f32::from(p);
                }
            }
        }
    }
}

/// The four weights of Catmull-Rom interpolation at fraction `t` between the middle two samples. A
/// cubic rather than a linear kernel: a result carried frame after frame is resampled each time,
/// and linear interpolation would blur it a little more with every step.
#[inline]
fn catmull_rom(t: f32) -> [f32; 4] {
    let (t2, t3) = (t * t, t * t * t);
    [
        0.5 * (-t + 2.0 * t2 - t3),
        0.5 * (2.0 - 5.0 * t2 + 3.0 * t3),
        0.5 * (t + 4.0 * t2 - 3.0 * t3),
        0.5 * (t3 - t2),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resizing_scales_the_vectors_with_the_size() {
        let coarse = FlowField::uniform(4, 3, 1.0, -0.5);
        let fine = coarse.resized(8, 6);
        assert_eq!(fine.at(5, 2), (2.0, -1.0));
    }

    #[test]
    fn opposite_fields_make_a_round_trip_of_zero() {
        let there = FlowField::uniform(6, 4, 1.5, 0.0);
        let back = FlowField::uniform(6, 4, -1.5, 0.0);
        assert!(there
            .round_trip_error(&back)
            .values()
            .iter()
            .all(|&e| e == 0.0));
        let wrong = FlowField::uniform(6, 4, 1.5, 2.0);
        assert!(there
            .round_trip_error(&wrong)
            .values()
            .iter()
            .all(|&e| e > 3.0));
    }

    #[test]
    fn warping_follows_the_field() {
        // A 3×1 image; a field that looks one pixel to the right.
        let image = [10, 10, 10, 20, 20, 20, 30, 30, 30];
        let field = FlowField::uniform(3, 1, 1.0, 0.0);
        assert_eq!(
            field.warp_rgb(&image, 3, 1),
            vec![20.0, 20.0, 20.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0]
        );
    }
}
