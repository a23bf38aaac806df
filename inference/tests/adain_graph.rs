//! AdaIN as an ONNX graph (for Triton ensembles) computes what the library computes in ndarray,
//! per sample of a batch and for any α.

use adain::ops::{target_features, ChannelStats, StyleMix};
use adain::Runtime;
use adain_models::convention::{ADAIN_LAYER, DECODER_INPUT};
use adain_models::onnx::{adain_graph, model_bytes, ALPHA, STYLE_MEAN, STYLE_STD};
use ndarray::{s, Array1, Array2, Array4, Axis};
use ort::session::Session;
use ort::value::TensorRef;
use rand::{Rng, SeedableRng};

#[test]
fn the_adain_graph_matches_the_library_per_sample() {
    let runtime = Runtime::get().expect("`cargo xtask setup` installs ONNX Runtime");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let (n, c, h, w) = (3, 512, 6, 9);
    // relu4_1-like: non-negative, channel scales that differ.
    let features = Array4::from_shape_fn((n, c, h, w), |(_, ch, _, _)| {
        (rng.random::<f32>() - 0.3).max(0.0) * (1.0 + ch as f32 / 64.0)
    });
    let style_mean = Array2::from_shape_fn((n, c), |_| rng.random_range(0.0..3.0f32));
    let style_std = Array2::from_shape_fn((n, c), |_| rng.random_range(0.05..2.0f32));
    let alpha = Array2::from_shape_vec((n, 1), vec![1.0f32, 0.4, 0.0]).unwrap();

    let mut session = Session::builder(runtime.environment())
        .unwrap()
        .commit_from_memory(&model_bytes(&adain_graph()))
        .expect("ONNX Runtime accepts the graph");
    let outputs = session
        .run(ort::inputs![
            ADAIN_LAYER => TensorRef::from_array_view(&features).unwrap(),
            STYLE_MEAN => TensorRef::from_array_view(&style_mean).unwrap(),
            STYLE_STD => TensorRef::from_array_view(&style_std).unwrap(),
            ALPHA => TensorRef::from_array_view(&alpha).unwrap(),
        ])
        .unwrap();
    let got = outputs[DECODER_INPUT].try_extract_array::<f32>().unwrap();
    assert_eq!(got.shape(), [n, c, h, w]);

    for i in 0..n {
        let style = ChannelStats {
            mean: Array1::from(style_mean.row(i).to_vec()),
            std: Array1::from(style_std.row(i).to_vec()),
        };
        let content = features.index_axis(Axis(0), i);
        let expected = target_features(content, StyleMix::One(&style), alpha[[i, 0]]).unwrap();
        let sample = got.slice(s![i, .., .., ..]);
        let worst = (&sample - &expected)
            .iter()
            .fold(0.0f32, |m, d| m.max(d.abs()));
        let range = expected.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(
            worst <= 1e-4 * range.max(1.0),
            "sample {i}: max difference {worst} (range {range})"
        );
    }
}
