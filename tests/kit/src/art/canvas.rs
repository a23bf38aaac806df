//! A tiny anti-aliased RGB raster: discs, thick segments, rings, convex polygons, rectangles, grain.

use image::{Rgb, RgbImage};

/// An RGB colour with components in [0, 1].
pub type Color = [f32; 3];

pub struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<Color>,
}

/// Coverage of a pixel whose centre lies `d` pixels inside a shape's edge (negative: outside).
fn coverage(d: f32) -> f32 {
    (d + 0.5).clamp(0.0, 1.0)
}

impl Canvas {
    pub fn new(width: u32, height: u32, background: Color) -> Self {
        Self {
            width,
            height,
            pixels: vec![background; (width * height) as usize],
        }
    }

    /// Sets every pixel from its centre's coordinates.
    pub fn fill_with(&mut self, f: impl Fn(f32, f32) -> Color) {
        for y in 0..self.height {
            for x in 0..self.width {
                self.pixels[(y * self.width + x) as usize] = f(x as f32 + 0.5, y as f32 + 0.5);
            }
        }
    }

    fn blend(&mut self, x: u32, y: u32, color: Color, alpha: f32) {
        let p = &mut self.pixels[(y * self.width + x) as usize];
        for (c, v) in p.iter_mut().zip(color) {
            *c += (v - *c) * alpha;
        }
    }

    /// Paints `color` with opacity `alpha` wherever `inside(x, y)` (a signed distance, positive inside)
    /// is positive, within the box `[x0, x1) × [y0, y1)` (clipped to the canvas).
    fn shade(
        &mut self,
        bounds: [f32; 4],
        color: Color,
        alpha: f32,
        inside: impl Fn(f32, f32) -> f32,
    ) {
        let [x0, y0, x1, y1] = bounds;
        let clip = |v: f32, max: u32| v.floor().clamp(0.0, max as f32) as u32;
        for y in clip(y0 - 1.0, self.height)..clip(y1 + 2.0, self.height) {
            for x in clip(x0 - 1.0, self.width)..clip(x1 + 2.0, self.width) {
                let c = coverage(inside(x as f32 + 0.5, y as f32 + 0.5));
                if c > 0.0 {
                    self.blend(x, y, color, c * alpha);
                }
            }
        }
    }

    pub fn disc(&mut self, cx: f32, cy: f32, r: f32, color: Color, alpha: f32) {
        self.shade([cx - r, cy - r, cx + r, cy + r], color, alpha, |x, y| {
            r - (x - cx).hypot(y - cy)
        });
    }

    /// A ring of radius `r` (to the middle of the band) and band width `width`.
    pub fn ring(&mut self, cx: f32, cy: f32, r: f32, width: f32, color: Color, alpha: f32) {
        let outer = r + width / 2.0;
        self.shade(
            [cx - outer, cy - outer, cx + outer, cy + outer],
            color,
            alpha,
            |x, y| width / 2.0 - ((x - cx).hypot(y - cy) - r).abs(),
        );
    }

    /// A segment from `a` to `b` with round caps, `width` pixels wide.
    pub fn segment(&mut self, a: [f32; 2], b: [f32; 2], width: f32, color: Color, alpha: f32) {
        let h = width / 2.0;
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = (dx * dx + dy * dy).max(1e-6);
        let bounds = [
            a[0].min(b[0]) - h,
            a[1].min(b[1]) - h,
            a[0].max(b[0]) + h,
            a[1].max(b[1]) + h,
        ];
        self.shade(bounds, color, alpha, |x, y| {
            let t = (((x - a[0]) * dx + (y - a[1]) * dy) / len2).clamp(0.0, 1.0);
            h - (x - a[0] - t * dx).hypot(y - a[1] - t * dy)
        });
    }

    /// A convex polygon (vertices in either winding order).
    pub fn polygon(&mut self, points: &[[f32; 2]], color: Color, alpha: f32) {
        let n = points.len();
        let area2: f32 = (0..n)
            .map(|i| {
                let (p, q) = (points[i], points[(i + 1) % n]);
                p[0] * q[1] - q[0] * p[1]
            })
            .sum();
        let sign = if area2 >= 0.0 { 1.0 } else { -1.0 };
        let xs = points.iter().map(|p| p[0]);
        let ys = points.iter().map(|p| p[1]);
        let bounds = [
            xs.clone().fold(f32::MAX, f32::min),
            ys.clone().fold(f32::MAX, f32::min),
            xs.fold(f32::MIN, f32::max),
            ys.fold(f32::MIN, f32::max),
        ];
        self.shade(bounds, color, alpha, |x, y| {
            (0..n)
                .map(|i| {
                    let (p, q) = (points[i], points[(i + 1) % n]);
                    let (ex, ey) = (q[0] - p[0], q[1] - p[1]);
                    sign * (ex * (y - p[1]) - ey * (x - p[0])) / ex.hypot(ey).max(1e-6)
                })
                .fold(f32::MAX, f32::min)
        });
    }

    pub fn rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, color: Color, alpha: f32) {
        self.polygon(&[[x0, y0], [x1, y0], [x1, y1], [x0, y1]], color, alpha);
    }

    /// Multiplies every pixel by `1 + amount · noise`, a mix of fine and coarse value noise (paper or
    /// canvas grain), deterministic in `seed`.
    pub fn grain(&mut self, seed: u32, amount: f32) {
        for y in 0..self.height {
            for x in 0..self.width {
                let (fx, fy) = (x as f32, y as f32);
                let n = 0.6 * value_noise(fx / 2.0, fy / 2.0, seed)
                    + 0.4 * value_noise(fx / 9.0, fy / 9.0, seed ^ 0x9e37);
                let k = 1.0 + amount * (2.0 * n - 1.0);
                let p = &mut self.pixels[(y * self.width + x) as usize];
                for c in p.iter_mut() {
                    *c *= k;
                }
            }
        }
    }

    pub fn to_image(&self) -> RgbImage {
        RgbImage::from_fn(self.width, self.height, |x, y| {
            let p = self.pixels[(y * self.width + x) as usize];
            Rgb(p.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8))
        })
    }
}

/// A hash of integer coordinates to [0, 1).
pub fn hash01(x: i32, y: i32, seed: u32) -> f32 {
    let mut h = (x as u32).wrapping_mul(0x8da6_b343)
        ^ (y as u32).wrapping_mul(0xd816_3841)
        ^ seed.wrapping_mul(0xcb1a_b31f);
    h ^= h >> 13;
    h = h.wrapping_mul(0x5bd1_e995);
    h ^= h >> 15;
    (h >> 8) as f32 / (1u32 << 24) as f32
}

/// Smooth value noise in [0, 1), one lattice point per unit.
pub fn value_noise(x: f32, y: f32, seed: u32) -> f32 {
    let (ix, iy) = (x.floor() as i32, y.floor() as i32);
    let (fx, fy) = (x - x.floor(), y - y.floor());
    let s = |t: f32| t * t * (3.0 - 2.0 * t);
    let (sx, sy) = (s(fx), s(fy));
    let top = hash01(ix, iy, seed) * (1.0 - sx) + hash01(ix + 1, iy, seed) * sx;
    let bottom = hash01(ix, iy + 1, seed) * (1.0 - sx) + hash01(ix + 1, iy + 1, seed) * sx;
    top * (1.0 - sy) + bottom * sy
}

/// `base` with each component moved by up to ±`amount` (from three numbers in [0, 1)).
pub fn jitter(base: Color, amount: f32, r: [f32; 3]) -> Color {
    [0, 1, 2].map(|i| (base[i] + amount * (2.0 * r[i] - 1.0)).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_cover_what_they_should() {
        let mut c = Canvas::new(40, 40, [0.0; 3]);
        c.disc(10.0, 10.0, 5.0, [1.0, 0.0, 0.0], 1.0);
        c.polygon(
            &[[20.0, 20.0], [38.0, 20.0], [38.0, 38.0]],
            [0.0, 1.0, 0.0],
            1.0,
        );
        c.segment([0.0, 35.0], [15.0, 35.0], 4.0, [0.0, 0.0, 1.0], 1.0);
        let img = c.to_image();
        assert_eq!(img.get_pixel(10, 10).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(10, 17).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(35, 25).0, [0, 255, 0]);
        assert_eq!(img.get_pixel(25, 35).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(7, 35).0, [0, 0, 255]);
        // Anti-aliased edges: partial coverage somewhere along the disc's row.
        assert!((0..20).any(|x| (1..255).contains(&img.get_pixel(x, 10).0[0])));
    }
}
