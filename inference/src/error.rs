//! The library's one error type. Every variant names the file or the option at fault and says what was
//! expected and what was found, so the command line can print it as is.

use std::path::PathBuf;

use adain_models::ModelError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdainError {
    /// No ONNX Runtime library in any of the places we look.
    #[error(
        "no ONNX Runtime library found; looked in:\n{}\nrun `cargo xtask setup` to install it (or set ORT_DYLIB_PATH)",
        tried.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
    )]
    RuntimeNotFound { tried: Vec<String> },

    /// A library was found but could not be loaded.
    #[error("{path}: cannot load the ONNX Runtime library: {message}")]
    RuntimeLoad { path: PathBuf, message: String },

    /// An ONNX Runtime call failed; `context` says what we were doing.
    #[error("{context}: {source}")]
    Ort {
        context: String,
        #[source]
        source: ort::Error,
    },

    /// An execution provider that was asked for cannot run here.
    #[error("execution provider {provider}: {reason}")]
    ExecutionProvider {
        provider: &'static str,
        reason: String,
    },

    /// A model package that does not hold together.
    #[error("{path}: {message}")]
    Package { path: PathBuf, message: String },

    /// A graph produced something other than the contract promises.
    #[error("{graph}: {message}")]
    GraphOutput { graph: String, message: String },

    /// An input image that cannot be used.
    #[error("{path}: {problem}")]
    Image {
        path: PathBuf,
        problem: ImageProblem,
    },

    /// A style-statistics file that does not belong to this model.
    #[error("{path}: {message}")]
    Stats { path: PathBuf, message: String },

    /// A file of the model contract (manifest, stats file, graph) failed its own checks.
    #[error(transparent)]
    Model(#[from] ModelError),

    /// A video that cannot be read or written (format, frames, or the ffmpeg program).
    #[error("{path}: {message}")]
    Video { path: PathBuf, message: String },

    /// A parameter the caller chose that cannot be used (α outside [0, 1], weights or masks that do
    /// not match the styles, an unknown provider or precision): the call must change, not the data.
    #[error("{0}")]
    InvalidParameter(String),

    /// A palette that takes colours from style images, with a style given as statistics alone.
    #[error("style {} is given as statistics only, but the {} palette needs style images", position + 1, palette.name())]
    NeedsStyleImage {
        palette: crate::recipe::Palette,
        /// Position among the styles, from 0.
        position: usize,
    },

    /// Inputs that do not fit together or into the networks: masks of different sizes, statistics
    /// of another encoder, an image too small for the encoder.
    #[error("{0}")]
    Mismatch(String),

    /// A precision that cannot run on this machine (int8 where the CPU's int8 kernels are not
    /// exact).
    #[error("{path}: {reason}; choose fp32 (or auto) instead")]
    PrecisionUnavailable { path: PathBuf, reason: String },

    /// No model package in any of the places searched for the default one.
    #[error(
        "no default model package found; looked in:\n{}\ngive the package folder explicitly, or run `cargo xtask setup`",
        tried.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
    )]
    NoDefaultPackage { tried: Vec<String> },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Why an image was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageProblem {
    #[error("the file is empty (0 bytes)")]
    EmptyFile,
    #[error("not an image (no known image format in its first bytes)")]
    NotAnImage,
    #[error("unsupported image format {0} (supported: PNG, JPEG, BMP, TIFF, WebP)")]
    UnsupportedFormat(String),
    #[error("truncated image file: {0}")]
    Truncated(String),
    #[error("corrupt image data: {0}")]
    Corrupt(String),
    #[error("the image is empty ({width}x{height} pixels)")]
    ZeroSize { width: u32, height: u32 },
    #[error("{width}x{height} = {pixels} pixels exceeds the limit of {limit}")]
    TooLarge {
        width: u32,
        height: u32,
        pixels: u64,
        limit: u64,
    },
    #[error("cannot write a {0} image (supported outputs: png, jpg, bmp, tiff, webp)")]
    UnsupportedOutput(String),
    #[error("cannot encode the image: {0}")]
    Encode(String),
}

impl AdainError {
    pub(crate) fn ort(context: impl Into<String>, source: impl Into<ort::Error>) -> Self {
        Self::Ort {
            context: context.into(),
            source: source.into(),
        }
    }
    pub(crate) fn package(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Package {
            path: path.into(),
            message: message.into(),
        }
    }
    pub(crate) fn image(path: impl Into<PathBuf>, problem: ImageProblem) -> Self {
        Self::Image {
            path: path.into(),
            problem,
        }
    }
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = AdainError> = std::result::Result<T, E>;
