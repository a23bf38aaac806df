//! The paper's objective: content loss ‖f(g(t)) − t‖² at relu4_1 and the style loss matching the mean
//! and std of relu1_1 … relu4_1 (mean-squared errors, as the authors' code). Optionally a
//! total-variation penalty on the decoded image, and a penalty on its energy at the periods of the
//! decoder's upsampling grid, against the fine periodic patterns that upsampling can produce.

use tch::{Reduction, Tensor};

use crate::checkerboard::UPSAMPLING_PERIODS;
use crate::stats::{channel_stats, MeanStd};

/// Loss terms of one step (scalar tensors).
pub struct Losses {
    pub content: Tensor,
    pub style: Tensor,
}

impl Losses {
    pub fn total(&self, content_weight: f64, style_weight: f64) -> Tensor {
        &self.content * content_weight + &self.style * style_weight
    }
}

/// `output_features`: encoder features of the decoded image; `target`: the AdaIN output it should
/// reproduce; `style_features`: encoder features of the style images.
pub fn adain_losses(
    output_features: &[Tensor],
    target: &Tensor,
    style_features: &[Tensor],
) -> Losses {
    let style_stats: Vec<MeanStd> = style_features.iter().map(channel_stats).collect();
    adain_losses_to(output_features, target, &style_stats)
}

/// [`adain_losses`] against the style's per-layer statistics (all the style loss needs of it).
pub fn adain_losses_to(
    output_features: &[Tensor],
    target: &Tensor,
    style_stats: &[MeanStd],
) -> Losses {
    let content = output_features
        .last()
        .expect("relu4_1")
        .mse_loss(target, Reduction::Mean);
    let mut style = Tensor::zeros([], (tch::Kind::Float, target.device()));
    for (mean, std) in style_terms(output_features, style_stats) {
        style = style + mean + std;
    }
    Losses { content, style }
}

/// The style loss's terms per layer (relu1_1 … relu4_1): the mean part ‖μ(f(g(t))) − μ(s)‖² and the
/// std part ‖σ(f(g(t))) − σ(s)‖² (mean squared errors); the style loss is their sum.
pub fn style_terms(output_features: &[Tensor], style_stats: &[MeanStd]) -> Vec<(Tensor, Tensor)> {
    output_features
        .iter()
        .zip(style_stats)
        .map(|(o, (sm, ss))| {
            let (om, os) = channel_stats(o);
            (
                om.mse_loss(sm, Reduction::Mean),
                os.mse_loss(ss, Reduction::Mean),
            )
        })
        .collect()
}

/// The style loss's form on the pixels themselves: ‖μ(output) − μ(style)‖² + ‖σ(output) − σ(style)‖²
/// over the RGB channels of [N, 3, H, W] images, so colours follow the style's (the features'
/// statistics pin them only loosely).
pub fn colour_moments(output: &Tensor, style: &Tensor) -> Tensor {
    let (om, os) = channel_stats(output);
    let (sm, ss) = channel_stats(style);
    om.mse_loss(&sm, Reduction::Mean) + os.mse_loss(&ss, Reduction::Mean)
}

/// Mean squared difference between vertically and between horizontally neighbouring pixels of an
/// [N, C, H, W] image, summed over the two directions.
pub fn total_variation(image: &Tensor) -> Tensor {
    let (h, w) = (image.size()[2], image.size()[3]);
    let dy = image.narrow(2, 1, h - 1) - image.narrow(2, 0, h - 1);
    let dx = image.narrow(3, 1, w - 1) - image.narrow(3, 0, w - 1);
    dy.square().mean(None) + dx.square().mean(None)
}

/// Mean power of an [N, C, H, W] image's rows and columns at the frequencies of patterns repeating
/// every 2, 4 and 8 pixels (the decoder's upsampling periods, which `checkerboard` scores): |DFT|² at
/// `side / period` cycles, normalised by the side, summed over the periods and the two directions.
pub fn upsampling_grid_energy(image: &Tensor) -> Tensor {
    let mut total = Tensor::zeros([], (image.kind(), image.device()));
    for lines in [image.shallow_clone(), image.transpose(2, 3)] {
        let n = lines.size()[3];
        let positions = Tensor::arange(n, (image.kind(), image.device()));
        for period in UPSAMPLING_PERIODS {
            let phase = positions.shallow_clone() * (std::f64::consts::TAU / period as f64);
            let re = lines.matmul(&phase.cos()) / n as f64;
            let im = lines.matmul(&phase.sin()) / n as f64;
            total += (re.square() + im.square()).mean(None);
        }
    }
    total
}

/// Shift consistency for video: `shifted` is the decoding of the crop moved by (dy, dx) pixels (its
/// pixel (i, j) shows the crop's (i + dy, j + dx)), so it should equal `output` moved the same way.
/// The mean squared difference over their overlap, less `margin` pixels along its edges.
pub fn shift_consistency(
    output: &Tensor,
    shifted: &Tensor,
    dy: i64,
    dx: i64,
    margin: i64,
) -> Tensor {
    let (h, w) = (shifted.size()[2], shifted.size()[3]);
    let inner = |t: &Tensor, y: i64, x: i64| {
        t.narrow(2, y + margin, h - 2 * margin)
            .narrow(3, x + margin, w - 2 * margin)
    };
    inner(output, dy, dx).mse_loss(&inner(shifted, 0, 0), Reduction::Mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_consistency_is_zero_for_a_decoder_that_moves_with_its_input() {
        let output = image(24, |y, x| ((y * 7 + x * 3) % 11) as f32 / 11.0);
        // What a perfectly shift-equivariant decoder makes of the crop moved by (2, 5).
        let shifted = output.narrow(2, 2, 16).narrow(3, 5, 16);
        let exact = shift_consistency(&output, &shifted, 2, 5, 2).double_value(&[]);
        assert_eq!(exact, 0.0);
        let wrong = shift_consistency(&output, &shifted, 3, 5, 2).double_value(&[]);
        assert!(wrong > 0.01, "{wrong}");
    }

    fn image(side: i64, value: impl Fn(i64, i64) -> f32) -> Tensor {
        let data: Vec<f32> = (0..side * side)
            .map(|i| value(i / side, i % side))
            .collect();
        Tensor::from_slice(&data).view([1, 1, side, side])
    }

    #[test]
    fn grid_energy_finds_patterns_on_the_upsampling_grid_only() {
        let energy = |t: &Tensor| upsampling_grid_energy(t).double_value(&[]);
        assert!(
            energy(&image(32, |_, _| 0.4)) < 1e-12,
            "a flat image has none"
        );
        // Columns 0 and 1 of every 4 bright: a 4-pixel pattern along rows.
        let blocks = energy(&image(32, |_, x| if x % 4 < 2 { 0.6 } else { 0.4 }));
        // The same amplitude repeating every 5 pixels lies between the grid's frequencies.
        let off_grid = energy(&image(40, |_, x| if x % 5 < 2 { 0.6 } else { 0.4 }));
        let blob = energy(&image(32, |y, x| {
            let r2 = ((x - 16) * (x - 16) + (y - 16) * (y - 16)) as f32;
            0.4 + 0.2 * (-r2 / 72.0).exp()
        }));
        assert!(blocks > 0.004, "{blocks}");
        assert!(off_grid < blocks / 10.0, "{off_grid} vs {blocks}");
        assert!(blob < blocks / 10.0, "a smooth blob: {blob} vs {blocks}");
    }

    #[test]
    fn the_colour_term_sees_a_colour_cast_that_keeps_the_pattern() {
        let pattern = image(16, |y, x| ((y * 5 + x * 3) % 7) as f32 / 7.0);
        let rgb = |shift: [f32; 3]| {
            Tensor::cat(
                &shift.map(|s| pattern.shallow_clone() * 0.5 + f64::from(s)),
                1,
            )
        };
        let style = rgb([0.3, 0.2, 0.1]);
        assert!(colour_moments(&style, &style).double_value(&[]).abs() < 1e-12);
        // Every pixel 0.1 bluer and 0.1 less red: the means move, the stds do not.
        let cast = colour_moments(&rgb([0.2, 0.2, 0.2]), &style).double_value(&[]);
        assert!((cast - 0.02 / 3.0).abs() < 1e-6, "{cast}");
        // Twice the contrast in every channel: the stds differ.
        let contrast =
            colour_moments(&(style.shallow_clone() * 2.0 - 0.2), &style).double_value(&[]);
        assert!(contrast > 1e-3, "{contrast}");
    }

    #[test]
    fn total_variation_is_zero_for_flat_images_and_largest_for_a_checkerboard() {
        let flat = Tensor::full([1, 3, 8, 8], 0.4, (tch::Kind::Float, tch::Device::Cpu));
        assert_eq!(total_variation(&flat).double_value(&[]), 0.0);
        let board = Tensor::from_slice(
            &(0..64)
                .map(|i| ((i % 8 + i / 8) % 2) as f32)
                .collect::<Vec<_>>(),
        )
        .view([1, 1, 8, 8]);
        // Every neighbour differs by 1, in both directions.
        assert!((total_variation(&board).double_value(&[]) - 2.0).abs() < 1e-6);
        let ramp = Tensor::from_slice(&(0..64).map(|i| (i % 8) as f32 / 7.0).collect::<Vec<_>>())
            .view([1, 1, 8, 8]);
        let v = total_variation(&ramp).double_value(&[]);
        assert!((v - 1.0 / 49.0).abs() < 1e-6, "{v}");
    }
}
