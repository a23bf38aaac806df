//! `adain-bench video` (`cargo xtask bench-video`): how much stylized video flickers, measured exactly. Clips are made by
//! moving a window over still photographs (pans, a zoom), so where each pixel goes is known; the
//! warping error of the stylized clip is compared for per-frame AdaIN, smoothed content statistics
//! and flow blending, with the photographs' own warping error as the floor, next to the blended
//! frames' style loss and the ghosts an object moving over a still photograph leaves. Against
//! OpenCV (`opencv.rs`): our flow's accuracy and speed, and a real clip scored with OpenCV's flow.
//! Then frames per second of the whole pipeline at 512×288 and 1280×720, each frame alone and
//! blended: the CPU provider's fp32 and int8, and OpenVINO's paths where its plugin is installed.

mod opencv;
mod strip;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use adain::ops::{target_features_with, StyleMix};
use adain::package::{ModelPackage, Precision};
use adain::runtime::ep::openvino;
use adain::runtime::{InferencePrecision, Provider, SessionOptions};
use adain::video::coherence::FlowBlender;
use adain::video::temporal::{ContentStatsSmoother, DEFAULT_SMOOTHING};
use adain::video::{FrameStylizer, Temporal, VideoOptions};
use adain::{ContentFeatures, Stylizer};
use adain_models::stats_file::StyleStats;
use adain_test_kit::flicker::{
    mean_abs_difference, mean_warping_error, CameraMove, MovingSquare, SyntheticClip,
};
use anyhow::{Context, Result};
use clap::Args;
use image::RgbImage;
use serde_json::json;

use crate::place::{installed, out_dir};
use adain_test_kit::paths::default_package;
use adain_test_kit::venvs::{python_of, real_clip, OPENCV_VENV};

#[derive(Args, Debug)]
pub struct VideoArgs {
    /// The demo's pictures (`content/`, `style/`), as `cargo xtask bench-video` prepares them: two
    /// of its photographs are filmed, two of its generated artworks are the styles
    #[arg(long, value_name = "DIR")]
    pub inputs: std::path::PathBuf,
    /// Frames per synthetic clip
    #[arg(long, default_value_t = 12)]
    pub frames: usize,
    /// Smoothing weights to compare (0 is per-frame AdaIN)
    #[arg(long, value_delimiter = ',', default_value = "0,0.5,0.8,0.9,0.95")]
    pub smoothing: Vec<f32>,
    /// Flow-blending weights to compare, each over statistics smoothed with the default weight
    #[arg(long, value_delimiter = ',', default_value = "0.5,0.8,0.9")]
    pub flow_weights: Vec<f32>,
    /// Frames timed per size and precision (0 skips the speed part)
    #[arg(long, default_value_t = 6)]
    pub timed_frames: usize,
    /// Only the speed part (no flicker clips)
    #[arg(long)]
    pub speed_only: bool,
    /// Leave out the OpenVINO rows of the speed part
    #[arg(long)]
    pub no_openvino: bool,
    /// Leave out what is measured against OpenCV (flow accuracy, the real clip)
    #[arg(long, conflicts_with = "opencv_only")]
    pub no_opencv: bool,
    /// Only what is measured against OpenCV
    #[arg(long, conflicts_with = "speed_only")]
    pub opencv_only: bool,
    /// Model package to measure [default: models/default]
    #[arg(long, value_name = "DIR")]
    pub model: Option<std::path::PathBuf>,
}

/// Size of the flicker clips (16:9, the small size).
const CLIP: (u32, u32) = (512, 288);
const PHOTOS: [&str; 2] = ["chelsea.png", "coffee.png"];
const STYLES: [&str; 2] = ["swirl.png", "mosaic.png"];

fn moves() -> [(&'static str, CameraMove); 4] {
    [
        (
            "pan right, 4 px/frame",
            CameraMove::Pan { dx: 4.0, dy: 0.0 },
        ),
        // The encoder's stride: frames meet the same feature grid, a diagnostic of the others.
        (
            "pan right, 8 px/frame",
            CameraMove::Pan { dx: 8.0, dy: 0.0 },
        ),
        (
            "diagonal pan, (3, 2) px/frame",
            CameraMove::Pan { dx: 3.0, dy: 2.0 },
        ),
        ("zoom in to 0.85×", CameraMove::Zoom { scale: 0.85 }),
    ]
}

pub fn run(args: &VideoArgs) -> Result<()> {
    let out_dir = out_dir()?;
    std::fs::create_dir_all(&out_dir)?;
    let inputs = Inputs(args.inputs.clone());
    let package_dir = args.model.clone().unwrap_or_else(default_package);
    let options = SessionOptions {
        request: adain::runtime::ProviderRequest::Only(Provider::Cpu),
        ..SessionOptions::default()
    };

    // Flicker: fp32, every content encoded once, decoded once per smoothing weight.
    let fp32 = ModelPackage::load(&package_dir, Precision::Fp32, Provider::Cpu)?;
    let mut stylizer = Stylizer::new(&fp32, &options)?;
    let artworks: Vec<RgbImage> = STYLES
        .iter()
        .map(|name| picture(&inputs.style(name)))
        .collect::<Result<_>>()?;
    let styles: Vec<_> = artworks
        .iter()
        .map(|a| stylizer.adain_style_statistics(a))
        .collect::<adain::Result<_>>()?;
    let style_layers: Vec<StyleStats> = artworks
        .iter()
        .map(|a| stylizer.style_statistics(a, Default::default()))
        .collect::<adain::Result<_>>()?;
    let mut losses: Vec<(&str, Vec<f64>)> = Vec::new();
    let mut rows = Vec::new();
    for (label, movement) in moves()
        .into_iter()
        .filter(|_| !args.speed_only && !args.opencv_only)
    {
        let mut loss_ratio = vec![0.0; args.flow_weights.len()];
        let mut floor = 0.0;
        let columns = args.smoothing.len() + args.flow_weights.len();
        let mut errors = vec![0.0; columns];
        let mut deviation = vec![0.0; columns];
        for photo_name in PHOTOS {
            let photo = photo(&inputs.content(photo_name))?;
            let clip = SyntheticClip::new(photo, CLIP.0, CLIP.1, args.frames, movement)?;
            let frames: Vec<RgbImage> = (0..clip.len()).map(|t| clip.frame(t)).collect();
            floor += mean_warping_error(&frames, clip.windows()) / PHOTOS.len() as f64;
            let encoded: Vec<ContentFeatures> = frames
                .iter()
                .map(|f| stylizer.encode_content(f))
                .collect::<adain::Result<_>>()?;
            for (style, layers) in styles.iter().zip(&style_layers) {
                let per_frame = stylize_clip(&mut stylizer, &encoded, style, 0.0)?;
                for (k, &s) in args.smoothing.iter().enumerate() {
                    let out = if s == 0.0 {
                        per_frame.clone()
                    } else {
                        stylize_clip(&mut stylizer, &encoded, style, s)?
                    };
                    let share = (PHOTOS.len() * styles.len()) as f64;
                    errors[k] += mean_warping_error(&out, clip.windows()) / share;
                    deviation[k] += mean_abs_difference(&out, &per_frame) / share;
                }
                let smoothed = stylize_clip(&mut stylizer, &encoded, style, DEFAULT_SMOOTHING)?;
                let unblended_loss = style_loss(&mut stylizer, &smoothed, layers)?;
                for (k, &weight) in args.flow_weights.iter().enumerate() {
                    let out = blend(&frames, &smoothed, weight);
                    // The strip: the 4-pixel pan over the first photograph with the first style,
                    // blended at the default weight.
                    let strip_wanted = label == moves()[0].0
                        && photo_name == PHOTOS[0]
                        && std::ptr::eq(style, &styles[0])
                        && weight == adain::video::coherence::DEFAULT_FLOW_WEIGHT;
                    if strip_wanted {
                        let first = (args.frames / 2).saturating_sub(2);
                        let picture = strip::strip(&[&per_frame, &out], clip.windows(), first);
                        let path = out_dir.join("video-strip.png");
                        picture.save(&path)?;
                        tracing::info!("before/after strip: {}", path.display());
                    }
                    let share = (PHOTOS.len() * styles.len()) as f64;
                    let column = args.smoothing.len() + k;
                    errors[column] += mean_warping_error(&out, clip.windows()) / share;
                    deviation[column] += mean_abs_difference(&out, &per_frame) / share;
                    loss_ratio[k] +=
                        style_loss(&mut stylizer, &out, layers)? / unblended_loss / share;
                }
            }
            tracing::info!("{label}: {photo_name} done");
        }
        rows.push((label, floor, errors, deviation));
        losses.push((label, loss_ratio));
    }
    let ghosts = if args.speed_only || args.opencv_only {
        Vec::new()
    } else {
        ghost_rows(&mut stylizer, &inputs, &styles, &args.flow_weights)?
    };
    let mut against_opencv = String::new();
    if !args.speed_only && !args.no_opencv {
        let install = "cargo xtask setup --bench";
        let python = installed(python_of(OPENCV_VENV), "OpenCV's venv", install)?;
        let clip = installed(real_clip(), "the real clip", install)?;
        against_opencv.push_str(&opencv::flow_accuracy(
            photo(&inputs.content(PHOTOS[1]))?,
            &python,
            &out_dir,
        )?);
        against_opencv.push_str(&opencv::real_clip(
            &clip,
            &mut stylizer,
            &styles[0],
            &python,
            &out_dir,
        )?);
    }

    // Speed: the whole per-frame pipeline (encode, smoothed AdaIN, decode), no file I/O.
    let mut speeds = Vec::new();
    let paths = if args.timed_frames == 0 || args.opencv_only {
        Vec::new()
    } else {
        speed_paths(args.no_openvino)
    };
    for (label, provider, precision, arithmetic) in paths {
        let package = ModelPackage::load(&package_dir, precision, provider)?;
        let mut options = options.clone();
        options.request = adain::runtime::ProviderRequest::Only(provider);
        options.provider_options.openvino_precision = arithmetic;
        let mut stylizer = Stylizer::new(&package, &options)?;
        let style = stylizer.adain_style_statistics(&artworks[0])?;
        for (w, h) in [(512u32, 288u32), (1280, 720)] {
            let photo = photo(&inputs.content(PHOTOS[0]))?;
            let photo = image::imageops::resize(
                &photo,
                w * 2,
                h * 2,
                image::imageops::FilterType::Triangle,
            );
            let clip = SyntheticClip::new(
                photo,
                w,
                h,
                args.timed_frames + 1,
                CameraMove::Pan { dx: 4.0, dy: 0.0 },
            )?;
            // Each frame alone, then the default (statistics and flow blending); the first frame
            // of each pays session warm-up and is not timed.
            let mut fps = [0.0; 2];
            for (k, temporal) in [Temporal::None, Temporal::DEFAULT].into_iter().enumerate() {
                let mut frames = FrameStylizer::new(VideoOptions {
                    temporal,
                    scene_cut: adain::video::temporal::DEFAULT_SCENE_CUT,
                    content_size: 0,
                });
                let mut started = Instant::now();
                for t in 0..clip.len() {
                    if t == 1 {
                        started = Instant::now();
                    }
                    let prepared = frames.prepare(&clip.frame(t));
                    frames.render(&mut stylizer, &prepared, StyleMix::One(&style), 1.0)?;
                }
                fps[k] = args.timed_frames as f64 / started.elapsed().as_secs_f64();
            }
            tracing::info!(
                "{label} {w}x{h}: {:.2} frames/s each alone, {:.2} with flow blending",
                fps[0],
                fps[1]
            );
            speeds.push((label, w, h, fps[0], fps[1]));
        }
    }

    let mut report = report(args, &package_dir, &rows, &speeds);
    report.push_str(&quality_tables(&args.flow_weights, &losses, &ghosts));
    report.push_str(&against_opencv);
    println!("{report}");
    // Another package's numbers go beside the default's, not over them.
    let mut name = match &args.model {
        None => "video".to_string(),
        Some(dir) => format!(
            "video-{}",
            dir.file_name()
                .map_or("model".into(), |n| n.to_string_lossy())
        ),
    };
    // A speed-only run does not replace the flicker tables.
    if args.speed_only {
        name.push_str("-speed");
    }
    if args.opencv_only {
        name.push_str("-opencv");
    }
    std::fs::write(out_dir.join(format!("{name}.md")), &report)?;
    let json = json!({
        "frames": args.frames,
        "size": [CLIP.0, CLIP.1],
        "smoothing": args.smoothing,
        "flow_weights": args.flow_weights,
        "moves": rows.iter().map(|(label, floor, errors, deviation)| json!({
            "move": label, "content_floor": floor, "warping_error": errors, "deviation_from_per_frame": deviation,
        })).collect::<Vec<_>>(),
        "fps": speeds.iter().map(|(p, w, h, alone, flow)| json!({"path": p, "width": w, "height": h, "fps_each_frame_alone": alone, "fps_flow_blending": flow})).collect::<Vec<_>>(),
    });
    std::fs::write(
        out_dir.join(format!("{name}.json")),
        serde_json::to_string_pretty(&json)?,
    )?;
    println!(
        "written to {}",
        out_dir.join(format!("{name}.md")).display()
    );
    Ok(())
}

/// Mean style loss of every third frame against the style: Σ over the four layers of
/// ‖μ(φ(frame)) − μ(φ(style))‖ + ‖σ(φ(frame)) − σ(φ(style))‖ (the AdaIN paper's), per channel.
fn style_loss(stylizer: &mut Stylizer, frames: &[RgbImage], style: &StyleStats) -> Result<f64> {
    let (mut sum, mut n) = (0.0, 0);
    for frame in frames.iter().skip(1).step_by(3) {
        let stats = stylizer.style_statistics(frame, Default::default())?;
        for (layer, theirs) in &style.layers {
            let mine = &stats.layers[layer];
            let distance = |a: &[f32], b: &[f32]| -> f64 {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| f64::from(x - y).powi(2))
                    .sum::<f64>()
                    .sqrt()
            };
            sum += distance(&mine.mean, &theirs.mean) + distance(&mine.std, &theirs.std);
        }
        n += 1;
    }
    Ok(sum / n.max(1) as f64)
}

/// An object moving over a still photograph: for each flow weight, how far the pixels it uncovers
/// are from the unblended (statistics-smoothed) result, in 8-bit levels, next to the whole frames'.
/// One row per (background, object) pair of the two photographs.
fn ghost_rows(
    stylizer: &mut Stylizer,
    inputs: &Inputs,
    styles: &[adain::ops::ChannelStats],
    weights: &[f32],
) -> Result<Vec<GhostRow>> {
    const SIDE: u32 = 80;
    const STEP: u32 = 6;
    let mut rows = Vec::new();
    for (back, front) in [(PHOTOS[0], PHOTOS[1]), (PHOTOS[1], PHOTOS[0])] {
        let background =
            image::imageops::crop_imm(&photo(&inputs.content(back))?, 0, 0, CLIP.0, CLIP.1)
                .to_image();
        let square =
            image::imageops::crop_imm(&photo(&inputs.content(front))?, 100, 100, SIDE, SIDE)
                .to_image();
        let clip = MovingSquare::new(background, &square, (60, 100), STEP, 12);
        let frames = clip.frames();
        let encoded: Vec<ContentFeatures> = frames
            .iter()
            .map(|f| stylizer.encode_content(f))
            .collect::<adain::Result<_>>()?;
        let mut row = vec![(0.0, 0.0); weights.len()];
        for style in styles {
            let smoothed = stylize_clip(stylizer, &encoded, style, DEFAULT_SMOOTHING)?;
            for (k, &weight) in weights.iter().enumerate() {
                let out = blend(frames, &smoothed, weight);
                let share = styles.len() as f64;
                row[k].0 += clip.uncovered_difference(&out, &smoothed) / share;
                row[k].1 += mean_abs_difference(&out, &smoothed) / share;
            }
        }
        tracing::info!("moving object over {back}: done");
        rows.push((format!("{front} square over {back}"), row));
    }
    Ok(rows)
}

/// A clip's label and, per flow weight, (uncovered pixels' distance, whole frames' distance).
type GhostRow = (String, Vec<(f64, f64)>);

/// The style-loss and ghost tables.
fn quality_tables(
    weights: &[f32],
    losses: &[(&str, Vec<f64>)],
    ghosts: &[(String, Vec<(f64, f64)>)],
) -> String {
    let mut md = String::new();
    if losses.is_empty() {
        return md;
    }
    let header: String = weights.iter().map(|w| format!(" flow {w} |")).collect();
    let rule: String = weights.iter().map(|_| "---:|").collect();
    let _ = writeln!(
        md,
        "\n## Style loss of the blended frames, relative to the unblended ones (1 = the same; every third frame)\n\n| camera move |{header}\n|---|{rule}"
    );
    for (label, ratios) in losses {
        let cells: String = ratios.iter().map(|r| format!(" {r:.3} |")).collect();
        let _ = writeln!(md, "| {label} |{cells}");
    }
    let _ = writeln!(
        md,
        "\n## Ghosts: an 80-px square moving 6 px a frame over a still photograph\n\nMean |blended − unblended| in 8-bit levels over the pixels the square uncovers each frame (in brackets: over whole frames).\n\n| clip |{header}\n|---|{rule}"
    );
    for (label, cells) in ghosts {
        let cells: String = cells
            .iter()
            .map(|(g, w)| format!(" {g:.2} ({w:.2}) |"))
            .collect();
        let _ = writeln!(md, "| {label} |{cells}");
    }
    md
}

/// The timed paths: (label, provider, graphs, OpenVINO's arithmetic). The CPU provider's fp32 and
/// int8, then, where OpenVINO's plugin is installed, its fp32, bf16 (on CPUs with bf16) and int8.
fn speed_paths(no_openvino: bool) -> Vec<(&'static str, Provider, Precision, InferencePrecision)> {
    use InferencePrecision::{Bf16, F32};
    let mut paths = vec![
        ("fp32", Provider::Cpu, Precision::Fp32, F32),
        ("int8", Provider::Cpu, Precision::Int8, F32),
    ];
    if !no_openvino && openvino::locate_plugin().is_ok() {
        paths.push(("openvino:fp32", Provider::OpenVino, Precision::Fp32, F32));
        if openvino::cpu_has_bf16() {
            paths.push(("openvino:bf16", Provider::OpenVino, Precision::Fp32, Bf16));
        }
        paths.push(("openvino:int8", Provider::OpenVino, Precision::Int8, F32));
    }
    paths
}

/// A photograph scaled so its shorter side is 600 px: room for the clips' moves.
/// The folder of the demo's pictures.
struct Inputs(std::path::PathBuf);

impl Inputs {
    fn content(&self, name: &str) -> std::path::PathBuf {
        self.0.join("content").join(name)
    }
    fn style(&self, name: &str) -> std::path::PathBuf {
        self.0.join("style").join(name)
    }
}

fn picture(path: &Path) -> Result<RgbImage> {
    Ok(image::open(path)
        .with_context(|| format!("reading {} (one of the demo's pictures)", path.display()))?
        .to_rgb8())
}

/// A photograph at the clips' scale.
fn photo(path: &Path) -> Result<RgbImage> {
    Ok(adain::image_io::resize_shorter_side(&picture(path)?, 600))
}

/// Each stylized frame blended with the previous result along the input's flow.
fn blend(frames: &[RgbImage], stylized: &[RgbImage], weight: f32) -> Vec<RgbImage> {
    let mut blender = FlowBlender::new(weight);
    let pairs = frames.iter().zip(stylized);
    pairs
        .map(|(input, s)| blender.blend(input, s.clone()))
        .collect()
}

/// Decodes encoded frames with content statistics smoothed by `keep`.
fn stylize_clip(
    stylizer: &mut Stylizer,
    encoded: &[ContentFeatures],
    style: &adain::ops::ChannelStats,
    keep: f32,
) -> Result<Vec<RgbImage>> {
    let mut smoother = ContentStatsSmoother::new(keep);
    encoded
        .iter()
        .map(|content| {
            let stats = smoother.update(content.stats());
            let target = target_features_with(
                content.features.view(),
                Some(stats),
                StyleMix::One(style),
                1.0,
            )?;
            Ok(stylizer.decode(target.view(), content.width, content.height)?)
        })
        .collect()
}

type Row<'a> = (&'a str, f64, Vec<f64>, Vec<f64>);
/// (path, width, height, frames/s each frame alone, frames/s with the default flow blending)
type Speed<'a> = (&'a str, u32, u32, f64, f64);

fn report(args: &VideoArgs, package: &Path, rows: &[Row<'_>], speeds: &[Speed<'_>]) -> String {
    let mut md = String::new();
    if !rows.is_empty() {
        flicker_table(&mut md, args, package, rows);
    }
    let _ = writeln!(
        md,
        "\n## Speed: frames per second, encode + AdaIN + decode (no file I/O)\n\n{}\n\n| size | path | each frame alone | with flow blending (default) | ratio |\n|---|---|---:|---:|---:|",
        adain_test_kit::machine::machine()
    );
    for (path, w, h, alone, flow) in speeds {
        let _ = writeln!(
            md,
            "| {w}x{h} | {path} | {alone:.2} | {flow:.2} | {:.2} |",
            flow / alone
        );
    }
    md
}

/// The warping-error table.
fn flicker_table(md: &mut String, args: &VideoArgs, package: &Path, rows: &[Row<'_>]) {
    let _ = writeln!(
        md,
        "## Flicker: warping error at {}x{}, {} frames, fp32 (8-bit levels; lower is steadier)\n\nModel: {}\n",
        CLIP.0, CLIP.1, args.frames, package.display()
    );
    let _ = writeln!(
        md,
        "Mean over {} photographs × {} styles. In brackets: mean |difference| from per-frame AdaIN's frames.\n",
        PHOTOS.len(),
        STYLES.len()
    );
    let mut header = "| camera move | photographs (floor) |".to_string();
    let mut rule = "|---|---|".to_string();
    for s in &args.smoothing {
        if *s == 0.0 {
            header.push_str(" per-frame AdaIN |");
        } else {
            let _ = write!(header, " smoothing {s} |");
        }
        rule.push_str("---|");
    }
    for w in &args.flow_weights {
        let _ = write!(header, " flow {w} |");
        rule.push_str("---|");
    }
    let _ = writeln!(md, "{header}\n{rule}");
    for (label, floor, errors, deviation) in rows {
        let mut line = format!("| {label} | {floor:.2} |");
        for (e, d) in errors.iter().zip(deviation) {
            if *d == 0.0 {
                let _ = write!(line, " {e:.2} |");
            } else {
                let _ = write!(line, " {e:.2} ({d:.2}) |");
            }
        }
        let _ = writeln!(md, "{line}");
    }
}
