//! The ONNX Runtime CPU library, taken out of the official PyPI wheel.

use std::path::PathBuf;

use anyhow::Result;

use adain_models::install_paths::{
    cache_dir, onnx_runtime_dir, ONNX_RUNTIME_LIBRARY, ONNX_RUNTIME_VERSION,
};

use crate::wheel::{self, Member, Wheel, WheelFile};

const WHEEL: Wheel<'static> = Wheel {
    requirement: "onnxruntime==1.31.1",
    // The library inside does not depend on the Python version; pin one wheel so the checksum holds.
    pip_args: &[
        "--platform",
        "manylinux_2_28_x86_64",
        "--python-version",
        "311",
    ],
    sha256: "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f",
};

const LIBRARY: WheelFile<'static> = WheelFile {
    wheel: WHEEL,
    member: Member {
        path: "onnxruntime/capi/libonnxruntime.so.1.31.1",
        sha256: "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3",
    },
};

/// The licence texts that must travel with the library when we redistribute it (`cargo xtask dist`).
const LICENSES: [Member<'static>; 2] = [
    Member {
        path: "onnxruntime/LICENSE",
        sha256: "2f07c72751aed99790b8a4869cf2311df85a860b22ded05fa22803587a48922c",
    },
    Member {
        path: "onnxruntime/ThirdPartyNotices.txt",
        sha256: "143764b952fdb1a7c69ce653bfba74a7744d6a8a573bfb73e235fba356c83de3",
    },
];

/// Path of the installed library.
pub fn library_path() -> PathBuf {
    onnx_runtime_dir().join(ONNX_RUNTIME_LIBRARY)
}

pub fn install() -> Result<()> {
    let dest = library_path();
    if wheel::is_installed(&dest, LIBRARY.member.sha256) {
        tracing::info!(
            "ONNX Runtime {ONNX_RUNTIME_VERSION}: {} (verified)",
            dest.display()
        );
        return Ok(());
    }
    wheel::install(&LIBRARY, &cache_dir().join("downloads"), &dest)?;
    tracing::info!(
        "ONNX Runtime {ONNX_RUNTIME_VERSION}: installed {}",
        dest.display()
    );
    Ok(())
}

/// ONNX Runtime's LICENSE and ThirdPartyNotices.txt, extracted (once, verified) next to the library.
pub fn license_files() -> Result<Vec<PathBuf>> {
    let dir = onnx_runtime_dir().join("licenses");
    let dests: Vec<PathBuf> = LICENSES
        .iter()
        .map(|m| dir.join(m.path.rsplit('/').next().unwrap_or(m.path)))
        .collect();
    if LICENSES
        .iter()
        .zip(&dests)
        .all(|(m, d)| wheel::is_installed(d, m.sha256))
    {
        return Ok(dests);
    }
    let members: Vec<(&Member, &std::path::Path)> = LICENSES
        .iter()
        .zip(dests.iter().map(PathBuf::as_path))
        .collect();
    wheel::install_members(&WHEEL, &members, &cache_dir().join("downloads"))?;
    Ok(dests)
}
