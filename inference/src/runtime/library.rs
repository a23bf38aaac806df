//! Finding the ONNX Runtime shared library and loading it once per process.
//!
//! ort with `load-dynamic` would otherwise dlopen `libonnxruntime.so` from the system search path and
//! PANIC when there is none, so we resolve the file ourselves and fail with the list of places tried.

use std::path::{Path, PathBuf};

use adain_models::install_paths::{onnx_runtime_dir, ONNX_RUNTIME_LIBRARY};

use crate::error::{AdainError, Result};

/// Environment variable ort itself honours; we look at it last, like the documented search order.
pub const ORT_DYLIB_PATH: &str = "ORT_DYLIB_PATH";

/// The library file to load: next to the executable (a dist tarball), then the project cache
/// (`cargo xtask setup`), then `$ORT_DYLIB_PATH`.
pub fn locate() -> Result<PathBuf> {
    let mut tried = Vec::new();

    if let Some(dir) = executable_dir() {
        if let Some(found) = library_in(&dir) {
            return Ok(found);
        }
        tried.push(format!(
            "{}/libonnxruntime.so* (next to the executable)",
            dir.display()
        ));
    }

    let cached = onnx_runtime_dir().join(ONNX_RUNTIME_LIBRARY);
    if cached.is_file() {
        return Ok(cached);
    }
    tried.push(format!(
        "{} (installed by `cargo xtask setup`)",
        cached.display()
    ));

    match std::env::var_os(ORT_DYLIB_PATH).filter(|v| !v.is_empty()) {
        Some(value) => {
            let given = PathBuf::from(&value);
            // ort resolves relative values against the executable's folder first; so do we.
            let candidates = match (given.is_relative(), executable_dir()) {
                (true, Some(dir)) => vec![dir.join(&given), given.clone()],
                _ => vec![given.clone()],
            };
            if let Some(found) = candidates.into_iter().find(|p| p.is_file()) {
                return Ok(found);
            }
            tried.push(format!(
                "{} (from {ORT_DYLIB_PATH}; no such file)",
                given.display()
            ));
        }
        None => tried.push(format!("${ORT_DYLIB_PATH} (not set)")),
    }
    Err(AdainError::RuntimeNotFound { tried })
}

fn executable_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()?
        .parent()
        .map(Path::to_path_buf)
}

/// `libonnxruntime.so*` in `dir`, preferring the pinned version, then the plain name. Provider
/// plugins (`libonnxruntime_providers_*.so`) live in the same folder and are not the runtime.
fn library_in(dir: &Path) -> Option<PathBuf> {
    for name in [ONNX_RUNTIME_LIBRARY, "libonnxruntime.so"] {
        let p = dir.join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    let mut versioned: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("libonnxruntime.so."))
        })
        .collect();
    versioned.sort();
    versioned.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_the_pinned_library_and_ignores_provider_plugins() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("libonnxruntime_providers_shared.so"), b"").unwrap();
        assert_eq!(library_in(dir.path()), None);
        std::fs::write(dir.path().join("libonnxruntime.so.1.20.0"), b"").unwrap();
        assert_eq!(
            library_in(dir.path()).unwrap().file_name().unwrap(),
            "libonnxruntime.so.1.20.0"
        );
        std::fs::write(dir.path().join(ONNX_RUNTIME_LIBRARY), b"").unwrap();
        assert_eq!(
            library_in(dir.path()).unwrap().file_name().unwrap(),
            ONNX_RUNTIME_LIBRARY
        );
    }
}
