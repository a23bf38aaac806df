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

use adain_flow::{luma, DisOptions, Flow, FlowField, Plane};
use image::RgbImage;

/// Default `--flow-weight`: how much of the carried-over result a trusted pixel keeps (measured with
/// `cargo xtask bench-video`, see docs/video.md).
pub const DEFAULT_FLOW_WEIGHT: f32 = 0.9;

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
        // (Finding the motion beside the networks was tried: on a CPU they already use every
        // core, and the int8 path lost another 10 %.)
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

/// `stylized` moved towards `warped` by `weight × trust` per pixel, then with its local contrast
/// brought back up to the stylization's: two textures that do not line up to the pixel average to
/// a flatter one, and carried frame after frame that would wash the style out. Each pixel's
/// difference from its neighbourhood's mean is scaled so that the neighbourhood's brightness
/// spread matches the stylization's (never lowering it, at most [`MAX_CONTRAST_GAIN`]); where
/// nothing was blended the two match and nothing changes.
fn mix(stylized: &RgbImage, warped: &[f32], trust: &Plane, weight: f32) -> RgbImage {
    let (w, h) = (stylized.width() as usize, stylized.height() as usize);
    let source = stylized.as_raw();
    let n = w * h;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rows = h.div_ceil(threads).max(1) * w;

    // The blend, and the seven planes to filter: its channels, both lumas and their squares.
    let mut blended = vec![0.0f32; 3 * n];
    let mut planes: [Vec<f32>; 7] = std::array::from_fn(|_| vec![0.0f32; n]);
    std::thread::scope(|scope| {
        let mut plane_bands: Vec<_> = planes.iter_mut().map(|p| p.chunks_mut(rows)).collect();
        for (band, out) in blended.chunks_mut(3 * rows).enumerate() {
            let mut bands: Vec<&mut [f32]> = plane_bands
                .iter_mut()
                .map(|b| b.next().expect("one band per plane"))
                .collect();
            let start = band * rows;
            scope.spawn(move || {
                for (i, pixel) in out.chunks_exact_mut(3).enumerate() {
                    let k = start + i;
                    let m = weight * trust.values()[k];
                    let s = &source[3 * k..][..3];
                    for c in 0..3 {
                        let s = f32::from(s[c]);
                        pixel[c] = s + m * (warped[3 * k + c] - s);
                    }
                    let here = luma(pixel[0], pixel[1], pixel[2]);
                    let own = luma(f32::from(s[0]), f32::from(s[1]), f32::from(s[2]));
                    let values = [
                        pixel[0],
                        pixel[1],
                        pixel[2],
                        here,
                        here * here,
                        own,
                        own * own,
                    ];
                    for (plane, value) in bands.iter_mut().zip(values) {
                        plane[i] = value;
                    }
                }
            });
        }
    });

    // Seven box filters, on two threads.
    let [r, g, b, luma, luma2, own, own2] = planes;
    let blur = |values: Vec<f32>| Plane::new(w, h, values).box_blur(CONTRAST_RADIUS);
    let (means, [luma, luma2, own, own2]) = std::thread::scope(|scope| {
        let means = scope.spawn(|| [blur(r), blur(g), blur(b)]);
        let spreads = [blur(luma), blur(luma2), blur(own), blur(own2)];
        (means.join().expect("box filters do not panic"), spreads)
    });

    let mut bytes = vec![0u8; 3 * n];
    std::thread::scope(|scope| {
        for (band, out) in bytes.chunks_mut(3 * rows).enumerate() {
            let (blended, means, luma, luma2, own, own2) =
                (&blended, &means, &luma, &luma2, &own, &own2);
            let start = band * rows;
            scope.spawn(move || {
                let variance = |mean: f32, square: f32| (square - mean * mean).max(0.0);
                for (i, pixel) in out.chunks_exact_mut(3).enumerate() {
                    let k = start + i;
                    let value = &blended[3 * k..][..3];
                    let gain = if trust.values()[k] == 0.0 {
                        1.0
                    } else {
                        let spread = variance(luma.values()[k], luma2.values()[k]);
                        let own_spread = variance(own.values()[k], own2.values()[k]);
                        ((own_spread + 1.0) / (spread + 1.0))
                            .sqrt()
                            .clamp(1.0, MAX_CONTRAST_GAIN)
                    };
                    for c in 0..3 {
                        let mean = means[c].values()[k];
                        let v = mean + gain * (value[c] - mean);
                        pixel[c] = v.round().clamp(0.0, 255.0) as u8;
                    }
                }
            });
        }
    });
    RgbImage::from_raw(w as u32, h as u32, bytes).expect("w × h RGB pixels")
}

/// Radius of the window local contrast is measured over, in pixels.
const CONTRAST_RADIUS: usize = 4;

/// Most a blend's local contrast is raised by.
const MAX_CONTRAST_GAIN: f32 = 1.5;

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

    /// Two stylizations of one still frame whose textures do not line up average to a flatter
    /// texture (0.8 a + 0.2 b has 0.82 of the spread); the blend keeps the stylization's contrast.
    #[test]
    fn blending_keeps_the_stylization_s_contrast() {
        let input = picture(64, 48, 0);
        let noise = |seed: u32| {
            RgbImage::from_fn(64, 48, |x, y| {
                let h = (x * 7919 + y * 104_729 + seed * 15_485_863).wrapping_mul(2_654_435_761);
                let v = 64 + (h >> 24) as u8 / 2;
                image::Rgb([v, v, v])
            })
        };
        let spread = |image: &RgbImage| {
            let values: Vec<f32> = image.pixels().map(|p| f32::from(p.0[0])).collect();
            let mean = values.iter().sum::<f32>() / values.len() as f32;
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / values.len() as f32).sqrt()
        };
        let mut blender = FlowBlender::new(0.8);
        blender.blend(&input, noise(1));
        let current = noise(2);
        let out = blender.blend(&input, current.clone());
        let ratio = spread(&out) / spread(&current);
        assert!(
            (0.95..1.1).contains(&ratio),
            "the blend has {ratio:.3} of the stylization's spread"
        );
        assert_ne!(out, current, "the previous result was blended in");
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
