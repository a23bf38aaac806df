//! Python environments `cargo xtask setup` installs under the adain cache folder and tests run in:
//! their names and pinned contents, shared by the installer and the tests.

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
pub fn venv_python(venv: &str, what: &str, install: &str) -> Option<std::path::PathBuf> {
    let python = adain_models::install_paths::cache_dir()
        .join(venv)
        .join("bin")
        .join("python");
    let found = if python.is_file() {
        Ok(python)
    } else {
        Err("not installed")
    };
    crate::require(what, install, found)
}
