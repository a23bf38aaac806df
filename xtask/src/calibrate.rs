//! `cargo xtask calibrate-encoder`: the mean activation of every VGG16 ReLU channel over a set of images,
//! written to models/vgg16_channel_scales.json (see adain_models::vgg::ChannelScales for why).
//!
//! Runs the unscaled encoder (Caffe preprocessing folded in) in ONNX Runtime with every ReLU as an
//! output. Since rescaling a ReLU network is exact, all layers' means come from this one pass.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use ort::session::Session;
use ort::value::TensorRef;

use adain_models::install_paths::keras_vgg16_path;
use adain_models::onnx::{model_bytes, network_graph, GraphSpec, Outputs, PadMode};
use adain_models::vgg::{fold_caffe_preprocessing, load_keras_vgg16, ChannelScales, LayerScales};

use crate::paths::{channel_scales_file, shared_data};

#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// Image folders (default: the shared training photos and artworks).
    #[arg(long)]
    images: Vec<PathBuf>,
    /// Images are resized to this shorter side and center-cropped square.
    #[arg(long, default_value_t = 256)]
    size: u32,
    /// Output file.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: &CalibrateArgs) -> Result<()> {
    crate::setup::onnx_runtime::install()?;
    crate::setup::vgg_weights::install()?;
    let folders = if args.images.is_empty() {
        let data = shared_data().join("train");
        vec![data.join("content"), data.join("style")]
    } else {
        args.images.clone()
    };
    let mut files = Vec::new();
    for dir in &folders {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading image folder {}", dir.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        files.extend(found);
    }
    if files.is_empty() {
        bail!("no images in {folders:?}");
    }

    let raw = fold_caffe_preprocessing(load_keras_vgg16(&keras_vgg16_path())?)?;
    let spec = GraphSpec {
        graph_name: "vgg16-calibration".into(),
        input: "image".into(),
        input_channels: 3,
        outputs: Outputs::EveryRelu,
        pad_mode: PadMode::Reflect,
        metadata: vec![],
    };
    let graph = model_bytes(&network_graph(&raw, &spec)?);
    let env = ort::init_from(crate::setup::onnx_runtime::library_path())?.build()?;
    let mut session = build_session(&env, &graph).context("creating the calibration session")?;
    let convs: Vec<(String, usize)> = raw
        .architecture()
        .convs()
        .map(|c| (c.name.to_string(), c.out_channels))
        .collect();
    let mut sums: Vec<Vec<f64>> = convs.iter().map(|(_, c)| vec![0.0; *c]).collect();
    let mut used = 0usize;

    let bar = ProgressBar::new(files.len() as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .expect("valid template"),
    );
    bar.set_message("calibrating");
    for file in &files {
        bar.inc(1);
        let Some(input) = load_square(file, args.size) else {
            tracing::warn!("skipping {} (not a decodable image)", file.display());
            continue;
        };
        let outputs = session.run(ort::inputs!["image" => TensorRef::from_array_view(&input)?])?;
        for ((name, _), sum) in convs.iter().zip(&mut sums) {
            let a = outputs[name.as_str()].try_extract_array::<f32>()?;
            let shape = a.shape().to_vec();
            let plane = shape[2] * shape[3];
            let data = a.as_slice().context("contiguous output")?;
            for (c, s) in sum.iter_mut().enumerate() {
                // Mean over this image's positions; images weigh equally.
                *s += data[c * plane..(c + 1) * plane]
                    .iter()
                    .map(|&v| v as f64)
                    .sum::<f64>()
                    / plane as f64;
            }
        }
        used += 1;
    }
    bar.finish();

    let scales = ChannelScales {
        architecture: raw.architecture().name.into(),
        measured_on: raw.identity(),
        method: format!(
            "mean ReLU activation per channel, averaged over {used} images ({}) resized to shorter side {} and center-cropped square",
            folders.iter().map(|f| display_relative(f)).collect::<Vec<_>>().join(", "),
            args.size
        ),
        layers: convs
            .iter()
            .zip(&sums)
            .map(|((name, _), s)| LayerScales {
                conv: name.clone(),
                mean_activation: s.iter().map(|v| (*v / used as f64) as f32).collect(),
            })
            .collect(),
    };
    let out = args.out.clone().unwrap_or_else(channel_scales_file);
    scales.save(&out)?;
    for l in &scales.layers {
        let m = &l.mean_activation;
        let dead = m.iter().filter(|v| **v <= 1e-6).count();
        tracing::info!(
            "{}: mean activation {:.3} (min {:.3}, max {:.3}, dead {dead})",
            l.conv,
            m.iter().sum::<f32>() / m.len() as f32,
            m.iter().cloned().fold(f32::INFINITY, f32::min),
            m.iter().cloned().fold(0.0, f32::max)
        );
    }
    tracing::info!("wrote {} from {used} images", out.display());
    Ok(())
}

fn build_session(env: &ort::environment::Environment, graph: &[u8]) -> ort::Result<Session> {
    Session::builder(env)?
        .with_intra_threads(std::thread::available_parallelism().map_or(2, |n| n.get()))?
        .commit_from_memory(graph)
}

/// The image as [1,3,size,size] RGB in [0,1]: shorter side resized to `size`, center crop.
fn load_square(path: &Path, size: u32) -> Option<ndarray::Array4<f32>> {
    let img = image::open(path).ok()?.to_rgb8();
    let (w, h) = img.dimensions();
    let scale = size as f32 / w.min(h) as f32;
    let (nw, nh) = (
        ((w as f32 * scale).round() as u32).max(size),
        ((h as f32 * scale).round() as u32).max(size),
    );
    let resized = image::imageops::resize(&img, nw, nh, image::imageops::FilterType::Triangle);
    let cropped = image::imageops::crop_imm(&resized, (nw - size) / 2, (nh - size) / 2, size, size)
        .to_image();
    let planar =
        adain_models::pixels::rgb8_to_planar(cropped.as_raw(), size as usize, size as usize);
    ndarray::Array4::from_shape_vec((1, 3, size as usize, size as usize), planar).ok()
}

fn display_relative(p: &Path) -> String {
    // Record shared data by its stable name rather than this machine's absolute path.
    let s = p.to_string_lossy();
    s.find("shared/data/")
        .map(|i| s[i..].to_string())
        .unwrap_or_else(|| s.into_owned())
}
