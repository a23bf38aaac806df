//! `adain video` end to end with the test package: every built-in format, an MP4 with audio through
//! ffmpeg, and bad inputs that must fail with a clear message and leave nothing behind.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use adain::video::{create_sink, open_source, Frame, FrameRate};
use adain_test_kit::images::{test_image, warm_style, write_image};
use adain_test_kit::package::test_package;
use adain_test_kit::paths::files_in;
use adain_test_kit::require::ffmpeg as ffmpeg_or_skip;
use common::{adain, adain_with_env, expect_failure, expect_success};

const RATE: FrameRate = FrameRate { num: 8, den: 1 };

/// A clip of `n` frames at `path`, in the format its name says.
fn clip(path: &Path, width: u32, height: u32, n: u32) {
    let mut sink = create_sink(path, &common::sink_options(width, height, RATE)).unwrap();
    for k in 0..n {
        sink.write(&Frame {
            image: test_image(width, height, k),
            duration: RATE.frame_duration(),
        })
        .unwrap();
    }
    sink.finish().unwrap();
}

/// (frame count, width, height, rate) as our own reader sees the file.
fn describe(path: &Path) -> (usize, u32, u32, FrameRate) {
    let mut source = open_source(path, RATE, 1 << 24).unwrap();
    let info = source.info().clone();
    let mut n = 0;
    while source.next_frame().unwrap().is_some() {
        n += 1;
    }
    (n, info.width, info.height, info.rate)
}

fn style(dir: &Path) -> PathBuf {
    write_image(dir, "style.png", 64, 64, 99)
}

fn video(args: &[&str]) -> std::process::Output {
    let mut all = vec!["video"];
    all.extend_from_slice(args);
    adain(&all)
}

#[test]
fn every_built_in_format_in_and_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let style = style(d);
    let input = d.join("in.y4m");
    clip(&input, 40, 24, 4);
    // y4m → gif → apng → frames → y4m: each step keeps count and size.
    let chain = ["out.gif", "out.png", "frames", "back.y4m"];
    let mut from = input.clone();
    for name in chain {
        let to = d.join(name);
        expect_success(&video(&[
            from.to_str().unwrap(),
            "-s",
            style.to_str().unwrap(),
            "-o",
            to.to_str().unwrap(),
            "--fps",
            "8",
        ]));
        let (n, w, h, rate) = describe(&to);
        assert_eq!((n, w, h), (4, 40, 24), "{name}");
        // GIF delays are in hundredths of a second: 125 ms is written as 130, 120, 130, ...
        let ms = rate.frame_duration().as_millis();
        assert!(
            ms.abs_diff(125) <= 5,
            "{name}: frame rate kept ({ms} ms per frame)"
        );
        from = to;
    }
    assert_eq!(files_in(&d.join("frames")).len(), 4);
    // Nothing temporary is left anywhere.
    assert!(
        files_in(d).iter().all(|f| !f.starts_with('.')),
        "{:?}",
        files_in(d)
    );
}

#[test]
fn an_mp4_keeps_its_audio_frame_rate_and_frame_count() {
    if !ffmpeg_or_skip("an_mp4_keeps_its_audio_frame_rate_and_frame_count") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.mp4");
    let made = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=12",
            "-f",
            "lavfi",
        ])
        .args([
            "-i",
            "sine=frequency=440:sample_rate=44100",
            "-t",
            "1",
            "-shortest",
        ])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"])
        .arg(&input)
        .status()
        .unwrap();
    assert!(made.success());
    let out = d.join("out.mp4");
    expect_success(&video(&[
        input.to_str().unwrap(),
        "-s",
        style(d).to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    let (n, w, h, rate) = describe(&out);
    assert_eq!(
        (n, w, h, rate),
        (12, 64, 48, FrameRate::new(12, 1).unwrap())
    );
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,pix_fmt",
            "-of",
            "csv=p=0",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let streams = String::from_utf8_lossy(&probe.stdout);
    assert!(streams.contains("h264,video,yuv420p"), "{streams}");
    assert!(
        streams.contains("aac,audio"),
        "the audio track is kept: {streams}"
    );
}

/// A failed run names the input and leaves the output folder as it was.
fn fails_cleanly(args: &[&str], out_dir: &Path, expected: &[&str]) {
    let before = files_in(out_dir);
    let stderr = expect_failure(&video(args));
    for text in expected {
        assert!(stderr.contains(text), "expected `{text}` in:\n{stderr}");
    }
    assert_eq!(
        files_in(out_dir),
        before,
        "a failed run left files: {stderr}"
    );
}

#[test]
fn bad_inputs_fail_clearly_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let style = style(d);
    let s = style.to_str().unwrap();
    let out = d.join("out.gif");
    let o = out.to_str().unwrap();

    // A zero-frame clip: a Y4M header and no frame.
    let empty = d.join("empty.y4m");
    std::fs::write(&empty, b"YUV4MPEG2 W16 H16 F25:1 C420jpeg\n").unwrap();
    fails_cleanly(
        &[empty.to_str().unwrap(), "-s", s, "-o", o],
        d,
        &["empty.y4m", "no frames"],
    );

    // A frame cut off half-way.
    let cut = d.join("cut.y4m");
    clip(&cut, 16, 16, 2);
    let bytes = std::fs::read(&cut).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    fails_cleanly(
        &[cut.to_str().unwrap(), "-s", s, "-o", o],
        d,
        &["cut.y4m", "frame 2 is cut off"],
    );

    // A still PNG is not an animation.
    let still = write_image(d, "still.png", 16, 16, 3);
    fails_cleanly(
        &[still.to_str().unwrap(), "-s", s, "-o", o],
        d,
        &["still.png", "not an animation"],
    );

    // Frames of different sizes in a folder: the odd one is named.
    let frames = d.join("frames");
    std::fs::create_dir(&frames).unwrap();
    write_image(&frames, "001.png", 32, 24, 1);
    write_image(&frames, "002.png", 32, 24, 2);
    write_image(&frames, "003.png", 24, 32, 3);
    fails_cleanly(
        &[frames.to_str().unwrap(), "-s", s, "-o", o],
        d,
        &["003.png", "24x32", "32x24"],
    );

    // An empty folder.
    let none = d.join("none");
    std::fs::create_dir(&none).unwrap();
    fails_cleanly(
        &[none.to_str().unwrap(), "-s", s, "-o", o],
        d,
        &["none", "no frames"],
    );

    // Frames into a folder that already holds files.
    let busy = d.join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("keep.txt"), b"mine").unwrap();
    let good = d.join("good.y4m");
    clip(&good, 16, 16, 2);
    fails_cleanly(
        &[
            good.to_str().unwrap(),
            "-s",
            s,
            "-o",
            busy.to_str().unwrap(),
        ],
        d,
        &["busy", "not an empty folder"],
    );
    assert_eq!(files_in(&busy), ["keep.txt"]);

    // Two styles need weights.
    fails_cleanly(
        &[good.to_str().unwrap(), "-s", s, "-s", s, "-o", o],
        d,
        &["--weights"],
    );
}

#[test]
fn a_non_video_file_is_refused_by_name() {
    if !ffmpeg_or_skip("a_non_video_file_is_refused_by_name") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = d.join("notes.mp4");
    std::fs::write(&text, b"these are not moving pictures").unwrap();
    let style = style(d);
    let out = d.join("out.mp4");
    fails_cleanly(
        &[
            text.to_str().unwrap(),
            "-s",
            style.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        d,
        &["notes.mp4", "not a video"],
    );
}

#[test]
fn without_ffmpeg_the_error_says_so_and_names_the_built_in_formats() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let style = style(d);
    let input = d.join("in.y4m");
    clip(&input, 16, 16, 2);
    let mp4 = d.join("in.mp4");
    std::fs::write(&mp4, b"\0\0\0\x18ftypmp42").unwrap();
    let empty_path = d.join("no-programs");
    std::fs::create_dir(&empty_path).unwrap();
    let env = [("PATH", empty_path.to_str().unwrap())];
    let s = style.to_str().unwrap();
    for (from, to) in [(&input, d.join("out.mp4")), (&mp4, d.join("out.gif"))] {
        let args = [
            "video",
            from.to_str().unwrap(),
            "-s",
            s,
            "-o",
            to.to_str().unwrap(),
        ];
        let before = files_in(d);
        let stderr = expect_failure(&adain_with_env(&args, &env));
        assert!(stderr.contains("ffmpeg"), "{stderr}");
        assert!(
            stderr.contains(".y4m") && stderr.contains(".gif"),
            "{stderr}"
        );
        assert_eq!(files_in(d), before);
    }
    // The built-in formats need no ffmpeg.
    let out = d.join("out.png");
    expect_success(&adain_with_env(
        &[
            "video",
            input.to_str().unwrap(),
            "-s",
            s,
            "-o",
            out.to_str().unwrap(),
        ],
        &env,
    ));
    assert_eq!(describe(&out).0, 2);
}

#[test]
fn ctrl_c_stops_the_run_and_leaves_nothing() {
    interrupt_leaves_nothing("out.png");
    if ffmpeg_or_skip("ctrl_c_stops_the_run_and_leaves_nothing (mp4)") {
        // ffmpeg is writing the temporary file: it is stopped before the file is removed.
        interrupt_leaves_nothing("out.mp4");
    }
}

/// Interrupts a long run writing `name` once its temporary output exists.
fn interrupt_leaves_nothing(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let style = style(d);
    let input = d.join("long.y4m");
    clip(&input, 96, 64, 400);
    let out = d.join(name);
    let mut child = Command::new(env!("CARGO_BIN_EXE_adain"))
        .args([
            "video",
            input.to_str().unwrap(),
            "-s",
            style.to_str().unwrap(),
        ])
        .args(["-o", out.to_str().unwrap(), "--threads", "2", "--model"])
        .arg(test_package())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the temporary output to appear, i.e. for frames to be flowing.
    let started = std::time::Instant::now();
    while !files_in(d).iter().any(|f| f.starts_with('.')) {
        assert!(
            started.elapsed().as_secs() < 60,
            "no temporary output appeared"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "adain ended before it could be interrupted"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    let stderr = expect_failure(&output);
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(files_in(d), ["long.y4m", "style.png"], "{name}: {stderr}");
}

/// The frames of a lossless output, in order.
fn frames_of(path: &Path) -> Vec<image::RgbImage> {
    let mut source = open_source(path, RATE, 1 << 24).unwrap();
    std::iter::from_fn(|| source.next_frame().unwrap().map(|f| f.image)).collect()
}

#[test]
fn every_frame_takes_the_styles_colours_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let style = warm_style(d);
    let target = common::colors_of(&image::open(&style).unwrap().to_rgb8());
    let input = d.join("in.png");
    clip(&input, 48, 40, 5);
    let run = |name: &str, extra: &[&str]| {
        let out = d.join(name);
        let mut args = vec![
            input.to_str().unwrap(),
            "-s",
            style.to_str().unwrap(),
            "--style-size",
            "0",
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        expect_success(&video(&args));
        frames_of(&out)
    };
    let gaps = |frames: &[image::RgbImage]| -> Vec<f64> {
        frames
            .iter()
            .map(|f| common::color_gap(&common::colors_of(f), &target))
            .collect()
    };
    let plain = gaps(&run("plain.png", &["--palette", "model"]));
    let default = run("default.png", &[]);
    assert_eq!(default, run("alias.png", &["--match-style-color"]));
    let matched = gaps(&default);
    println!("colour gap per frame: model {plain:.2?}, default {matched:?}");
    assert_eq!((plain.len(), matched.len()), (5, 5));
    for k in 0..5 {
        assert!(
            matched[k] < 0.01 * plain[k],
            "frame {k}: {} vs {}",
            matched[k],
            plain[k]
        );
    }

    // A statistics file from `adain stats` keeps the colours: the same frames as its image.
    let stats = d.join("style.safetensors");
    expect_success(&adain(&[
        "stats",
        style.to_str().unwrap(),
        "--style-size",
        "0",
        "-o",
        stats.to_str().unwrap(),
    ]));
    let from_stats = d.join("from_stats.png");
    expect_success(&video(&[
        input.to_str().unwrap(),
        "--style-stats",
        stats.to_str().unwrap(),
        "-o",
        from_stats.to_str().unwrap(),
    ]));
    assert_eq!(frames_of(&from_stats), default);

    // The content palette needs style images, and palettes do not combine: usage errors, nothing
    // written.
    let refused = d.join("refused.png");
    for (extra, named) in [
        (
            vec![
                "--style-stats",
                stats.to_str().unwrap(),
                "--palette",
                "content",
            ],
            "--palette content",
        ),
        (
            vec![
                "-s",
                style.to_str().unwrap(),
                "--preserve-color",
                "--match-style-color",
            ],
            "--match-style-color",
        ),
    ] {
        let mut args = vec![
            "video",
            input.to_str().unwrap(),
            "-o",
            refused.to_str().unwrap(),
        ];
        args.extend(extra);
        common::expect_usage_error(&args, named, &refused);
    }
}

/// `adain video` holds a pan steadier by default (`--temporal flow`) than with `--temporal none`,
/// and refuses modes and weights it does not know.
#[test]
fn the_default_temporal_mode_holds_a_pan_steadier_than_each_frame_alone() {
    use adain_test_kit::flicker::{mean_warping_error, CameraMove, SyntheticClip};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let style = warm_style(d);
    // Smooth texture at a few scales, as a photograph has (white noise would defeat any flow).
    let scene = image::RgbImage::from_fn(160, 120, |x, y| {
        let (x, y) = (x as f32, y as f32);
        let a = (x * 0.21 + (y * 0.05).sin() * 3.0).sin() * (y * 0.17).cos();
        let b = (x * 0.07 - y * 0.11).sin();
        image::Rgb([
            (128.0 + 90.0 * a) as u8,
            (128.0 + 60.0 * b + 30.0 * a) as u8,
            (100.0 + 80.0 * (a * b)) as u8,
        ])
    });
    let pan = SyntheticClip::new(scene, 96, 64, 6, CameraMove::Pan { dx: 3.0, dy: 0.0 }).unwrap();
    let input = d.join("pan.png");
    let mut sink = create_sink(&input, &common::sink_options(96, 64, RATE)).unwrap();
    for t in 0..pan.len() {
        sink.write(&Frame {
            image: pan.frame(t),
            duration: RATE.frame_duration(),
        })
        .unwrap();
    }
    sink.finish().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = d.join(name);
        let mut args = vec![
            input.to_str().unwrap(),
            "-s",
            style.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        expect_success(&video(&args));
        frames_of(&out)
    };
    let alone = mean_warping_error(&run("alone.png", &["--temporal", "none"]), pan.windows());
    let steady = mean_warping_error(&run("steady.png", &[]), pan.windows());
    println!("warping error: each frame alone {alone:.2}, default {steady:.2}");
    assert!(steady < 0.7 * alone, "{steady:.2} against {alone:.2}");

    let out = d.join("refused.png");
    for bad in [["--temporal", "optical"], ["--flow-weight", "1"]] {
        let mut args = vec![
            input.to_str().unwrap(),
            "-s",
            style.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(&bad);
        let output = video(&args);
        let stderr = expect_failure(&output);
        assert_eq!(output.status.code(), Some(2), "{bad:?}: {stderr}");
        assert!(stderr.contains(bad[0]), "{stderr}");
        assert!(!out.exists());
    }
}
