//! `cargo xtask validate-openvino`: OpenVINO's bf16 arithmetic on a package's fp32 graphs, validated
//! as the exporter validates the int8 and fp16 graphs: each held-out pair stylized at 512 px by the
//! CPU provider in fp32 and by OpenVINO in bf16, PSNR of the 8-bit results pooled over the pairs, and
//! the record written into the package's manifest (`runtime_validations.openvino-bf16`), where
//! `--precision auto` reads it. Needs a CPU with bf16 (AVX512-BF16 or AMX), the plugin (setup) and
//! the shared training data (for the held-out split).

use std::path::PathBuf;

use adain::image_io::resize_shorter_side;
use adain::ops::transfer;
use adain::ops::StyleMix;
use adain::package::{ModelPackage, Precision, PrecisionChoice};
use adain::runtime::ep::openvino;
use adain::runtime::{
    InferencePrecision, Provider, ProviderOptions, ProviderRequest, SessionOptions,
};
use adain::Stylizer;
use adain_models::manifest::{Manifest, Validation, OPENVINO_BF16};
use adain_models::package::MIN_VALIDATED_PSNR_DB;
use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::paths::default_package;
use crate::train_default::data_mix;

#[derive(Args, Debug)]
pub struct ValidateOpenvinoArgs {
    /// Model package [default: models/default]
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Held-out pairs to stylize
    #[arg(long, default_value_t = 16)]
    pub pairs: usize,
    /// Shorter side the pairs are stylized at
    #[arg(long, default_value_t = 512)]
    pub size: u32,
}

pub fn run(args: &ValidateOpenvinoArgs) -> Result<()> {
    if !openvino::cpu_has_bf16() {
        bail!("validating bf16 needs a CPU with AVX512-BF16 or AMX, and this one has neither");
    }
    crate::setup::onnx_runtime::install()?;
    if crate::setup::openvino_ep::install()?.is_none() {
        bail!("no OpenVINO plugin is pinned for this platform");
    }
    let dir = args.model.clone().unwrap_or_else(default_package);
    let package = ModelPackage::load(&dir, PrecisionChoice::Exact(Precision::Fp32), Provider::Cpu)?;
    let session = |provider: Provider, arithmetic: InferencePrecision| SessionOptions {
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        request: ProviderRequest::Only(provider),
        provider_options: ProviderOptions {
            openvino_precision: arithmetic,
            ..Default::default()
        },
        cpu_arena: true,
    };
    let mut reference = Stylizer::new(&package, &session(Provider::Cpu, InferencePrecision::F32))?;
    let mut bf16 = Stylizer::new(
        &package,
        &session(Provider::OpenVino, InferencePrecision::Bf16),
    )?;

    let mix = data_mix::shared()?;
    let (contents, styles) = data_mix::eval_subset(&mix.content.1, &mix.style.1);
    if contents.is_empty() || styles.is_empty() {
        bail!("no held-out images in the shared training data");
    }
    // Each content with styles in turn, so every image is used before any pair repeats one.
    let pairs: Vec<_> = (0..args.pairs)
        .map(|i| {
            (
                &contents[i % contents.len()],
                &styles[(i + i / contents.len()) % styles.len()],
            )
        })
        .collect();
    let bar = ProgressBar::new(pairs.len() as u64).with_style(
        ProgressStyle::with_template("validating OpenVINO bf16 [{bar:30}] {pos}/{len} pairs")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (mut squared, mut count, mut worst) = (0.0f64, 0usize, f64::INFINITY);
    for (content, style) in &pairs {
        let load = |path: &std::path::Path| -> Result<image::RgbImage> {
            let image = image::open(path).with_context(|| format!("reading {}", path.display()))?;
            Ok(resize_shorter_side(&image.to_rgb8(), args.size))
        };
        let (c, s) = (load(&content.path)?, load(&style.path)?);
        let run = |stylizer: &mut Stylizer| -> Result<image::RgbImage> {
            let features = stylizer.encode_content(&c)?;
            let stats = stylizer.adain_style_statistics(&s)?;
            let target = transfer(&features, StyleMix::One(&stats), 1.0)?;
            Ok(stylizer.decode(target.view(), features.width, features.height)?)
        };
        let (a, b) = (run(&mut reference)?, run(&mut bf16)?);
        let pair_sq = adain_test_kit::psnr::squared_error(a.as_raw(), b.as_raw());
        let n = a.as_raw().len();
        worst = worst.min(adain_test_kit::psnr::from_mse(pair_sq / n as f64));
        squared += pair_sq;
        count += n;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let pooled = adain_test_kit::psnr::from_mse(squared / count as f64);
    let validation = Validation {
        psnr_db: round2(pooled),
        min_psnr_db: round2(worst),
        pairs: pairs.len(),
        size: args.size,
        threshold_db: MIN_VALIDATED_PSNR_DB,
        validated: pooled >= MIN_VALIDATED_PSNR_DB,
        method: format!(
            "full pipeline through OpenVINO's plugin {} (INFERENCE_PRECISION_HINT bf16) vs the CPU \
             provider in fp32, 8-bit outputs; held-out pairs of the default model's data split ({} \
             contents, {} styles from ../shared/data); measured on {}",
            adain_models::install_paths::OPENVINO_EP_VERSION,
            contents.len(),
            styles.len(),
            adain_test_kit::machine::cpu_model()
        ),
    };
    tracing::info!(
        "OpenVINO bf16: {:.2} dB pooled, worst pair {:.2} dB over {} pairs at {} px ({})",
        validation.psnr_db,
        validation.min_psnr_db,
        validation.pairs,
        validation.size,
        if validation.validated {
            "validated"
        } else {
            "below the bar"
        }
    );
    let mut manifest = Manifest::load(&dir)?;
    manifest
        .runtime_validations
        .insert(OPENVINO_BF16.into(), validation);
    manifest.save(&dir)?;
    tracing::info!("recorded in {}", dir.join("manifest.json").display());
    Ok(())
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
