//! Procedural artworks, deterministic from a seed: the styles of the demo, the model card, the
//! benchmarks, the release check and the server's built-in gallery, so no third-party picture has to
//! ship with the repository.

mod canvas;
mod composition;
mod mosaic;
mod strokes;

use canvas::Color;
use image::RgbImage;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// One kind of generated picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artwork {
    /// Colourful brush strokes following a swirling flow field.
    Swirl,
    /// Voronoi cells in jewel colours with dark lead outlines, like stained glass.
    Mosaic,
    /// Primary-colour rectangles between bold black bars.
    Mondrian,
    /// Circles, rings, bars and triangles on warm paper.
    Kandinsky,
}

impl Artwork {
    pub const ALL: [Artwork; 4] = [
        Artwork::Swirl,
        Artwork::Mosaic,
        Artwork::Mondrian,
        Artwork::Kandinsky,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Artwork::Swirl => "swirl",
            Artwork::Mosaic => "mosaic",
            Artwork::Mondrian => "mondrian",
            Artwork::Kandinsky => "kandinsky",
        }
    }

    /// The picture at `width`×`height`; the same seed and size give the same pixels.
    pub fn render(self, width: u32, height: u32, seed: u64) -> RgbImage {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ ((self as u64) << 32));
        let canvas = match self {
            Artwork::Swirl => strokes::swirl(width, height, &mut rng),
            Artwork::Mosaic => mosaic::stained_glass(width, height, &mut rng),
            Artwork::Mondrian => composition::mondrian(width, height, &mut rng),
            Artwork::Kandinsky => composition::kandinsky(width, height, &mut rng),
        };
        canvas.to_image()
    }
}

/// `art` as a file: PNG, or JPEG at `jpeg` quality (the server's built-in styles are these
/// artworks at 640×512, seed 2017, JPEG 85).
pub fn encoded(art: Artwork, (width, height): (u32, u32), seed: u64, jpeg: Option<u8>) -> Vec<u8> {
    let image = art.render(width, height, seed);
    let mut bytes = Vec::new();
    let written = match jpeg {
        Some(quality) => image.write_with_encoder(
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality),
        ),
        None => image.write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        ),
    };
    written.expect("encoding into memory cannot fail");
    bytes
}

/// A colour from a palette, picked by a number in [0, 1).
fn pick(palette: &[Color], r: f32) -> Color {
    palette[((r * palette.len() as f32) as usize).min(palette.len() - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's embedded gallery is exactly what `cargo xtask art --jpeg 85` writes.
    #[test]
    fn the_servers_builtin_styles_are_these_artworks() {
        let gallery = crate::paths::workspace_root().join("inference/serve/src/gallery");
        for art in Artwork::ALL {
            let path = gallery.join(format!("{}.jpg", art.name()));
            let committed = std::fs::read(&path).unwrap();
            assert!(
                committed == encoded(art, (640, 512), 2017, Some(85)),
                "{} differs from `cargo xtask art --jpeg 85`",
                path.display()
            );
        }
    }

    #[test]
    fn artworks_are_deterministic_colourful_and_distinct() {
        let images: Vec<RgbImage> = Artwork::ALL.iter().map(|a| a.render(96, 80, 7)).collect();
        for (art, img) in Artwork::ALL.iter().zip(&images) {
            assert_eq!(img.dimensions(), (96, 80));
            assert_eq!(img, &art.render(96, 80, 7), "{art:?} is not deterministic");
            assert_ne!(img, &art.render(96, 80, 8), "{art:?} ignores its seed");
            // Colourful: a good share of pixels far from grey.
            let saturated = img.pixels().filter(|p| {
                let [r, g, b] = p.0.map(i32::from);
                r.max(g).max(b) - r.min(g).min(b) > 60
            });
            assert!(saturated.count() > 96 * 80 / 10, "{art:?} is too grey");
        }
        for i in 0..images.len() {
            for j in i + 1..images.len() {
                assert_ne!(images[i], images[j]);
            }
        }
    }
}
