//! Model manifests (`manifest.json`): `Manifest::from_json`, what every package load starts with.

use std::path::{Component, Path};

use adain_models::manifest::{Manifest, Role};

use super::json::mutate_value;
use crate::target::{refusal_names_input, Rng, Target};

const NAME: &str = "fuzz/manifest.json";

/// The committed default model's manifest: every field a real one has.
const DEFAULT_MANIFEST: &str = include_str!("../../../../models/default/manifest.json");

pub struct ManifestFile;

impl Target for ManifestFile {
    fn name(&self) -> &'static str {
        "manifest"
    }

    fn seeds(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        let mut minimal: serde_json::Value = serde_json::from_str(DEFAULT_MANIFEST)?;
        // The same package with only its fp32 graphs and no provenance.
        if let Some(files) = minimal["files"].as_array_mut() {
            files.retain(|f| f.get("precision").is_none_or(|p| p == "fp32"));
        }
        minimal["provenance"] = serde_json::json!({});
        Ok(vec![
            DEFAULT_MANIFEST.as_bytes().to_vec(),
            serde_json::to_vec_pretty(&minimal)?,
        ])
    }

    fn mutate(&self, rng: &mut Rng, data: &[u8]) -> Option<Vec<u8>> {
        let mut value: serde_json::Value = serde_json::from_slice(data).ok()?;
        mutate_value(rng, &mut value);
        serde_json::to_vec_pretty(&value).ok()
    }

    fn run(&self, data: &[u8]) {
        // `Manifest::load` reads text; invalid UTF-8 is refused there as an I/O error naming the file.
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let manifest = match Manifest::from_json(text, Path::new(NAME)) {
            Err(e) => return refusal_names_input(&e, NAME),
            Ok(m) => m,
        };
        for file in &manifest.files {
            let path = Path::new(&file.path);
            assert!(
                !file.path.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_))),
                "a manifest listing `{}` was accepted: package files must stay inside the package folder",
                file.path
            );
        }
        for role in [Role::Encoder, Role::Decoder] {
            for precision in manifest.precisions(role) {
                assert!(manifest.file(role, precision).is_some());
                if manifest.is_validated(precision) {
                    assert!(manifest.validation(precision).is_some());
                }
            }
        }
        let written = serde_json::to_string(&manifest).expect("a manifest serialises");
        let again =
            Manifest::from_json(&written, Path::new(NAME)).expect("a manifest we wrote reads back");
        assert_eq!(again, manifest, "a round trip changed the manifest");
    }
}
