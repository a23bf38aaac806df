//! Images in and out: decoding with clear refusals, resizing and cropping, the planar f32 layout the
//! graphs take, and atomic writes.

mod decode;
mod encode;
mod geometry;
mod jpeg;
mod listing;

use image::RgbImage;
use ndarray::{Array3, ArrayView3};

pub use decode::{decode_rgb, load_gray, load_rgb, DEFAULT_MAX_PIXELS};
pub use encode::{check_output_format, encode_rgb, save_rgb};
pub use geometry::{center_crop_square, prepare, resize_exact, resize_shorter_side, restore_size};
pub use listing::{images_in, IMAGE_EXTENSIONS};

/// RGB8 → planar [3, H, W] f32 in [0, 1], through the contract's one preprocessing.
pub fn to_planar(image: &RgbImage) -> Array3<f32> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let planar = adain_models::pixels::rgb8_to_planar(image.as_raw(), w, h);
    Array3::from_shape_vec((3, h, w), planar).expect("rgb8_to_planar returns 3·H·W values")
}

/// Planar [3, H, W] → RGB8, clamped to [0, 1] and rounded.
pub fn from_planar(planar: ArrayView3<'_, f32>) -> RgbImage {
    let (_, h, w) = planar.dim();
    let contiguous = planar.as_standard_layout();
    let values = contiguous
        .as_slice()
        .expect("standard layout is contiguous");
    let rgb = adain_models::pixels::planar_to_rgb8(values, w, h);
    RgbImage::from_raw(w as u32, h as u32, rgb).expect("planar_to_rgb8 returns 3·H·W bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planar_round_trip() {
        let img = RgbImage::from_fn(5, 3, |x, y| image::Rgb([x as u8 * 40, y as u8 * 70, 200]));
        let planar = to_planar(&img);
        assert_eq!(planar.dim(), (3, 3, 5));
        assert_eq!(planar[(1, 2, 0)], 140.0 / 255.0);
        assert_eq!(from_planar(planar.view()), img);
    }
}
