//! What a decoder output becomes on its way to a file, as a tensor again: the image eval scores.

use adain::ops::match_style_color;
use adain::ops::ColorMoments;
use adain_models::pixels::{planar_to_rgb8, rgb8_to_planar};
use image::RgbImage;
use tch::Tensor;

use crate::model::tensor_to_vec;

/// The decoder's output [1, 3, 8h, 8w] cropped to the content's `height`×`width`. Top-left, as
/// inference crops: the padding that ceil-mode pooling adds sits at the bottom and right.
pub fn cropped(decoded: &Tensor, height: i64, width: i64) -> Tensor {
    decoded.narrow(2, 0, height).narrow(3, 0, width)
}

/// The image `adain stylize` writes for a decoder output: cropped to the content, clamped to [0, 1]
/// and rounded to 8 bits by the contract's own conversion (`adain_models::pixels`, which inference
/// writes files with), then back to [1, 3, height, width] in [0, 1] for the encoder.
pub fn as_written(decoded: &Tensor, height: i64, width: i64) -> Tensor {
    let (h, w) = (height as usize, width as usize);
    let rgb = planar_to_rgb8(&tensor_to_vec(&cropped(decoded, height, width)), w, h);
    Tensor::from_slice(&rgb8_to_planar(&rgb, w, h))
        .view([1, 3, height, width])
        .to_device(decoded.device())
}

/// [`as_written`] with `adain stylize --match-style-color` (α = 1): the written image recoloured to
/// the style's colour distribution by the runtime's own function, then quantised again.
pub fn as_written_in_style_colors(
    decoded: &Tensor,
    height: i64,
    width: i64,
    style: &ColorMoments,
) -> Tensor {
    let (h, w) = (height as usize, width as usize);
    let rgb = planar_to_rgb8(&tensor_to_vec(&cropped(decoded, height, width)), w, h);
    let image =
        RgbImage::from_raw(w as u32, h as u32, rgb).expect("planar_to_rgb8 gives 3·H·W bytes");
    let matched = match_style_color(&image, style, 1.0);
    Tensor::from_slice(&rgb8_to_planar(matched.as_raw(), w, h))
        .view([1, 3, height, width])
        .to_device(decoded.device())
}

/// The colour distribution of a [1, 3, H, W] image in [0, 1], as the runtime measures a style's.
pub fn color_moments(image: &Tensor) -> ColorMoments {
    let (h, w) = (image.size()[2] as usize, image.size()[3] as usize);
    let planar = ndarray::Array3::from_shape_vec((3, h, w), tensor_to_vec(image))
        .expect("a [1, 3, H, W] tensor holds 3·H·W values");
    ColorMoments::of(planar.view())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_are_clamped_and_everything_is_quantised_to_the_content_size() {
        // A 16×24 decoding of a 13×21 content, values well outside [0, 1] and between 8-bit levels.
        let values: Vec<f32> = (0..3 * 16 * 24)
            .map(|i| (i % 97) as f32 / 40.0 - 0.8)
            .collect();
        let decoded = Tensor::from_slice(&values).view([1, 3, 16, 24]);
        let written = as_written(&decoded, 13, 21);
        assert_eq!(written.size(), [1, 3, 13, 21]);
        let float = tensor_to_vec(&cropped(&decoded, 13, 21));
        let written = tensor_to_vec(&written);
        assert_eq!(float.len(), written.len());
        let (mut clamped, mut rounded) = (0, 0);
        for (&f, &q) in float.iter().zip(&written) {
            let level = q * 255.0;
            assert!(
                (level - level.round()).abs() < 1e-3,
                "{q} is not an 8-bit level"
            );
            let expected = f.clamp(0.0, 1.0);
            assert!((q - expected).abs() <= 0.5 / 255.0 + 1e-6, "{f} → {q}");
            clamped += usize::from(!(0.0..=1.0).contains(&f));
            rounded += usize::from((0.0..=1.0).contains(&f) && q != f);
        }
        assert!(
            clamped > 100 && rounded > 100,
            "{clamped} clamped, {rounded} rounded"
        );
        // The crop is the top-left corner: the first row of channel 0 starts as the decoding does.
        assert_eq!(float[..21], values[..21]);
    }
}
