//! One statistics convention on both sides: tch (training) and ndarray (inference) give the same
//! channel means, stds and AdaIN output, and both agree with the f64 reference of adain-models.

use adain::ops::{adain as adain_ndarray, ChannelStats};
use adain_e2e::{random, Plain};
use adain_models::convention::channel_stats_f64;
use ndarray::Array3;

fn to_ndarray(p: &Plain) -> Array3<f32> {
    Array3::from_shape_vec((p.shape[1], p.shape[2], p.shape[3]), p.data.clone()).unwrap()
}

#[test]
fn channel_statistics_agree() {
    // Offset values stress the variance computation; one near-constant channel exercises the eps.
    let mut x = random(&[1, 8, 37, 23], 5, 40.0, 44.0);
    let plane = 37 * 23;
    for v in &mut x.data[..plane] {
        *v = 3.0;
    }
    let (tm, ts) = adain_training::stats::channel_stats(&x.to_tch());
    let (tm, ts) = (Plain::from_tch(&tm), Plain::from_tch(&ts));
    let nd = ChannelStats::of(to_ndarray(&x).view());
    for c in 0..8 {
        let (m, s) = channel_stats_f64(&x.data[c * plane..(c + 1) * plane]);
        for (side, got_m, got_s) in [
            ("tch", tm.data[c], ts.data[c]),
            ("ndarray", nd.mean[c], nd.std[c]),
        ] {
            assert!(
                (got_m as f64 - m).abs() <= 1e-5 * m.abs().max(1.0),
                "{side} mean of channel {c}: {got_m} vs {m}"
            );
            assert!(
                (got_s as f64 - s).abs() <= 2e-4 * s,
                "{side} std of channel {c}: {got_s} vs {s}"
            );
        }
    }
    // The constant channel's std is exactly sqrt(eps) on both sides.
    assert!(
        (ts.data[0] - 1e-5f32.sqrt()).abs() < 1e-7 && (nd.std[0] - 1e-5f32.sqrt()).abs() < 1e-7
    );
}

#[test]
fn adain_outputs_agree() {
    let content = random(&[1, 16, 11, 9], 6, 0.0, 3.0);
    let style = random(&[1, 16, 7, 13], 7, 0.0, 5.0);
    let t = Plain::from_tch(&adain_training::stats::adain(
        &content.to_tch(),
        &style.to_tch(),
    ));
    let style_stats = ChannelStats::of(to_ndarray(&style).view());
    let n = adain_ndarray(to_ndarray(&content).view(), &style_stats).unwrap();
    let diff = t
        .data
        .iter()
        .zip(n.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(diff < 1e-4, "AdaIN differs by {diff}");
}
