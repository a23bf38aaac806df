//! The OpenVINO execution provider plugin for ONNX Runtime, taken out of its PyPI wheel: the plugin,
//! the OpenVINO runtime, its ONNX reader, its CPU plugin and TBB, and the wheel's third-party
//! notices. The GPU and NPU plugins and the AUTO/HETERO devices stay behind (the CPU is what
//! `--ep openvino` runs on). The plugin ships for x86-64 Linux and Windows; aarch64 has none.

use std::path::{Path, PathBuf};

use anyhow::Result;

use adain_models::install_paths::{cache_dir, openvino_ep_dir, OPENVINO_EP_VERSION};

use crate::pypi::{self, Member, Wheel};
use crate::target::Target;

/// A pinned wheel and the files of it the CPU needs.
struct Pin {
    wheel: Wheel<'static>,
    libraries: &'static [Member<'static>],
    notices: Member<'static>,
}

const LINUX_X86_64: Pin = Pin {
    wheel: Wheel {
        requirement: "onnxruntime-ep-openvino==1.8.1",
        pip_args: &[
            "--platform",
            "manylinux_2_28_x86_64",
            "--python-version",
            "311",
        ],
        sha256: "3832643158c8c187fcab6db661cde2a8c06a2b3559d95d0f2411ac0e51c5e924",
    },
    libraries: &[
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
    ],
    notices: Member {
        path: "onnxruntime_ep_openvino/third-party-programs.txt",
        sha256: "cf1dc931aee305019c370a5e6398040e43afa8e22664118710f8b0e13c02de0c",
    },
};

/// The same files for Windows (their imports, read with `objdump -p`: the plugin needs openvino.dll
/// and the ONNX reader, those need tbb12.dll and the system's C runtime, nothing else).
const WINDOWS_X86_64: Pin = Pin {
    wheel: Wheel {
        requirement: "onnxruntime-ep-openvino==1.8.1",
        pip_args: &["--platform", "win_amd64", "--python-version", "311"],
        sha256: "1acd878be173b02bb8b953460f2f59b121e5f6e47ebc6aad490c0590cf6718fb",
    },
    libraries: &[
        Member {
            path: "onnxruntime_ep_openvino/onnxruntime_providers_openvino_plugin.dll",
            sha256: "ff8d1e432d5efd36132da91ac9e4e069db39ef29c4d6e059302b33dddb0e6613",
        },
        Member {
            path: "onnxruntime_ep_openvino/openvino.dll",
            sha256: "1535483dbb4addf5a9f44584c2f7ac831366f39fbeab85860a728993e32822ad",
        },
        Member {
            path: "onnxruntime_ep_openvino/openvino_onnx_frontend.dll",
            sha256: "64981309cedf878922284ad38b690918df3b6f07e02f5e3c0525d4bd10b30c1d",
        },
        Member {
            path: "onnxruntime_ep_openvino/openvino_intel_cpu_plugin.dll",
            sha256: "89c410042001a5a2a72fb4a0f8df27daf2dbd46ee6bd14e927bef834bb70111d",
        },
        Member {
            path: "onnxruntime_ep_openvino/tbb12.dll",
            sha256: "22c2df89b57d734283341ca8d031ca6cda7cdc84d27dba7d75e369d6be58213d",
        },
    ],
    notices: Member {
        path: "onnxruntime_ep_openvino/third-party-programs.txt",
        sha256: "32b1b5ff9693ee3b4a35caa9c73581a5390b4513ba8b87d5a79f463c2af91a06",
    },
};

fn pin(target: Target) -> Option<&'static Pin> {
    match target {
        Target::LinuxX86_64 => Some(&LINUX_X86_64),
        Target::WindowsX86_64 => Some(&WINDOWS_X86_64),
        Target::LinuxAarch64 => None,
    }
}

/// The plugin's file name on `target`, where the plugin ships for it.
pub fn plugin_name(target: Target) -> Option<&'static str> {
    pin(target).map(|pin| {
        let path = pin.libraries[0].path;
        path.rsplit('/').next().unwrap_or(path)
    })
}

/// The plugin's files for one platform, extracted and verified.
pub struct PluginFiles {
    /// The plugin library first, then what it loads; all go in one folder.
    pub libraries: Vec<PathBuf>,
    /// Intel's third-party notices (ONNX Runtime, OpenVINO, TBB and what they use), with the licence
    /// texts, including Apache-2.0's.
    pub notices: PathBuf,
}

/// What the openvino/ folder holds and under which licences (Intel's notices file beside it lists
/// the components and carries the licence texts).
pub const NOTICE: &str = "\
The openvino/ folder holds files of the PyPI package onnxruntime-ep-openvino 1.8.1, unchanged:
- the OpenVINO execution provider plugin for ONNX Runtime (MIT licence, Intel Corporation);
- the OpenVINO runtime, its ONNX reader and its CPU plugin (Apache License 2.0, Intel Corporation);
- oneTBB, the threading library OpenVINO uses (Apache License 2.0, Intel Corporation).
third-party-programs.txt, Intel's notices file from that package, lists the components and carries
their licence texts.
";

/// [`NOTICE`] as a file in the cache (for packagers that take files).
pub fn notice_file() -> Result<PathBuf> {
    let path = openvino_ep_dir().join("README.txt");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(NOTICE) {
        adain_models::atomic_file::write(&path, NOTICE.as_bytes())?;
    }
    Ok(path)
}

/// Installs the plugin for this machine into the cache, where `adain --ep openvino` looks for it;
/// `None` where no wheel is pinned.
pub fn install() -> Result<Option<PathBuf>> {
    let Some(host) = Target::ALL.into_iter().find(|t| t.is_host()) else {
        tracing::info!("OpenVINO plugin: none pinned for this platform");
        return Ok(None);
    };
    Ok(files_for(host)?.map(|_| openvino_ep_dir()))
}

/// The plugin's files for `target` (this machine's go where the runtime looks for them, other
/// platforms' beside them); `None` for a platform the plugin does not ship for.
pub fn files_for(target: Target) -> Result<Option<PluginFiles>> {
    let Some(pin) = pin(target) else {
        return Ok(None);
    };
    let dir = if target.is_host() {
        openvino_ep_dir()
    } else {
        openvino_ep_dir().join(target.triple())
    };
    let members: Vec<&Member> = pin.libraries.iter().chain([&pin.notices]).collect();
    let dests: Vec<PathBuf> = members.iter().map(|m| dest(&dir, m)).collect();
    let verified = members
        .iter()
        .zip(&dests)
        .all(|(m, d)| pypi::is_installed(d, m.sha256));
    if !verified {
        let pairs: Vec<(&Member, &Path)> = members
            .iter()
            .copied()
            .zip(dests.iter().map(PathBuf::as_path))
            .collect();
        pypi::install_members(&pin.wheel, &pairs, &cache_dir().join("downloads"))?;
    }
    tracing::info!(
        "OpenVINO plugin {OPENVINO_EP_VERSION} for {}: {} ({})",
        target.triple(),
        dir.display(),
        if verified { "verified" } else { "installed" }
    );
    let mut dests = dests;
    let notices = dests.pop().expect("the notices are the last member");
    Ok(Some(PluginFiles {
        libraries: dests,
        notices,
    }))
}

fn dest(dir: &Path, member: &Member) -> PathBuf {
    dir.join(member.path.rsplit('/').next().unwrap_or(member.path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each platform's first library is the plugin under the name the runtime looks for.
    #[test]
    fn the_plugin_comes_first_under_the_name_the_runtime_looks_for() {
        for (target, name) in [
            (
                Target::LinuxX86_64,
                "libonnxruntime_providers_openvino_plugin.so",
            ),
            (
                Target::WindowsX86_64,
                "onnxruntime_providers_openvino_plugin.dll",
            ),
        ] {
            let pin = pin(target).unwrap();
            assert!(pin.libraries[0].path.ends_with(name), "{target:?}");
            assert!(pin.wheel.requirement.ends_with(OPENVINO_EP_VERSION));
        }
        assert!(pin(Target::LinuxAarch64).is_none());
        if let Some(host) = Target::ALL.into_iter().find(|t| t.is_host()) {
            if let Some(pin) = pin(host) {
                let plugin = adain_models::install_paths::OPENVINO_PLUGIN_LIBRARY;
                assert!(pin.libraries[0].path.ends_with(plugin));
            }
        }
    }
}
