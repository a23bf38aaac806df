//! Locations inside the workspace.

use std::path::{Path, PathBuf};

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

/// Cargo's target folder: `$CARGO_TARGET_DIR`, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// A cargo target folder in the user cache for a build only xtask makes (`dist`: the release
/// binaries per platform; `fuzz`: the instrumented fuzzer). Their dependencies take minutes per
/// platform on two cores; here they are compiled once per machine rather than once per clone. The
/// workspace's own crates still rebuild in every clone, since cargo tells path packages apart by
/// where they are. `$CARGO_TARGET_DIR`, when set, is used instead.
pub fn xtask_build_dir(purpose: &str) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(_) => target_dir().join(purpose),
        None => adain_models::install_paths::cache_dir()
            .join("build")
            .join(purpose),
    }
}

pub fn default_package() -> PathBuf {
    workspace_root().join("models").join("default")
}

pub fn channel_scales_file() -> PathBuf {
    workspace_root()
        .join("models")
        .join("vgg16_channel_scales.json")
}

/// The team's shared training images (`../shared/data/train`).
pub fn shared_train_data() -> PathBuf {
    workspace_root()
        .join("..")
        .join("shared")
        .join("data")
        .join("train")
}
