//! The test model package: the real VGG16 encoder exactly as the product builds it, and a seeded
//! random decoder. Built once per writer and encoder, in the target's scratch folder, and shared by
//! every test binary.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use adain_models::install_paths::keras_vgg16_path;
use adain_models::manifest::Manifest;
use adain_models::onnx::{model_bytes, PadMode};
use adain_models::package::{decoder_graph, encoder_graph, write_package, PackageInfo};
use adain_models::vgg::{default_encoder, DEFAULT_ENCODER_SOURCE};
use adain_models::{Architecture, Network};
use sha2::{Digest, Sha256};

use crate::paths::{target_tmp, workspace_root};

/// Seed of the random decoder every test package uses.
pub const DECODER_SEED: u64 = 42;

/// The default encoder exactly as the product builds it. Missing weights are a failure, not a skip:
/// `cargo xtask test` runs setup first.
pub fn real_encoder() -> Network {
    let keras = keras_vgg16_path();
    assert!(
        keras.is_file(),
        "VGG16 weights not found at {}: `cargo xtask setup` installs them",
        keras.display()
    );
    let scales = workspace_root().join("models/vgg16_channel_scales.json");
    assert!(
        scales.is_file(),
        "{} is missing (it is committed with the repository)",
        scales.display()
    );
    default_encoder(&keras, &scales).expect("building the default encoder")
}

/// The test package's name, version and provenance.
pub fn package_info() -> PackageInfo {
    PackageInfo {
        name: "test".into(),
        version: "0".into(),
        encoder_source: DEFAULT_ENCODER_SOURCE.into(),
        provenance: [(
            "decoder".to_string(),
            format!("seeded random weights ({DECODER_SEED})"),
        )]
        .into(),
    }
}

/// The package folder with [`real_encoder`] and `Network::seeded(decoder, DECODER_SEED)`.
pub fn test_package() -> &'static Path {
    static PACKAGE: OnceLock<PathBuf> = OnceLock::new();
    PACKAGE.get_or_init(|| {
        let encoder = real_encoder();
        let decoder = Network::seeded(Architecture::decoder(), DECODER_SEED);
        let info = package_info();
        // Named by the bytes of both graphs as the writer makes them now: a folder an older writer
        // (or another encoder) left behind is never taken for this one.
        let mut graphs = Sha256::new();
        graphs.update(model_bytes(
            &encoder_graph(&encoder, &info, PadMode::Reflect).expect("the encoder graph"),
        ));
        graphs.update(model_bytes(
            &decoder_graph(&decoder, &encoder, &info, PadMode::Reflect).expect("the decoder graph"),
        ));
        let key = hex::encode(&graphs.finalize()[..8]);
        let scratch = target_tmp();
        let dir = scratch.join(format!("adain-test-package-{key}"));
        // A folder whose files do not match its manifest (an interrupted copy) is rebuilt.
        if Manifest::load(&dir)
            .and_then(|m| m.verify_files(&dir))
            .is_err()
        {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&scratch).unwrap();
            let tmp = tempfile::tempdir_in(&scratch).unwrap();
            write_package(tmp.path(), &encoder, &decoder, &info, true)
                .expect("writing the test package");
            // Another test binary may have won the race; its package is identical.
            let _ = std::fs::rename(tmp.keep(), &dir);
        }
        dir
    })
}

/// Copies the test package into `dir/package` (for tests that break it).
pub fn copy_package(dir: &Path) -> PathBuf {
    let to = dir.join("package");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(test_package()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    to
}
