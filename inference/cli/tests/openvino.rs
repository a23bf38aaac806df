//! `--ep openvino`: OpenVINO's plugin provider runs the package's graphs, full precision equal to the
//! CPU provider's result, bf16 close to it on CPUs that have bf16 (refused on the others), int8
//! graphs through OpenVINO's kernels; and the choices that cannot work are refused, naming why.
//! Runs on any x86-64 Linux CPU (AVX2-only ones run fp32); the plugin comes from `cargo xtask setup`.

mod common;

use std::path::{Path, PathBuf};

use adain::package::{ModelPackage, PrecisionChoice};
use adain::runtime::ep::openvino;
use adain::runtime::{
    InferencePrecision, Provider, ProviderOptions, ProviderRequest, SessionOptions,
};
use adain::Stylizer;
use adain_test_kit::images::{shared_photo, test_image, warm_style};
use adain_test_kit::package::test_package;
use adain_test_kit::paths::default_package;
use adain_test_kit::psnr::of_images as psnr;
use common::{adain, adain_with_env, arg, expect_failure, expect_success};

/// The plugin, or a skip (on a user's machine where none is pinned; never under CI).
fn plugin() -> Option<std::path::PathBuf> {
    adain_test_kit::require(
        "OpenVINO's plugin",
        "cargo xtask setup",
        openvino::locate_plugin(),
    )
}

/// A photo of the team's data when there is one (else a generated picture) and a style, stylized
/// with the default model as the command line is asked to.
struct Case {
    dir: tempfile::TempDir,
    content: PathBuf,
    style: PathBuf,
}

impl Case {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let photo = shared_photo("0001.jpg")
            .map(|p| adain::image_io::resize_shorter_side(&p, 192))
            .unwrap_or_else(|| test_image(256, 192, 1));
        let content = dir.path().join("photo.png");
        photo.save(&content).unwrap();
        let style = warm_style(dir.path());
        Self {
            dir,
            content,
            style,
        }
    }

    /// `adain stylize` with these flags (and the default model).
    fn stylize(&self, flags: &[&str]) -> image::RgbImage {
        let out = self.dir.path().join(format!("{}.png", flags.join("_")));
        expect_success(&adain(&self.args(flags, &out)));
        image::open(&out).unwrap().to_rgb8()
    }

    fn args<'a>(&'a self, flags: &[&'a str], out: &'a Path) -> Vec<&'a str> {
        let mut args = vec!["stylize", arg(&self.content), "-s", arg(&self.style)];
        args.extend(["--model", arg(default_model())]);
        args.extend_from_slice(flags);
        args.extend(["-o", arg(out)]);
        args
    }
}

fn default_model() -> &'static Path {
    static MODEL: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    MODEL.get_or_init(default_package)
}

const CPU_FP32: &[&str] = &["--ep", "cpu", "--precision", "fp32"];

#[test]
fn openvino_runs_the_graphs_as_the_cpu_provider_does() {
    if plugin().is_none() {
        return;
    }
    let case = Case::new();
    let cpu = case.stylize(CPU_FP32);
    let ov = case.stylize(&["--ep", "openvino", "--precision", "fp32"]);
    // Measured 94.6 dB (192 px, AVX512-BF16 Xeon): other kernels and summation orders, the same result.
    let db = psnr(&cpu, &ov);
    eprintln!("OpenVINO fp32 against the CPU provider: {db:.1} dB");
    assert!(
        db >= 60.0,
        "OpenVINO fp32 at {db:.1} dB from the CPU provider"
    );

    // int8 graphs through OpenVINO stay as close as through the CPU provider's int8 kernels.
    if adain::package::int8_kernels_exact() {
        let cpu8 = case.stylize(&["--ep", "cpu", "--precision", "int8"]);
        let ov8 = case.stylize(&["--ep", "openvino", "--precision", "int8"]);
        let (cpu_db, ov_db) = (psnr(&cpu, &cpu8), psnr(&cpu, &ov8));
        eprintln!("int8 against fp32: CPU provider {cpu_db:.1} dB, OpenVINO {ov_db:.1} dB");
        assert!(
            ov_db >= cpu_db - 3.0,
            "OpenVINO int8 {ov_db:.1} dB, CPU provider int8 {cpu_db:.1} dB"
        );
    }
}

#[test]
fn bf16_is_close_where_the_cpu_has_it_and_refused_where_not() {
    if plugin().is_none() {
        return;
    }
    let case = Case::new();
    if openvino::cpu_has_bf16() {
        let cpu = case.stylize(CPU_FP32);
        let bf16 = case.stylize(&["--ep", "openvino", "--precision", "bf16"]);
        // Measured 50.4 dB here (192 px) and 42.4 dB on a 512-px photo, with the default model.
        let db = psnr(&cpu, &bf16);
        eprintln!("OpenVINO bf16 against the CPU provider's fp32: {db:.1} dB");
        assert!(db >= 35.0, "bf16 at {db:.1} dB");
        assert!(
            db.is_finite(),
            "bf16 equal to fp32: was bf16 arithmetic asked for at all?"
        );
    } else {
        let out = case.dir.path().join("never.png");
        let stderr = expect_failure(&adain(
            &case.args(&["--ep", "openvino", "--precision", "bf16"], &out),
        ));
        assert!(stderr.contains("AVX512-BF16"), "{stderr}");
        assert!(!out.exists());
    }
}

#[test]
fn the_library_reports_openvino_as_the_provider() {
    if plugin().is_none() {
        return;
    }
    let package =
        ModelPackage::load(test_package(), PrecisionChoice::Auto, Provider::OpenVino).unwrap();
    assert_eq!(
        package.precision(),
        "fp32",
        "auto on OpenVINO runs the fp32 graphs"
    );
    let options = SessionOptions {
        threads: 2,
        request: ProviderRequest::Only(Provider::OpenVino),
        provider_options: ProviderOptions {
            openvino_precision: InferencePrecision::F32,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut stylizer = Stylizer::new(&package, &options).unwrap();
    assert_eq!(
        stylizer.providers(),
        (Provider::OpenVino, Provider::OpenVino)
    );
    let features = stylizer.encode_content(&test_image(40, 24, 3)).unwrap();
    assert_eq!(features.features.shape(), &[512, 3, 5]);
}

#[test]
fn choices_that_cannot_work_are_refused_with_the_reason() {
    let case = Case::new();
    let out = case.dir.path().join("out.png");

    // bf16 is OpenVINO's arithmetic.
    let output = adain(&case.args(&["--precision", "bf16"], &out));
    let stderr = expect_failure(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--ep openvino"), "{stderr}");

    // A plugin that is not there is named, with where to get one; so is a file that is no plugin.
    let missing = case.dir.path().join("no-plugin.so");
    let bogus = case.dir.path().join("bogus.so");
    std::fs::write(&bogus, b"not a shared library").unwrap();
    for plugin in [&missing, &bogus] {
        let output = adain_with_env(
            &case.args(&["--ep", "openvino"], &out),
            &[(openvino::PLUGIN_VARIABLE, arg(plugin))],
        );
        let stderr = expect_failure(&output);
        assert!(stderr.contains(&plugin.display().to_string()), "{stderr}");
        if plugin == &missing {
            assert!(stderr.contains("cargo xtask setup"), "{stderr}");
        }
        assert!(!out.exists(), "no output after a refusal");
    }
}

#[test]
fn info_lists_the_plugin_and_what_it_runs() {
    if plugin().is_none() {
        return;
    }
    let output = adain(&["info", "--ep", "openvino"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("openvino"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains("usable: yes"), "{line}");
    assert!(stdout.contains("OpenVINO plugin"), "{stdout}");
    // No GPU provider here: auto is the CPU provider, or OpenVINO where AMX makes it faster.
    let auto = stdout
        .lines()
        .find(|l| l.contains("--ep auto runs on"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(auto.contains("runs on CPU"), "{auto}");
    assert_eq!(auto.contains("OpenVINO"), openvino::cpu_has_amx(), "{auto}");
}

#[test]
fn auto_takes_openvino_only_with_amx_a_validated_package_and_the_plugin() {
    use adain::runtime::ep::openvino::{auto_choice_assuming, AutoChoice};
    use adain_models::manifest::{Manifest, OPENVINO_BF16};
    let validated = Manifest::load(default_model()).unwrap();
    assert!(validated.validated_runtime(OPENVINO_BF16).is_some());
    let mut unvalidated = validated.clone();
    unvalidated.runtime_validations.clear();
    let decide = |amx, manifest: &Manifest, loads| auto_choice_assuming(amx, manifest, || loads);
    assert_eq!(decide(true, &validated, true), AutoChoice::Taken);
    for (amx, manifest, loads, why) in [
        (false, &validated, true, "AMX"),
        (true, &unvalidated, true, "validate"),
        (true, &validated, false, "plugin"),
    ] {
        match decide(amx, manifest, loads) {
            AutoChoice::NotTaken(reason) => assert!(reason.contains(why), "{reason}"),
            AutoChoice::Taken => panic!("taken without {why}"),
        }
    }

    // This machine: the default model's graphs and sessions follow the rule, and `adain info` says why.
    if plugin().is_none() {
        return;
    }
    let amx = openvino::cpu_has_amx();
    let package = ModelPackage::load(
        default_model(),
        PrecisionChoice::Auto,
        ProviderRequest::Auto,
    )
    .unwrap();
    let expected = if amx {
        Provider::OpenVino
    } else {
        Provider::Cpu
    };
    assert_eq!(package.provider(), expected);
    let stylizer = Stylizer::new(&package, &SessionOptions::default()).unwrap();
    assert_eq!(stylizer.providers(), (expected, expected));
    let info = adain(&["info", "--model", arg(default_model())]);
    let stdout = String::from_utf8_lossy(&info.stdout);
    let said = if amx {
        "auto on OpenVINO: the fp32 graphs in bf16 (AMX)"
    } else {
        "(not OpenVINO: it beats int8 only with AMX, which this CPU lacks)"
    };
    assert!(stdout.contains(said), "{stdout}");
}

#[test]
fn auto_runs_bf16_only_where_the_package_validates_it_and_the_cpu_has_amx() {
    use adain_models::manifest::{Manifest, Validation, OPENVINO_BF16};
    let mut manifest = Manifest::load(test_package()).unwrap();
    assert_eq!(
        InferencePrecision::Auto.resolve(&manifest),
        InferencePrecision::F32,
        "no validation recorded: full precision"
    );
    let record = |psnr_db: f64| Validation {
        psnr_db,
        min_psnr_db: psnr_db - 3.0,
        pairs: 16,
        size: 512,
        threshold_db: 30.0,
        validated: psnr_db >= 30.0,
        method: "test".into(),
    };
    manifest
        .runtime_validations
        .insert(OPENVINO_BF16.into(), record(25.0));
    assert_eq!(
        InferencePrecision::Auto.resolve(&manifest),
        InferencePrecision::F32,
        "below the bar"
    );
    manifest
        .runtime_validations
        .insert(OPENVINO_BF16.into(), record(46.0));
    let expected = if openvino::cpu_has_amx() {
        InferencePrecision::Bf16
    } else {
        InferencePrecision::F32
    };
    assert_eq!(InferencePrecision::Auto.resolve(&manifest), expected);
    // A named choice is never overridden.
    assert_eq!(
        InferencePrecision::F32.resolve(&manifest),
        InferencePrecision::F32
    );

    // The default model records its validation: with AMX `auto` gives exactly bf16's result,
    // elsewhere exactly fp32's.
    if plugin().is_none() {
        return;
    }
    let case = Case::new();
    let auto = case.stylize(&["--ep", "openvino"]);
    let (expected, said) = if openvino::cpu_has_amx() {
        (
            &["--ep", "openvino", "--precision", "bf16"],
            "the fp32 graphs in bf16 (AMX), validated at",
        )
    } else {
        (
            &["--ep", "openvino", "--precision", "fp32"],
            "fp32 (bf16 is only faster with AMX",
        )
    };
    assert_eq!(
        auto,
        case.stylize(expected),
        "auto on OpenVINO ran something else"
    );
    let info = adain(&["info", "--ep", "openvino", "--model", arg(default_model())]);
    let stdout = String::from_utf8_lossy(&info.stdout);
    assert!(stdout.contains(said), "{stdout}");
}
