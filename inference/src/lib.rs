//! `adain`: arbitrary style transfer with adaptive instance normalisation (Huang & Belongie, 2017).
//!
//! The encoder and the decoder run as ONNX graphs in ONNX Runtime (CPU, CUDA or TensorRT); AdaIN
//! itself and the paper's controls (α, interpolation, masks, colour preservation) run in ndarray
//! between them, so any style statistics can be used, not only those of a style image.
//!
//! The library carries none of the `adain` command's dependencies (clap, indicatif, anyhow, the web
//! stack): those live in the `adain-cli` and `adain-serve` crates beside it.
//!
//! Stylizing one image with a [`Recipe`], as the `adain` command, the server and the Python package
//! do (the same as `examples/embed.rs`; the hidden lines make the test inputs):
//!
//! ```
//! use adain::image_io::{load_rgb, prepare, save_rgb, DEFAULT_MAX_PIXELS};
//! use adain::{ModelPackage, PrecisionChoice, Provider, Recipe, SessionOptions, Style, Stylizer};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let (content, style, output) = (dir.path().join("c.png"), dir.path().join("s.png"), dir.path().join("out.png"));
//! # let picture = |k: u32| image::RgbImage::from_fn(96, 64, |x, y| image::Rgb([(x * k) as u8, (y * 3) as u8, 128]));
//! # picture(2).save(&content)?;
//! # picture(7).save(&style)?;
//! # let model = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/default");
//!
//! let package = ModelPackage::load(&model, PrecisionChoice::Auto, Provider::Cpu)?;
//! let mut stylizer = Stylizer::new(&package, &SessionOptions::default())?;
//! // One request: the styles, how they mix, α, the palette, the sizes (here every default).
//! let recipe = Recipe::default();
//! let style = prepare(&load_rgb(&style, DEFAULT_MAX_PIXELS)?, 512, false);
//! let styles = recipe.ready(&mut stylizer, vec![Style::image(style)])?;
//! let content = load_rgb(&content, DEFAULT_MAX_PIXELS)?;
//! save_rgb(&recipe.stylize(&mut stylizer, &styles, &content)?, &output)?;
//! # assert_eq!(image::open(&output)?.to_rgb8().dimensions(), (96, 64));
//! # Ok(()) }
//! ```
//!
//! [`runtime::Runtime::init_from`] loads ONNX Runtime from a given file instead of searching for it
//! ([`runtime::library::search_order`] lists the places searched).

mod decoder;
mod encoder;
mod error;
pub mod image_io;
pub mod ops;
pub mod package;
mod recipe;
pub mod runtime;
pub mod style;
mod stylize;
pub mod tiling;
pub mod video;

pub use decoder::Decoder;
pub use encoder::{Encoder, MIN_IMAGE_SIDE};
pub use error::{AdainError, ImageProblem, Result};
pub use ops::StyleMix;
pub use package::{ModelPackage, Precision, PrecisionChoice};
pub use recipe::{Combine, Palette, ReadyStyles, Recipe, Style};
pub use runtime::{Provider, ProviderRequest, Runtime, SessionOptions};
pub use stylize::{ContentFeatures, Stylizer};
pub use video::{FrameStylizer, VideoOptions};
