//! ONNX Runtime: the shared library, the process-wide environment, execution providers and sessions.

pub mod ep;
mod graph;
pub mod library;
mod session;
mod shared_arena;
mod version;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

pub use ep::{InferencePrecision, Provider, ProviderOptions, ProviderRequest, PROFILE_IMAGE_SIDES};
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
        Self::init_with(library::locate)
    }

    /// Loads ONNX Runtime from `library` instead of searching for it; it is the process's runtime
    /// from then on. Asking for another file once one is loaded is an error (one per process).
    pub fn init_from(library: impl AsRef<Path>) -> Result<&'static Runtime> {
        let wanted = library.as_ref().to_path_buf();
        if !wanted.is_file() {
            return Err(AdainError::RuntimeLoad {
                path: wanted,
                message: "no such file".into(),
            });
        }
        let runtime = Self::init_with(|| Ok(wanted.clone()))?;
        let same = match (runtime.library.canonicalize(), wanted.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => runtime.library == wanted,
        };
        if !same {
            return Err(AdainError::RuntimeLoad {
                path: wanted,
                message: format!(
                    "ONNX Runtime is already loaded from {} in this process",
                    runtime.library.display()
                ),
            });
        }
        Ok(runtime)
    }

    fn init_with(find: impl FnOnce() -> Result<PathBuf>) -> Result<&'static Runtime> {
        if let Some(rt) = RUNTIME.get() {
            return Ok(rt);
        }
        let _guard = LOADING.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(rt) = RUNTIME.get() {
            return Ok(rt);
        }
        let library = find()?;
        let builder = ort::init_from(&library).map_err(|e| AdainError::RuntimeLoad {
            path: library.clone(),
            message: e.to_string(),
        })?;
        let environment = builder
            .with_name("adain")
            .with_telemetry(false)
            .build()
            .map_err(|e| AdainError::ort("creating the ONNX Runtime environment", e))?;
        if let Err(e) = shared_arena::register(&environment) {
            // Sessions then keep an arena each: more memory, same results.
            tracing::warn!("no shared CPU arena: {e}");
        }
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

    /// The process's ONNX Runtime environment, for sessions of other graphs beside ours.
    pub fn environment(&self) -> &ort::environment::Environment {
        &self.environment
    }
}
