//! `cargo xtask art` (hidden): writes the project's generated artworks (adain_test_kit::art), to
//! look at them or use them as styles; `--jpeg 85` writes the server's built-in gallery.

use adain_test_kit::art::{encoded, Artwork};
use anyhow::{Context, Result};

#[derive(clap::Args, Debug)]
pub struct ArtArgs {
    /// Folder to write <name>.png into
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
    #[arg(long, default_value_t = 2017)]
    pub seed: u64,
    #[arg(long, default_value_t = 640)]
    pub width: u32,
    #[arg(long, default_value_t = 512)]
    pub height: u32,
    /// Write JPEG files of this quality instead of PNG (the server's built-in styles use 85)
    #[arg(long, value_name = "Q", value_parser = clap::value_parser!(u8).range(1..=100))]
    pub jpeg: Option<u8>,
}

pub fn run(args: &ArtArgs) -> Result<()> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let extension = if args.jpeg.is_some() { "jpg" } else { "png" };
    for art in Artwork::ALL {
        let path = args.out.join(format!("{}.{extension}", art.name()));
        let bytes = encoded(art, (args.width, args.height), args.seed, args.jpeg);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        tracing::info!("wrote {}", path.display());
    }
    Ok(())
}
