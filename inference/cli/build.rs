//! Build facts that `adain --version` prints: the git commit and the target triple.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // The linker stamps Windows executables with it (`cargo xtask dist` sets it to the commit's
    // time): a change must relink, or an old stamp would survive in a "fresh" binary.
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=ADAIN_TARGET={target}");

    // A source archive without .git can name its commit through the environment.
    println!("cargo:rerun-if-env-changed=ADAIN_GIT_COMMIT");
    let commit = std::env::var("ADAIN_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ADAIN_GIT_COMMIT={commit}");

    // Where `adain` looks for models/default after its own folder: this checkout, for `cargo run`
    // and the tests; nowhere for a release archive (`cargo xtask dist` sets ADAIN_RELEASE_BUILD),
    // which carries its model and should not name the build machine's paths.
    println!("cargo:rerun-if-env-changed=ADAIN_RELEASE_BUILD");
    let source_tree = match std::env::var_os("ADAIN_RELEASE_BUILD") {
        Some(_) => String::new(),
        None => std::env::var("CARGO_MANIFEST_DIR")
            .ok()
            .and_then(|dir| {
                Path::new(&dir)
                    .ancestors()
                    .nth(2)
                    .map(|p| p.display().to_string())
            })
            .unwrap_or_default(),
    };
    println!("cargo:rustc-env=ADAIN_SOURCE_TREE={source_tree}");
}

/// `git rev-parse --short=12 HEAD`, watching the files that change when HEAD moves.
fn git_commit() -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let git_dir = git(&["rev-parse", "--absolute-git-dir"])?;
    let git_dir = Path::new(&git_dir);
    let mut watched = vec![git_dir.join("HEAD"), git_dir.join("packed-refs")];
    // The branch's ref through --git-path: in a linked worktree refs live in the common git folder,
    // not in the worktree's own (where HEAD is).
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(path) = git(&["rev-parse", "--path-format=absolute", "--git-path", &branch]) {
            watched.push(path.into());
        }
    }
    if let Some(common) = git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]) {
        watched.push(Path::new(&common).join("packed-refs"));
    }
    // A path that does not exist would make cargo rerun this script on every build.
    for path in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    git(&["rev-parse", "--short=12", "HEAD"])
}
