//! Where the benchmarks find what they run and where they write.

use std::path::PathBuf;

use anyhow::{bail, Result};

/// The report folder: `bench/` in the cargo target folder this binary was built into
/// (`target/release/adain-bench` → `target/bench`).
pub fn out_dir() -> Result<PathBuf> {
    let me = std::env::current_exe()?;
    match me.parent().and_then(|profile| profile.parent()) {
        Some(target) => Ok(target.join("bench")),
        None => bail!("{} is not inside a cargo target folder", me.display()),
    }
}

/// A binary built beside this one (`adain`, `bench_worker`): `cargo xtask bench*` builds them together.
pub fn sibling(name: &str) -> Result<PathBuf> {
    let me = std::env::current_exe()?;
    let path = me.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        bail!(
            "{} not found beside {} (build both: `cargo build --release -p adain-cli -p adain-bench`, as `cargo xtask bench` does)",
            path.display(),
            me.display()
        );
    }
    Ok(path)
}

/// A prerequisite `cargo xtask bench*` installs, or an error naming the command that installs it.
pub fn installed(path: PathBuf, what: &str, install: &str) -> Result<PathBuf> {
    if !path.is_file() {
        bail!(
            "{what} is not installed at {} (run `{install}`)",
            path.display()
        );
    }
    Ok(path)
}
