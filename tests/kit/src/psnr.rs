//! PSNR, the one way the tests, the benchmarks and xtask's checks compare two results.

use image::RgbImage;

/// Sum of squared differences of two 8-bit buffers of one length.
pub fn squared_error(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "buffers of different lengths");
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum()
}

/// PSNR in dB of a mean squared error, for signals whose range is `peak` (infinite when the error is
/// zero).
pub fn db(mse: f64, peak: f64) -> f64 {
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (peak * peak / mse).log10()
    }
}

/// PSNR in dB of a mean squared error of 8-bit values.
pub fn from_mse(mse: f64) -> f64 {
    db(mse, 255.0)
}

/// PSNR in dB of two 8-bit buffers of one (non-zero) length.
pub fn of(a: &[u8], b: &[u8]) -> f64 {
    assert!(!a.is_empty(), "PSNR of empty buffers");
    from_mse(squared_error(a, b) / a.len() as f64)
}

/// PSNR in dB of two RGB images of one size (infinite when identical).
pub fn of_images(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions(), "images of different sizes");
    of(a.as_raw(), b.as_raw())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_errors_give_known_decibels() {
        let a = RgbImage::from_pixel(4, 4, image::Rgb([10, 20, 30]));
        assert_eq!(of_images(&a, &a), f64::INFINITY);
        // Every value off by one: MSE 1 → 20·log10(255) = 48.13 dB.
        let b = RgbImage::from_pixel(4, 4, image::Rgb([11, 21, 31]));
        assert!((of_images(&a, &b) - 48.1308).abs() < 1e-4);
        // One channel in three off by 255: MSE 255²/3 → 10·log10(3) = 4.77 dB.
        let c = RgbImage::from_pixel(4, 4, image::Rgb([255, 20, 30]));
        let d = RgbImage::from_pixel(4, 4, image::Rgb([0, 20, 30]));
        assert!((of_images(&c, &d) - 4.7712).abs() < 1e-4);
        assert!((db(1e-3, 1.0) - 30.0).abs() < 1e-9);
    }
}
