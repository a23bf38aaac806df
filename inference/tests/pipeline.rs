//! The library pipeline with the real VGG16 encoder and a seeded random decoder, stage by stage.

use std::collections::BTreeMap;

use adain::ops::{adain_stats, transfer};
use adain::ops::{ChannelStats, StyleMix};
use adain::package::ModelPackage;
use adain::runtime::{probe_provider, Provider, ProviderRequest, SessionOptions};
use adain::Stylizer;
use adain_models::convention::{channel_stats_f64, feature_side};
use adain_test_kit::images::test_image;
use adain_test_kit::package::test_package;
use ndarray::Axis;

fn stylizer() -> Stylizer {
    let package = ModelPackage::load(test_package(), adain::Precision::Fp32, Provider::Cpu)
        .expect("the test package passes its checks");
    Stylizer::new(
        &package,
        &SessionOptions {
            threads: 2,
            ..Default::default()
        },
    )
    .expect("sessions open")
}

#[test]
fn alpha_zero_reproduces_the_decoded_content_features() {
    let mut st = stylizer();
    let content = test_image(67, 45, 1);
    let style = st
        .style_statistics(&test_image(40, 48, 2), BTreeMap::new())
        .unwrap();
    let result = st
        .stylize(&content, StyleMix::One(&adain_stats(&style)), 0.0)
        .unwrap();
    let features = st.encode_content(&content).unwrap();
    let decoded = st.decode(features.features.view(), 67, 45).unwrap();
    assert_eq!(result, decoded);
    assert_eq!(result.dimensions(), (67, 45));
    // And full style is something else.
    let styled = st
        .stylize(&content, StyleMix::One(&adain_stats(&style)), 1.0)
        .unwrap();
    assert_ne!(styled, decoded);
}

#[test]
fn odd_sizes_encode_with_ceil_pooling_and_decode_back_to_the_same_size() {
    let mut st = stylizer();
    let content = test_image(333, 257, 3);
    let features = st.encode_content(&content).unwrap();
    assert_eq!(
        features.features.dim(),
        (512, feature_side(257), feature_side(333))
    );
    let style = ChannelStats::of(features.features.view());
    let target = transfer(&features, StyleMix::One(&style), 1.0).unwrap();
    let out = st.decode(target.view(), 333, 257).unwrap();
    assert_eq!(out.dimensions(), (333, 257));
}

#[test]
fn style_statistics_of_real_features_equal_the_f64_reference() {
    let mut st = stylizer();
    let image = test_image(52, 37, 4);
    let stats = st.style_statistics(&image, BTreeMap::new()).unwrap();
    assert_eq!(
        stats.encoder_identity,
        ModelPackage::load(test_package(), adain::Precision::Fp32, Provider::Cpu)
            .unwrap()
            .encoder_identity()
    );
    assert_eq!(
        stats.layers.keys().collect::<Vec<_>>(),
        ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]
    );
    let features = st.encode_content(&image).unwrap().features;
    let relu4 = &stats.layers["relu4_1"];
    for (c, plane) in features.axis_iter(Axis(0)).enumerate() {
        let (m, s) = channel_stats_f64(&plane.iter().copied().collect::<Vec<_>>());
        assert!(
            (f64::from(relu4.mean[c]) - m).abs() <= 1e-6 * m.abs().max(1.0),
            "mean {c}"
        );
        assert!(
            (f64::from(relu4.std[c]) - s).abs() <= 1e-6 * s.max(1.0),
            "std {c}"
        );
    }
}

/// `auto` takes the first GPU provider that registers on this machine, else the CPU; an explicitly
/// requested provider that cannot run is an error naming it, never a silent CPU fall-back. Which
/// branch runs depends on the machine: the CPU one on the build machines, the GPU one where
/// `adain info` reports a usable provider.
#[test]
fn auto_takes_the_best_usable_provider_and_an_unusable_explicit_one_is_an_error() {
    let package =
        ModelPackage::load(test_package(), adain::Precision::Fp32, Provider::Cpu).unwrap();
    let options = |request| SessionOptions {
        threads: 1,
        request,
        ..Default::default()
    };
    let usable =
        |provider| probe_provider(provider, &options(ProviderRequest::Only(provider))).is_ok();
    let expected = [Provider::TensorRt, Provider::Cuda]
        .into_iter()
        .find(|&p| usable(p))
        .unwrap_or(Provider::Cpu);
    let st = Stylizer::new(&package, &options(ProviderRequest::Auto)).unwrap();
    assert_eq!(st.providers(), (expected, expected));
    for provider in [Provider::Cuda, Provider::TensorRt] {
        let opened = Stylizer::new(&package, &options(ProviderRequest::Only(provider)));
        if usable(provider) {
            assert_eq!(opened.unwrap().providers(), (provider, provider));
        } else {
            let err = opened.err().expect("no silent CPU fall-back").to_string();
            assert!(err.contains(provider.ort_name()), "{err}");
        }
    }
}
