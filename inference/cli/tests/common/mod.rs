//! Fixtures shared by the integration tests: a model package with the real VGG16 encoder and a seeded
//! random decoder, generated test images, and running the `adain` binary.
#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use adain_models::install_paths::keras_vgg16_path;
use adain_models::package::{write_package, PackageInfo};
use adain_models::vgg::{default_encoder, DEFAULT_ENCODER_SOURCE};
use adain_models::{Architecture, Network};
use image::{Rgb, RgbImage};

pub mod python;
pub mod server;

/// Seed of the random decoder every test package uses.
pub const DECODER_SEED: u64 = 42;

pub fn workspace() -> PathBuf {
    adain_test_kit::workspace_root()
}

/// The default encoder exactly as the product builds it. Missing weights are a failure, not a skip:
/// `cargo xtask test` runs setup first.
pub fn real_encoder() -> Network {
    let keras = keras_vgg16_path();
    assert!(
        keras.is_file(),
        "VGG16 weights not found at {}: run `cargo xtask setup`",
        keras.display()
    );
    let scales = workspace().join("models/vgg16_channel_scales.json");
    assert!(
        scales.is_file(),
        "{} is missing (it is committed with the repository)",
        scales.display()
    );
    default_encoder(&keras, &scales).expect("building the default encoder")
}

/// A package folder with the real encoder and `Network::seeded(decoder, 42)`, built once per machine
/// state (keyed by the encoder identity) under the target's test scratch folder.
pub fn test_package() -> &'static Path {
    static PACKAGE: OnceLock<PathBuf> = OnceLock::new();
    PACKAGE.get_or_init(|| {
        let encoder = real_encoder();
        let key = &encoder.identity()[..16];
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("adain-test-package-{key}-{DECODER_SEED}"));
        // A package left by an older version of the writer is rebuilt rather than trusted.
        if adain::package::ModelPackage::load(&dir, adain::Precision::Fp32, adain::Provider::Cpu)
            .is_err()
        {
            let _ = std::fs::remove_dir_all(&dir);
            let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
            write_package(
                tmp.path(),
                &encoder,
                &Network::seeded(Architecture::decoder(), DECODER_SEED),
                &package_info(),
                true,
            )
            .expect("writing the test package");
            // Another test binary may have won the race; its package is identical.
            let _ = std::fs::rename(tmp.keep(), &dir);
        }
        dir
    })
}

pub fn package_info() -> PackageInfo {
    PackageInfo {
        name: "test".into(),
        version: "0".into(),
        encoder_source: DEFAULT_ENCODER_SOURCE.into(),
        provenance: [(
            "decoder".to_string(),
            format!("seeded random weights ({DECODER_SEED})"),
        )]
        .into(),
    }
}

/// Copies the test package into `dir` (for tests that break it).
pub fn copy_package(dir: &Path) -> PathBuf {
    let to = dir.join("package");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(test_package()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    to
}

/// A smooth colourful test image with some texture, different for each seed.
pub fn test_image(width: u32, height: u32, seed: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy, s) = (
            x as f32 / width as f32,
            y as f32 / height as f32,
            seed as f32,
        );
        let wave = ((fx * (7.0 + s) + fy * 3.0).sin() * 0.5 + 0.5) * 255.0;
        let noise = ((x.wrapping_mul(73_856_093)
            ^ y.wrapping_mul(19_349_663)
            ^ seed.wrapping_mul(83_492_791))
            % 64) as f32;
        Rgb([
            (fx * 200.0 + noise) as u8,
            wave as u8,
            ((1.0 - fy) * 180.0 + s * 20.0).min(255.0) as u8,
        ])
    })
}

/// Saves a test image at `dir/name`.
pub fn write_image(dir: &Path, name: &str, width: u32, height: u32, seed: u32) -> PathBuf {
    let path = dir.join(name);
    test_image(width, height, seed).save(&path).unwrap();
    path
}

/// A path as a command-line argument (test paths are UTF-8).
pub fn arg(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 test path")
}

/// Runs the `adain` binary with the test package (unless the arguments name a model).
pub fn adain(args: &[&str]) -> Output {
    adain_with_env(args, &[])
}

/// [`adain`] with extra environment variables.
pub fn adain_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_adain"));
    cmd.envs(env.iter().copied());
    cmd.args(args);
    if matches!(
        args.first(),
        Some(&"stylize" | &"stats" | &"info" | &"video")
    ) && !args.contains(&"--model")
    {
        cmd.arg("--model").arg(test_package());
    }
    cmd.arg("--threads").arg("2");
    cmd.output().expect("running adain")
}

/// The stderr of a run, asserting it failed cleanly: exit code 1 (2 for command-line usage errors,
/// as clap reports them), no panic (which would exit with 101).
pub fn expect_failure(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "expected a failure, got success; stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "panicked:\n{stderr}");
    assert!(
        matches!(output.status.code(), Some(1 | 2)),
        "exit code {:?}; stderr:\n{stderr}",
        output.status.code()
    );
    stderr
}

/// Asserts success and returns stderr.
pub fn expect_success(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "adain failed; stderr:\n{stderr}");
    stderr
}

/// Files in `dir`, sorted by name.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether ffmpeg runs here. Without it, a test that needs it skips with a message, except under
/// `CI=true`, where `cargo xtask test` has installed it and its absence is a failure.
pub fn ffmpeg_or_skip(test: &str) -> bool {
    let found = if adain::video::ffmpeg::available() {
        Ok(())
    } else {
        Err("not on the PATH (cargo xtask setup --video installs it)")
    };
    adain_test_kit::require(&format!("ffmpeg for {test}"), found).is_some()
}

/// A photograph of the team's shared data (`../shared` beside the workspace), or `None` with a
/// message when it is absent; under `CI=true` its absence is a failure.
pub fn shared_photo(name: &str) -> Option<RgbImage> {
    let path = adain_test_kit::shared_file(&format!("data/train/content/{name}"))?;
    let image = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(image.to_rgb8())
}

/// How a test writes a video: `width`×`height` at `rate`, 4:2:0 for Y4M, PNG files for folders.
pub fn sink_options(
    width: u32,
    height: u32,
    rate: adain::video::FrameRate,
) -> adain::video::SinkOptions {
    adain::video::SinkOptions {
        width,
        height,
        rate,
        chroma: adain::video::Chroma::C420,
        crf: None,
        audio: None,
        frame_extension: "png".into(),
    }
}

/// PSNR of two 8-bit images of the same size (∞ when identical).
pub fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let mse = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.as_raw().len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// `style.png` in `dir`: a 40×40 warm mid-range palette, far from the test decoder's colours, with
/// little of a result recoloured to it clamped at 0 or 255.
pub fn warm_style(dir: &Path) -> PathBuf {
    let path = dir.join("style.png");
    RgbImage::from_fn(40, 40, |x, y| {
        let (u, v) = (x as f32 / 40.0, y as f32 / 40.0);
        Rgb([
            (150.0 + 60.0 * u) as u8,
            (90.0 + 50.0 * v + 20.0 * (u * 9.0).sin()) as u8,
            (40.0 + 30.0 * u * v) as u8,
        ])
    })
    .save(&path)
    .unwrap();
    path
}

/// RGB mean and covariance of an image, as the runtime measures them.
pub fn colors_of(image: &RgbImage) -> adain::ops::ColorMoments {
    adain::ops::image_color(image)
}

/// How far apart two colour distributions are: summed squared differences of means and covariances.
pub fn color_gap(a: &adain::ops::ColorMoments, b: &adain::ops::ColorMoments) -> f64 {
    (0..3)
        .map(|c| {
            (a.mean[c] - b.mean[c]).powi(2)
                + (0..3)
                    .map(|d| (a.cov[c][d] - b.cov[c][d]).powi(2))
                    .sum::<f64>()
        })
        .sum()
}

/// Runs `adain` with `args`, which must be refused as a usage error (exit 2) that names `option`,
/// leaving nothing at `output`.
pub fn expect_usage_error(args: &[&str], option: &str, output: &Path) {
    let result = adain(args);
    let stderr = expect_failure(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(option), "expected `{option}` in:\n{stderr}");
    assert!(!output.exists(), "{} was written", output.display());
}
