//! The Python wheel in tests: where `cargo xtask wheel` put it, and running its tools.

use std::path::PathBuf;
use std::process::Command;

/// The wheel `cargo xtask wheel` wrote (`cargo xtask test` builds it first).
pub fn built_wheel() -> Option<PathBuf> {
    let dir = adain_test_kit::workspace_root()
        .join("target")
        .join("wheels");
    let found = std::fs::read_dir(&dir)
        .ok()
        .and_then(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|e| e == "whl"))
        })
        .ok_or_else(|| format!("no wheel in {}", dir.display()));
    adain_test_kit::require("the adain wheel", "cargo xtask wheel", found)
}

pub fn run(command: &mut Command) -> String {
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
