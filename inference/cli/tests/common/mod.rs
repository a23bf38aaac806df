//! What the command's tests share beyond the test kit (adain_test_kit): running the `adain` binary
//! (with the kit's test package), checking how it exited, and the helpers built on the library's
//! types (video sinks, colour statistics as the runtime measures them).
#![allow(dead_code)] // each test binary uses a different part

use std::path::Path;
use std::process::{Command, Output};

use adain_test_kit::package::test_package;
use image::RgbImage;

pub mod python;
pub mod server;

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
