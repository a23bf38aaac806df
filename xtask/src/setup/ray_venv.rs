//! Ray Data for the Ray example's test (python/tests/ray): a venv in the cache with Ray, Pillow and
//! pytest, pinned. The test installs the adain wheel it checks into it.

use adain_test_kit::{RAY_PACKAGES, RAY_VENV};
use anyhow::Result;

use super::venv::Venv;

pub fn install() -> Result<()> {
    Venv {
        name: RAY_VENV,
        packages: &RAY_PACKAGES,
        pip_args: &[],
        probe: "import ray.data, PIL, pytest",
        used_for: "Ray Data (~600 MB from PyPI)",
    }
    .ensure()
    .map(drop)
}
