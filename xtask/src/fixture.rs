//! `cargo xtask fixture-package` (hidden): a model package with the real default encoder and a seeded
//! random decoder, to exercise demo, dist and model-card before the trained decoder exists.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use adain_models::install_paths::keras_vgg16_path;
use adain_models::package::{write_package, PackageInfo};
use adain_models::vgg::{default_encoder, DEFAULT_ENCODER_SOURCE};
use adain_models::{Architecture, Network};

use crate::paths::channel_scales_file;

#[derive(Args, Debug)]
pub struct FixtureArgs {
    /// Package folder to write
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Seed of the random decoder weights
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

pub fn run(args: &FixtureArgs) -> Result<()> {
    crate::setup::vgg_weights::install()?;
    let encoder = default_encoder(&keras_vgg16_path(), &channel_scales_file())
        .context("building the default encoder")?;
    let info = PackageInfo {
        name: "fixture".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        encoder_source: DEFAULT_ENCODER_SOURCE.into(),
        provenance: [(
            "decoder".to_string(),
            format!("seeded random weights ({}), not a trained model", args.seed),
        )]
        .into(),
    };
    write_package(
        &args.out,
        &encoder,
        &Network::seeded(Architecture::decoder(), args.seed),
        &info,
        true,
    )?;
    tracing::info!(
        "wrote a fixture package (random decoder, seed {}) to {}",
        args.seed,
        args.out.display()
    );
    Ok(())
}
