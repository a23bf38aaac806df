//! Image → training sample: decode, resize the shorter side, crop, to planar f32 via the shared
//! preprocessing (`adain_models::pixels`).

use std::path::Path;

use image::{imageops, RgbImage};
use rand::Rng;

/// Decodes and resizes so the shorter side is `side` (at least `min_side`). None if undecodable.
pub fn load_resized(path: &Path, side: u32, min_side: u32) -> Option<RgbImage> {
    let img = image::open(path).ok()?.to_rgb8();
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return None;
    }
    let target = side.max(min_side);
    if target == 0 {
        return Some(img);
    }
    let scale = target as f64 / w.min(h) as f64;
    let (nw, nh) = (
        ((w as f64 * scale).round() as u32).max(target),
        ((h as f64 * scale).round() as u32).max(target),
    );
    Some(imageops::resize(
        &img,
        nw,
        nh,
        imageops::FilterType::Triangle,
    ))
}

/// A random `crop`×`crop` window.
pub fn random_crop(img: &RgbImage, crop: u32, rng: &mut impl Rng) -> RgbImage {
    let (w, h) = img.dimensions();
    let x = rng.random_range(0..=w - crop);
    let y = rng.random_range(0..=h - crop);
    imageops::crop_imm(img, x, y, crop, crop).to_image()
}

/// The central `crop`×`crop` window.
pub fn center_crop(img: &RgbImage, crop: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    imageops::crop_imm(img, (w - crop) / 2, (h - crop) / 2, crop, crop).to_image()
}

/// Same-size images → [N, 3, H, W] planar f32 in [0, 1].
pub fn planar_batch(images: &[RgbImage]) -> Vec<f32> {
    images
        .iter()
        .flat_map(|i| {
            adain_models::pixels::rgb8_to_planar(
                i.as_raw(),
                i.width() as usize,
                i.height() as usize,
            )
        })
        .collect()
}
