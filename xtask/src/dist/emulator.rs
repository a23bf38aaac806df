//! Running a release binary on this x86_64 Linux machine: natively, under qemu-aarch64 (user-mode
//! emulation: the binary's own aarch64 code, with Debian's arm64 libraries) or under wine64 (the
//! .exe and the Windows DLL, on wine's Windows API). Every run starts from an empty environment.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::paths::workspace_root;
use crate::setup::cross::{Toolchain, ARM64_SYSROOT, WINE64};
use crate::target::Target;

pub enum Runner {
    Native,
    /// `qemu-aarch64 -cpu neoverse-n1 -L <sysroot>`.
    Qemu {
        sysroot: PathBuf,
    },
    /// wine64 with its own prefix (a fresh Windows "C:" drive) under the scratch folder.
    Wine {
        prefix: PathBuf,
    },
}

/// A Neoverse N1 (ARMv8.2-A with dot product), the CPU qemu is told to emulate.
const QEMU_CPU: &str = "neoverse-n1";

impl Runner {
    /// Prepares what `target` needs under `scratch`.
    pub fn prepare(target: Target, scratch: &Path, tools: &Toolchain) -> Result<Runner> {
        match target {
            _ if target.is_host() => Ok(Runner::Native),
            Target::LinuxAarch64 => Ok(Runner::Qemu {
                sysroot: arm64_sysroot(scratch)?,
            }),
            Target::WindowsX86_64 => Ok(Runner::Wine {
                prefix: wine_prefix(scratch, tools)?,
            }),
            Target::LinuxX86_64 => bail!("x86_64 Linux binaries run natively only on x86_64 Linux"),
        }
    }

    /// `binary args…` as this runner starts it, in `dir`, with nothing inherited from our environment.
    pub fn command(&self, binary: &Path, dir: &Path) -> Command {
        let mut command = match self {
            Runner::Native => Command::new(binary),
            Runner::Qemu { sysroot } => {
                let mut c = Command::new("qemu-aarch64");
                c.args(["-cpu", QEMU_CPU, "-L"]).arg(sysroot).arg(binary);
                c
            }
            Runner::Wine { prefix } => {
                let mut c = Command::new(WINE64);
                c.arg(binary);
                wine_env(&mut c, prefix);
                c
            }
        };
        if let Runner::Native | Runner::Qemu { .. } = self {
            command.env_clear();
        }
        command.current_dir(dir);
        command
    }

    /// How the binary prints `path` (wine maps the Unix root to drive Z:).
    pub fn shown(&self, path: &Path) -> String {
        match self {
            Runner::Wine { .. } => format!("Z:{}", path.display()).replace('/', "\\"),
            _ => path.display().to_string(),
        }
    }

    /// Lets go of what the runner started (wine leaves its server running for a few seconds).
    pub fn finish(&self) {
        if let Runner::Wine { prefix } = self {
            let mut kill = Command::new(wineserver());
            kill.arg("-k");
            wine_env(&mut kill, prefix);
            let _ = kill.stdout(Stdio::null()).stderr(Stdio::null()).status();
        }
    }
}

/// The qemu sysroot: Debian's arm64 libraries, plus a `/proc/cpuinfo` that describes ARM cores.
///
/// qemu 7.2's user mode (Debian 12) passes the host's x86 /proc/cpuinfo through; ONNX Runtime's CPU
/// detection (the cpuinfo library) then finds no ARM core and dereferences NULL while starting up.
/// qemu opens guest paths under `-L` first when the file exists there, so a sysroot with its own
/// proc/cpuinfo answers the library without touching the machine's.
fn arm64_sysroot(scratch: &Path) -> Result<PathBuf> {
    let sysroot = scratch.join("arm64-sysroot");
    std::fs::create_dir_all(sysroot.join("proc"))?;
    let lib = Path::new(ARM64_SYSROOT).join("lib");
    anyhow::ensure!(
        lib.join("ld-linux-aarch64.so.1").exists(),
        "{} has no ld-linux-aarch64.so.1: run `cargo xtask setup --cross`",
        lib.display()
    );
    std::os::unix::fs::symlink(&lib, sysroot.join("lib"))
        .with_context(|| format!("linking {}", lib.display()))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cpuinfo: String = (0..cores)
        .map(|i| {
            format!(
                "processor\t: {i}\nBogoMIPS\t: 50.00\n\
                 Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid \
                 asimdrdm lrcpc dcpop asimddp ssbs\n\
                 CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n\
                 CPU part\t: 0xd0c\nCPU revision\t: 1\n\n"
            )
        })
        .collect();
    std::fs::write(sysroot.join("proc").join("cpuinfo"), cpuinfo)?;
    Ok(sysroot)
}

fn wineserver() -> PathBuf {
    Path::new(WINE64).with_file_name("wineserver64")
}

fn wine_env(command: &mut Command, prefix: &Path) {
    let home = prefix.parent().unwrap_or(prefix);
    command
        .env_clear()
        .env("WINEPREFIX", prefix)
        .env("HOME", home)
        .env("WINEDEBUG", "-all")
        // No Mono or Gecko installers: the checks run console programs only.
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env("PATH", "/usr/bin:/bin");
}

/// A fresh wine prefix (wineboot), with the ProcessPrng stand-in when this wine lacks
/// bcryptprimitives.dll (see xtask/cross/bcryptprimitives.c).
fn wine_prefix(scratch: &Path, tools: &Toolchain) -> Result<PathBuf> {
    let prefix = scratch.join("wine");
    let mut boot = Command::new(WINE64);
    boot.args(["wineboot", "--init"]);
    wine_env(&mut boot, &prefix);
    let status = boot
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("running {WINE64} (run `cargo xtask setup --cross`)"))?;
    let system32 = prefix.join("drive_c").join("windows").join("system32");
    if !status.success() || !system32.is_dir() {
        bail!("wineboot did not create {} ({status})", system32.display());
    }
    let dll = system32.join("bcryptprimitives.dll");
    if !dll.exists() {
        let source = workspace_root()
            .join("xtask")
            .join("cross")
            .join("bcryptprimitives.c");
        let status = Command::new(&tools.zig)
            .args([
                "cc",
                "-target",
                "x86_64-windows-gnu",
                "-shared",
                "-O2",
                "-o",
            ])
            .arg(&dll)
            .arg(&source)
            .arg("-ladvapi32")
            .status()
            .context("running zig cc")?;
        if !status.success() {
            bail!("zig cc could not build {} ({status})", source.display());
        }
    }
    Ok(prefix)
}
