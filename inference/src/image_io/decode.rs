//! Decoding an image file into RGB8 (or grey for masks), refusing what cannot be used with a reason:
//! empty, not an image, an unsupported format, truncated or corrupt data, zero or too many pixels.
//! Grey, RGBA and 16-bit images are accepted and converted.

use std::io::Cursor;
use std::path::Path;

use image::{
    DynamicImage, GrayImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage,
};

use super::jpeg;

use crate::error::{AdainError, ImageProblem, Result};

/// Default `--max-pixels`: 40 megapixels, more than any camera photo and far more than the
/// networks need, but small enough that a hostile header cannot make us allocate gigabytes.
pub const DEFAULT_MAX_PIXELS: u64 = 40_000_000;

/// An image as RGB8. Transparent pixels are composited over white (their stored colour is often
/// arbitrary), and the EXIF orientation is applied so photos come out upright.
pub fn load_rgb(path: impl AsRef<Path>, max_pixels: u64) -> Result<RgbImage> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| AdainError::io(path, e))?;
    decode_rgb(&bytes, path, max_pixels)
}

/// [`load_rgb`] of an encoded image already in memory (an upload, a fuzz input). `name` is used in
/// errors and, when the first bytes say nothing, its extension names the format.
pub fn decode_rgb(bytes: &[u8], name: impl AsRef<Path>, max_pixels: u64) -> Result<RgbImage> {
    let image = decode(bytes, name.as_ref(), max_pixels)?;
    Ok(if image.color().has_alpha() {
        over_white(&image)
    } else {
        image.to_rgb8()
    })
}

/// An image as 8-bit grey (for masks).
pub fn load_gray(path: impl AsRef<Path>, max_pixels: u64) -> Result<GrayImage> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| AdainError::io(path, e))?;
    Ok(decode(&bytes, path, max_pixels)?.to_luma8())
}

fn decode(bytes: &[u8], path: &Path, max_pixels: u64) -> Result<DynamicImage> {
    let bad = |problem| AdainError::image(path, problem);
    if bytes.is_empty() {
        return Err(bad(ImageProblem::EmptyFile));
    }
    // The magic bytes decide the format; the extension only when they say nothing.
    let mut reader = ImageReader::new(Cursor::new(bytes));
    if let Ok(format) = ImageFormat::from_path(path) {
        reader.set_format(format);
    }
    let mut reader = reader
        .with_guessed_format()
        .map_err(|e| AdainError::io(path, e))?;
    let format = reader
        .format()
        .ok_or_else(|| bad(ImageProblem::NotAnImage))?;
    // GIF is decoded for `adain video` only: a still picture in 256 colours is no input worth
    // stylizing, and an animated one is a video.
    if !format.reading_enabled() || format == ImageFormat::Gif {
        let hint = if format == ImageFormat::Gif {
            "; an animated GIF is a video"
        } else {
            ""
        };
        return Err(bad(ImageProblem::UnsupportedFormat(format!(
            "{format:?}{hint}"
        ))));
    }
    if format == ImageFormat::Jpeg && !jpeg::is_complete(bytes) {
        // The JPEG decoder fills a cut-off file with grey instead of failing.
        return Err(bad(ImageProblem::Truncated(
            "the JPEG data ends before its end-of-image marker".into(),
        )));
    }
    let mut limits = Limits::default();
    // Room for the largest allowed image at 16 bits × 4 channels, twice (decode + convert).
    limits.max_alloc = Some((max_pixels.saturating_mul(16)).max(512 << 20));
    reader.limits(limits);

    let mut decoder = reader.into_decoder().map_err(|e| bad(classify(e)))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(bad(ImageProblem::ZeroSize { width, height }));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(bad(ImageProblem::TooLarge {
            width,
            height,
            pixels,
            limit: max_pixels,
        }));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| bad(classify(e)))?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Sorts the image crate's errors into what a user can act on.
fn classify(error: ImageError) -> ImageProblem {
    match error {
        ImageError::Unsupported(e) => ImageProblem::UnsupportedFormat(e.to_string()),
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImageProblem::Truncated(e.to_string())
        }
        ImageError::Limits(e) => {
            ImageProblem::Corrupt(format!("{e} (the header claims more memory than allowed)"))
        }
        other => {
            let message = other.to_string();
            let lower = message.to_lowercase();
            let truncated = [
                "eof",
                "end of file",
                "end of stream",
                "unexpected end",
                "truncat",
                "no more bytes",
                "not enough data",
            ]
            .iter()
            .any(|needle| lower.contains(needle));
            if truncated {
                ImageProblem::Truncated(message)
            } else {
                ImageProblem::Corrupt(message)
            }
        }
    }
}

fn over_white(image: &DynamicImage) -> RgbImage {
    let rgba = image.to_rgba32f();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        image::Rgb([r, g, b].map(|c| adain_models::pixels::to_u8(c * a + (1.0 - a))))
    })
}
