//! Flow-guided temporal coherence. The networks are not shift-equivariant below their stride of 8,
//! so each frame's stylization repaints the texture a little differently, and no averaging of
//! statistics can fix that. Here the previous *result* is carried along the motion of the input
//! (optical flow, `adain-flow`) onto the current frame and blended with the current stylization
//! wherever the motion is trusted:
//! - the forward and backward flows agree (a round trip lands within about half a pixel, looser for
//!   fast motion), which fails at occlusions and where the flow is wrong;
//! - the input pixel looks the same at both ends of its motion (a brightness check), which fails
//!   where something appears, disappears or is lit differently.
//!
//! Elsewhere the current stylization is taken as it is, so uncovered areas and new content show no
//! trail. The trust mask is softened over a few pixels so that its edges do not show as seams.

use adain_flow::{DisOptions, Flow, FlowField, Plane};
use image::RgbImage;

/// Default `--flow-weight`: how much of the carried-over result a trusted pixel keeps (measured with
/// `cargo xtask bench-video`, see the README).
pub const DEFAULT_FLOW_WEIGHT: f32 = 0.8;

/// Largest change of an input pixel's brightness (0–255) along its motion that still counts as the
/// same surface.
const BRIGHTNESS_TOLERANCE: f32 = 24.0;

/// Widest pyramid level the flow is searched at, in pixels.
const SEARCH_WIDTH: usize = 400;

/// Largest mean change over a 3×3 neighbourhood.
const NEIGHBOURHOOD_TOLERANCE: f32 = 8.0;

/// Radius of the box filter that softens the trust mask, in pixels.
const MASK_SOFTENING: usize = 2;

/// The state one video carries from frame to frame: the previous input's brightness and result.
pub struct FlowBlender {
    weight: f32,
    previous: Option<Previous>,
}

struct Previous {
    luma: Plane,
    output: RgbImage,
}

impl FlowBlender {
    /// `weight` in [0, 1): 0 turns blending off.
    pub fn new(weight: f32) -> Self {
        Self {
            weight: weight.clamp(0.0, 0.99),
            previous: None,
        }
    }

    /// Forgets the past (at a scene cut).
    pub fn reset(&mut self) {
        self.previous = None;
    }

    /// The result for `input` (the frame the networks saw) given its own stylization `stylized`
    /// (the same size): blended with the previous result where the motion is trusted.
    pub fn blend(&mut self, input: &RgbImage, stylized: RgbImage) -> RgbImage {
        if self.weight == 0.0 {
            return stylized;
        }
        let (w, h) = (input.width() as usize, input.height() as usize);
        let luma = Plane::luma(input.as_raw(), w, h);
        let output = match self.previous.take() {
            Some(previous) if previous.output.dimensions() == stylized.dimensions() => {
                let flow = flow_for(w);
                let (back, forth) = std::thread::scope(|scope| {
                    let forth = scope.spawn(|| flow.between(&previous.luma, &luma));
                    let back = flow.between(&luma, &previous.luma);
                    (back, forth.join().expect("the flow does not panic"))
                });
                let trust = trust(&luma, &previous.luma, &back, &forth);
                let warped = back.warp_rgb(previous.output.as_raw(), w, h);
                mix(&stylized, &warped, &trust, self.weight)
            }
            _ => stylized,
        };
        self.previous = Some(Previous {
            luma,
            output: output.clone(),
        });
        output
    }
}

/// The flow for frames `width` pixels wide: searched down to the pyramid level at most
/// [`SEARCH_WIDTH`] wide (full size for small frames, half for 640, a quarter for 1280), one thread
/// each, as the two flows of a frame run side by side.
fn flow_for(width: usize) -> Flow {
    let mut finest_level = 0;
    while width >> finest_level > SEARCH_WIDTH {
        finest_level += 1;
    }
    Flow::new(DisOptions {
        finest_level,
        threads: 1,
        ..DisOptions::default()
    })
}

/// Per pixel of the current frame, how far its motion back to the previous frame is trusted: 1
/// trusted, 0 not, softened at the edges. `back` maps current → previous, `forth` previous → current.
pub fn trust(current: &Plane, previous: &Plane, back: &FlowField, forth: &FlowField) -> Plane {
    let (w, h) = (current.width(), current.height());
    let mut difference = vec![0.0f32; w * h];
    let mut mask = vec![0.0f32; w * h];
    // Bands of rows on the machine's threads.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rows = h.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for (band, (d_band, m_band)) in difference
            .chunks_mut(w * rows)
            .zip(mask.chunks_mut(w * rows))
            .enumerate()
        {
            scope.spawn(move || {
                for (k, (d, m)) in d_band.iter_mut().zip(m_band.iter_mut()).enumerate() {
                    let (x, y) = (k % w, band * rows + k / w);
                    let (u, v) = back.at(x, y);
                    let (px, py) = (x as f32 + u, y as f32 + v);
                    let (fu, fv) = forth.sample(px, py);
                    // The consistency test of Sundaram, Brox and Keutzer (ECCV 2010): looser for
                    // fast motion.
                    let trip = (u + fu).powi(2) + (v + fv).powi(2);
                    let consistent = trip <= 0.01 * (u * u + v * v + fu * fu + fv * fv) + 0.5;
                    let inside =
                        px >= 0.0 && py >= 0.0 && px <= (w - 1) as f32 && py <= (h - 1) as f32;
                    *d = (previous.sample(px, py) - current.get(x, y)).abs();
                    *m = if consistent && inside && *d <= BRIGHTNESS_TOLERANCE {
                        1.0
                    } else {
                        0.0
                    };
                }
            });
        }
    });
    // A strip a few pixels wide that an object uncovered can pass the test pixel by pixel, on a
    // flow dragged along with the object; its neighbourhood's mean difference gives it away.
    let around = Plane::new(w, h, difference).box_blur(1);
    for (m, d) in mask.iter_mut().zip(around.values()) {
        if *d > NEIGHBOURHOOD_TOLERANCE {
            *m = 0.0;
        }
    }
    soften(&Plane::new(w, h, mask))
}

/// The mask times its box-filtered self (radius [`MASK_SOFTENING`]): trust fades out towards
/// untrusted pixels, and an untrusted pixel stays at 0, so trails cannot creep in.
fn soften(mask: &Plane) -> Plane {
    let blurred = mask.box_blur(MASK_SOFTENING);
    let values = blurred
        .values()
        .iter()
        .zip(mask.values())
        .map(|(b, m)| b * m)
        .collect();
    Plane::new(mask.width(), mask.height(), values)
}

fn mix(stylized: &RgbImage, warped: &[f32], trust: &Plane, weight: f32) -> RgbImage {
    let (w, _) = stylized.dimensions();
    let mut out = stylized.clone();
    for (i, pixel) in out.pixels_mut().enumerate() {
        let m = weight * trust.get(i % w as usize, i / w as usize);
        for c in 0..3 {
            let s = f32::from(pixel.0[c]);
            pixel.0[c] = (s + m * (warped[3 * i + c] - s)).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(w: u32, h: u32, shift: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let x = x + 100 - shift;
            let v = (((x as f32 * 0.3).sin() * (y as f32 * 0.23).cos() + 1.0) * 120.0) as u8;
            image::Rgb([v, v / 2, 255 - v])
        })
    }

    #[test]
    fn a_still_frame_keeps_the_previous_result_where_trusted() {
        let input = picture(48, 32, 0);
        let mut blender = FlowBlender::new(0.75);
        let first = RgbImage::from_pixel(48, 32, image::Rgb([200, 100, 0]));
        assert_eq!(
            blender.blend(&input, first.clone()),
            first,
            "the first frame is as stylized"
        );
        let second = RgbImage::from_pixel(48, 32, image::Rgb([0, 100, 200]));
        let out = blender.blend(&input, second);
        // 0.75 of the previous result, 0.25 of this frame's: (150, 100, 50).
        assert_eq!(out.get_pixel(24, 16).0, [150, 100, 50]);
    }

    #[test]
    fn after_a_reset_or_with_weight_zero_the_frame_is_as_stylized() {
        let input = picture(48, 32, 0);
        let (a, b) = (
            RgbImage::from_pixel(48, 32, image::Rgb([200, 100, 0])),
            RgbImage::from_pixel(48, 32, image::Rgb([0, 100, 200])),
        );
        let mut blender = FlowBlender::new(0.75);
        blender.blend(&input, a.clone());
        blender.reset();
        assert_eq!(blender.blend(&input, b.clone()), b);
        let mut off = FlowBlender::new(0.0);
        off.blend(&input, a);
        assert_eq!(off.blend(&input, b.clone()), b);
    }

    #[test]
    fn an_unrelated_frame_is_not_blended() {
        let mut blender = FlowBlender::new(0.75);
        blender.blend(
            &picture(48, 32, 0),
            RgbImage::from_pixel(48, 32, image::Rgb([200, 100, 0])),
        );
        let other = RgbImage::from_fn(48, 32, |x, y| {
            image::Rgb([((x * y) % 7 * 30) as u8, 250, 3])
        });
        let stylized = RgbImage::from_pixel(48, 32, image::Rgb([0, 100, 200]));
        let out = blender.blend(&other, stylized.clone());
        let changed = out
            .pixels()
            .zip(stylized.pixels())
            .filter(|(a, b)| a != b)
            .count();
        assert!(
            changed < 48 * 32 / 10,
            "{changed} pixels blended from an unrelated frame"
        );
    }
}
