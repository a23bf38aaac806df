//! Coverage-guided fuzzing of the readers that take users' files, on stable Rust: LLVM's
//! SanitizerCoverage counters for feedback ([`coverage`]), byte-level and format-aware mutations,
//! and an oracle per target (no panic; a refusal names the file; what is accepted is consistent).
//! `cargo xtask fuzz --seconds N` builds it instrumented and runs every target.

pub mod alloc_watch;
pub mod coverage;
pub mod engine;
pub mod mutate;
mod progress;
pub mod target;
pub mod targets;
