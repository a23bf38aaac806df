//! Resizing and cropping, for images and masks alike.

use image::imageops::{self, FilterType};
use image::{ImageBuffer, Pixel};

/// Lanczos3: sharp, little aliasing when shrinking photos, which is the common case here.
const FILTER: FilterType = FilterType::Lanczos3;

type Buffer<P> = ImageBuffer<P, Vec<<P as Pixel>::Subpixel>>;

/// Scales so the shorter side is `side` pixels, keeping the aspect ratio; 0 keeps the image as is.
pub fn resize_shorter_side<P: Pixel + 'static>(image: &Buffer<P>, side: u32) -> Buffer<P> {
    let (w, h) = image.dimensions();
    if side == 0 || w.min(h) == side {
        return image.clone();
    }
    let scale = f64::from(side) / f64::from(w.min(h));
    let scaled = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    let (nw, nh) = if w <= h {
        (side, scaled(h))
    } else {
        (scaled(w), side)
    };
    imageops::resize(image, nw, nh, FILTER)
}

/// Exactly `width`×`height` (for masks that must cover the content image).
pub fn resize_exact<P: Pixel + 'static>(image: &Buffer<P>, width: u32, height: u32) -> Buffer<P> {
    if image.dimensions() == (width, height) {
        return image.clone();
    }
    imageops::resize(image, width, height, FILTER)
}

/// The centred square of the shorter side.
pub fn center_crop_square<P: Pixel + 'static>(image: &Buffer<P>) -> Buffer<P> {
    let (w, h) = image.dimensions();
    let side = w.min(h);
    imageops::crop_imm(image, (w - side) / 2, (h - side) / 2, side, side).to_image()
}

/// `--content-size`/`--style-size` then `--crop`.
pub fn prepare<P: Pixel + 'static>(image: &Buffer<P>, shorter_side: u32, crop: bool) -> Buffer<P> {
    let resized = resize_shorter_side(image, shorter_side);
    if crop {
        center_crop_square(&resized)
    } else {
        resized
    }
}

/// A result made from `prepare(original, _, crop)` brought back to the size the caller expects: the
/// original's, or its centre square's with `crop` (as `adain stylize --content-size` writes it).
pub fn restore_size<P: Pixel + 'static>(
    result: Buffer<P>,
    original_size: (u32, u32),
    crop: bool,
) -> Buffer<P> {
    let (w, h) = original_size;
    let (w, h) = if crop { (w.min(h), w.min(h)) } else { (w, h) };
    if result.dimensions() == (w, h) {
        result
    } else {
        imageops::resize(&result, w, h, FILTER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    #[test]
    fn results_go_back_to_the_original_or_its_centre_square() {
        let small = RgbImage::new(64, 48);
        assert_eq!(
            restore_size(small.clone(), (333, 257), false).dimensions(),
            (333, 257)
        );
        assert_eq!(
            restore_size(small.clone(), (333, 257), true).dimensions(),
            (257, 257)
        );
        let same = RgbImage::from_pixel(64, 48, image::Rgb([1, 2, 3]));
        assert_eq!(restore_size(same.clone(), (64, 48), false), same);
    }

    #[test]
    fn shorter_side_keeps_aspect_and_odd_sizes() {
        let img = RgbImage::new(333, 257);
        assert_eq!(resize_shorter_side(&img, 128).dimensions(), (166, 128));
        assert_eq!(resize_shorter_side(&img, 0).dimensions(), (333, 257));
        assert_eq!(
            resize_shorter_side(&RgbImage::new(1, 1000), 3).dimensions(),
            (3, 3000)
        );
    }

    #[test]
    fn crop_is_centred() {
        let img = RgbImage::from_fn(7, 3, |x, _| image::Rgb([x as u8, 0, 0]));
        let c = center_crop_square(&img);
        assert_eq!(c.dimensions(), (3, 3));
        assert_eq!(c.get_pixel(0, 0).0[0], 2);
    }
}
