//! Stained glass: Voronoi cells in jewel colours, shaded towards their edges, with dark lead outlines.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::canvas::{jitter, Canvas, Color};
use super::pick;

const GLASS: [Color; 7] = [
    [0.70, 0.07, 0.12],
    [0.09, 0.25, 0.66],
    [0.05, 0.52, 0.32],
    [0.93, 0.66, 0.12],
    [0.45, 0.16, 0.56],
    [0.10, 0.58, 0.70],
    [0.92, 0.42, 0.10],
];
const LEAD: Color = [0.06, 0.05, 0.05];

pub fn stained_glass(width: u32, height: u32, rng: &mut ChaCha8Rng) -> Canvas {
    let cell = (width.max(height) as f32 / 14.0).max(6.0);
    let (cols, rows) = (
        (width as f32 / cell).ceil() as i32 + 1,
        (height as f32 / cell).ceil() as i32 + 1,
    );
    // One seed per grid cell, jittered: the nearest seeds of a pixel are among the 5×5 cells around it.
    let seeds: Vec<([f32; 2], Color)> = (0..rows * cols)
        .map(|i| {
            let (gx, gy) = ((i % cols) as f32, (i / cols) as f32);
            let p = [
                (gx + rng.random_range(0.1..0.9)) * cell,
                (gy + rng.random_range(0.1..0.9)) * cell,
            ];
            (
                p,
                jitter(
                    pick(&GLASS, rng.random()),
                    0.08,
                    [rng.random(), rng.random(), rng.random()],
                ),
            )
        })
        .collect();
    let lead = cell * 0.09 + 0.6;
    let mut canvas = Canvas::new(width, height, LEAD);
    canvas.fill_with(|x, y| {
        let (gx, gy) = ((x / cell) as i32, (y / cell) as i32);
        let mut best = [(f32::MAX, 0usize); 2];
        for j in (gy - 2).max(0)..(gy + 3).min(rows) {
            for i in (gx - 2).max(0)..(gx + 3).min(cols) {
                let k = (j * cols + i) as usize;
                let [sx, sy] = seeds[k].0;
                let d2 = (x - sx).powi(2) + (y - sy).powi(2);
                if d2 < best[0].0 {
                    best = [(d2, k), best[0]];
                } else if d2 < best[1].0 {
                    best[1] = (d2, k);
                }
            }
        }
        let (a, b) = (seeds[best[0].1].0, seeds[best[1].1].0);
        // Exact distance to the bisector between the two nearest seeds.
        let edge = (best[1].0 - best[0].0) / (2.0 * (a[0] - b[0]).hypot(a[1] - b[1]).max(1e-6));
        let glass = seeds[best[0].1].1;
        let glow = 1.15 - 0.45 * (best[0].0.sqrt() / cell).min(1.0);
        let shaded = glass.map(|c| (c * glow).min(1.0));
        let t = ((edge - lead) + 0.5).clamp(0.0, 1.0);
        [0, 1, 2].map(|i| LEAD[i] + (shaded[i] - LEAD[i]) * t)
    });
    canvas.grain(rng.random(), 0.08);
    canvas
}
