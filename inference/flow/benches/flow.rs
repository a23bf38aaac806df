//! Time per frame pair at video sizes (`cargo bench -p adain-flow`), on a textured pan.

use adain_flow::{Flow, Plane};
use criterion::{criterion_group, criterion_main, Criterion};

fn frame(width: usize, height: usize, shift: f32) -> Plane {
    let value = |x: f32, y: f32| {
        128.0
            + 60.0 * (0.11 * x + 0.07 * y).sin() * (0.05 * y - 0.03 * x).cos()
            + 40.0 * (0.31 * x * (0.013 * y).sin()).sin()
    };
    Plane::new(
        width,
        height,
        (0..width * height)
            .map(|i| value((i % width) as f32 - shift, (i / width) as f32))
            .collect(),
    )
}

fn pairs(c: &mut Criterion) {
    for (w, h) in [(640, 360), (1280, 720)] {
        let (a, b) = (frame(w, h, 0.0), frame(w, h, 3.5));
        let flow = Flow::default();
        c.bench_function(&format!("dis {w}x{h}"), |bench| {
            bench.iter(|| flow.between(&a, &b))
        });
    }
}

criterion_group!(benches, pairs);
criterion_main!(benches);
