//! What the `adain` command writes that programs and tests also reach: the Triton model repository.
//! The command itself is `src/main.rs`.

pub mod triton;
