//! The `adain` Python wheel (`cargo xtask wheel`), installed into a fresh venv with numpy and pytest
//! from PyPI, passes python/tests: results equal to this command's, bad inputs raising, threads.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The wheel `cargo xtask wheel` wrote (`cargo xtask test` builds it first).
fn built_wheel() -> Option<PathBuf> {
    let dir = common::workspace().join("target").join("wheels");
    let found = std::fs::read_dir(&dir)
        .ok()
        .and_then(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|e| e == "whl"))
        })
        .ok_or_else(|| {
            format!(
                "no wheel in {} (cargo xtask wheel builds it)",
                dir.display()
            )
        });
    adain_test_support::require("the adain wheel", found)
}

fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{command:?} failed:\n{text}");
    text
}

#[test]
fn the_wheel_installs_in_a_fresh_venv_and_passes_its_tests() {
    let Some(wheel) = built_wheel() else {
        return;
    };
    let venv = tempfile::tempdir().unwrap();
    let python = std::env::var("ADAIN_PYTHON").unwrap_or_else(|_| "python3".into());
    run(Command::new(python).args(["-m", "venv"]).arg(venv.path()));
    let venv_python = venv.path().join("bin").join("python");
    run(Command::new(&venv_python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(&wheel)
        .args(["pytest"]));
    // Imported from the venv, not from the source tree: the bundled runtime and model are found.
    let info = run(Command::new(&venv_python).args([
        "-c",
        "import adain; print(adain.runtime_info()[0]); print(adain.__file__)",
    ]));
    assert!(info.contains("site-packages/adain/_bundle/"), "{info}");
    let tests: &Path = &common::workspace().join("python").join("tests");
    let report = run(Command::new(&venv_python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(tests)
        .env("ADAIN_BIN", env!("CARGO_BIN_EXE_adain"))
        .current_dir(venv.path()));
    eprintln!("{report}");
    assert!(
        report.contains("passed") && !report.contains("skipped"),
        "{report}"
    );
}
