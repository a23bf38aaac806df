//! Brush strokes that follow a swirling flow field (a few vortices in a steady wind).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::canvas::{jitter, Canvas, Color};
use super::pick;

const NIGHT: [Color; 5] = [
    [0.07, 0.14, 0.38],
    [0.12, 0.29, 0.62],
    [0.22, 0.49, 0.78],
    [0.38, 0.66, 0.83],
    [0.16, 0.42, 0.45],
];
const LIGHT: [Color; 4] = [
    [0.98, 0.86, 0.25],
    [0.99, 0.64, 0.16],
    [0.96, 0.95, 0.78],
    [0.92, 0.38, 0.14],
];

struct Vortex {
    x: f32,
    y: f32,
    strength: f32,
    radius: f32,
}

/// Unit direction of the flow at (x, y).
fn flow(vortices: &[Vortex], wind: f32, x: f32, y: f32, size: f32) -> [f32; 2] {
    let mut v = [
        wind + 0.35 * (y / size * 9.0).sin(),
        0.25 * (x / size * 7.0).cos(),
    ];
    for vx in vortices {
        let (dx, dy) = (x - vx.x, y - vx.y);
        let d2 = dx * dx + dy * dy + vx.radius * vx.radius;
        let k = vx.strength * vx.radius / d2 * 60.0;
        v[0] += -dy * k / vx.radius.max(1.0);
        v[1] += dx * k / vx.radius.max(1.0);
    }
    let n = v[0].hypot(v[1]).max(1e-6);
    [v[0] / n, v[1] / n]
}

pub fn swirl(width: u32, height: u32, rng: &mut ChaCha8Rng) -> Canvas {
    let (w, h) = (width as f32, height as f32);
    let size = w.max(h);
    let mut canvas = Canvas::new(width, height, NIGHT[0]);
    canvas.fill_with(|_, y| {
        let t = y / h;
        [0.05 + 0.06 * t, 0.10 + 0.12 * t, 0.30 + 0.12 * t]
    });
    let vortices: Vec<Vortex> = (0..rng.random_range(3..6))
        .map(|_| Vortex {
            x: rng.random_range(0.1..0.9) * w,
            y: rng.random_range(0.1..0.9) * h,
            strength: if rng.random_bool(0.5) { 1.0 } else { -1.0 } * rng.random_range(0.6..1.4),
            radius: rng.random_range(0.06..0.14) * size,
        })
        .collect();
    let wind = rng.random_range(0.3..0.8);

    // Big strokes first, fine ones on top; about one stroke per 90 pixels.
    let count = (w * h / 90.0) as usize;
    let scale = size / 512.0;
    for i in 0..count {
        let progress = i as f32 / count as f32;
        let radius = ((5.5 - 3.5 * progress) * scale * rng.random_range(0.8..1.2)).max(0.8);
        let (mut x, mut y) = (rng.random_range(0.0..w), rng.random_range(0.0..h));
        // Light colours gather around the vortex centres, the night's blues elsewhere.
        let near = vortices
            .iter()
            .map(|v| (x - v.x).hypot(y - v.y) / v.radius)
            .fold(f32::MAX, f32::min);
        let base = if near < 1.3 && rng.random_bool(0.75) || rng.random_bool(0.08) {
            pick(&LIGHT, rng.random())
        } else {
            pick(&NIGHT, rng.random())
        };
        let color = jitter(base, 0.07, [rng.random(), rng.random(), rng.random()]);
        let steps = rng.random_range(10..34);
        let step = 1.6 * scale.max(0.3);
        for _ in 0..steps {
            canvas.disc(x, y, radius, color, 0.8);
            let [dx, dy] = flow(&vortices, wind, x, y, size);
            x += dx * step;
            y += dy * step;
        }
        // A darker edge along one side of some strokes reads as paint relief.
        if i % 5 == 0 {
            canvas.disc(x, y, radius * 0.6, color.map(|c| c * 0.55), 0.6);
        }
    }
    canvas.grain(rng.random(), 0.06);
    canvas
}
