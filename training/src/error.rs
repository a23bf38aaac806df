use std::path::PathBuf;

/// Errors of the training library; each names the file or folder involved.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Model(#[from] adain_models::ModelError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Data { path: PathBuf, message: String },
    #[error("checkpoint {path}: {message}")]
    Checkpoint { path: PathBuf, message: String },
    #[error(transparent)]
    Torch(#[from] tch::TchError),
    /// ONNX Runtime, while calibrating or validating exported graphs.
    #[error(transparent)]
    Runtime(#[from] adain::AdainError),
    #[error("{0}")]
    Config(String),
}

impl TrainError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = TrainError> = std::result::Result<T, E>;
