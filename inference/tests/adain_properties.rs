//! Properties of AdaIN and the runtime controls, in ndarray, against an independent f64 reference
//! written from the convention (adain_models::convention::channel_stats_f64).

use adain::ops::color::color_moments;
use adain::ops::{
    adain, blend_alpha, interpolate, masked, match_color, normalized_weights, regions_from_masks,
    target_features, ChannelStats, StyleMix,
};
use adain_models::convention::channel_stats_f64;
use ndarray::{s, Array1, Array2, Array3, ArrayView3, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random_features(c: usize, h: usize, w: usize, seed: u64) -> Array3<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // ReLU-like features: non-negative, channel-dependent scale and offset.
    Array3::from_shape_fn((c, h, w), |(ch, _, _)| {
        (rng.random_range(-1.0f32..3.0) * (1.0 + ch as f32 * 0.3)).max(0.0) + ch as f32 * 0.1
    })
}

fn random_stats(c: usize, seed: u64) -> ChannelStats {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    ChannelStats {
        mean: Array1::from_shape_fn(c, |_| rng.random_range(0.0f32..5.0)),
        std: Array1::from_shape_fn(c, |_| rng.random_range(0.2f32..4.0)),
    }
}

/// Per-channel (mean, std) of a map by the f64 reference.
fn reference_stats(x: ArrayView3<'_, f32>) -> Vec<(f64, f64)> {
    x.axis_iter(Axis(0))
        .map(|plane| channel_stats_f64(&plane.iter().copied().collect::<Vec<_>>()))
        .collect()
}

/// AdaIN written out in f64 from the reference statistics.
fn reference_adain(x: ArrayView3<'_, f32>, style: &ChannelStats) -> Array3<f64> {
    let stats = reference_stats(x);
    Array3::from_shape_fn(x.dim(), |(c, i, j)| {
        let (m, s) = stats[c];
        f64::from(style.std[c]) * (f64::from(x[(c, i, j)]) - m) / s + f64::from(style.mean[c])
    })
}

fn assert_close(found: f64, expected: f64, rel: f64, what: &str) {
    assert!(
        (found - expected).abs() <= rel * expected.abs().max(1.0),
        "{what}: {found} vs {expected}"
    );
}

#[test]
fn channel_stats_equal_the_f64_reference() {
    let x = random_features(16, 29, 31, 1);
    let stats = ChannelStats::of(x.view());
    for (c, (m, s)) in reference_stats(x.view()).into_iter().enumerate() {
        assert_close(f64::from(stats.mean[c]), m, 1e-6, "mean");
        assert_close(f64::from(stats.std[c]), s, 1e-6, "std");
    }
}

#[test]
fn after_adain_the_channel_statistics_are_the_styles() {
    let x = random_features(32, 17, 23, 2);
    let style = random_stats(32, 3);
    let t = adain(x.view(), &style).unwrap();
    for (c, (m, s)) in reference_stats(t.view()).into_iter().enumerate() {
        assert_close(m, f64::from(style.mean[c]), 1e-4, "mean");
        assert_close(s, f64::from(style.std[c]), 1e-4, "std");
    }
}

#[test]
fn adain_equals_the_f64_reference() {
    let x = random_features(8, 13, 11, 4);
    let style = random_stats(8, 5);
    let t = adain(x.view(), &style).unwrap();
    let reference = reference_adain(x.view(), &style);
    for (found, expected) in t.iter().zip(reference.iter()) {
        assert_close(f64::from(*found), *expected, 1e-5, "AdaIN value");
    }
}

#[test]
fn alpha_zero_is_the_content_and_alpha_blends_linearly() {
    let x = random_features(4, 6, 7, 6);
    let style = random_stats(4, 7);
    assert_eq!(
        target_features(x.view(), StyleMix::One(&style), 0.0).unwrap(),
        x
    );
    let full = target_features(x.view(), StyleMix::One(&style), 1.0).unwrap();
    assert_eq!(full, adain(x.view(), &style).unwrap());
    let half = target_features(x.view(), StyleMix::One(&style), 0.25).unwrap();
    for ((h, c), t) in half.iter().zip(x.iter()).zip(full.iter()) {
        assert!((h - (0.75 * c + 0.25 * t)).abs() < 1e-5);
    }
    assert!(blend_alpha(x.view(), full, 1.5).is_err());
}

#[test]
fn interpolation_weights_are_normalised() {
    let x = random_features(6, 9, 8, 8);
    let (a, b) = (random_stats(6, 9), random_stats(6, 10));
    let styles = [a.clone(), b.clone()];
    let raw = interpolate(x.view(), &styles, &[2.0, 6.0]).unwrap();
    let normalised = interpolate(x.view(), &styles, &[0.25, 0.75]).unwrap();
    let by_hand = adain(x.view(), &a).unwrap() * 0.25 + adain(x.view(), &b).unwrap() * 0.75;
    for ((r, n), h) in raw.iter().zip(normalised.iter()).zip(by_hand.iter()) {
        assert!((r - n).abs() < 1e-5 && (r - h).abs() < 1e-4, "{r} {n} {h}");
    }
    assert_eq!(
        normalized_weights(&[2.0, 6.0], 2).unwrap(),
        vec![0.25, 0.75]
    );
    let single = interpolate(x.view(), std::slice::from_ref(&a), &[7.0]).unwrap();
    assert_eq!(single, adain(x.view(), &a).unwrap());
    let err = interpolate(x.view(), &styles, &[1.0, 2.0, 3.0])
        .unwrap_err()
        .to_string();
    assert!(err.contains("3 weights given for 2 style(s)"), "{err}");
}

#[test]
fn masks_give_each_style_its_region() {
    let (c, h, w) = (5, 8, 10);
    let x = random_features(c, h, w, 11);
    let (a, b) = (random_stats(c, 12), random_stats(c, 13));
    // Left 4 columns: mask A; right 4: mask B; the middle two: neither (content kept).
    let mask_a = Array2::from_shape_fn((h, w), |(_, j)| if j < 4 { 1.0 } else { 0.0 });
    let mask_b = Array2::from_shape_fn((h, w), |(_, j)| if j >= 6 { 0.9 } else { 0.1 });
    let styles = [a.clone(), b.clone()];
    let masks = [mask_a.clone(), mask_b.clone()];
    let t = target_features(
        x.view(),
        StyleMix::Regions {
            styles: &styles,
            masks: &masks,
        },
        1.0,
    )
    .unwrap();

    let left = t.slice(s![.., .., ..4]).to_owned();
    let right = t.slice(s![.., .., 6..]).to_owned();
    for (k, region) in [(0usize, left), (1, right)] {
        let style = &styles[k];
        for (ch, (m, sd)) in reference_stats(region.view()).into_iter().enumerate() {
            assert_close(m, f64::from(style.mean[ch]), 1e-4, "region mean");
            assert_close(sd, f64::from(style.std[ch]), 1e-4, "region std");
        }
    }
    assert_eq!(
        t.slice(s![.., .., 4..6]),
        x.slice(s![.., .., 4..6]),
        "unmasked pixels keep the content"
    );

    let regions = regions_from_masks(&[mask_a.view(), mask_b.view()], 2).unwrap();
    assert_eq!(regions[(0, 0)], Some(0));
    assert_eq!(regions[(0, 5)], None);
    assert_eq!(regions[(7, 9)], Some(1));
    // The same through the lower-level call.
    assert_eq!(masked(x.view(), &styles, regions.view()).unwrap(), t);
    let err = regions_from_masks(&[mask_a.view()], 2)
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 masks given for 2 style(s)"), "{err}");
}

#[test]
fn coral_gives_the_content_colour_mean_and_covariance() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    // A reddish, low-contrast style and a bluish, contrasty content with correlated channels.
    let style = Array3::from_shape_fn((3, 40, 50), |(c, _, _)| {
        rng.random_range(0.2f32..0.6) + if c == 0 { 0.3 } else { 0.0 }
    });
    let mut content = Array3::from_shape_fn((3, 30, 20), |_| rng.random_range(0.0f32..1.0));
    let red = content.index_axis(Axis(0), 0).to_owned();
    content
        .index_axis_mut(Axis(0), 2)
        .zip_mut_with(&red, |b, r| *b = 0.5 * *b + 0.5 * r);

    let out = match_color(style.view(), content.view());
    let (mean_o, cov_o) = color_moments(out.view());
    let (mean_c, cov_c) = color_moments(content.view());
    for a in 0..3 {
        assert!((mean_o[a] - mean_c[a]).abs() < 1e-5, "mean {a}");
        for b in 0..3 {
            assert!(
                (cov_o[a][b] - cov_c[a][b]).abs() < 1e-5,
                "cov {a}{b}: {} vs {}",
                cov_o[a][b],
                cov_c[a][b]
            );
        }
    }
}
