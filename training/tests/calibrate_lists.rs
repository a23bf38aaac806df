//! `adain-train calibrate-int8 --content LIST --style LIST`: the encoder's int8 ranges measured on a
//! training run's own image lists (how the committed ranges are made for the v2 data mix).

use std::path::Path;
use std::process::Command;

use adain_models::onnx::quantize::ActivationRanges;
use adain_test_kit::images::write_folder;
use adain_test_kit::paths::default_encoder;

#[test]
fn calibrates_on_list_files_and_records_them() {
    let dir = tempfile::tempdir().unwrap();
    write_folder(&dir.path().join("c"), 3, 72, 64, 5);
    write_folder(&dir.path().join("s"), 3, 64, 72, 6);
    // Lists name files relative to themselves; weights are allowed and do not matter here.
    let write_list = |name: &str, folder: &str| {
        let list = dir.path().join(name);
        let lines: Vec<String> = (0..3)
            .map(|i| format!("{folder}/img{i:03}.png\t2"))
            .collect();
        std::fs::write(&list, lines.join("\n")).unwrap();
        list
    };
    let content_list = write_list("train_content.tsv", "c");
    let style_list = write_list("train_style.tsv", "s");
    let calibrate = |out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_adain-train"))
            .args([
                "calibrate-int8",
                "--count",
                "2",
                "--size",
                "64",
                "--threads",
                "1",
            ])
            .arg("--encoder")
            .arg(default_encoder())
            .arg("--content")
            .arg(&content_list)
            .arg("--style")
            .arg(&style_list)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };

    let out = dir.path().join("ranges.json");
    let run = calibrate(&out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ranges = ActivationRanges::load(&out).unwrap();
    assert!(
        ranges.method.contains("train_content.tsv + "),
        "{}",
        ranges.method
    );
    assert!(
        ranges.method.contains("2 contents + 2 styles"),
        "{}",
        ranges.method
    );
    let conv = ranges.get("conv1_1").expect("conv1_1 range");
    assert!(conv.0 == 0.0 && conv.1 > 0.0, "conv1_1 range {conv:?}");

    // A missing file in a list is named, and nothing is written.
    std::fs::write(&content_list, "c/missing.png\n").unwrap();
    let bad_out = dir.path().join("bad.json");
    let run = calibrate(&bad_out);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(err.contains("missing.png"), "{err}");
    assert!(!bad_out.exists());
}
