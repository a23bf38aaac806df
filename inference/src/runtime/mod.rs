//! ONNX Runtime: the shared library, the process-wide environment, execution providers and sessions.

pub mod ep;
mod graph;
pub mod library;
mod session;
mod version;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

pub use ep::{Provider, ProviderOptions, ProviderRequest, PROFILE_IMAGE_SIDES};
pub use graph::GraphInput;
pub use session::{open_session, probe_provider, OpenedSession, SessionOptions};

use crate::error::{AdainError, Result};

/// The loaded ONNX Runtime and its environment (ort allows one environment per process).
pub struct Runtime {
    environment: ort::environment::Environment,
    library: PathBuf,
}

static RUNTIME: OnceLock<Runtime> = OnceLock::new();
static LOADING: Mutex<()> = Mutex::new(());

impl Runtime {
    /// Loads the library on first use (see [`library::locate`]) and returns the process's runtime.
    pub fn get() -> Result<&'static Runtime> {
        if let Some(rt) = RUNTIME.get() {
            return Ok(rt);
        }
        let _guard = LOADING.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(rt) = RUNTIME.get() {
            return Ok(rt);
        }
        let library = library::locate()?;
        let builder = ort::init_from(&library).map_err(|e| AdainError::RuntimeLoad {
            path: library.clone(),
            message: e.to_string(),
        })?;
        let environment = builder
            .with_name("adain")
            .with_telemetry(false)
            .build()
            .map_err(|e| AdainError::ort("creating the ONNX Runtime environment", e))?;
        tracing::debug!(library = %library.display(), "ONNX Runtime loaded");
        Ok(RUNTIME.get_or_init(|| Runtime {
            environment,
            library,
        }))
    }

    /// The shared library in use.
    pub fn library(&self) -> &Path {
        &self.library
    }

    /// ONNX Runtime's build string (version branch, commit, flags).
    pub fn build_info(&self) -> &'static str {
        ort::info()
    }

    /// The version the loaded library reports (e.g. "1.31.1").
    pub fn version(&self) -> Option<String> {
        version::reported_version(&self.library)
    }

    pub(crate) fn environment(&self) -> &ort::environment::Environment {
        &self.environment
    }
}
