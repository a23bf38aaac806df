//! The exported graphs compute what the tch networks compute: encoder (all four outputs) and decoder,
//! on random and real images, odd sizes included; max |difference| ≤ 1e-4 of the output range.

use adain::runtime::GraphInput;
use adain_e2e::{photo, random, run_ort, Plain};
use adain_models::convention::FEATURE_LAYERS;
use adain_models::package::{write_package, PackageInfo};
use adain_models::{Architecture, Network};
use adain_test_kit::paths::default_encoder;
use adain_training::model::{Decoder, Encoder};
use tch::{Device, Kind};

const TOLERANCE: f32 = 1e-4;

#[test]
fn encoder_matches_tch_on_random_and_real_images() {
    tch::set_num_threads(2);
    let graph = default_encoder();
    let encoder = Encoder::load(&graph, Device::Cpu).unwrap();
    for (what, image) in [
        ("random 67×93", random(&[1, 3, 93, 67], 1, 0.0, 1.0)),
        ("photo 333×257", photo(333, 257)),
        ("photo 64×64", photo(64, 64)),
    ] {
        let ours = run_ort(&graph, &GraphInput::ENCODER, &image, &FEATURE_LAYERS);
        let reference = tch::no_grad(|| encoder.features(&image.to_tch()));
        for ((layer, o), r) in FEATURE_LAYERS.iter().zip(&ours).zip(&reference) {
            let r = Plain::from_tch(r);
            let d = r.max_diff_over_range(o);
            assert!(
                d <= TOLERANCE,
                "{what}: {layer} differs by {d:e} of its range"
            );
        }
    }
}

#[test]
fn decoder_matches_tch_on_random_and_real_features() {
    tch::set_num_threads(2);
    let dir = tempfile::tempdir().unwrap();
    let encoder = Encoder::load(&default_encoder(), Device::Cpu).unwrap();
    let decoder_net = Network::seeded(Architecture::decoder(), 11);
    let info = PackageInfo {
        name: "parity".into(),
        version: "0".into(),
        encoder_source: "test".into(),
        provenance: Default::default(),
    };
    write_package(dir.path(), encoder.network(), &decoder_net, &info, true).unwrap();
    let graph = dir.path().join("decoder.onnx");
    let decoder = Decoder::from_network(&decoder_net, Device::Cpu);

    let real = Plain::from_tch(&tch::no_grad(|| encoder.relu4_1(&photo(333, 257).to_tch())));
    for (what, features) in [
        ("random 13×9", random(&[1, 512, 9, 13], 2, 0.0, 2.0)),
        ("photo features 42×33", real),
    ] {
        let ours = run_ort(&graph, &GraphInput::DECODER, &features, &["image"]).remove(0);
        let reference = Plain::from_tch(&tch::no_grad(|| {
            decoder.forward(&features.to_tch(), Kind::Float)
        }));
        assert_eq!(ours.shape[2], features.shape[2] * 8);
        let d = reference.max_diff_over_range(&ours);
        assert!(
            d <= TOLERANCE,
            "{what}: decoder output differs by {d:e} of its range"
        );
    }
}
