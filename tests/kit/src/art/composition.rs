//! Bold geometric compositions: a Mondrian-like grid and a Kandinsky-like arrangement of shapes.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::canvas::{jitter, Canvas, Color};
use super::pick;

const WHITE: Color = [0.95, 0.93, 0.87];
const BLACK: Color = [0.06, 0.06, 0.07];
const RED: Color = [0.82, 0.11, 0.09];
const BLUE: Color = [0.08, 0.22, 0.62];
const YELLOW: Color = [0.98, 0.80, 0.10];

/// Rectangles split recursively; mostly white, some red, blue, yellow or black; black bars between.
pub fn mondrian(width: u32, height: u32, rng: &mut ChaCha8Rng) -> Canvas {
    let (w, h) = (width as f32, height as f32);
    let bar = (w.max(h) * 0.02).max(1.5);
    let mut leaves = Vec::new();
    split([0.0, 0.0, w, h], 0, w.max(h) * 0.09, rng, &mut leaves);
    let mut canvas = Canvas::new(width, height, BLACK);
    for [x0, y0, x1, y1] in leaves {
        let r: f32 = rng.random();
        let base = match r {
            r if r < 0.14 => RED,
            r if r < 0.25 => BLUE,
            r if r < 0.37 => YELLOW,
            r if r < 0.42 => BLACK,
            _ => WHITE,
        };
        let color = jitter(base, 0.03, [rng.random(), rng.random(), rng.random()]);
        let inset = bar / 2.0;
        canvas.rect(x0 + inset, y0 + inset, x1 - inset, y1 - inset, color, 1.0);
    }
    canvas.grain(rng.random(), 0.05);
    canvas
}

fn split(r: [f32; 4], depth: u32, min: f32, rng: &mut ChaCha8Rng, leaves: &mut Vec<[f32; 4]>) {
    let [x0, y0, x1, y1] = r;
    let (w, h) = (x1 - x0, y1 - y0);
    let stop = depth >= 2 && rng.random_bool((0.18 * f64::from(depth - 1)).min(0.9));
    if stop || w.max(h) < 2.5 * min {
        leaves.push(r);
        return;
    }
    let vertical = if w > 1.6 * h {
        true
    } else if h > 1.6 * w {
        false
    } else {
        rng.random_bool(0.5)
    };
    let t = rng.random_range(0.28..0.72);
    if vertical {
        let x = x0 + w * t;
        split([x0, y0, x, y1], depth + 1, min, rng, leaves);
        split([x, y0, x1, y1], depth + 1, min, rng, leaves);
    } else {
        let y = y0 + h * t;
        split([x0, y0, x1, y], depth + 1, min, rng, leaves);
        split([x0, y, x1, y1], depth + 1, min, rng, leaves);
    }
}

const KANDINSKY: [Color; 7] = [
    RED,
    BLUE,
    YELLOW,
    [0.10, 0.50, 0.35],
    [0.55, 0.20, 0.55],
    [0.95, 0.50, 0.15],
    BLACK,
];

/// Circles with concentric rings, bars, triangles, a chequered patch and dots, on warm paper.
pub fn kandinsky(width: u32, height: u32, rng: &mut ChaCha8Rng) -> Canvas {
    let (w, h) = (width as f32, height as f32);
    let s = w.min(h);
    let mut canvas = Canvas::new(width, height, WHITE);
    canvas.fill_with(|x, y| {
        let t = ((x / w) * 0.4 + (y / h) * 0.6).clamp(0.0, 1.0);
        [0.94 - 0.10 * t, 0.88 - 0.12 * t, 0.74 - 0.14 * t]
    });
    let color = |rng: &mut ChaCha8Rng| {
        jitter(
            pick(&KANDINSKY, rng.random()),
            0.05,
            [rng.random(), rng.random(), rng.random()],
        )
    };
    let bright = |rng: &mut ChaCha8Rng| {
        jitter(
            pick(&KANDINSKY[..6], rng.random()),
            0.05,
            [rng.random(), rng.random(), rng.random()],
        )
    };
    let point = |rng: &mut ChaCha8Rng| [rng.random_range(0.0..w), rng.random_range(0.0..h)];

    // Triangles first, so circles and bars overlap them; never black (they would swallow the picture).
    for _ in 0..rng.random_range(3..6) {
        let [cx, cy] = point(rng);
        let (r, turn) = (
            rng.random_range(0.12..0.3) * s,
            rng.random_range(0.0..std::f32::consts::TAU),
        );
        let corners: Vec<[f32; 2]> = (0..3)
            .map(|k| {
                let a = turn + k as f32 * 2.1 + rng.random_range(-0.3..0.3);
                [cx + r * a.cos(), cy + r * a.sin()]
            })
            .collect();
        let fill = bright(rng);
        canvas.polygon(&corners, fill, 0.75);
    }
    for _ in 0..rng.random_range(3..6) {
        let [cx, cy] = point(rng);
        let r = rng.random_range(0.08..0.22) * s;
        let fill = color(rng);
        canvas.disc(cx, cy, r, fill, 0.85);
        for k in 0..rng.random_range(1..4) {
            let ring = color(rng);
            canvas.ring(
                cx,
                cy,
                r * (0.35 + 0.25 * k as f32),
                rng.random_range(0.01..0.04) * s,
                ring,
                0.9,
            );
        }
        if rng.random_bool(0.5) {
            canvas.ring(cx, cy, r, 0.012 * s, BLACK, 1.0);
        }
    }
    // A chequered patch.
    let cell = rng.random_range(0.025..0.045) * s;
    let [px, py] = point(rng);
    let (checker, n) = (bright(rng), rng.random_range(3..7));
    for i in 0..n {
        for j in 0..n {
            let fill = if (i + j) % 2 == 0 { BLACK } else { checker };
            let (x, y) = (px + i as f32 * cell, py + j as f32 * cell);
            canvas.rect(x, y, x + cell, y + cell, fill, 1.0);
        }
    }
    for _ in 0..rng.random_range(6..11) {
        let (a, b) = (point(rng), point(rng));
        let line = if rng.random_bool(0.6) {
            BLACK
        } else {
            color(rng)
        };
        canvas.segment(a, b, rng.random_range(0.006..0.02) * s, line, 1.0);
    }
    for _ in 0..rng.random_range(10..24) {
        let [x, y] = point(rng);
        let dot = color(rng);
        canvas.disc(x, y, rng.random_range(0.006..0.02) * s, dot, 1.0);
    }
    canvas.grain(rng.random(), 0.07);
    canvas
}
