//! Pictures for tests: seeded generated images (the same for every test crate, xtask's benchmarks and,
//! by the same formula, the Python package's tests), photographs of the shared data, and a folder of
//! varied training-like images.

use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage};

/// A smooth colourful image with some texture, different for each seed.
/// (inference/python/tests/conftest.py's `picture` computes the same pixels with numpy;
/// test_pictures.py checks that against this, through python_wheel.rs.)
pub fn test_image(width: u32, height: u32, seed: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy, s) = (
            x as f32 / width as f32,
            y as f32 / height as f32,
            seed as f32,
        );
        let wave = ((fx * (7.0 + s) + fy * 3.0).sin() * 0.5 + 0.5) * 255.0;
        let noise = ((x.wrapping_mul(73_856_093)
            ^ y.wrapping_mul(19_349_663)
            ^ seed.wrapping_mul(83_492_791))
            % 64) as f32;
        Rgb([
            (fx * 200.0 + noise) as u8,
            wave as u8,
            ((1.0 - fy) * 180.0 + s * 20.0).min(255.0) as u8,
        ])
    })
}

/// Saves [`test_image`] at `dir/name`.
pub fn write_image(dir: &Path, name: &str, width: u32, height: u32, seed: u32) -> PathBuf {
    let path = dir.join(name);
    test_image(width, height, seed).save(&path).unwrap();
    path
}

/// `style.png` in `dir`: a 40×40 warm mid-range palette, far from a random decoder's colours, with
/// little of a result recoloured to it clamped at 0 or 255.
pub fn warm_style(dir: &Path) -> PathBuf {
    let path = dir.join("style.png");
    RgbImage::from_fn(40, 40, |x, y| {
        let (u, v) = (x as f32 / 40.0, y as f32 / 40.0);
        Rgb([
            (150.0 + 60.0 * u) as u8,
            (90.0 + 50.0 * v + 20.0 * (u * 9.0).sin()) as u8,
            (40.0 + 30.0 * u * v) as u8,
        ])
    })
    .save(&path)
    .unwrap();
    path
}

/// A photograph of the shared data (`data/train/content/<name>`), under the
/// [`require`](crate::require::require) rule.
pub fn shared_photo(name: &str) -> Option<RgbImage> {
    let path = crate::require::shared_file(&format!("data/train/content/{name}"))?;
    let image = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(image.to_rgb8())
}

/// Writes `n` images of w×h into `dir` (`img000.png`, …): gradients, stripes and a blob that vary
/// with `seed` and the index, so a folder reads like a varied data set to a trainer.
pub fn write_folder(dir: &Path, n: usize, w: u32, h: u32, seed: u32) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n as u32 {
        let k = seed * 31 + i * 7;
        let img = RgbImage::from_fn(w, h, |x, y| {
            let stripe = if ((x + k) / (3 + k % 5)).is_multiple_of(2) {
                60
            } else {
                0
            };
            let blob = {
                let (cx, cy) = ((k * 13) % w, (k * 17) % h);
                let d = ((x as i64 - cx as i64).pow(2) + (y as i64 - cy as i64).pow(2)) as f64;
                (120.0 * (-d / 200.0).exp()) as u32
            };
            Rgb([
                ((x * 255 / w + stripe) % 256) as u8,
                ((y * 255 / h + blob) % 256) as u8,
                (((x + y + k * 11) * 3) % 256) as u8,
            ])
        });
        img.save(dir.join(format!("img{i:03}.png"))).unwrap();
    }
    dir.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_images_are_seeded_and_colourful() {
        assert_eq!(test_image(31, 17, 4), test_image(31, 17, 4));
        assert_ne!(test_image(31, 17, 4), test_image(31, 17, 5));
        let image = test_image(64, 48, 1);
        for c in 0..3 {
            let values: Vec<u8> = image.pixels().map(|p| p[c]).collect();
            let (lo, hi) = (values.iter().min().unwrap(), values.iter().max().unwrap());
            assert!(hi - lo > 60, "channel {c} spans only {lo}..{hi}");
        }
    }

    #[test]
    fn folders_hold_distinct_images() {
        let dir = tempfile::tempdir().unwrap();
        let folder = write_folder(&dir.path().join("f"), 3, 40, 32, 7);
        let images: Vec<RgbImage> = crate::paths::files_in(&folder)
            .iter()
            .map(|n| image::open(folder.join(n)).unwrap().to_rgb8())
            .collect();
        assert_eq!(images.len(), 3);
        assert!(images.iter().all(|i| i.dimensions() == (40, 32)));
        assert!(images[0] != images[1] && images[1] != images[2]);
    }

    /// The layout the tests that read real images rely on: photos and artworks beside the
    /// workspace (skipped on a machine without the shared folder, a failure under CI).
    #[test]
    fn the_shared_folder_holds_photos_and_artworks() {
        for folder in ["content", "style"] {
            let Some(first) = crate::require::first_shared_file(&format!("data/train/{folder}"))
            else {
                return;
            };
            let (w, h) = image::image_dimensions(&first).unwrap();
            assert!(w >= 64 && h >= 64, "{}: {w}x{h}", first.display());
        }
    }
}
