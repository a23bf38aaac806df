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
    /// The training objective became non-finite or exploded. Raised before the step that produced
    /// it could be written: the run folder keeps its last checkpoint.
    #[error(
        "training diverged at iteration {iteration}: the loss became {loss}; \
         the last checkpoint was not overwritten"
    )]
    Diverged { iteration: u64, loss: f64 },
    /// The batch-loading thread ended (panicked, or stopped early) before the run was done.
    #[error("the data loader stopped unexpectedly before the batch of iteration {iteration}")]
    LoaderStopped { iteration: u64 },
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
