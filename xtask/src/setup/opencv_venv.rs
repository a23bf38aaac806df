//! OpenCV for `cargo xtask bench-video`: a venv in the cache with `opencv-python-headless` and numpy,
//! pinned. Its DIS flow scores our blending with a flow that is not the blender's, and is the yardstick
//! for our own flow's accuracy and speed.

use std::path::PathBuf;

use anyhow::Result;

use super::venv::Venv;

pub fn install() -> Result<PathBuf> {
    Venv {
        name: "opencv-4.12-venv",
        packages: &["opencv-python-headless==4.12.0.88", "numpy==2.2.6"],
        pip_args: &[],
        probe: "import cv2, numpy; cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)",
        used_for: "OpenCV for the video benchmark (~60 MB from PyPI)",
    }
    .ensure()
}
