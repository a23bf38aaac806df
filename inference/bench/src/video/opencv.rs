//! The parts of `bench-video` measured against OpenCV (its DIS flow, from `opencv-python-headless`
//! in the bench's own venv): our flow's accuracy and speed next to OpenCV's presets on pairs with
//! exact motion, and the real clip's steadiness scored with OpenCV's flow rather than the blender's.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use adain::ops::{ChannelStats, StyleMix};
use adain::video::{FrameStylizer, Temporal, VideoOptions};
use adain::Stylizer;
use adain_flow::{Flow, FlowField, Plane};
use adain_test_kit::flicker::{CameraMove, SyntheticClip, Window};
use anyhow::{bail, Context, Result};
use image::RgbImage;

const SCRIPT: &str = include_str!("opencv_flow.py");

/// Runs the OpenCV script in `mode` with `args`; its JSON answer.
fn opencv(python: &Path, work: &Path, mode: &str, args: &[&Path]) -> Result<serde_json::Value> {
    let script = work.join("opencv_flow.py");
    std::fs::write(&script, SCRIPT)?;
    let output = Command::new(python)
        .arg(&script)
        .arg(mode)
        .args(args)
        .output()
        .context("running the OpenCV script")?;
    if !output.status.success() {
        bail!(
            "the OpenCV script ({mode}) failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// The motion from window `a` to window `b` of a synthetic clip, per pixel of `a`'s frame.
fn truth(a: Window, b: Window, width: u32, height: u32) -> FlowField {
    FlowField::from_fn(width as usize, height as usize, |u, w| {
        let (px, py) = (a.x + u as f64 * a.scale, a.y + w as f64 * a.scale);
        (
            ((px - b.x) / b.scale - u as f64) as f32,
            ((py - b.y) / b.scale - w as f64) as f32,
        )
    })
}

/// An H×W×2 float32 array in NumPy's .npy format.
fn write_npy(path: &Path, field: &FlowField) -> Result<()> {
    let (w, h) = (field.width(), field.height());
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({h}, {w}, 2), }}");
    let mut header = dict.into_bytes();
    // Magic, version, header length, then the header padded with spaces to a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header);
    for y in 0..h {
        for x in 0..w {
            let (u, v) = field.at(x, y);
            bytes.extend(u.to_le_bytes());
            bytes.extend(v.to_le_bytes());
        }
    }
    std::fs::write(path, bytes)?;
    Ok(())
}

const PAIR: (u32, u32) = (640, 360);

fn accuracy_moves() -> [(&'static str, CameraMove); 4] {
    [
        ("pan 4 px", CameraMove::Pan { dx: 4.0, dy: 0.0 }),
        ("diagonal (3, 2)", CameraMove::Pan { dx: 3.0, dy: 2.0 }),
        ("sub-pixel (1.5, 0.5)", CameraMove::Pan { dx: 1.5, dy: 0.5 }),
        ("zoom to 0.85×", CameraMove::Zoom { scale: 0.85 }),
    ]
}

/// Endpoint error (px, 16 px from the borders) and time per 640×360 pair of our flow and of
/// OpenCV's DIS presets, on the middle pair of 12-frame clips over `photo`: a markdown table.
pub fn flow_accuracy(photo: RgbImage, python: &Path, work: &Path) -> Result<String> {
    let pairs = work.join("flow-pairs");
    std::fs::create_dir_all(&pairs)?;
    let flow = Flow::default();
    let (mut ours, mut ours_ms) = (Vec::new(), Vec::new());
    for (k, (_, movement)) in accuracy_moves().into_iter().enumerate() {
        let clip = SyntheticClip::new(photo.clone(), PAIR.0, PAIR.1, 12, movement)?;
        let (a, b) = (clip.frame(5), clip.frame(6));
        let field = truth(clip.windows()[5], clip.windows()[6], PAIR.0, PAIR.1);
        a.save(pairs.join(format!("from_{k}.png")))?;
        b.save(pairs.join(format!("to_{k}.png")))?;
        write_npy(&pairs.join(format!("truth_{k}.npy")), &field)?;
        let (la, lb) = (
            Plane::luma(a.as_raw(), PAIR.0 as usize, PAIR.1 as usize),
            Plane::luma(b.as_raw(), PAIR.0 as usize, PAIR.1 as usize),
        );
        let found = flow.between(&la, &lb);
        let started = Instant::now();
        for _ in 0..5 {
            flow.between(&la, &lb);
        }
        ours_ms.push(started.elapsed().as_secs_f64() * 1000.0 / 5.0);
        let m = 16;
        let (w, h) = (PAIR.0 as usize, PAIR.1 as usize);
        ours.push(found.endpoint_error(&field, |x, y| x >= m && y >= m && x + m < w && y + m < h));
    }
    ours_ms.sort_by(f64::total_cmp);
    let theirs = opencv(python, work, "accuracy", &[&pairs])?;

    let mut md = String::new();
    let moves: String = accuracy_moves()
        .iter()
        .map(|(l, _)| format!(" {l} |"))
        .collect();
    let rule: String = accuracy_moves().iter().map(|_| "---:|").collect();
    let _ = writeln!(
        md,
        "\n## Optical flow: endpoint error (px) and time per {}×{} pair, 2 threads\n\n| flow |{moves} ms per pair |\n|---|{rule}---:|",
        PAIR.0, PAIR.1
    );
    let cells: String = ours.iter().map(|e| format!(" {e:.3} |")).collect();
    let _ = writeln!(
        md,
        "| adain-flow (DIS, default) |{cells} {:.1} |",
        ours_ms[ours_ms.len() / 2]
    );
    for preset in ["ultrafast", "fast", "medium"] {
        let entry = &theirs[preset];
        let cells: String = (0..ours.len())
            .map(|k| {
                format!(
                    " {:.3} |",
                    entry["epe"][k.to_string()].as_f64().unwrap_or(f64::NAN)
                )
            })
            .collect();
        let _ = writeln!(
            md,
            "| OpenCV DIS, {preset} |{cells} {:.1} |",
            entry["ms"].as_f64().unwrap_or(f64::NAN)
        );
    }
    Ok(md)
}

/// Frames the real clip is cut to.
const REAL_FRAMES: usize = 36;

/// The real clip stylized each frame alone, with smoothed statistics and with flow blending
/// (fp32), its warping error scored by OpenCV's DIS flow: a markdown table.
pub fn real_clip(
    clip: &Path,
    stylizer: &mut Stylizer,
    style: &ChannelStats,
    python: &Path,
    work: &Path,
) -> Result<String> {
    let mut source = adain::video::open_source(
        clip,
        adain::video::FrameRate::new(30, 1).expect("30 fps"),
        1 << 24,
    )?;
    let mut frames = Vec::new();
    while frames.len() < REAL_FRAMES {
        match source.next_frame()? {
            Some(frame) => frames.push(frame.image),
            None => break,
        }
    }
    let dir = work.join("real-clip");
    let _ = std::fs::remove_dir_all(&dir);
    let modes = [
        ("each frame alone", Temporal::None),
        (
            "statistics smoothed",
            Temporal::Stats {
                smoothing: adain::video::temporal::DEFAULT_SMOOTHING,
            },
        ),
        ("flow blending (default)", Temporal::DEFAULT),
    ];
    let input_dir = dir.join("input");
    std::fs::create_dir_all(&input_dir)?;
    for (t, frame) in frames.iter().enumerate() {
        frame.save(input_dir.join(format!("{t:03}.png")))?;
    }
    let mut outputs: Vec<PathBuf> = Vec::new();
    let mut fps = Vec::new();
    for (k, (_, temporal)) in modes.iter().enumerate() {
        let out = dir.join(format!("mode{k}"));
        std::fs::create_dir_all(&out)?;
        let mut video = FrameStylizer::new(VideoOptions {
            temporal: *temporal,
            scene_cut: adain::video::temporal::DEFAULT_SCENE_CUT,
            content_size: 0,
        });
        let started = Instant::now();
        for (t, frame) in frames.iter().enumerate() {
            let prepared = video.prepare(frame);
            let result = video.render(stylizer, &prepared, StyleMix::One(style), 1.0)?;
            result.save(out.join(format!("{t:03}.png")))?;
        }
        fps.push(frames.len() as f64 / started.elapsed().as_secs_f64());
        tracing::info!("real clip, {}: done", modes[k].0);
        outputs.push(out);
    }
    let mut args: Vec<&Path> = vec![&input_dir];
    args.extend(outputs.iter().map(PathBuf::as_path));
    let scored = opencv(python, work, "score", &args)?;
    let error = |p: &Path| {
        scored["outputs"][p.display().to_string()]
            .as_f64()
            .unwrap_or(f64::NAN)
    };
    let alone = error(&outputs[0]);
    let (w, h) = frames.first().map_or((0, 0), RgbImage::dimensions);
    let mut md = String::new();
    let _ = writeln!(
        md,
        "\n## Real footage: box.mp4 (Debian's opencv-doc), {REAL_FRAMES} frames at {w}×{h}, fp32\n\nWarping error scored with OpenCV's DIS flow (medium preset), not the blender's; the input's own: {:.2}.\n\n| mode | warping error | ratio to each frame alone | frames/s (fp32, incl. PNG writing) |\n|---|---:|---:|---:|",
        scored["floor"].as_f64().unwrap_or(f64::NAN)
    );
    for (k, (label, _)) in modes.iter().enumerate() {
        let e = error(&outputs[k]);
        let _ = writeln!(
            md,
            "| {label} | {e:.2} | {:.2} | {:.2} |",
            e / alone,
            fps[k]
        );
    }
    Ok(md)
}
