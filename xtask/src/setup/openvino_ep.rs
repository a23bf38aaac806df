//! The OpenVINO execution provider plugin for ONNX Runtime, taken out of its PyPI wheel: the plugin,
//! the OpenVINO runtime, its ONNX reader, its CPU plugin and TBB, and the wheel's third-party
//! notices. The GPU and NPU plugins and the AUTO/HETERO devices stay behind (the CPU is what
//! `--ep openvino` runs on).

use std::path::PathBuf;

use anyhow::Result;

use adain_models::install_paths::{cache_dir, openvino_ep_dir, OPENVINO_EP_VERSION};

use crate::pypi::{self, Member, Wheel};

const LINUX_X86_64: Wheel<'static> = Wheel {
    requirement: "onnxruntime-ep-openvino==1.8.1",
    pip_args: &[
        "--platform",
        "manylinux_2_28_x86_64",
        "--python-version",
        "311",
    ],
    sha256: "3832643158c8c187fcab6db661cde2a8c06a2b3559d95d0f2411ac0e51c5e924",
};

/// The files the CPU needs, as the wheel holds them.
const LINUX_X86_64_FILES: [Member<'static>; 6] = [
    Member {
        path: "onnxruntime_ep_openvino/libonnxruntime_providers_openvino_plugin.so",
        sha256: "99644306dea90173d2fac5e2ad8d10c9574ecf6e6e71ca30e426531abd5a717f",
    },
    Member {
        path: "onnxruntime_ep_openvino/libopenvino.so.2641",
        sha256: "9b9a80ac1f18e07b13ed54459d9a865bcfe9dc170dbf8fe740c2974b85ecedc1",
    },
    Member {
        path: "onnxruntime_ep_openvino/libopenvino_onnx_frontend.so.2641",
        sha256: "82d499f5b5e8514def7aaa1ecd5a9f570542d33ae9d00a0077f707cccd0e0192",
    },
    Member {
        path: "onnxruntime_ep_openvino/libopenvino_intel_cpu_plugin.so",
        sha256: "6599e3dd300d047b5ed72f8e48101c5f312c25321f35f57f803641ff8372900b",
    },
    Member {
        path: "onnxruntime_ep_openvino/libtbb.so.12",
        sha256: "ac9518497a4f2cb6729792730f145ee58367316031511923fef263c9ac81ca61",
    },
    Member {
        path: "onnxruntime_ep_openvino/third-party-programs.txt",
        sha256: "cf1dc931aee305019c370a5e6398040e43afa8e22664118710f8b0e13c02de0c",
    },
];

/// Installs the plugin for this machine into the cache, where `adain --ep openvino` looks for it;
/// `None` where no wheel is pinned (the plugin ships for x86-64 Linux and Windows only).
pub fn install() -> Result<Option<PathBuf>> {
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        tracing::info!("OpenVINO plugin: none pinned for this platform (x86-64 Linux only here)");
        return Ok(None);
    }
    let dir = openvino_ep_dir();
    let dest = |m: &Member| dir.join(m.path.rsplit('/').next().unwrap_or(m.path));
    if LINUX_X86_64_FILES
        .iter()
        .all(|m| pypi::is_installed(&dest(m), m.sha256))
    {
        tracing::info!(
            "OpenVINO plugin {OPENVINO_EP_VERSION}: {} (verified)",
            dir.display()
        );
        return Ok(Some(dir));
    }
    let dests: Vec<PathBuf> = LINUX_X86_64_FILES.iter().map(dest).collect();
    let pairs: Vec<(&Member, &std::path::Path)> = LINUX_X86_64_FILES
        .iter()
        .zip(dests.iter().map(PathBuf::as_path))
        .collect();
    pypi::install_members(&LINUX_X86_64, &pairs, &cache_dir().join("downloads"))?;
    tracing::info!(
        "OpenVINO plugin {OPENVINO_EP_VERSION}: installed {}",
        dir.display()
    );
    Ok(Some(dir))
}
