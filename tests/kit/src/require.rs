//! One rule for prerequisites: on a user's machine a test without one says so, names the command
//! that installs it, and skips; under CI (`CI=true`, which `cargo xtask test` sets) it fails with that
//! command, so a green run means every test ran.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::paths::shared_dir;

/// What provides the shared data: no command installs it, it is the team's folder.
pub const SHARED_DATA: &str =
    "the team's shared folder, placed at ../shared beside the workspace (no command installs it)";

/// True when running under CI, where nothing may be skipped.
pub fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// `Some(value)` when a prerequisite is there. Otherwise: under CI a panic naming it, why it is
/// missing and `install`, the command that installs it; elsewhere a "skipped" line on stderr saying
/// the same, and `None`.
pub fn require<T, E: std::fmt::Display>(
    what: &str,
    install: &str,
    found: Result<T, E>,
) -> Option<T> {
    require_when(under_ci(), what, install, found)
}

fn require_when<T, E: std::fmt::Display>(
    ci: bool,
    what: &str,
    install: &str,
    found: Result<T, E>,
) -> Option<T> {
    match found {
        Ok(value) => Some(value),
        Err(e) => {
            assert!(!ci, "{what} is required under CI: {e}; {}", how(install));
            eprintln!(
                "skipped: {what} is not available here ({e}); {}",
                how(install)
            );
            None
        }
    }
}

/// A command is quoted as one; the shared folder's note is not a command.
fn how(install: &str) -> String {
    if install == SHARED_DATA {
        format!("it is {install}")
    } else {
        format!("`{install}` installs it")
    }
}

/// Whether ffmpeg and ffprobe run here, under the [`require`] rule (`test` names who needs them).
pub fn ffmpeg(test: &str) -> bool {
    let missing: Vec<&str> = ["ffmpeg", "ffprobe"]
        .into_iter()
        .filter(|tool| {
            !Command::new(tool)
                .arg("-version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect();
    let found = if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("{} not on the PATH", missing.join(" and ")))
    };
    require(
        &format!("ffmpeg for {test}"),
        "cargo xtask setup --video",
        found,
    )
    .is_some()
}

/// A file of the shared data (`rel` below `../shared`), under the [`require`] rule.
pub fn shared_file(rel: &str) -> Option<PathBuf> {
    let path = shared_dir().join(rel);
    let found = if path.exists() {
        Ok(path.clone())
    } else {
        Err("no such file or folder")
    };
    require(&path.display().to_string(), SHARED_DATA, found)
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
    require(&dir.display().to_string(), SHARED_DATA, first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panic_text(run: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let panic =
            std::panic::catch_unwind(run).expect_err("under CI a missing prerequisite fails");
        panic.downcast_ref::<String>().cloned().unwrap_or_default()
    }

    #[test]
    fn require_passes_values_through_skips_on_a_machine_and_fails_under_ci() {
        for ci in [false, true] {
            assert_eq!(
                require_when::<_, String>(ci, "x", "cargo xtask setup", Ok(3)),
                Some(3)
            );
        }
        assert_eq!(
            require_when::<u8, _>(false, "the thing", "cargo xtask setup --thing", Err("gone")),
            None
        );
        let text = panic_text(|| {
            require_when::<u8, _>(true, "the thing", "cargo xtask setup --thing", Err("gone"));
        });
        assert!(
            text.contains("the thing is required under CI: gone")
                && text.contains("`cargo xtask setup --thing` installs it"),
            "{text}"
        );
    }

    #[test]
    fn missing_shared_data_says_where_it_belongs() {
        let text = panic_text(|| {
            require_when::<u8, _>(true, "../shared/x", SHARED_DATA, Err("no such file"));
        });
        assert!(
            text.contains("placed at ../shared beside the workspace"),
            "{text}"
        );
        assert!(!text.contains('`'), "no command to quote: {text}");
    }
}
