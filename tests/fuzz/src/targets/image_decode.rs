//! Image decoding under limits: `adain::image_io::decode_rgb`, what every content and style input
//! goes through. Seeds are small images in every format we read (and GIF, which is refused).

use std::io::Cursor;
use std::path::Path;

use adain::image_io::decode_rgb;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use rand::Rng as _;

use crate::mutate::havoc;
use crate::target::{refusal_names_input, Rng, Target};

const NAME: &str = "fuzz-input";
/// 4 megapixels: enough for every seed, small enough that a believed header stays cheap.
const MAX_PIXELS: u64 = 4_000_000;
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

pub struct ImageDecode;

fn picture(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x * 40) as u8, (y * 60) as u8, ((x + y) * 25) as u8])
    })
}

fn encoded(image: &DynamicImage, format: ImageFormat) -> anyhow::Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format)?;
    Ok(out.into_inner())
}

impl Target for ImageDecode {
    fn name(&self) -> &'static str {
        "image-decode"
    }

    fn seeds(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        let rgb = DynamicImage::ImageRgb8(picture(7, 5));
        let mut seeds = Vec::new();
        for format in [
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Bmp,
            ImageFormat::Tiff,
            ImageFormat::WebP,
            ImageFormat::Gif,
        ] {
            seeds.push(encoded(&rgb, format)?);
        }
        seeds.push(encoded(
            &DynamicImage::ImageRgba8(rgb.to_rgba8()),
            ImageFormat::Png,
        )?);
        seeds.push(encoded(
            &DynamicImage::ImageLuma16(rgb.to_luma16()),
            ImageFormat::Png,
        )?);
        seeds.push(encoded(
            &DynamicImage::ImageRgba8(rgb.to_rgba8()),
            ImageFormat::Tiff,
        )?);
        // A header claiming 100000 × 100000 pixels over a few bytes of data.
        let mut huge = encoded(&rgb, ImageFormat::Png)?;
        set_png_size(&mut huge, 100_000, 100_000);
        seeds.push(huge);
        Ok(seeds)
    }

    /// PNG is checksummed chunk by chunk: mutate inside one chunk and fix its length and CRC, so the
    /// decoder gets past the checksum to the code that interprets the data.
    fn mutate(&self, rng: &mut Rng, data: &[u8]) -> Option<Vec<u8>> {
        if !data.starts_with(PNG_SIGNATURE) {
            return None;
        }
        let chunks = png_chunks(data);
        if chunks.is_empty() {
            return None;
        }
        let (start, len) = chunks[rng.random_range(0..chunks.len())];
        let mut body = data[start + 8..start + 8 + len].to_vec();
        if rng.random_bool(0.3) && &data[start + 4..start + 8] == b"IHDR" && body.len() >= 8 {
            let side = [0u32, 1, 2, 2000, 65_535, 100_000, u32::MAX][rng.random_range(0..7)];
            let at = if rng.random() { 0 } else { 4 };
            body[at..at + 4].copy_from_slice(&side.to_be_bytes());
        } else {
            havoc(rng, &mut body, &[], 1 << 16);
        }
        let mut out = data[..start].to_vec();
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&data[start + 4..start + 8]);
        out.extend_from_slice(&body);
        out.extend_from_slice(&chunk_crc(&data[start + 4..start + 8], &body).to_be_bytes());
        out.extend_from_slice(&data[start + 12 + len..]);
        Some(out)
    }

    fn run(&self, data: &[u8]) {
        match decode_rgb(data, Path::new(NAME), MAX_PIXELS) {
            Err(e) => refusal_names_input(&e, NAME),
            Ok(image) => {
                let pixels = u64::from(image.width()) * u64::from(image.height());
                assert!(
                    pixels > 0 && pixels <= MAX_PIXELS,
                    "{}x{} accepted",
                    image.width(),
                    image.height()
                );
            }
        }
    }
}

/// (offset, data length) of every complete chunk.
fn png_chunks(data: &[u8]) -> Vec<(usize, usize)> {
    let mut chunks = Vec::new();
    let mut at = PNG_SIGNATURE.len();
    while at + 12 <= data.len() {
        let len = u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]) as usize;
        if at + 12 + len > data.len() {
            break;
        }
        chunks.push((at, len));
        at += 12 + len;
    }
    chunks
}

fn chunk_crc(kind: &[u8], body: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind);
    hasher.update(body);
    hasher.finalize()
}

fn set_png_size(png: &mut [u8], width: u32, height: u32) {
    // IHDR is the first chunk: length, "IHDR", width, height, …, CRC over type and data.
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = chunk_crc(&png[12..16], &png[16..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
}
