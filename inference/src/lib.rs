//! `adain`: arbitrary style transfer with adaptive instance normalisation (Huang & Belongie, 2017).
//!
//! The encoder and the decoder run as ONNX graphs in ONNX Runtime (CPU, CUDA or TensorRT); AdaIN
//! itself and the paper's controls (α, interpolation, masks, colour preservation) run in ndarray
//! between them, so any style statistics can be used, not only those of a style image.
//!
//! ```no_run
//! use adain::{package::ModelPackage, runtime::SessionOptions, stylize::{adain_stats, Stylizer}};
//! # fn main() -> adain::Result<()> {
//! let package = ModelPackage::load(std::path::Path::new("models/default"))?;
//! let mut stylizer = Stylizer::new(&package, &SessionOptions::default())?;
//! let content = adain::image_io::load_rgb("c.jpg".as_ref(), adain::image_io::DEFAULT_MAX_PIXELS)?;
//! let style = adain::image_io::load_rgb("s.jpg".as_ref(), adain::image_io::DEFAULT_MAX_PIXELS)?;
//! let stats = stylizer.style_statistics(&style, Default::default())?;
//! let out = stylizer.stylize(&content, adain::adain::StyleMix::One(&adain_stats(&stats)), 1.0)?;
//! adain::image_io::save_rgb(&out, "out.png".as_ref())?;
//! # Ok(()) }
//! ```

pub mod adain;
pub mod decoder;
pub mod encoder;
pub mod error;
pub mod image_io;
pub mod package;
pub mod runtime;
pub mod style;
pub mod stylize;
pub mod tiling;
pub mod video;

pub use error::{AdainError, ImageProblem, Result};
