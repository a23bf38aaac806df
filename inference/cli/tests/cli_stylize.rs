//! End to end through the `adain` binary with the real VGG16 encoder and a seeded random decoder.

mod common;

use std::path::Path;

use adain_models::stats_file::StyleStats;
use adain_test_kit::images::{test_image, warm_style, write_image};
use adain_test_kit::paths::{default_package, files_in};
use adain_test_kit::psnr::of_images as psnr;
use common::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `adain stylize CONTENT --style STYLE -o OUT EXTRA…`, which must succeed; its log.
fn stylize(content: &Path, style: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["stylize", s(content), "--style", s(style), "-o", s(out)];
    args.extend(extra);
    expect_success(&adain(&args))
}

#[test]
fn output_has_the_exact_odd_size_of_the_content() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "content.png", 333, 257, 1);
    let style = write_image(dir.path(), "style.jpg", 96, 80, 2);

    // Default flags: processed at its own size.
    let native = dir.path().join("native.png");
    stylize(&content, &style, &native, &[]);
    assert_eq!(image::image_dimensions(&native).unwrap(), (333, 257));

    // --content-size only changes the processing size: the result is resized back.
    let resized = dir.path().join("resized.png");
    stylize(&content, &style, &resized, &["--content-size", "128"]);
    assert_eq!(image::image_dimensions(&resized).unwrap(), (333, 257));
    let odd = dir.path().join("odd.png");
    stylize(&content, &style, &odd, &["--content-size", "101"]);
    assert_eq!(image::image_dimensions(&odd).unwrap(), (333, 257));

    // --crop: the content's centre square, at its own size.
    let cropped = dir.path().join("cropped.png");
    stylize(
        &content,
        &style,
        &cropped,
        &["--content-size", "75", "--crop"],
    );
    assert_eq!(image::image_dimensions(&cropped).unwrap(), (257, 257));
}

#[test]
fn a_smaller_processing_size_is_the_same_picture() {
    // The result at --content-size 128 is the 128-pixel stylization brought back up: close to the
    // native result downscaled and upscaled the same way, not a crop or a shifted copy.
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "content.png", 333, 257, 1);
    let style = write_image(dir.path(), "style.png", 64, 64, 2);
    let (small, large) = (dir.path().join("small.png"), dir.path().join("large.png"));
    stylize(&content, &style, &small, &["--content-size", "128"]);
    let expected = adain::image_io::resize_shorter_side(&test_image(333, 257, 1), 128);
    let processed = dir.path().join("processed.png");
    expected.save(&processed).unwrap();
    stylize(&processed, &style, &large, &[]);
    let up = adain::image_io::resize_exact(&image::open(&large).unwrap().to_rgb8(), 333, 257);
    assert!(
        image::open(&small).unwrap().to_rgb8() == up,
        "--content-size 128 must be the 128-pixel result resized back"
    );
}

#[test]
fn a_stats_file_gives_bit_identical_results_to_its_image() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "content.png", 71, 53, 3);
    let style = write_image(dir.path(), "style.png", 90, 70, 4);
    let stats = dir.path().join("style.safetensors");
    expect_success(&adain(&[
        "stats",
        s(&style),
        "--style-size",
        "64",
        "-o",
        s(&stats),
    ]));

    let from_image = dir.path().join("from_image.png");
    let from_stats = dir.path().join("from_stats.png");
    let common = ["--content-size", "0", "--style-size", "64"];
    let mut a = vec![
        "stylize",
        s(&content),
        "--style",
        s(&style),
        "-o",
        s(&from_image),
    ];
    a.extend(common);
    expect_success(&adain(&a));
    let mut b = vec![
        "stylize",
        s(&content),
        "--style-stats",
        s(&stats),
        "-o",
        s(&from_stats),
    ];
    b.extend(common);
    expect_success(&adain(&b));
    let (x, y) = (
        image::open(&from_image).unwrap().to_rgb8(),
        image::open(&from_stats).unwrap().to_rgb8(),
    );
    assert_eq!(x.dimensions(), (71, 53));
    assert!(x == y, "--style-stats must reproduce --style exactly");

    // A stats file never runs the encoder on a style.
    let mut c = vec![
        "stylize",
        "-v",
        s(&content),
        "--style-stats",
        s(&stats),
        "-o",
        s(&from_stats),
    ];
    c.extend(common);
    let log = expect_success(&adain(&c));
    assert!(
        log.contains("statistics from the file") && !log.contains("encoding the image"),
        "{log}"
    );

    // The file records where it came from.
    let loaded = StyleStats::load(&stats).unwrap();
    assert_eq!(loaded.layers.len(), 4);
    assert!(
        loaded.info["sources"].contains("style.png"),
        "{:?}",
        loaded.info
    );
    assert_eq!(loaded.info["image_sizes"], r#"["82x64"]"#);
    assert_eq!(loaded.info["style_size"], "64");
}

#[test]
fn stats_over_several_images_are_the_mean_of_each_images_stats() {
    let dir = tempfile::tempdir().unwrap();
    let styles = dir.path().join("styles");
    std::fs::create_dir(&styles).unwrap();
    let a = write_image(&styles, "a.png", 48, 40, 5);
    let b = write_image(&styles, "b.png", 40, 56, 6);
    let (sa, sb, sab) = (
        dir.path().join("a.st"),
        dir.path().join("b.st"),
        dir.path().join("ab.st"),
    );
    expect_success(&adain(&["stats", s(&a), "--style-size", "0", "-o", s(&sa)]));
    expect_success(&adain(&["stats", s(&b), "--style-size", "0", "-o", s(&sb)]));
    expect_success(&adain(&[
        "stats",
        s(&styles),
        "--style-size",
        "0",
        "-o",
        s(&sab),
    ]));
    let (la, lb, lab) = (
        StyleStats::load(&sa).unwrap(),
        StyleStats::load(&sb).unwrap(),
        StyleStats::load(&sab).unwrap(),
    );
    for layer in ["relu1_1", "relu4_1"] {
        for c in 0..la.layers[layer].mean.len() {
            let mean =
                (f64::from(la.layers[layer].mean[c]) + f64::from(lb.layers[layer].mean[c])) / 2.0;
            let std =
                (f64::from(la.layers[layer].std[c]) + f64::from(lb.layers[layer].std[c])) / 2.0;
            assert_eq!(lab.layers[layer].mean[c], mean as f32);
            assert_eq!(lab.layers[layer].std[c], std as f32);
        }
    }
    assert!(lab.info["averaging"].contains("2 images"), "{:?}", lab.info);
}

#[test]
fn folders_of_contents_and_styles_give_every_pair() {
    let dir = tempfile::tempdir().unwrap();
    let (contents, styles, out) = (
        dir.path().join("c"),
        dir.path().join("s"),
        dir.path().join("out/nested"),
    );
    std::fs::create_dir_all(&contents).unwrap();
    std::fs::create_dir_all(&styles).unwrap();
    write_image(&contents, "cat.png", 45, 39, 7);
    write_image(&contents, "dog.jpg", 33, 41, 8);
    std::fs::write(
        contents.join("notes.txt"),
        "not an image, and not picked up from a folder",
    )
    .unwrap();
    write_image(&styles, "wave.png", 40, 40, 9);
    write_image(&styles, "ink.bmp", 36, 30, 10);
    let o = adain(&[
        "stylize",
        s(&contents),
        "--style",
        s(&styles),
        "--content-size",
        "0",
        "--style-size",
        "0",
        "-o",
        s(&out),
    ]);
    expect_success(&o);
    assert_eq!(
        files_in(&out),
        [
            "cat_stylized_ink.png",
            "cat_stylized_wave.png",
            "dog_stylized_ink.jpg",
            "dog_stylized_wave.jpg"
        ]
    );
    assert_eq!(
        image::image_dimensions(out.join("dog_stylized_ink.jpg")).unwrap(),
        (33, 41)
    );
}

#[test]
fn weights_interpolate_styles_and_stats_files_count_as_styles() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "photo.png", 50, 42, 11);
    let a = write_image(dir.path(), "a.png", 40, 40, 12);
    let b = write_image(dir.path(), "b.png", 44, 38, 13);
    let b_stats = dir.path().join("b.safetensors");
    expect_success(&adain(&[
        "stats",
        s(&b),
        "--style-size",
        "0",
        "-o",
        s(&b_stats),
    ]));
    let out = dir.path().join("out");
    let args = ["--content-size", "0", "--style-size", "0", "-o", s(&out)];

    let mut mixed = vec![
        "stylize",
        s(&content),
        "--style",
        s(&a),
        "--style-stats",
        s(&b_stats),
        "--weights",
        "1,3",
    ];
    mixed.extend(args);
    expect_success(&adain(&mixed));
    assert_eq!(files_in(&out), ["photo_stylized_a+b.png"]);

    // Weights 1,0 are style a alone.
    let only_a = dir.path().join("only_a.png");
    let weighted = dir.path().join("weighted.png");
    let base = ["--content-size", "0", "--style-size", "0"];
    let mut x = vec!["stylize", s(&content), "--style", s(&a), "-o", s(&only_a)];
    x.extend(base);
    let mut y = vec![
        "stylize",
        s(&content),
        "--style",
        s(&a),
        "--style-stats",
        s(&b_stats),
        "--weights",
        "1,0",
        "-o",
        s(&weighted),
    ];
    y.extend(base);
    expect_success(&adain(&x));
    expect_success(&adain(&y));
    assert!(image::open(&only_a).unwrap().to_rgb8() == image::open(&weighted).unwrap().to_rgb8());
}

#[test]
fn masks_combine_styles_in_one_result() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "photo.png", 64, 48, 14);
    let a = write_image(dir.path(), "a.png", 40, 40, 15);
    let b = write_image(dir.path(), "b.png", 40, 40, 16);
    let left =
        image::GrayImage::from_fn(64, 48, |x, _| image::Luma([if x < 32 { 255 } else { 0 }]));
    let right =
        image::GrayImage::from_fn(64, 48, |x, _| image::Luma([if x < 32 { 0 } else { 255 }]));
    let (ml, mr) = (dir.path().join("left.png"), dir.path().join("right.png"));
    left.save(&ml).unwrap();
    right.save(&mr).unwrap();
    let out = dir.path().join("masked.png");
    let o = adain(&[
        "stylize",
        s(&content),
        "--style",
        s(&a),
        "--style",
        s(&b),
        "--mask",
        s(&ml),
        "--mask",
        s(&mr),
        "--content-size",
        "0",
        "--style-size",
        "0",
        "-o",
        s(&out),
    ]);
    expect_success(&o);
    assert_eq!(image::image_dimensions(&out).unwrap(), (64, 48));
}

#[test]
fn preserve_color_and_alpha_run() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "photo.png", 48, 40, 17);
    let style = write_image(dir.path(), "style.png", 40, 40, 18);
    let plain = dir.path().join("plain.png");
    let kept = dir.path().join("kept.png");
    let base = ["--content-size", "0", "--style-size", "0", "--alpha", "0.6"];
    let mut a = vec![
        "stylize",
        s(&content),
        "--style",
        s(&style),
        "-o",
        s(&plain),
    ];
    a.extend(base);
    let mut b = vec![
        "stylize",
        s(&content),
        "--style",
        s(&style),
        "--preserve-color",
        "-o",
        s(&kept),
    ];
    b.extend(base);
    expect_success(&adain(&a));
    expect_success(&adain(&b));
    assert!(image::open(&plain).unwrap().to_rgb8() != image::open(&kept).unwrap().to_rgb8());
    // --preserve-color is the older name of --palette content.
    let named = dir.path().join("named.png");
    let mut c = vec!["stylize", s(&content), "--style", s(&style), "--palette", "content"];
    c.extend(["-o", s(&named)]);
    c.extend(base);
    expect_success(&adain(&c));
    assert!(image::open(&named).unwrap().to_rgb8() == image::open(&kept).unwrap().to_rgb8());
}

/// RGB mean and covariance of an image file.
fn colors_of(path: &Path) -> adain::ops::ColorMoments {
    colors_of_image(&image::open(path).unwrap().to_rgb8())
}

fn colors_of_image(image: &image::RgbImage) -> adain::ops::ColorMoments {
    common::colors_of(image)
}

#[test]
fn results_take_their_styles_colours_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "photo.png", 48, 40, 21);
    let style = warm_style(dir.path());
    let sizes = ["--content-size", "0", "--style-size", "0"];
    let out = |name: &str| dir.path().join(name);
    let run = |name: &str, extra: &[&str]| {
        let path = out(name);
        let mut args = sizes.to_vec();
        args.extend(extra);
        stylize(&content, &style, &path, &args);
        image::open(&path).unwrap().to_rgb8()
    };
    let default = run("default.png", &[]);
    let model = run("model.png", &["--palette", "model"]);
    let half = run("half.png", &["--alpha", "0.5"]);
    // The default is the style palette, under its name and its older one.
    assert!(default == run("named.png", &["--palette", "style"]));
    assert!(default == run("alias.png", &["--match-style-color"]));

    // The seeded decoder paints nothing like the style; the default result has its colours, to
    // within 8-bit rounding and what clamping cuts off.
    let target = colors_of(&style);
    let (gap_model, gap_default) = (
        color_gap(&colors_of(&out("model.png")), &target),
        color_gap(&colors_of(&out("default.png")), &target),
    );
    println!("colour gap to the style: model {gap_model:.2e}, default {gap_default:.2e}");
    assert!(
        gap_default < 0.01 * gap_model,
        "default {gap_default}, model {gap_model}"
    );
    let mean = colors_of(&out("default.png")).mean;
    for c in 0..3 {
        assert!(
            (mean[c] - target.mean[c]).abs() < 0.01,
            "channel {c}: {mean:?} vs {:?}",
            target.mean
        );
    }
    assert_eq!(default.dimensions(), (48, 40));
    assert!(half != default && half != model);

    // With --weights the target is the styles' mixture; one style at weight 1 is that style.
    let other = write_image(dir.path(), "other.png", 40, 40, 23);
    let mixed = out("mixed.png");
    let mut args = vec![
        "stylize",
        s(&content),
        "--style",
        s(&style),
        "--style",
        s(&other),
        "--weights",
        "1,0",
        "-o",
        s(&mixed),
    ];
    args.extend(sizes);
    expect_success(&adain(&args));
    assert!(color_gap(&colors_of(&mixed), &target) < 0.01 * gap_model);

    // A statistics file from `adain stats` keeps the colours: the same result as its image.
    let stats = dir.path().join("style.safetensors");
    expect_success(&adain(&[
        "stats",
        s(&style),
        "--style-size",
        "0",
        "-o",
        s(&stats),
    ]));
    let from_stats = out("from_stats.png");
    let mut args = vec![
        "stylize",
        s(&content),
        "--style-stats",
        s(&stats),
        "-o",
        s(&from_stats),
    ];
    args.extend(sizes);
    expect_success(&adain(&args));
    assert!(image::open(&from_stats).unwrap().to_rgb8() == default);

    // A file written before statistics kept colours: the model's colours, with a notice.
    let mut old = StyleStats::load(&stats).unwrap();
    old.color = None;
    let old_file = dir.path().join("old.safetensors");
    old.save(&old_file).unwrap();
    let from_old = out("from_old.png");
    let mut args = vec![
        "stylize",
        s(&content),
        "--style-stats",
        s(&old_file),
        "-o",
        s(&from_old),
    ];
    args.extend(sizes);
    let log = expect_success(&adain(&args));
    assert!(
        log.contains("old.safetensors") && log.contains("keep the model's colours"),
        "{log}"
    );
    assert!(image::open(&from_old).unwrap().to_rgb8() == model);

    // The content palette cannot recolour statistics, and palettes do not combine: usage errors,
    // no file.
    let refused = out("refused.png");
    for (extra, named) in [
        (
            vec!["--style-stats", s(&stats), "--palette", "content"],
            "--palette content",
        ),
        (
            vec!["--style-stats", s(&stats), "--preserve-color"],
            "--palette content",
        ),
        (
            vec![
                "--style",
                s(&style),
                "--match-style-color",
                "--preserve-color",
            ],
            "--match-style-color",
        ),
        (
            vec![
                "--style",
                s(&style),
                "--palette",
                "model",
                "--match-style-color",
            ],
            "--palette",
        ),
        (vec!["--style", s(&style), "--palette", "sepia"], "sepia"),
    ] {
        let mut args = vec!["stylize", s(&content), "-o", s(&refused)];
        args.extend(extra);
        common::expect_usage_error(&args, named, &refused);
    }
}

#[test]
fn under_masks_each_region_takes_its_own_styles_colours() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "photo.png", 96, 48, 31);
    let warm = warm_style(dir.path());
    let cool = dir.path().join("cool.png");
    image::RgbImage::from_fn(40, 40, |x, y| {
        image::Rgb([(20 + x) as u8, (60 + y) as u8, (170 + (x * y) % 60) as u8])
    })
    .save(&cool)
    .unwrap();
    let (left, right) = (dir.path().join("left.png"), dir.path().join("right.png"));
    image::GrayImage::from_fn(96, 48, |x, _| image::Luma([if x < 48 { 255 } else { 0 }]))
        .save(&left)
        .unwrap();
    image::GrayImage::from_fn(96, 48, |x, _| image::Luma([if x < 48 { 0 } else { 255 }]))
        .save(&right)
        .unwrap();
    let run = |name: &str, palette: &str| {
        let path = dir.path().join(name);
        let args = [
            "stylize",
            s(&content),
            "-s",
            s(&warm),
            "-s",
            s(&cool),
            "--mask",
            s(&left),
            "--mask",
            s(&right),
            "--palette",
            palette,
            "--content-size",
            "0",
            "--style-size",
            "0",
            "-o",
            s(&path),
        ];
        expect_success(&adain(&args));
        image::open(&path).unwrap().to_rgb8()
    };
    let (styled, model) = (run("styled.png", "style"), run("model.png", "model"));
    // Away from the edge (two feature cells), each half is near its own style's colours, and much
    // nearer than the model's colours are.
    let half = |image: &image::RgbImage, from: u32| {
        colors_of_image(&image::imageops::crop_imm(image, from, 0, 32, 48).to_image())
    };
    for (from, style) in [(0, &warm), (64, &cool)] {
        let target = colors_of(style);
        let (gap_style, gap_model) = (
            color_gap(&half(&styled, from), &target),
            color_gap(&half(&model, from), &target),
        );
        println!(
            "columns {from}..{}: gap style {gap_style:.2e}, model {gap_model:.2e}",
            from + 32
        );
        assert!(
            gap_style < 0.1 * gap_model,
            "style {gap_style}, model {gap_model}"
        );
        let mean = half(&styled, from).mean;
        for c in 0..3 {
            assert!(
                (mean[c] - target.mean[c]).abs() < 0.04,
                "{mean:?} vs {:?}",
                target.mean
            );
        }
    }
}

#[test]
fn info_reports_the_runtime_providers_and_package_checks() {
    let o = adain(&["info"]);
    expect_success(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "libonnxruntime.so",
        "1.31.1",
        "--ep auto runs on CPU",
        "ok  files",
        "ok  encoder graph",
        "ok  decoder graph",
    ] {
        assert!(
            stdout.contains(needle),
            "`{needle}` missing from:\n{stdout}"
        );
    }
}

#[test]
fn real_photos_when_the_shared_data_set_is_present() {
    let (Some(content), Some(style)) = (
        adain_test_kit::first_shared_file("data/train/content"),
        adain_test_kit::first_shared_file("data/train/style"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("real.jpg");
    stylize(
        &content,
        &style,
        &out,
        &["--content-size", "128", "--style-size", "128"],
    );
    // The content's size as adain sees it (EXIF orientation applied).
    let original =
        adain::image_io::load_rgb(&content, adain::image_io::DEFAULT_MAX_PIXELS).unwrap();
    assert_eq!(
        image::image_dimensions(&out).unwrap(),
        original.dimensions()
    );
    // With the shipped model (the test package's decoder is seeded, not trained): a stylization,
    // not a copy or a blank. α = 0 (the photo through the decoder) stays near the photo, α = 1
    // moves far from it (measured on the first shared pair: 15.2 and 10.4 dB).
    let model = default_package();
    let at = |alpha: &str| {
        let out = dir.path().join(format!("alpha-{alpha}.png"));
        stylize(
            &content,
            &style,
            &out,
            &[
                "--content-size",
                "128",
                "--style-size",
                "128",
                "--alpha",
                alpha,
                "--model",
                model.to_str().unwrap(),
            ],
        );
        image::open(&out).unwrap().to_rgb8()
    };
    let (faithful, styled) = (at("0"), at("1"));
    let (to_photo, to_style) = (psnr(&faithful, &original), psnr(&styled, &original));
    assert!(
        to_photo > to_style + 3.0,
        "α = 0: {to_photo:.1} dB from the photo, α = 1: {to_style:.1} dB"
    );
    let spread = {
        let values: Vec<f64> = styled.as_raw().iter().map(|&v| f64::from(v)).collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64).sqrt()
    };
    assert!(
        spread > 10.0,
        "the result is nearly flat: spread {spread:.1}"
    );
}
