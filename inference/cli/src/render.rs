//! What `stylize` shows and sizes around the library's rendering: the tile progress on the bar, and
//! the size a content will be processed at (read from its header, for the memory arena's choice).

use std::path::Path;

use adain::tiling::{TilePass, TileProgress};

use crate::progress::Progress;

/// The size the image at `path` will be processed at, from its header (`None` if unreadable: the
/// error is reported when the image is read).
pub fn prepared_size_of(path: &Path, content_size: u32, crop: bool) -> Option<(u32, u32)> {
    let (w, h) = image::image_dimensions(path).ok()?;
    Some(prepared_size(w, h, content_size, crop))
}

/// Size after `prepare` (shorter side `content_size`, then the centre square with `crop`), to within
/// rounding.
fn prepared_size(w: u32, h: u32, content_size: u32, crop: bool) -> (u32, u32) {
    let (w, h) = if content_size == 0 || w.min(h) == 0 {
        (w, h)
    } else {
        let scale = f64::from(content_size) / f64::from(w.min(h));
        (
            (f64::from(w) * scale).round() as u32,
            (f64::from(h) * scale).round() as u32,
        )
    };
    if crop {
        (w.min(h), w.min(h))
    } else {
        (w, h)
    }
}

/// A tile pass's progress as the bar's message.
pub fn show(progress: &Progress, p: TileProgress) {
    let pass = match p.pass {
        TilePass::Encode => "encoding",
        TilePass::Decode => "decoding",
    };
    progress.set_message(format!("{pass} tile {}/{}", p.done, p.total));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_size_follows_prepare() {
        assert_eq!(prepared_size(333, 257, 0, false), (333, 257));
        assert_eq!(prepared_size(333, 257, 128, false), (166, 128));
        assert_eq!(prepared_size(333, 257, 0, true), (257, 257));
        assert_eq!(prepared_size(4000, 3000, 1000, true), (1000, 1000));
    }
}
