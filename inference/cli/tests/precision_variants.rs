//! int8 and fp16 variants in a package: ONNX Runtime loads and runs them on quantized kernels, their
//! outputs stay close to fp32, and `auto` picks a variant only when it is listed, validated and intact.

mod common;

use std::path::{Path, PathBuf};

use adain::image_io::to_planar;
use adain::ops::adain_stats;
use adain::ops::{adain, ChannelStats};
use adain::package::kernels::profile_graph;
use adain::package::{int8_kernels_exact, ModelPackage, PrecisionChoice};
use adain::runtime::{GraphInput, Provider, SessionOptions};
use adain::Encoder;
use adain::Stylizer;
use adain_models::convention::DECODER_INPUT;
use adain_models::manifest::{Manifest, Role, Validation};
use adain_models::onnx::quantize::ActivationRanges;
use adain_models::package::{
    package_file, write_decoder_as, write_encoder_as, write_package, Precision, Variant,
    MIN_VALIDATED_PSNR_DB, VGG16_INT8_RANGES_FILE,
};
use adain_models::{Architecture, Network};
use adain_test_kit::images::test_image;
use adain_test_kit::package::{package_info, real_encoder, test_package, DECODER_SEED};
use adain_test_kit::paths::workspace_root;
use adain_test_kit::psnr;

/// A precision as the command line names it.
fn pc(name: &str) -> PrecisionChoice {
    name.parse().unwrap()
}

fn committed_encoder_ranges() -> ActivationRanges {
    let path = workspace_root().join("models").join(VGG16_INT8_RANGES_FILE);
    ActivationRanges::load(&path)
        .unwrap_or_else(|e| panic!("{e} (the file is committed with the repository)"))
}

/// Generous ranges for the seeded decoder (its calibrated export is tested in adain-training).
fn rough_decoder_ranges(decoder: &Network) -> ActivationRanges {
    let mut r: std::collections::BTreeMap<String, (f32, f32)> = decoder
        .architecture()
        .convs()
        .map(|c| (c.name.to_string(), (0.0, 2.0)))
        .collect();
    r.insert(DECODER_INPUT.into(), (-1.0, 6.0));
    r.insert("dec1_1".into(), (0.0, 1.0));
    ActivationRanges::new(decoder, "rough test ranges".into(), r)
}

/// The test package plus int8 and fp16 graphs listed in its manifest (without validation).
fn variant_package(dir: &Path) -> PathBuf {
    let encoder = real_encoder();
    let decoder = Network::seeded(Architecture::decoder(), DECODER_SEED);
    let info = package_info();
    let mut manifest = write_package(dir, &encoder, &decoder, &info, true).unwrap();
    let (er, dr) = (committed_encoder_ranges(), rough_decoder_ranges(&decoder));
    for (ev, dv) in [
        (Variant::Int8(&er), Variant::Int8(&dr)),
        (Variant::Fp16, Variant::Fp16),
    ] {
        write_encoder_as(dir, &encoder, &info, ev).unwrap();
        write_decoder_as(dir, &decoder, &encoder, &info, dv).unwrap();
        manifest.set_file(package_file(dir, Role::Encoder, ev.precision(), true).unwrap());
        manifest.set_file(package_file(dir, Role::Decoder, dv.precision(), true).unwrap());
    }
    manifest.save(dir).unwrap();
    dir.to_path_buf()
}

fn set_validation(dir: &Path, precision: &str, psnr_db: f64) {
    let mut manifest = Manifest::load(dir).unwrap();
    for role in [Role::Encoder, Role::Decoder] {
        let mut f = manifest.file(role, precision).unwrap().clone();
        f.validation = Some(Validation {
            psnr_db,
            min_psnr_db: psnr_db - 1.0,
            pairs: 4,
            size: 64,
            threshold_db: MIN_VALIDATED_PSNR_DB,
            validated: psnr_db >= MIN_VALIDATED_PSNR_DB,
            method: "set by the test".into(),
        });
        manifest.set_file(f);
    }
    manifest.save(dir).unwrap();
}

fn options() -> SessionOptions {
    SessionOptions {
        threads: 2,
        ..SessionOptions::default()
    }
}

#[test]
fn int8_graphs_run_on_quantized_kernels() {
    let dir = tempfile::tempdir().unwrap();
    let package = variant_package(dir.path());
    let keep_float = committed_encoder_ranges().keep_float.len();
    let encoder = profile_graph(
        &package.join("encoder.int8.onnx"),
        &GraphInput::ENCODER,
        64,
        2,
        1,
    )
    .unwrap();
    assert_eq!(
        encoder.nodes_of("QLinearConv"),
        8 - keep_float,
        "{}",
        encoder.summary()
    );
    assert_eq!(
        encoder.nodes_of("Conv"),
        keep_float,
        "{}",
        encoder.summary()
    );
    let decoder = profile_graph(
        &package.join("decoder.int8.onnx"),
        &GraphInput::DECODER,
        64,
        2,
        1,
    )
    .unwrap();
    assert_eq!(decoder.nodes_of("QLinearConv"), 9, "{}", decoder.summary());
    assert_eq!(decoder.nodes_of("Conv"), 0, "{}", decoder.summary());
    assert!(encoder
        .kernels
        .iter()
        .chain(&decoder.kernels)
        .all(|k| k.provider == "CPUExecutionProvider"));
    // The fp32 graph, for contrast, runs float convolutions.
    let fp32 = profile_graph(
        &package.join("encoder.onnx"),
        &GraphInput::ENCODER,
        64,
        2,
        1,
    )
    .unwrap();
    assert_eq!(
        (fp32.nodes_of("Conv"), fp32.nodes_of("QLinearConv")),
        (8, 0),
        "{}",
        fp32.summary()
    );
}

#[test]
fn variants_keep_the_interface_and_stay_close_to_fp32() {
    let dir = tempfile::tempdir().unwrap();
    let package = variant_package(dir.path());
    let (content, style) = (test_image(97, 75, 1), test_image(80, 64, 2));
    let open = |p: &str| {
        Stylizer::new(
            &ModelPackage::load(&package, pc(p), Provider::Cpu).unwrap(),
            &options(),
        )
        .unwrap()
    };
    // Where int8 kernels are not exact (x86-64 without VNNI), int8 graphs are refused by name, before
    // any session opens; their numbers are checked on the machines that run them.
    if !int8_kernels_exact() {
        let err = ModelPackage::load(&package, pc("int8"), Provider::Cpu)
            .expect_err("int8 refused without exact kernels");
        assert!(
            matches!(err, adain::AdainError::PrecisionUnavailable { .. }),
            "{err}"
        );
        let err = err.to_string();
        assert!(err.contains("VNNI") && err.contains("fp32"), "{err}");
    }
    let precisions: &[&str] = if int8_kernels_exact() {
        &["fp32", "int8", "fp16"]
    } else {
        &["fp32", "fp16"]
    };
    let mut outputs = Vec::new();
    for &precision in precisions {
        let mut s = open(precision);
        let stats = s.style_statistics(&style, Default::default()).unwrap();
        let out = s
            .stylize(
                &content,
                adain::ops::StyleMix::One(&adain_stats(&stats)),
                1.0,
            )
            .unwrap();
        assert_eq!(out.dimensions(), (97, 75), "{precision}");
        outputs.push(out);
    }
    let fp16 = psnr::of_images(&outputs[0], outputs.last().unwrap());
    assert!(fp16 >= 40.0, "fp16 pipeline only {fp16:.1} dB from fp32");
    if !int8_kernels_exact() {
        return;
    }
    // The rough decoder ranges make the full int8 pipeline a smoke test here; the encoder, with its
    // committed calibrated ranges, must match fp32 features closely.
    let features = |p: &str| {
        let precision: Precision = p.parse().unwrap();
        let mut e = Encoder::open(
            &package.join(precision.file_name(Role::Encoder)),
            &options(),
        )
        .unwrap();
        e.content_features(to_planar(&test_image(128, 128, 3)).view())
            .unwrap()
    };
    let (f32_features, int8_features) = (features("fp32"), features("int8"));
    let signal: f64 = f32_features.iter().map(|v| (*v as f64).powi(2)).sum();
    let noise: f64 = f32_features
        .iter()
        .zip(&int8_features)
        .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
        .sum();
    let snr = 10.0 * (signal / noise).log10();
    assert!(snr >= 20.0, "int8 relu4_1 SNR {snr:.1} dB");
    // What AdaIN makes of them: the stylized features of both encoders agree.
    let style_stats = ChannelStats::of(features("fp32").view());
    let (a, b) = (
        adain(f32_features.view(), &style_stats).unwrap(),
        adain(int8_features.view(), &style_stats).unwrap(),
    );
    let err: f64 = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    let var: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>() / a.len() as f64;
    assert!(10.0 * (var / err).log10() >= 20.0);
}

#[test]
fn auto_picks_a_variant_only_when_validated() {
    let dir = tempfile::tempdir().unwrap();
    let package = variant_package(dir.path());
    let auto = |provider| ModelPackage::load(&package, PrecisionChoice::Auto, provider).unwrap();

    // Listed but not validated: fp32, and the checks say why.
    let p = auto(Provider::Cpu);
    assert_eq!(p.precision(), "fp32");
    assert!(
        p.checks()
            .iter()
            .any(|c| c.what == "precision" && c.detail.contains("int8 not validated")),
        "{:?}",
        p.checks()
    );
    assert_eq!(
        ModelPackage::load(&package, pc("auto"), Provider::Cpu)
            .unwrap()
            .precision(),
        "fp32"
    );

    // Below the bar: still fp32.
    set_validation(&package, "int8", MIN_VALIDATED_PSNR_DB - 3.0);
    let p = auto(Provider::Cpu);
    assert_eq!(p.precision(), "fp32");
    assert!(
        p.checks()
            .iter()
            .any(|c| c.detail.contains("below the bar")),
        "{:?}",
        p.checks()
    );

    // Validated: int8 on the CPU (one with VNNI, where the kernels are exact); the GPU providers want
    // fp16, which is not validated yet.
    set_validation(&package, "int8", MIN_VALIDATED_PSNR_DB + 4.0);
    let cpu_int8 = if int8_kernels_exact() { "int8" } else { "fp32" };
    let p = auto(Provider::Cpu);
    assert_eq!(p.precision(), cpu_int8);
    if int8_kernels_exact() {
        assert!(
            p.encoder_path().ends_with("encoder.int8.onnx")
                && p.decoder_path().ends_with("decoder.int8.onnx")
        );
    }
    assert_eq!(auto(Provider::Cuda).precision(), "fp32");
    // Both branches of the VNNI decision, whatever this machine has.
    let manifest = adain_models::manifest::Manifest::load(&package).unwrap();
    for (exact, expected) in [(true, Precision::Int8), (false, Precision::Fp32)] {
        let order = adain::package::auto_order(&manifest, Provider::Cpu, exact);
        assert_eq!(order[0], expected, "int8 kernels exact: {exact}");
        assert_eq!(order.last(), Some(&Precision::Fp32));
    }

    // The CLI's default precision is auto; --precision fp32 asks for the full-precision graphs.
    let (pkg, cpu) = (package.to_str().unwrap(), ["--ep", "cpu"]);
    let info = |extra: &[&str]| {
        let out = common::adain(&[&["info", "--model", pkg], &cpu[..], extra].concat());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(
        info(&[]).contains(&format!("checks (precision {cpu_int8})")),
        "{}",
        info(&[])
    );
    assert!(
        info(&["--precision", "fp32"]).contains("checks (precision fp32)"),
        "{}",
        info(&["--precision", "fp32"])
    );

    set_validation(&package, "fp16", 45.0);
    assert_eq!(auto(Provider::Cuda).precision(), "fp16");
    assert_eq!(auto(Provider::TensorRt).precision(), "fp16");
    assert_eq!(auto(Provider::Cpu).precision(), cpu_int8);

    // Explicit precisions load as asked; unknown ones are refused with the list.
    assert_eq!(
        ModelPackage::load(&package, pc("fp16"), Provider::Cpu)
            .unwrap()
            .precision(),
        "fp16"
    );
    let err = "int4".parse::<PrecisionChoice>().unwrap_err().to_string();
    assert!(err.contains("int4") && err.contains("auto"), "{err}");

    // A package without variants: auto is fp32.
    assert_eq!(
        ModelPackage::load(test_package(), pc("auto"), Provider::Cpu)
            .unwrap()
            .precision(),
        "fp32"
    );
}

#[test]
fn a_variant_with_a_wrong_sha256_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let package = variant_package(dir.path());
    set_validation(&package, "int8", 35.0);
    let expected = if int8_kernels_exact() { "int8" } else { "fp32" };
    assert_eq!(
        ModelPackage::load(&package, pc("auto"), Provider::Cpu)
            .unwrap()
            .precision(),
        expected
    );

    let graph = package.join("decoder.int8.onnx");
    let mut bytes = std::fs::read(&graph).unwrap();
    bytes.push(0);
    std::fs::write(&graph, bytes).unwrap();

    let err = ModelPackage::load(&package, pc("int8"), Provider::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("decoder.int8.onnx") && err.contains("sha256"),
        "{err}"
    );
    // auto refuses the broken variant and runs fp32; fp32 itself is untouched.
    assert_eq!(
        ModelPackage::load(&package, pc("auto"), Provider::Cpu)
            .unwrap()
            .precision(),
        "fp32"
    );
    assert_eq!(
        ModelPackage::load(&package, Precision::Fp32, Provider::Cpu)
            .unwrap()
            .precision(),
        "fp32"
    );

    // A variant graph listed under the wrong precision is caught by its metadata.
    let mut manifest = Manifest::load(&package).unwrap();
    std::fs::copy(package.join("decoder.fp16.onnx"), &graph).unwrap();
    let mut f = manifest.file(Role::Decoder, "int8").unwrap().clone();
    f.sha256 = Some(adain_models::manifest::sha256_file(&graph).unwrap());
    manifest.set_file(f);
    manifest.save(&package).unwrap();
    let err = ModelPackage::load(&package, pc("int8"), Provider::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("adain.precision") && err.contains("fp16"),
        "{err}"
    );
}
