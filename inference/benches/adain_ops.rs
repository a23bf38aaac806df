//! The ndarray stages between the two graphs, at the sizes a 512² stylization gives them:
//! relu4_1 is [512, 64, 64], relu1_1 (style statistics of all layers) [64, 512, 512], images [3, 512, 512].
//!
//! `cargo bench -p adain` (the networks themselves: `cargo xtask bench`).

use adain::ops::{adain, match_color, target_features, ChannelStats, StyleMix};
use adain::tiling::{AffineTarget, Moments};
use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::{Array1, Array2, Array3};
use std::hint::black_box;

fn features(c: usize, h: usize, w: usize, seed: usize) -> Array3<f32> {
    Array3::from_shape_fn((c, h, w), |(k, i, j)| {
        ((k * 31 + i * 7 + j * 13 + seed) % 97) as f32 * 0.05
    })
}

fn style(c: usize, m: f32) -> ChannelStats {
    ChannelStats {
        mean: Array1::from_shape_fn(c, |k| m + k as f32 * 0.01),
        std: Array1::from_shape_fn(c, |k| 0.5 + k as f32 * 0.002),
    }
}

fn stats(c: &mut Criterion) {
    let relu4 = features(512, 64, 64, 1);
    let relu1 = features(64, 512, 512, 2);
    c.bench_function("stats relu4_1 [512,64,64]", |b| {
        b.iter(|| ChannelStats::of(black_box(relu4.view())))
    });
    c.bench_function("stats relu1_1 [64,512,512]", |b| {
        b.iter(|| ChannelStats::of(black_box(relu1.view())))
    });
    c.bench_function("tiled moments relu4_1 [512,64,64]", |b| {
        b.iter(|| {
            let mut m = Moments::new(1, 512);
            m.add(black_box(relu4.view()));
            m.stats()
        })
    });
}

fn transfer(c: &mut Criterion) {
    let x = features(512, 64, 64, 3);
    let (a, b2) = (style(512, 1.0), style(512, -0.5));
    c.bench_function("adain [512,64,64]", |b| {
        b.iter(|| adain(black_box(x.view()), &a).unwrap())
    });
    c.bench_function("alpha 0.6 [512,64,64]", |b| {
        b.iter(|| target_features(black_box(x.view()), StyleMix::One(&a), 0.6).unwrap())
    });
    let styles = [a.clone(), b2.clone()];
    c.bench_function("interpolate 2 styles [512,64,64]", |b| {
        b.iter(|| {
            target_features(
                black_box(x.view()),
                StyleMix::Interpolate {
                    styles: &styles,
                    weights: &[0.3, 0.7],
                },
                1.0,
            )
            .unwrap()
        })
    });
    let masks = [
        Array2::from_shape_fn((64, 64), |(_, j)| if j < 32 { 1.0 } else { 0.0 }),
        Array2::from_shape_fn((64, 64), |(_, j)| if j < 32 { 0.0 } else { 1.0 }),
    ];
    c.bench_function("masks 2 regions [512,64,64]", |b| {
        b.iter(|| {
            target_features(
                black_box(x.view()),
                StyleMix::Regions {
                    styles: &styles,
                    masks: &masks,
                },
                1.0,
            )
            .unwrap()
        })
    });
    let global = [Some(ChannelStats::of(x.view()))];
    let target = AffineTarget::new(&global, StyleMix::One(&a), 1.0).unwrap();
    c.bench_function("tiled affine target [512,64,64]", |b| {
        b.iter(|| target.apply(black_box(x.view()), None))
    });
}

fn coral(c: &mut Criterion) {
    let style = features(3, 512, 512, 4).mapv(|v| v / 5.0);
    let content = features(3, 512, 512, 5).mapv(|v| v / 5.0);
    c.bench_function("CORAL colour match 512²", |b| {
        b.iter(|| match_color(black_box(style.view()), content.view()))
    });
}

criterion_group! {
    name = benches;
    // Small: these are milliseconds next to seconds of network time.
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = stats, transfer, coral
}
criterion_main!(benches);
