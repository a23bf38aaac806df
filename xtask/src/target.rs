//! The platforms a release is built for, and everything that differs between them: the Rust
//! target, how it is linked (zig, for a low glibc), the runtime library's wheel, the archive format
//! and how a check runs the binary here.

use adain_models::install_paths::LibraryNames;
use clap::ValueEnum;

use crate::pypi::{Member, Wheel, WheelFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Target {
    /// x86_64 Linux, glibc 2.28 or newer
    #[value(name = "x86_64-unknown-linux-gnu")]
    LinuxX86_64,
    /// 64-bit ARM Linux (ARMv8-A servers, Raspberry Pi 4/5, Jetson), glibc 2.28 or newer
    #[value(name = "aarch64-unknown-linux-gnu")]
    LinuxAarch64,
    /// 64-bit Windows 10 or newer
    #[value(name = "x86_64-pc-windows-gnu")]
    WindowsX86_64,
}

/// The oldest glibc the Linux binaries are linked against (zig's `<triple>.<glibc>` target). ONNX
/// Runtime's `manylinux_2_28` wheels set the floor: going lower for `adain` alone would not help.
pub const GLIBC: &str = "2.28";

/// The ONNX Runtime licence texts inside a wheel (they travel with the library).
pub struct Licenses {
    pub license: Member<'static>,
    pub notices: Member<'static>,
}

impl Target {
    pub const ALL: [Target; 3] = [
        Target::LinuxX86_64,
        Target::LinuxAarch64,
        Target::WindowsX86_64,
    ];

    /// The Rust target triple.
    pub fn triple(self) -> &'static str {
        match self {
            Target::LinuxX86_64 => "x86_64-unknown-linux-gnu",
            Target::LinuxAarch64 => "aarch64-unknown-linux-gnu",
            Target::WindowsX86_64 => "x86_64-pc-windows-gnu",
        }
    }

    /// What `cargo zigbuild --target` gets: Linux triples carry the glibc version to link against.
    pub fn zig_target(self) -> String {
        match self {
            Target::WindowsX86_64 => self.triple().to_string(),
            _ => format!("{}.{GLIBC}", self.triple()),
        }
    }

    pub fn os(self) -> &'static str {
        match self {
            Target::WindowsX86_64 => "windows",
            _ => "linux",
        }
    }

    pub fn arch(self) -> &'static str {
        match self {
            Target::LinuxAarch64 => "aarch64",
            _ => "x86_64",
        }
    }

    /// `adain-<version>-<arch>-<os>`: the archive's name and its one top folder.
    pub fn release_name(self) -> String {
        format!(
            "adain-{}-{}-{}",
            env!("CARGO_PKG_VERSION"),
            self.arch(),
            self.os()
        )
    }

    pub fn binary_name(self) -> &'static str {
        match self {
            Target::WindowsX86_64 => "adain.exe",
            _ => "adain",
        }
    }

    /// Zip for Windows (what Explorer opens), gzipped tar elsewhere (keeps the executable bit).
    pub fn archive_extension(self) -> &'static str {
        match self {
            Target::WindowsX86_64 => "zip",
            _ => "tar.gz",
        }
    }

    pub fn library_names(self) -> LibraryNames {
        LibraryNames::for_os(self.os())
    }

    /// Where the runtime library is taken from: the matching `onnxruntime==1.31.1` wheel (any Python
    /// version's wheel holds the same library; one is pinned so the checksums hold).
    pub fn runtime_wheel(self) -> WheelFile<'static> {
        match self {
            Target::LinuxX86_64 => WheelFile {
                wheel: Wheel {
                    requirement: "onnxruntime==1.31.1",
                    pip_args: &[
                        "--platform",
                        "manylinux_2_28_x86_64",
                        "--python-version",
                        "311",
                    ],
                    sha256: "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f",
                },
                member: Member {
                    path: "onnxruntime/capi/libonnxruntime.so.1.31.1",
                    sha256: "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3",
                },
            },
            Target::LinuxAarch64 => WheelFile {
                wheel: Wheel {
                    requirement: "onnxruntime==1.31.1",
                    pip_args: &[
                        "--platform",
                        "manylinux_2_28_aarch64",
                        "--python-version",
                        "311",
                    ],
                    sha256: "da05378364c44d4407e463982d2bf8d5e4cfea873283757e48beeb41df97b7f3",
                },
                member: Member {
                    path: "onnxruntime/capi/libonnxruntime.so.1.31.1",
                    sha256: "8aa3b76b28c778a2b1dd660d34161adb1d508c9ccd04ff9dc80e26eca5df8467",
                },
            },
            Target::WindowsX86_64 => WheelFile {
                wheel: Wheel {
                    requirement: "onnxruntime==1.31.1",
                    pip_args: &["--platform", "win_amd64", "--python-version", "311"],
                    sha256: "c3d91b5de31e2fc82d71bd65b2b22bddee8b49057a3a36338e9a868e0ea90c05",
                },
                member: Member {
                    path: "onnxruntime/capi/onnxruntime.dll",
                    sha256: "8482d2ee174e28504f99730fb01d6861575870283de4ed3a897ad39170d9a9b9",
                },
            },
        }
    }

    /// LICENSE and ThirdPartyNotices.txt from the same wheel (the Windows wheel's have CRLF endings).
    pub fn runtime_licenses(self) -> Licenses {
        match self {
            Target::WindowsX86_64 => Licenses {
                license: Member {
                    path: "onnxruntime/LICENSE",
                    sha256: "c250d6278f0b47a6439fb7592b08b58a55eb9f535aa49a1db63211c3f982b674",
                },
                notices: Member {
                    path: "onnxruntime/ThirdPartyNotices.txt",
                    sha256: "c53a76501ef60db6f865f20599f220761201ac4057683acefdab37d861b86622",
                },
            },
            _ => Licenses {
                license: Member {
                    path: "onnxruntime/LICENSE",
                    sha256: "2f07c72751aed99790b8a4869cf2311df85a860b22ded05fa22803587a48922c",
                },
                notices: Member {
                    path: "onnxruntime/ThirdPartyNotices.txt",
                    sha256: "143764b952fdb1a7c69ce653bfba74a7744d6a8a573bfb73e235fba356c83de3",
                },
            },
        }
    }

    /// Whether this machine runs the target's code natively (the others run under an emulator).
    pub fn is_host(self) -> bool {
        self.arch() == std::env::consts::ARCH && self.os() == std::env::consts::OS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_names_its_library_and_wheel_consistently() {
        for target in Target::ALL {
            let wheel = target.runtime_wheel();
            assert!(
                wheel.member.path.ends_with(target.library_names().pinned),
                "{target:?}: {} is not {}",
                wheel.member.path,
                target.library_names().pinned
            );
            assert!(wheel
                .wheel
                .requirement
                .ends_with(adain_models::install_paths::ONNX_RUNTIME_VERSION));
            // clap's name for the target is its triple.
            assert_eq!(
                target.to_possible_value().unwrap().get_name(),
                target.triple()
            );
        }
        assert_eq!(
            Target::LinuxAarch64.zig_target(),
            "aarch64-unknown-linux-gnu.2.28"
        );
        assert_eq!(
            Target::WindowsX86_64.release_name(),
            format!("adain-{}-x86_64-windows", env!("CARGO_PKG_VERSION"))
        );
    }
}
