//! Writing results: the format follows the file extension, and the file appears whole or not at all
//! (encoded in memory, then written with adain_models::atomic_file).

use std::io::Cursor;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, RgbImage};

use crate::error::{AdainError, ImageProblem, Result};

/// JPEG quality of results: stylized images have fine texture that lower qualities smear.
const JPEG_QUALITY: u8 = 95;

/// The format `path` will be written in, or why it cannot be (checked before any work is done).
pub fn check_output_format(path: &Path) -> Result<ImageFormat> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    match ImageFormat::from_extension(&ext) {
        // GIF is written for `adain video` only (see decode.rs).
        Some(format)
            if format.writing_enabled() && format.can_write() && format != ImageFormat::Gif =>
        {
            Ok(format)
        }
        _ => Err(AdainError::image(
            path,
            ImageProblem::UnsupportedOutput(if ext.is_empty() {
                "extension-less".into()
            } else {
                format!("`.{ext}`")
            }),
        )),
    }
}

/// Encodes `image` in the format of `path`'s extension and writes it atomically.
pub fn save_rgb(image: &RgbImage, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let bytes = encode_rgb(image, check_output_format(path)?, path)?;
    adain_models::atomic_file::write(path, &bytes)?;
    Ok(())
}

/// `image` encoded in `format` in memory, as [`save_rgb`] would write it (JPEG at quality 95);
/// `name` is used in errors.
pub fn encode_rgb(
    image: &RgbImage,
    format: ImageFormat,
    name: impl AsRef<Path>,
) -> Result<Vec<u8>> {
    let mut bytes = Cursor::new(Vec::new());
    let encoded = match format {
        ImageFormat::Jpeg => {
            image.write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY))
        }
        other => image.write_to(&mut bytes, other),
    };
    encoded.map_err(|e| AdainError::image(name.as_ref(), ImageProblem::Encode(e.to_string())))?;
    Ok(bytes.into_inner())
}
