//! Tile geometry on the relu4_1 grid. Cell (i, j) of that grid covers image pixels [8i, 8i + 8) ×
//! [8j, 8j + 8) (the last row and column may be cut by the image edge): windows that start on a cell
//! boundary pool exactly like the whole image does, so their features line up with the whole image's.

use adain_models::convention::{feature_side, DECODER_SCALE};

/// A rectangle of cells, rows [y0, y1) × columns [x0, x1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cells {
    pub y0: usize,
    pub y1: usize,
    pub x0: usize,
    pub x1: usize,
}

impl Cells {
    pub fn height(&self) -> usize {
        self.y1 - self.y0
    }

    pub fn width(&self) -> usize {
        self.x1 - self.x0
    }

    pub fn count(&self) -> usize {
        self.height() * self.width()
    }

    /// Grown by `by` cells on every side, clamped to a grid of `rows` × `cols`.
    pub fn grown(&self, by: usize, rows: usize, cols: usize) -> Cells {
        Cells {
            y0: self.y0.saturating_sub(by),
            y1: (self.y1 + by).min(rows),
            x0: self.x0.saturating_sub(by),
            x1: (self.x1 + by).min(cols),
        }
    }

    /// `self` in the coordinates of `outer` (which must contain it).
    pub fn within(&self, outer: &Cells) -> Cells {
        debug_assert!(
            outer.y0 <= self.y0
                && self.y1 <= outer.y1
                && outer.x0 <= self.x0
                && self.x1 <= outer.x1
        );
        Cells {
            y0: self.y0 - outer.y0,
            y1: self.y1 - outer.y0,
            x0: self.x0 - outer.x0,
            x1: self.x1 - outer.x0,
        }
    }

    /// The image pixels the cells cover in a `width`×`height` image: (x, y, w, h).
    pub fn pixels(&self, width: usize, height: usize) -> (usize, usize, usize, usize) {
        let (x0, y0) = (self.x0 * DECODER_SCALE, self.y0 * DECODER_SCALE);
        let (x1, y1) = (
            (self.x1 * DECODER_SCALE).min(width),
            (self.y1 * DECODER_SCALE).min(height),
        );
        (x0, y0, x1 - x0, y1 - y0)
    }
}

/// The cores of the tiles: they partition the cell grid, so statistics summed over them are the whole
/// image's, each cell counted once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileGrid {
    /// Cell grid size.
    pub rows: usize,
    pub cols: usize,
    /// Image size in pixels.
    pub width: usize,
    pub height: usize,
    pub cores: Vec<Cells>,
}

impl TileGrid {
    /// Cores of at most `tile_cells` cells a side, as equal as possible (no thin last tile), row by row.
    pub fn new(width: usize, height: usize, tile_cells: usize) -> Self {
        let (rows, cols) = (feature_side(height), feature_side(width));
        let ys = split(rows, tile_cells);
        let xs = split(cols, tile_cells);
        let cores = ys
            .windows(2)
            .flat_map(|y| {
                xs.windows(2).map(move |x| Cells {
                    y0: y[0],
                    y1: y[1],
                    x0: x[0],
                    x1: x[1],
                })
            })
            .collect();
        Self {
            rows,
            cols,
            width,
            height,
            cores,
        }
    }

    /// The whole grid.
    pub fn all(&self) -> Cells {
        Cells {
            y0: 0,
            y1: self.rows,
            x0: 0,
            x1: self.cols,
        }
    }

    pub fn grown(&self, cells: &Cells, by: usize) -> Cells {
        cells.grown(by, self.rows, self.cols)
    }

    pub fn pixels(&self, cells: &Cells) -> (usize, usize, usize, usize) {
        cells.pixels(self.width, self.height)
    }
}

/// Boundaries 0 = b₀ < b₁ < … < bₙ = `len` of n = ⌈len / max⌉ near-equal parts.
fn split(len: usize, max: usize) -> Vec<usize> {
    let parts = len.div_ceil(max.max(1)).max(1);
    (0..=parts).map(|k| (k * len + parts / 2) / parts).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_partition_the_grid() {
        let grid = TileGrid::new(1000, 333, 48);
        assert_eq!((grid.rows, grid.cols), (42, 125));
        let mut seen = vec![0u8; grid.rows * grid.cols];
        for c in &grid.cores {
            assert!(
                c.height() <= 48 && c.width() <= 48 && c.height() >= 20 && c.width() >= 20,
                "{c:?}"
            );
            for y in c.y0..c.y1 {
                for x in c.x0..c.x1 {
                    seen[y * grid.cols + x] += 1;
                }
            }
        }
        assert!(seen.iter().all(|&n| n == 1));
    }

    #[test]
    fn windows_clamp_to_the_grid_and_pixels_to_the_image() {
        let grid = TileGrid::new(333, 257, 16);
        let last = *grid.cores.last().unwrap();
        let grown = grid.grown(&last, 8);
        assert_eq!((grown.y1, grown.x1), (grid.rows, grid.cols));
        let (x, y, w, h) = grid.pixels(&grown);
        assert_eq!((x + w, y + h), (333, 257));
        assert_eq!(last.within(&grown).y1, grown.height());
        assert_eq!(split(10, 4), vec![0, 3, 7, 10]);
        assert_eq!(split(3, 100), vec![0, 3]);
    }
}
