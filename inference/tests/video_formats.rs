//! Every video format round trip through the library's sinks and sources: frames come back with
//! their size, order, count and timing, exactly where the format is lossless.

use std::path::Path;
use std::time::Duration;

use adain::video::{create_sink, open_source, Chroma, Frame, FrameRate, SinkOptions};
use adain_test_kit::images::test_image;
use image::RgbImage;

const RATE: FrameRate = FrameRate { num: 10, den: 1 };

fn frames(width: u32, height: u32, n: u32) -> Vec<Frame> {
    (0..n)
        .map(|k| Frame {
            image: test_image(width, height, k),
            duration: RATE.frame_duration(),
        })
        .collect()
}

/// 4:2:0 for Y4M, PNG files for folders, the codec's default quality, no audio.
fn options(width: u32, height: u32) -> SinkOptions {
    SinkOptions {
        width,
        height,
        rate: RATE,
        chroma: Chroma::C420,
        crf: None,
        audio: None,
        frame_extension: "png".into(),
    }
}

fn write(path: &Path, frames: &[Frame], options: &SinkOptions) {
    let mut sink = create_sink(path, options).unwrap();
    for f in frames {
        sink.write(f).unwrap();
    }
    sink.finish().unwrap();
}

fn read(path: &Path) -> (FrameRate, Vec<Frame>) {
    let mut source = open_source(path, RATE, 1 << 24).unwrap();
    let rate = source.info().rate;
    let mut out = Vec::new();
    while let Some(f) = source.next_frame().unwrap() {
        out.push(f);
    }
    (rate, out)
}

/// Mean |a − b| in 8-bit levels.
fn mean_difference(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// Writes and reads back `name`; checks count, size, order (each frame closest to its original) and
/// that the mean difference stays under `tolerance`.
fn round_trip(name: &str, options: &SinkOptions, tolerance: f64) -> Vec<Frame> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let original = frames(options.width, options.height, 5);
    write(&path, &original, options);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "only the result remains: {leftovers:?}");
    let (_, back) = read(&path);
    assert_eq!(back.len(), original.len(), "{name}: frame count");
    for (k, (a, b)) in original.iter().zip(&back).enumerate() {
        let d = mean_difference(&a.image, &b.image);
        assert!(d <= tolerance, "{name}: frame {k} differs by {d:.2} levels");
        let other = &original[(k + 1) % original.len()].image;
        assert!(
            d < mean_difference(other, &b.image),
            "{name}: frame {k} is out of order"
        );
    }
    back
}

#[test]
fn apng_and_frame_folders_are_lossless() {
    for name in ["clip.png", "frames"] {
        let back = round_trip(name, &options(37, 21), 0.0);
        assert_eq!(back[0].duration, Duration::from_millis(100), "{name}");
    }
}

#[test]
fn gif_keeps_frames_within_its_palette_and_its_delays() {
    // The test images carry ±32 levels of pixel noise, the worst case for a 256-colour palette (a
    // photograph comes back within about 2 levels); the order check is the sharper one here.
    let back = round_trip("clip.gif", &options(40, 30), 20.0);
    assert!(back
        .iter()
        .all(|f| f.duration == Duration::from_millis(100)));
}

#[test]
fn y4m_keeps_rate_and_chroma_layout() {
    // 4:2:0 averages the noisy test images' colours over 2×2 blocks.
    for (chroma, tolerance) in [(Chroma::C444, 1.0), (Chroma::C420, 10.0)] {
        let options = SinkOptions {
            chroma,
            ..options(33, 19)
        };
        round_trip("clip.y4m", &options, tolerance);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ntsc.y4m");
    let ntsc = FrameRate::new(30000, 1001).unwrap();
    write(
        &path,
        &frames(8, 8, 2),
        &SinkOptions {
            rate: ntsc,
            ..options(8, 8)
        },
    );
    let source = open_source(&path, RATE, 1 << 20).unwrap();
    assert_eq!(source.info().rate, ntsc);
    assert_eq!(source.info().frames, Some(2));
}

#[test]
fn ffmpeg_containers_round_trip_with_their_rate() {
    if !adain_test_kit::require::ffmpeg("ffmpeg_containers_round_trip_with_their_rate") {
        return;
    }
    // H.264/VP9 are lossy; the test images are noisy, so allow a few levels.
    for name in ["clip.mp4", "clip.webm", "clip.mkv"] {
        let options = SinkOptions {
            crf: Some(10),
            ..options(48, 32)
        };
        round_trip(name, &options, 12.0);
    }
    // Odd sides are padded to even for 4:2:0 and come back one pixel larger.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.mp4");
    write(&path, &frames(33, 19, 3), &options(33, 19));
    let source = open_source(&path, RATE, 1 << 20).unwrap();
    assert_eq!((source.info().width, source.info().height), (34, 20));
    assert_eq!(source.info().rate, RATE);
}
