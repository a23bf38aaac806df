//! The release archives work on bare machines of every supported platform: `cargo xtask dist --all
//! --check` builds them, unpacks each into an empty folder and runs its binary with an empty
//! environment — x86_64 Linux natively, aarch64 Linux under qemu-aarch64, Windows under wine —
//! checking that it loads the runtime and the model from the unpacked folder and that its result
//! matches this machine's fp32 result (see xtask/src/dist/check.rs). Then the Windows binary, the one
//! the linker would stamp with the time of the build, is rebuilt from scratch: its archive must be
//! byte-identical.

use std::path::Path;
use std::process::Command;

use adain_test_kit::workspace_root;

fn xtask(args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(workspace_root())
        .status()
        .expect("running xtask");
    assert!(
        status.success(),
        "xtask {} failed ({status})",
        args.join(" ")
    );
}

/// The `.sha256` files written into `dir`, by name.
fn checksums(dir: &Path) -> Vec<(String, String)> {
    let mut sums: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".sha256"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    sums.sort();
    sums
}

const WINDOWS: &str = "x86_64-pc-windows-gnu";

/// `cargo clean -p adain` for Windows where `dist` builds (the cache's build/dist, see
/// xtask's paths::xtask_build_dir).
fn clean_windows_binary() {
    let build_dir = match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => workspace_root().join(dir).join("dist"),
        None => adain_models::install_paths::cache_dir()
            .join("build")
            .join("dist"),
    };
    if !build_dir.join(WINDOWS).is_dir() {
        return;
    }
    let status = Command::new(env!("CARGO"))
        .env("CARGO_TARGET_DIR", &build_dir)
        .args(["clean", "--release", "-p", "adain-cli", "--target", WINDOWS])
        .current_dir(workspace_root())
        .status()
        .expect("running cargo clean");
    assert!(status.success());
}

#[test]
fn every_release_archive_stylizes_on_its_platform_and_rebuilds_identically() {
    assert!(
        workspace_root()
            .join("models/default/manifest.json")
            .is_file(),
        "models/default is committed with the repository"
    );
    let scratch = tempfile::tempdir().unwrap();
    let first = scratch.path().join("first");
    let second = scratch.path().join("second");
    xtask(&["dist", "--all", "--check", "--out", first.to_str().unwrap()]);
    let sums = checksums(&first);
    let names: Vec<&str> = sums.iter().map(|(n, _)| n.as_str()).collect();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        names,
        [
            format!("adain-{version}-aarch64-linux.tar.gz.sha256"),
            format!("adain-{version}-x86_64-linux.tar.gz.sha256"),
            format!("adain-{version}-x86_64-windows.zip.sha256"),
        ]
    );
    // Rebuild the Windows binary from scratch: its archive must not depend on build-time state
    // (lld stamps PE headers; `dist` gives it the commit's time). One target keeps this to a minute.
    clean_windows_binary();
    xtask(&[
        "dist",
        "--target",
        WINDOWS,
        "--out",
        second.to_str().unwrap(),
    ]);
    let windows: Vec<(String, String)> = sums
        .iter()
        .filter(|(name, _)| name.contains("windows"))
        .cloned()
        .collect();
    assert_eq!(windows.len(), 1);
    assert_eq!(
        checksums(&second),
        windows,
        "a second build of the same commit differs"
    );
}
