//! `cargo xtask setup`: everything the project needs that is not in the repository.

pub mod cross;
pub mod debian;
mod encoder;
pub mod onnx_runtime;
pub mod openvino_ep;
pub mod venv;
pub mod vgg_weights;
pub mod video_clip;

use anyhow::Result;
use clap::Args;

#[derive(Args, Debug, Default)]
pub struct SetupArgs {
    /// Skip the torch venv (~5 GB): enough for inference, the demo and the CLI, not for training.
    #[arg(long)]
    pub no_torch: bool,

    /// Also install ffmpeg (Debian's package, with apt-get) for `adain video` beyond GIF/APNG/Y4M/frames.
    #[arg(long)]
    pub video: bool,

    /// Also install what release builds for other platforms and their checks need: Rust targets,
    /// zig and cargo-zigbuild, each target's ONNX Runtime library, qemu-user with an arm64 sysroot
    /// and wine (Debian's packages, with apt-get)
    #[arg(long)]
    pub cross: bool,

    /// Also install Debian's Chromium and ChromeDriver, for the browser test of `adain serve`'s page
    #[arg(long)]
    pub browser: bool,

    /// Also install Triton's model-configuration schema (tritonclient and protobuf from PyPI, in a
    /// small venv), to check the configs `adain export-triton` writes
    #[arg(long)]
    pub triton: bool,

    /// Also install what `cargo xtask bench-video` compares with: OpenCV (~60 MB from PyPI, in a venv in
    /// the cache) and a real clip (OpenCV's documentation footage, from Debian's opencv-doc)
    #[arg(long)]
    pub bench: bool,

    /// Also install Ray Data (with Pillow and pytest, ~600 MB from PyPI, in a venv in the cache) for
    /// the test of python/examples/ray_stylize.py
    #[arg(long)]
    pub ray: bool,
}

pub fn run(args: &SetupArgs) -> Result<()> {
    let start = std::time::Instant::now();
    onnx_runtime::install()?;
    // `--ep openvino`: its plugin, where one is pinned for this machine (52 MB download, 95 MB kept).
    openvino_ep::install()?;
    vgg_weights::install()?;
    encoder::build_default()?;
    if !args.no_torch {
        venv::install_torch()?;
    }
    if args.video {
        debian::ensure_ffmpeg()?;
    }
    if args.ray {
        venv::RAY.ensure()?;
    }
    if args.bench {
        venv::OPENCV.ensure()?;
        video_clip::install()?;
    }
    if args.triton {
        venv::TRITON.ensure()?;
    }
    if args.browser {
        // Headless Chromium and its WebDriver server (/usr/bin/chromium, /usr/bin/chromedriver).
        debian::ensure_packages(
            &["chromium", "chromium-driver"],
            "the browser test of the web page",
        )?;
    }
    if args.cross {
        use crate::target::Target;
        cross::toolchain(&Target::ALL)?;
        cross::emulators(&Target::ALL)?;
        for target in Target::ALL {
            onnx_runtime::library_for(target)?;
            onnx_runtime::license_files(target)?;
        }
    }
    tracing::info!(
        "setup complete in {:.1} s (cache: {})",
        start.elapsed().as_secs_f64(),
        adain_models::install_paths::cache_dir().display()
    );
    Ok(())
}
