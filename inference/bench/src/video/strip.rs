//! The before/after strip of the video docs: one spot of a panning clip, frame after frame, stylized
//! each frame alone (top) and with flow blending (bottom), the camera's motion taken out so that a
//! steady result shows the same picture in every column. The last column is the change between the
//! last two crops, four times amplified.

use adain_test_kit::flicker::Window;
use image::{imageops, Rgb, RgbImage};

/// Side of each crop, in frame pixels (shown twice as large).
const CROP: u32 = 96;
/// Frames shown.
const COLUMNS: usize = 4;
const GAP: u32 = 6;
const ZOOM: u32 = 2;

/// `rows` are whole clips (each frame alone, blended) over the pure pan `windows`. The crop's
/// top-left corner follows the point that frame `first` shows at the middle of the frame.
pub fn strip(rows: &[&[RgbImage]], windows: &[Window], first: usize) -> RgbImage {
    let (w, h) = rows[0][0].dimensions();
    let anchor = (
        windows[first].x + f64::from(w / 2 - CROP / 2),
        windows[first].y + f64::from(h / 2 - CROP / 2),
    );
    let cell = CROP * ZOOM;
    let width = (COLUMNS as u32 + 1) * (cell + GAP) - GAP;
    let height = rows.len() as u32 * (cell + GAP) - GAP;
    let mut out = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    for (r, frames) in rows.iter().enumerate() {
        let crops: Vec<RgbImage> = (first..first + COLUMNS)
            .map(|t| {
                // Whole-pixel pans: the scene point sits at a whole frame pixel.
                let x = (anchor.0 - windows[t].x).round() as u32;
                let y = (anchor.1 - windows[t].y).round() as u32;
                imageops::crop_imm(&frames[t], x, y, CROP, CROP).to_image()
            })
            .collect();
        let change = RgbImage::from_fn(CROP, CROP, |x, y| {
            let (a, b) = (
                crops[COLUMNS - 2].get_pixel(x, y),
                crops[COLUMNS - 1].get_pixel(x, y),
            );
            Rgb(std::array::from_fn(|c| {
                (4 * (i32::from(a.0[c]) - i32::from(b.0[c])).unsigned_abs()).min(255) as u8
            }))
        });
        for (c, crop) in crops.iter().chain(std::iter::once(&change)).enumerate() {
            let big = imageops::resize(crop, cell, cell, imageops::FilterType::Nearest);
            let at = (
                i64::from(c as u32 * (cell + GAP)),
                i64::from(r as u32 * (cell + GAP)),
            );
            imageops::replace(&mut out, &big, at.0, at.1);
        }
    }
    out
}
