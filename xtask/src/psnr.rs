//! PSNR of 8-bit pixels: how the checks, the benchmarks and the validations compare two results.

/// Sum of squared differences of two 8-bit buffers of one length.
pub fn squared_error(a: &[u8], b: &[u8]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum()
}

/// PSNR in dB of a mean squared error of 8-bit values (infinite when it is zero).
pub fn from_mse(mse: f64) -> f64 {
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// PSNR in dB of two 8-bit buffers of one (non-zero) length.
pub fn of(a: &[u8], b: &[u8]) -> f64 {
    from_mse(squared_error(a, b) / a.len() as f64)
}
