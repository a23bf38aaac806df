//! What the workspace's tests and xtask share, one job per module: where things are ([`paths`]),
//! the rule for prerequisites ([`require`]: skip with the install command on a user's machine, fail
//! under `CI=true`), generated and shared pictures ([`images`], and the generated artworks
//! of the demo and the server's gallery, [`art`]), [`psnr`], the test model package
//! ([`package`]), flicker on clips with known motion ([`flicker`]), an HTTP client for `adain serve`
//! ([`http`]), the Python environments and files setup installs ([`venvs`]) and the machine a
//! measurement ran on ([`machine`]).
//!
//! The kit depends on `adain-models` but not on `adain`: the library's own tests use it, and a
//! second copy of the library under test would not be the one they test.

pub mod art;
pub mod flicker;
pub mod http;
pub mod images;
pub mod machine;
pub mod package;
pub mod paths;
pub mod psnr;
pub mod require;
pub mod venvs;

pub use paths::{shared_dir, shared_train_data, workspace_root};
pub use require::{first_shared_file, require, shared_file, under_ci};
pub use venvs::{venv_python, RAY_PACKAGES, RAY_VENV, TRITON_SCHEMA_PACKAGES, TRITON_SCHEMA_VENV};
