//! `adain stats --fit-gaussian` and `adain stylize --style-sample`: a Gaussian fitted to many styles,
//! a new style drawn for every content image, reproducible with --seed.

mod common;

use adain_test_kit::images::write_image;
use common::{adain, arg, expect_failure, expect_success};

#[test]
fn each_content_gets_its_own_draw_and_seeds_reproduce_them() {
    let dir = tempfile::tempdir().unwrap();
    let styles: Vec<_> = (0..5)
        .map(|i| write_image(dir.path(), &format!("s{i}.png"), 48, 48, 20 + i))
        .collect();
    let gauss = dir.path().join("styles.gauss.safetensors");
    let mut args = vec!["stats", "--fit-gaussian"];
    args.extend(styles.iter().map(|p| arg(p)));
    args.extend(["-o", arg(&gauss)]);
    expect_success(&adain(&args));

    // The same picture twice under two names: two contents of one run, so two draws.
    let one = write_image(dir.path(), "one.png", 40, 32, 1);
    let two = dir.path().join("two.png");
    std::fs::copy(&one, &two).unwrap();
    let run = |seed: &str, out: &str| {
        let out = dir.path().join(out);
        expect_success(&adain(&[
            "stylize",
            arg(&one),
            arg(&two),
            "--style-sample",
            arg(&gauss),
            "--seed",
            seed,
            "-o",
            arg(&out),
        ]));
        ["one", "two"].map(|name| {
            image::open(out.join(format!("{name}_stylized_styles.gauss.png")))
                .unwrap()
                .to_rgb8()
        })
    };
    let [a1, a2] = run("7", "a");
    let [b1, b2] = run("7", "b");
    let [c1, _] = run("8", "c");
    assert_eq!(
        (&a1, &a2),
        (&b1, &b2),
        "the same seed draws the same styles"
    );
    assert_ne!(a1, a2, "two contents of a run got the same draw");
    assert_ne!(a1, c1, "another seed drew the same style");

    // A draw has no image behind it and so no colours: under the default (style) palette the
    // results keep the model's colours, with a notice, exactly as --palette model gives them.
    let out = dir.path().join("model");
    let log = expect_success(&adain(&[
        "stylize",
        arg(&one),
        arg(&two),
        "--style-sample",
        arg(&gauss),
        "--seed",
        "7",
        "--palette",
        "model",
        "-o",
        arg(&out),
    ]));
    assert!(!log.contains("keep the model's colours"), "{log}");
    let model = image::open(out.join("one_stylized_styles.gauss.png"))
        .unwrap()
        .to_rgb8();
    assert_eq!(model, a1);
    let notice = expect_success(&adain(&[
        "stylize",
        arg(&one),
        "--style-sample",
        arg(&gauss),
        "-o",
        arg(&dir.path().join("notice.png")),
    ]));
    assert!(
        notice.contains("a sampled style") && notice.contains("keep the model's colours"),
        "{notice}"
    );
}

#[test]
fn gaussians_are_refused_where_they_cannot_work() {
    let dir = tempfile::tempdir().unwrap();
    let style = write_image(dir.path(), "s.png", 48, 48, 3);
    let content = write_image(dir.path(), "c.png", 32, 32, 4);
    let gauss = dir.path().join("g.safetensors");
    let stderr = expect_failure(&adain(&[
        "stats",
        "--fit-gaussian",
        arg(&style),
        "-o",
        arg(&gauss),
    ]));
    assert!(stderr.contains("at least 2 styles"), "{stderr}");
    assert!(!gauss.exists());

    // A stats file is not a Gaussian, and the error says so and names it.
    let stats = dir.path().join("s.safetensors");
    expect_success(&adain(&["stats", arg(&style), "-o", arg(&stats)]));
    let out = dir.path().join("out.png");
    let stderr = expect_failure(&adain(&[
        "stylize",
        arg(&content),
        "--style-sample",
        arg(&stats),
        "-o",
        arg(&out),
    ]));
    assert!(
        stderr.contains("s.safetensors") && stderr.contains("adain-style-gaussian"),
        "{stderr}"
    );

    // Colour preservation needs style images.
    let other = write_image(dir.path(), "t.png", 48, 48, 5);
    expect_success(&adain(&[
        "stats",
        "--fit-gaussian",
        arg(&style),
        arg(&other),
        "-o",
        arg(&gauss),
    ]));
    let output = adain(&[
        "stylize",
        arg(&content),
        "--style-sample",
        arg(&gauss),
        "--preserve-color",
        "-o",
        arg(&out),
    ]);
    let stderr = expect_failure(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!out.exists());
}
