use std::path::PathBuf;

/// Errors of the model contract: every variant names the file and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a valid ONNX model: {message}")]
    Onnx { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("weights for `{layer}`: expected shape {expected:?}, found {found:?}")]
    Shape {
        layer: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error("weights for `{layer}` are missing{}", hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Missing { layer: String, hint: Option<String> },
    #[error("{0}")]
    Invalid(String),
}

impl ModelError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
    pub fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Format {
            path: path.into(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = ModelError> = std::result::Result<T, E>;
