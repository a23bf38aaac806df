//! Python environments (and one clip) `cargo xtask setup` installs under the adain cache folder,
//! which tests and benchmarks use: their names and pinned contents, shared by the installer and
//! their users.

use std::path::PathBuf;

use adain_models::install_paths::cache_dir;

/// The torch release tch 0.26 binds exactly; its venv (`torch-<version>`) also holds the Python
/// contestants of `cargo xtask bench` (torch, and onnxruntime at our runtime library's release).
pub const TORCH_VERSION: &str = "2.13.0";

/// The Python of the venv of torch `version` (which may not exist yet).
pub fn torch_python(version: &str) -> PathBuf {
    cache_dir()
        .join(format!("torch-{version}"))
        .join("bin")
        .join("python")
}

/// OpenCV for `cargo xtask bench-video`: its DIS flow scores our blending with a flow that is not
/// the blender's, and is the yardstick for our own flow's accuracy and speed.
pub const OPENCV_VENV: &str = "opencv-4.12-venv";
/// What that venv holds, pinned.
pub const OPENCV_PACKAGES: [&str; 2] = ["opencv-python-headless==4.12.0.88", "numpy==2.2.6"];

/// The Python of the cached venv `venv` (which may not exist yet).
pub fn python_of(venv: &str) -> PathBuf {
    cache_dir().join(venv).join("bin").join("python")
}

/// Real footage for `cargo xtask bench-video` (OpenCV's documentation clip `box.mp4`), where setup
/// keeps it.
pub fn real_clip() -> PathBuf {
    cache_dir().join("clips").join("box.mp4")
}

/// The venv holding Triton's model-configuration schema: the `tritonclient` wheel's generated
/// `model_config_pb2` and protobuf, pinned; `cargo xtask setup --triton` installs it, the Triton
/// export tests parse `config.pbtxt` files with it.
pub const TRITON_SCHEMA_VENV: &str = "triton-schema-2.73.0";
/// What that venv holds, exactly.
pub const TRITON_SCHEMA_PACKAGES: [&str; 2] = ["tritonclient==2.73.0", "protobuf==6.33.6"];

/// The venv with Ray Data for the Ray example's test; `cargo xtask setup --ray` installs it, the test
/// installs the freshly built adain wheel into it.
pub const RAY_VENV: &str = "ray-2.60.0";
/// What that venv holds, pinned (Pillow: Ray Data reads images with it).
pub const RAY_PACKAGES: [&str; 3] = ["ray[data]==2.60.0", "pillow==13.0.0", "pytest==9.2.0"];

/// The Python of the cached venv `venv`, under the CI rule: `None` (skipped) or a failure naming
/// `what` and the `install` command when it is not there.
pub fn venv_python(venv: &str, what: &str, install: &str) -> Option<PathBuf> {
    let python = python_of(venv);
    let found = if python.is_file() {
        Ok(python)
    } else {
        Err("not installed")
    };
    crate::require(what, install, found)
}
