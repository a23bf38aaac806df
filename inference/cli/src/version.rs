//! `adain --version`: what a bug report needs — the release, the commit and target it was built
//! from, and the ONNX Runtime it loads.

use adain::runtime::Runtime;

/// The commit the binary was built from (`git rev-parse --short=12 HEAD`; see build.rs).
pub const COMMIT: &str = env!("ADAIN_GIT_COMMIT");
/// The Rust target triple the binary was built for.
pub const TARGET: &str = env!("ADAIN_TARGET");

/// True when the command line asks for the version (clap then prints [`report`]).
pub fn requested() -> bool {
    std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--version" || a == "-V")
}

/// `0.1.0` followed by one line each for the commit, the target and the runtime.
pub fn report() -> String {
    let runtime = match Runtime::get() {
        Ok(rt) => format!(
            "{} ({})",
            rt.version().unwrap_or_else(|| "unknown version".into()),
            rt.library().display()
        ),
        Err(e) => format!("not loaded: {e}"),
    };
    format!(
        "{}\ncommit        {COMMIT}\ntarget        {TARGET}\nonnx runtime  {runtime}",
        env!("CARGO_PKG_VERSION")
    )
}
