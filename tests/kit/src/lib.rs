//! What the workspace's tests share: where the team's data is, and one rule for prerequisites —
//! on a user's machine a test without them says so and skips; under CI (`CI=true`) it fails, so a
//! green CI run means every test ran.

pub mod flicker;
pub mod http;

use std::path::{Path, PathBuf};

/// The workspace root (this crate lives two levels below it).
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

/// True when running under CI, where nothing may be skipped.
pub fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// `Some(value)` when a prerequisite is there. Otherwise: under CI a panic naming it and why;
/// elsewhere a "skipped" line on stderr naming it, and `None`.
pub fn require<T, E: std::fmt::Display>(what: &str, found: Result<T, E>) -> Option<T> {
    require_when(under_ci(), what, found)
}

fn require_when<T, E: std::fmt::Display>(ci: bool, what: &str, found: Result<T, E>) -> Option<T> {
    match found {
        Ok(value) => Some(value),
        Err(e) => {
            assert!(!ci, "{what} is required under CI: {e}");
            eprintln!("skipped: {what} is not available here ({e})");
            None
        }
    }
}

/// A file of the shared data (`rel` below `../shared`), under the [`require`] rule.
pub fn shared_file(rel: &str) -> Option<PathBuf> {
    let path = shared_dir().join(rel);
    let found = if path.exists() {
        Ok(path.clone())
    } else {
        Err("no such file or folder")
    };
    require(&path.display().to_string(), found)
}

/// The first file (by name) of a shared folder, under the [`require`] rule.
pub fn first_shared_file(rel: &str) -> Option<PathBuf> {
    let dir = shared_dir().join(rel);
    let first = std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())
        .and_then(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .min()
                .ok_or_else(|| "the folder is empty".to_string())
        });
    require(&dir.display().to_string(), first)
}

/// The venv (under the adain cache folder) holding Triton's model-configuration schema: the
/// `tritonclient` wheel's generated `model_config_pb2` and protobuf, pinned; `cargo xtask setup
/// --triton` installs it, the Triton export tests parse `config.pbtxt` files with it.
pub const TRITON_SCHEMA_VENV: &str = "triton-schema-2.73.0";
/// What that venv holds, exactly.
pub const TRITON_SCHEMA_PACKAGES: [&str; 2] = ["tritonclient==2.73.0", "protobuf==6.33.6"];

/// The venv (under the adain cache folder) with Ray Data for the Ray example's test; `cargo xtask
/// setup --ray` installs it, the test installs the freshly built adain wheel into it.
pub const RAY_VENV: &str = "ray-2.60.0";
/// What that venv holds, pinned (Pillow: Ray Data reads images with it).
pub const RAY_PACKAGES: [&str; 3] = ["ray[data]==2.60.0", "pillow==13.0.0", "pytest==9.2.0"];

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout the tests that read real images rely on: photos and artworks beside the
    /// workspace (skipped on a machine without the shared folder, a failure under CI).
    #[test]
    fn the_shared_folder_holds_photos_and_artworks() {
        for folder in ["content", "style"] {
            let Some(first) = first_shared_file(&format!("data/train/{folder}")) else {
                return;
            };
            let (w, h) = image_dimensions_of(&first);
            assert!(w >= 64 && h >= 64, "{}: {w}x{h}", first.display());
        }
    }

    /// Width and height from a PNG or JPEG header, without an image decoder in this crate.
    fn image_dimensions_of(path: &Path) -> (u32, u32) {
        let bytes = std::fs::read(path).unwrap();
        if bytes.starts_with(b"\x89PNG") {
            let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
            return (be(16), be(20));
        }
        // JPEG: the first start-of-frame marker holds height, then width.
        let mut at = 2;
        while at + 9 < bytes.len() {
            let (marker, length) = (
                bytes[at + 1],
                u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]),
            );
            if (0xC0..=0xC3).contains(&marker) {
                let h = u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]);
                let w = u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]);
                return (u32::from(w), u32::from(h));
            }
            at += 2 + usize::from(length);
        }
        panic!(
            "{}: neither a PNG nor a JPEG with a frame header",
            path.display()
        );
    }

    #[test]
    fn require_passes_values_through_skips_on_a_machine_and_fails_under_ci() {
        for ci in [false, true] {
            assert_eq!(require_when::<_, String>(ci, "x", Ok(3)), Some(3));
        }
        assert_eq!(require_when::<u8, _>(false, "the thing", Err("gone")), None);
        let panic =
            std::panic::catch_unwind(|| require_when::<u8, _>(true, "the thing", Err("gone")))
                .expect_err("under CI a missing prerequisite fails");
        let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            text.contains("the thing is required under CI: gone"),
            "{text}"
        );
    }
}
