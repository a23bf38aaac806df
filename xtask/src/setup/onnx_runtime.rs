//! The ONNX Runtime CPU library, taken out of the official PyPI wheel.

use anyhow::Result;

use adain_models::install_paths::{cache_dir, onnx_runtime_dir, ONNX_RUNTIME_LIBRARY, ONNX_RUNTIME_VERSION};

use crate::wheel::{self, WheelFile};

const WHEEL: WheelFile<'static> = WheelFile {
    requirement: "onnxruntime==1.31.1",
    // The library inside does not depend on the Python version; pin one wheel so the checksum holds.
    pip_args: &["--platform", "manylinux_2_28_x86_64", "--python-version", "311"],
    wheel_sha256: "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f",
    member: "onnxruntime/capi/libonnxruntime.so.1.31.1",
    member_sha256: "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3",
};

/// Path of the installed library.
pub fn library_path() -> std::path::PathBuf {
    onnx_runtime_dir().join(ONNX_RUNTIME_LIBRARY)
}

pub fn install() -> Result<()> {
    let dest = library_path();
    if wheel::is_installed(&dest, WHEEL.member_sha256) {
        tracing::info!("ONNX Runtime {ONNX_RUNTIME_VERSION}: {} (verified)", dest.display());
        return Ok(());
    }
    wheel::install(&WHEEL, &cache_dir().join("downloads"), &dest)?;
    tracing::info!("ONNX Runtime {ONNX_RUNTIME_VERSION}: installed {}", dest.display());
    Ok(())
}
