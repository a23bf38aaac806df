//! Exit codes scripts can rely on: 0 all done, 1 some input failed (with a summary naming each file
//! and why), 2 the command line is wrong (clap's errors, option combinations, parameters out of range).

mod common;

use std::process::Output;

use adain_test_kit::images::write_image;
use common::{adain, arg as s};

fn code(output: &Output) -> i32 {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "panicked:\n{stderr}");
    output.status.code().expect("exited, not killed")
}

#[test]
fn success_is_0_and_a_failed_input_among_good_ones_is_1_with_a_per_file_summary() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_image(dir.path(), "good.png", 64, 48, 1);
    let style = write_image(dir.path(), "style.png", 64, 64, 2);
    let out = dir.path().join("out");
    let ok = adain(&["stylize", s(&good), "--style", s(&style), "-o", s(&out)]);
    assert_eq!(code(&ok), 0, "{}", String::from_utf8_lossy(&ok.stderr));

    let truncated = dir.path().join("truncated.png");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let not_an_image = dir.path().join("notes.jpg");
    std::fs::write(&not_an_image, "not a picture").unwrap();
    let out = dir.path().join("mixed");
    let run = adain(&[
        "stylize",
        s(&good),
        s(&truncated),
        s(&not_an_image),
        "--style",
        s(&style),
        "-o",
        s(&out),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(code(&run), 1, "{stderr}");
    assert!(
        stderr.contains("2 of 3 content images failed (1 results written):"),
        "{stderr}"
    );
    let summary = &stderr[stderr.find("content images failed").unwrap()..];
    assert!(
        summary.contains(&format!("  - {}: truncated", truncated.display())),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("  - {}: ", not_an_image.display())),
        "{summary}"
    );
    assert!(
        !summary.contains(&format!("  - {}", good.display())),
        "{summary}"
    );
    assert_eq!(
        adain_test_kit::paths::files_in(&out),
        ["good_stylized_style.png"]
    );
}

#[test]
fn a_missing_input_or_an_unusable_model_is_1() {
    let dir = tempfile::tempdir().unwrap();
    let style = write_image(dir.path(), "style.png", 64, 64, 2);
    let missing = dir.path().join("missing.png");
    assert_eq!(
        code(&adain(&["stylize", s(&missing), "--style", s(&style)])),
        1
    );
    let empty_model = tempfile::tempdir().unwrap();
    let run = adain(&[
        "stylize",
        s(&style),
        "--style",
        s(&style),
        "--model",
        s(empty_model.path()),
    ]);
    assert_eq!(code(&run), 1);
}

#[test]
fn usage_errors_are_2() {
    let dir = tempfile::tempdir().unwrap();
    let (c, st) = (
        write_image(dir.path(), "c.png", 64, 48, 1),
        write_image(dir.path(), "s.png", 64, 64, 2),
    );
    let (c, st) = (s(&c), s(&st));
    let cases: [&[&str]; 8] = [
        // clap's own: an unknown flag, a value out of range, an unknown precision
        &["stylize", c, "--style", st, "--bogus"],
        &["stylize", c, "--style", st, "--alpha", "1.5"],
        &["stylize", c, "--style", st, "--precision", "int4"],
        // ours: options that cannot work together
        &["stylize", c, "--style", st, "--style", st, "--mask", st],
        &["stylize", c, c, "--style", st, "-o", "one.png"],
        &["stylize", c, "--style", st, "--ep", "cpu", "--fp16"],
        // the library's: a parameter it refuses
        &[
            "stylize",
            c,
            "--style",
            st,
            "--style",
            st,
            "--weights",
            "0.2,0.3,0.5",
        ],
        &["stylize", c, "--style", st, "--weights", "0"],
    ];
    for args in cases {
        let run = adain(args);
        assert_eq!(
            code(&run),
            2,
            "{args:?}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
}
