//! Finding the ONNX Runtime shared library and loading it once per process.
//!
//! ort with `load-dynamic` would otherwise dlopen `libonnxruntime.so` from the system search path and
//! PANIC when there is none, so we resolve the file ourselves and fail with the list of places tried.
//! The names differ per operating system (`.so` on Linux, `.dll` on Windows, `.dylib` on macOS: see
//! [`LibraryNames`]); the order of the places is the same everywhere.

use std::path::{Path, PathBuf};

use adain_models::install_paths::{onnx_runtime_dir, LibraryNames, HOST_LIBRARY};

use crate::error::{AdainError, Result};

/// Environment variable ort itself honours; we look at it last, like the documented search order.
pub const ORT_DYLIB_PATH: &str = "ORT_DYLIB_PATH";

/// One place the library may be, in the order [`locate`] tries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    /// The executable's folder (a release archive): the pinned name, the plain one, then any
    /// other release of the library.
    NextToExecutable(PathBuf),
    /// Installed by `cargo xtask setup` into the project cache.
    Cache(PathBuf),
    /// `$ORT_DYLIB_PATH`; relative values are tried against the executable's folder first, as ort does.
    Environment(Option<PathBuf>),
}

impl Candidate {
    /// The library file this place holds, if any.
    pub fn find(&self, names: &LibraryNames) -> Option<PathBuf> {
        match self {
            Candidate::NextToExecutable(dir) => library_in(dir, names),
            Candidate::Cache(file) => file.is_file().then(|| file.clone()),
            Candidate::Environment(None) => None,
            Candidate::Environment(Some(given)) => {
                let candidates = match (given.is_relative(), executable_dir()) {
                    (true, Some(dir)) => vec![dir.join(given), given.clone()],
                    _ => vec![given.clone()],
                };
                candidates.into_iter().find(|p| p.is_file())
            }
        }
    }

    /// How the place reads in the "looked in" list when nothing was there.
    pub fn describe(&self, names: &LibraryNames) -> String {
        match self {
            Candidate::NextToExecutable(dir) => format!(
                "{} or {} in {} (next to the executable)",
                names.pinned,
                names.plain,
                dir.display()
            ),
            Candidate::Cache(file) => {
                format!("{} (installed by `cargo xtask setup`)", file.display())
            }
            Candidate::Environment(None) => format!("${ORT_DYLIB_PATH} (not set)"),
            Candidate::Environment(Some(given)) => {
                format!("{} (from {ORT_DYLIB_PATH}; no such file)", given.display())
            }
        }
    }
}

/// Where this process looks for the library, in order: next to the executable (a release archive),
/// the project cache (`cargo xtask setup`), then `$ORT_DYLIB_PATH`.
pub fn search_order() -> Vec<Candidate> {
    let mut order = Vec::new();
    if let Some(dir) = executable_dir() {
        order.push(Candidate::NextToExecutable(dir));
    }
    order.push(Candidate::Cache(
        onnx_runtime_dir().join(HOST_LIBRARY.pinned),
    ));
    order.push(Candidate::Environment(
        std::env::var_os(ORT_DYLIB_PATH)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
    ));
    order
}

/// The library file to load: the first place of [`search_order`] that holds one.
pub fn locate() -> Result<PathBuf> {
    let order = search_order();
    if let Some(found) = order.iter().find_map(|c| c.find(&HOST_LIBRARY)) {
        return Ok(found);
    }
    Err(AdainError::RuntimeNotFound {
        tried: order.iter().map(|c| c.describe(&HOST_LIBRARY)).collect(),
    })
}

/// The folder of the running executable: release archives put the runtime library and
/// `models/default` there.
pub fn executable_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()?
        .parent()
        .map(Path::to_path_buf)
}

/// The library in `dir`: the pinned name, then the plain one, then the newest-sorting other release.
/// Provider plugins (`*onnxruntime_providers_*`) live in the same folder and are not the runtime.
fn library_in(dir: &Path, names: &LibraryNames) -> Option<PathBuf> {
    for name in [names.pinned, names.plain] {
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
                    .is_some_and(|n| names.is_versioned(n))
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
        for (os, plugin) in [
            ("linux", "libonnxruntime_providers_shared.so"),
            ("windows", "onnxruntime_providers_shared.dll"),
            ("macos", "libonnxruntime_providers_shared.dylib"),
        ] {
            let names = LibraryNames::for_os(os);
            let dir = tempfile::tempdir().unwrap();
            let (prefix, suffix) = names.versioned;
            std::fs::write(dir.path().join(plugin), b"").unwrap();
            assert_eq!(library_in(dir.path(), &names), None, "{os}");
            let other = format!("{prefix}1.20.0{suffix}");
            std::fs::write(dir.path().join(&other), b"").unwrap();
            assert_eq!(
                library_in(dir.path(), &names).unwrap().file_name().unwrap(),
                other.as_str(),
                "{os}"
            );
            std::fs::write(dir.path().join(names.pinned), b"").unwrap();
            assert_eq!(
                library_in(dir.path(), &names).unwrap().file_name().unwrap(),
                names.pinned,
                "{os}"
            );
        }
    }

    #[test]
    fn the_error_lists_every_place_in_order() {
        let names = LibraryNames::for_os("windows");
        let dir = tempfile::tempdir().unwrap();
        let order = [
            Candidate::NextToExecutable(dir.path().to_path_buf()),
            Candidate::Cache(dir.path().join("cache").join(names.pinned)),
            Candidate::Environment(Some(dir.path().join("nowhere.dll"))),
        ];
        assert!(order.iter().all(|c| c.find(&names).is_none()));
        let lines: Vec<String> = order.iter().map(|c| c.describe(&names)).collect();
        assert!(
            lines[0].contains("onnxruntime.dll") && lines[0].contains("next to the executable")
        );
        assert!(lines[1].contains("cargo xtask setup"));
        assert!(lines[2].contains("nowhere.dll") && lines[2].contains(ORT_DYLIB_PATH));
        assert_eq!(
            Candidate::Environment(None).describe(&names),
            "$ORT_DYLIB_PATH (not set)"
        );
        std::fs::write(dir.path().join("onnxruntime.dll"), b"").unwrap();
        assert_eq!(
            order[0].find(&names),
            Some(dir.path().join("onnxruntime.dll"))
        );
    }
}
