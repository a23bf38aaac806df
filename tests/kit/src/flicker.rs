//! Measuring flicker with exact ground truth: clips made by moving a window over a still photograph
//! (so where every pixel goes is known), and the warping error between consecutive frames,
//! mean |outₜ₊₁ − warp(outₜ)| over the pixels both frames see.

use image::RgbImage;

/// A clip that does not fit on its photograph.
#[derive(Debug)]
pub struct ClipTooLarge(String);

impl std::fmt::Display for ClipTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ClipTooLarge {}

/// Where a frame lies on the photograph: frame pixel (u, v) shows photo point
/// (x + u·scale, y + v·scale), in pixel-centre coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub x: f64,
    pub y: f64,
    pub scale: f64,
}

/// How the camera moves over the photograph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CameraMove {
    /// By (dx, dy) photo pixels per frame; whole numbers keep frames exact copies of the photo.
    Pan { dx: f64, dy: f64 },
    /// Towards the centre, from the whole window (scale 1) to `scale` at the last frame.
    Zoom { scale: f64 },
}

/// A clip of `frames` frames of `width`×`height` over a photograph.
#[derive(Debug, Clone)]
pub struct SyntheticClip {
    photo: RgbImage,
    pub width: u32,
    pub height: u32,
    windows: Vec<Window>,
}

impl SyntheticClip {
    /// Fails when the photograph is too small for the move.
    pub fn new(
        photo: RgbImage,
        width: u32,
        height: u32,
        frames: usize,
        movement: CameraMove,
    ) -> Result<Self, ClipTooLarge> {
        let (pw, ph) = (f64::from(photo.width()), f64::from(photo.height()));
        let (w, h) = (f64::from(width) - 1.0, f64::from(height) - 1.0);
        let last = frames.saturating_sub(1).max(1) as f64;
        let windows: Vec<Window> = (0..frames)
            .map(|t| {
                let t = t as f64;
                match movement {
                    CameraMove::Pan { dx, dy } => Window {
                        x: if dx < 0.0 { -dx * last } else { 0.0 } + dx * t,
                        y: if dy < 0.0 { -dy * last } else { 0.0 } + dy * t,
                        scale: 1.0,
                    },
                    CameraMove::Zoom { scale } => {
                        let s = 1.0 + (scale - 1.0) * t / last;
                        Window {
                            x: (pw - 1.0) / 2.0 - s * w / 2.0,
                            y: (ph - 1.0) / 2.0 - s * h / 2.0,
                            scale: s,
                        }
                    }
                }
            })
            .collect();
        let fits = |v: &Window| {
            v.x >= 0.0
                && v.y >= 0.0
                && v.x + v.scale * w <= pw - 1.0
                && v.y + v.scale * h <= ph - 1.0
        };
        if frames == 0 || !windows.iter().all(fits) {
            return Err(ClipTooLarge(format!(
                "a {}x{} photograph is too small for {frames} frames of {width}x{height} moving by {movement:?}",
                photo.width(),
                photo.height()
            )));
        }
        Ok(Self {
            photo,
            width,
            height,
            windows,
        })
    }

    pub fn len(&self) -> usize {
        self.windows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    /// Frame `t`, sampled bilinearly (an exact copy of photo pixels at whole-pixel pans).
    pub fn frame(&self, t: usize) -> RgbImage {
        let v = self.windows[t];
        RgbImage::from_fn(self.width, self.height, |u, w| {
            let at = sample(
                &self.photo,
                v.x + f64::from(u) * v.scale,
                v.y + f64::from(w) * v.scale,
            );
            image::Rgb(at.map(|c| c.round().clamp(0.0, 255.0) as u8))
        })
    }
}

/// Bilinear sample at (x, y), which must lie inside the image.
fn sample(image: &RgbImage, x: f64, y: f64) -> [f64; 3] {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as u32, y0 as u32);
    let x1 = (x0 + 1).min(image.width() - 1);
    let y1 = (y0 + 1).min(image.height() - 1);
    let p = |x, y| image.get_pixel(x, y).0.map(f64::from);
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    std::array::from_fn(|k| {
        let top = a[k] + (b[k] - a[k]) * fx;
        let bottom = c[k] + (d[k] - c[k]) * fx;
        top + (bottom - top) * fy
    })
}

/// Mean |later − earlier warped onto later| in 8-bit levels over the pixels of `later` that
/// `earlier` also shows; `None` when they share none.
pub fn warping_error(
    earlier: &RgbImage,
    earlier_window: Window,
    later: &RgbImage,
    later_window: Window,
) -> Option<f64> {
    let (w, h) = (
        f64::from(earlier.width()) - 1.0,
        f64::from(earlier.height()) - 1.0,
    );
    let (mut sum, mut n) = (0.0, 0u64);
    for (u, v, p) in later.enumerate_pixels() {
        let px = later_window.x + f64::from(u) * later_window.scale;
        let py = later_window.y + f64::from(v) * later_window.scale;
        let (eu, ev) = (
            (px - earlier_window.x) / earlier_window.scale,
            (py - earlier_window.y) / earlier_window.scale,
        );
        if !(0.0..=w).contains(&eu) || !(0.0..=h).contains(&ev) {
            continue;
        }
        let warped = sample(earlier, eu, ev);
        sum += (0..3)
            .map(|k| (f64::from(p.0[k]) - warped[k]).abs())
            .sum::<f64>();
        n += 3;
    }
    (n > 0).then(|| sum / n as f64)
}

/// The mean of [`warping_error`] over consecutive frames of a clip.
pub fn mean_warping_error(frames: &[RgbImage], windows: &[Window]) -> f64 {
    let errors: Vec<f64> = frames
        .windows(2)
        .zip(windows.windows(2))
        .filter_map(|(f, v)| warping_error(&f[0], v[0], &f[1], v[1]))
        .collect();
    errors.iter().sum::<f64>() / errors.len().max(1) as f64
}

/// Mean |a − b| over all frames, pixels and channels, in 8-bit levels.
pub fn mean_abs_difference(a: &[RgbImage], b: &[RgbImage]) -> f64 {
    let (mut sum, mut n) = (0.0, 0u64);
    for (x, y) in a.iter().zip(b) {
        for (p, q) in x.as_raw().iter().zip(y.as_raw()) {
            sum += f64::from((i16::from(*p) - i16::from(*q)).abs());
            n += 1;
        }
    }
    sum / n.max(1) as f64
}

/// A square cut from one picture sliding over another, still one: the clip where blending along the
/// motion could leave a trail (pixels the square uncovers must be stylized afresh).
pub struct MovingSquare {
    frames: Vec<RgbImage>,
    corners: Vec<(u32, u32)>,
    side: u32,
}

impl MovingSquare {
    /// `frames` frames of `background` with `square` at `start` (top-left corner), moving `step`
    /// pixels right each frame.
    pub fn new(
        background: RgbImage,
        square: &RgbImage,
        start: (u32, u32),
        step: u32,
        frames: usize,
    ) -> Self {
        let corners: Vec<(u32, u32)> = (0..frames as u32)
            .map(|t| (start.0 + step * t, start.1))
            .collect();
        let frames = corners
            .iter()
            .map(|&(x, y)| {
                let mut frame = background.clone();
                image::imageops::replace(&mut frame, square, i64::from(x), i64::from(y));
                frame
            })
            .collect();
        Self {
            frames,
            corners,
            side: square.width(),
        }
    }

    pub fn frames(&self) -> &[RgbImage] {
        &self.frames
    }

    /// Mean |a − b| (8-bit levels, over channels) over the pixels the square uncovers each frame:
    /// under it in the previous frame, not in this one.
    pub fn uncovered_difference(&self, a: &[RgbImage], b: &[RgbImage]) -> f64 {
        let side = self.side;
        let inside = |(cx, cy): (u32, u32), x: u32, y: u32| {
            x >= cx && x < cx + side && y >= cy && y < cy + side
        };
        let (mut sum, mut n) = (0.0f64, 0usize);
        for t in 1..self.frames.len().min(a.len()).min(b.len()) {
            for (x, y, p) in a[t].enumerate_pixels() {
                if inside(self.corners[t - 1], x, y) && !inside(self.corners[t], x, y) {
                    let q = b[t].get_pixel(x, y);
                    sum += (0..3)
                        .map(|c| f64::from(p.0[c].abs_diff(q.0[c])))
                        .sum::<f64>()
                        / 3.0;
                    n += 1;
                }
            }
        }
        sum / n.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> RgbImage {
        RgbImage::from_fn(120, 90, |x, y| {
            image::Rgb([(x * 2) as u8, (y * 2) as u8, ((x * y) % 251) as u8])
        })
    }

    #[test]
    fn a_whole_pixel_pan_of_the_photo_itself_has_no_warping_error() {
        let clip =
            SyntheticClip::new(photo(), 64, 48, 5, CameraMove::Pan { dx: 3.0, dy: -2.0 }).unwrap();
        let frames: Vec<RgbImage> = (0..clip.len()).map(|t| clip.frame(t)).collect();
        assert_eq!(mean_warping_error(&frames, clip.windows()), 0.0);
        // Frame 1 is frame 0 moved by (3, -2).
        assert_eq!(frames[1].get_pixel(0, 2), frames[0].get_pixel(3, 0));
    }

    #[test]
    fn a_zoom_has_a_small_error_from_resampling_and_noise_a_large_one() {
        let clip = SyntheticClip::new(photo(), 64, 48, 4, CameraMove::Zoom { scale: 0.8 }).unwrap();
        let frames: Vec<RgbImage> = (0..clip.len()).map(|t| clip.frame(t)).collect();
        let floor = mean_warping_error(&frames, clip.windows());
        assert!(floor > 0.0 && floor < 3.0, "{floor}");
        let noisy: Vec<RgbImage> = frames
            .iter()
            .enumerate()
            .map(|(t, f)| {
                RgbImage::from_fn(64, 48, |x, y| {
                    let n = ((x * 7 + y * 13 + t as u32 * 29) % 41) as u8;
                    image::Rgb(f.get_pixel(x, y).0.map(|c| c.saturating_add(n)))
                })
            })
            .collect();
        assert!(mean_warping_error(&noisy, clip.windows()) > floor + 5.0);
    }

    #[test]
    fn too_small_a_photo_is_refused() {
        assert!(
            SyntheticClip::new(photo(), 100, 48, 10, CameraMove::Pan { dx: 4.0, dy: 0.0 }).is_err()
        );
    }
}
