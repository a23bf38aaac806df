//! `adain --version` names what a bug report needs: the release, the commit and the target it was
//! built for, and the ONNX Runtime it loads — or why none loads, without failing.

use std::process::{Command, Output};

use adain_models::install_paths::{ONNX_RUNTIME_LIBRARY, ONNX_RUNTIME_VERSION};

fn adain(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adain"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("running adain")
}

fn line<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {key:?} line in:\n{text}"))
}

#[test]
fn version_names_the_commit_target_and_runtime() {
    for flag in ["--version", "-V"] {
        let out = adain(&[flag], &[]);
        assert!(out.status.success(), "{flag}: {:?}", out.status);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with(&format!("adain {}\n", env!("CARGO_PKG_VERSION"))),
            "{text}"
        );
        let target = line(&text, "target");
        assert!(
            target.starts_with(std::env::consts::ARCH) && target.contains(std::env::consts::OS),
            "{target}"
        );
        let runtime = line(&text, "onnx runtime");
        assert!(
            runtime.starts_with(ONNX_RUNTIME_VERSION) && runtime.contains(ONNX_RUNTIME_LIBRARY),
            "{runtime}"
        );
        // Built from this checkout, so the commit is its HEAD.
        let head = Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output();
        if let Some(head) = head.ok().filter(|h| h.status.success()) {
            assert_eq!(
                line(&text, "commit"),
                String::from_utf8_lossy(&head.stdout).trim()
            );
        }
    }
}

#[test]
fn version_without_a_runtime_says_where_it_looked_and_succeeds() {
    let empty = tempfile::tempdir().unwrap();
    let out = adain(
        &["--version"],
        &[
            ("ADAIN_CACHE_DIR", empty.path().to_str().unwrap()),
            ("ORT_DYLIB_PATH", ""),
        ],
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let runtime = line(&text, "onnx runtime");
    assert!(
        runtime.starts_with("not loaded: no ONNX Runtime library found; looked in:"),
        "{text}"
    );
    for place in [
        "(next to the executable)",
        empty.path().to_str().unwrap(),
        "$ORT_DYLIB_PATH (not set)",
    ] {
        assert!(text.contains(place), "{place} missing from:\n{text}");
    }
}
