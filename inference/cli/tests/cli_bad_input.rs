//! Bad input through the `adain` binary: each is refused with a message naming the file (or option),
//! a non-zero exit, no panic, and no output file left behind. Odd but valid images are accepted.

mod common;

use std::path::{Path, PathBuf};

use adain_models::package::{decoder_graph, PackageInfo};
use adain_models::stats_file::StyleStats;
use adain_models::{Architecture, Layer, Network};
use adain_test_kit::images::{test_image, write_image};
use adain_test_kit::package::{copy_package, real_encoder};
use adain_test_kit::paths::files_in;
use common::*;
use tempfile::TempDir;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A scratch folder with a good content and style image, and an output folder that must stay empty.
struct Scene {
    dir: TempDir,
}

impl Scene {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        write_image(dir.path(), "content.png", 40, 36, 1);
        write_image(dir.path(), "style.png", 36, 36, 2);
        Self { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn out(&self) -> PathBuf {
        self.path("out")
    }

    /// Runs `stylize` with small sizes into `out/`; `args` come first.
    fn stylize(&self, args: &[&str]) -> std::process::Output {
        let out = self.out();
        let mut all = vec!["stylize"];
        all.extend(args);
        all.extend(["--content-size", "0", "--style-size", "0", "-o", s(&out)]);
        adain(&all)
    }

    /// Asserts a clean failure mentioning each needle, and that no output (not even a temporary) exists.
    fn refused(&self, output: &std::process::Output, needles: &[&str]) {
        let stderr = expect_failure(output);
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "`{needle}` missing from stderr:\n{stderr}"
            );
        }
        let out = self.out();
        assert!(
            !out.exists() || files_in(&out).is_empty(),
            "output left behind: {:?}",
            files_in(&out)
        );
    }
}

fn png_bytes(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    test_image(width, height, 3)
        .write_to(&mut bytes, image::ImageFormat::Png)
        .unwrap();
    bytes.into_inner()
}

#[test]
fn truncated_images_are_refused() {
    let sc = Scene::new();
    let png = png_bytes(64, 64);
    let truncated = sc.path("truncated.png");
    std::fs::write(&truncated, &png[..png.len() / 2]).unwrap();
    sc.refused(
        &sc.stylize(&[s(&truncated), "--style", s(&sc.path("style.png"))]),
        &["truncated.png", "truncated"],
    );

    let mut jpeg = std::io::Cursor::new(Vec::new());
    test_image(64, 64, 4)
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    let jpeg = jpeg.into_inner();
    let cut = sc.path("cut.jpg");
    std::fs::write(&cut, &jpeg[..jpeg.len() / 3]).unwrap();
    sc.refused(
        &sc.stylize(&[s(&sc.path("content.png")), "--style", s(&cut)]),
        &["cut.jpg", "truncated"],
    );
}

#[test]
fn corrupt_non_image_unsupported_and_empty_files_are_refused() {
    let sc = Scene::new();
    let style = sc.path("style.png");

    let corrupt = sc.path("corrupt.png");
    let mut bytes = png_bytes(32, 32);
    for b in bytes.iter_mut().skip(40).step_by(7) {
        *b ^= 0x5a;
    }
    std::fs::write(&corrupt, &bytes).unwrap();
    sc.refused(
        &sc.stylize(&[s(&corrupt), "--style", s(&style)]),
        &["corrupt.png"],
    );

    let text = sc.path("notes.txt");
    std::fs::write(&text, "these are not pixels").unwrap();
    sc.refused(
        &sc.stylize(&[s(&text), "--style", s(&style)]),
        &["notes.txt", "not an image"],
    );

    // A 1×1 GIF: a real image format this build does not read.
    let gif = sc.path("tiny.gif");
    std::fs::write(&gif, b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;").unwrap();
    sc.refused(
        &sc.stylize(&[s(&sc.path("content.png")), "--style", s(&gif)]),
        &["tiny.gif", "unsupported image format"],
    );

    let empty = sc.path("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    sc.refused(
        &sc.stylize(&[s(&empty), "--style", s(&style)]),
        &["empty.jpg", "empty"],
    );

    let missing = sc.path("missing.png");
    sc.refused(
        &sc.stylize(&[s(&missing), "--style", s(&style)]),
        &["missing.png", "no such"],
    );
}

#[test]
fn zero_size_and_over_limit_images_are_refused() {
    let sc = Scene::new();
    // A BMP header declaring 0×0 pixels.
    let mut bmp = Vec::new();
    bmp.extend(b"BM");
    bmp.extend(54u32.to_le_bytes()); // file size
    bmp.extend([0u8; 4]);
    bmp.extend(54u32.to_le_bytes()); // pixel data offset
    bmp.extend(40u32.to_le_bytes()); // BITMAPINFOHEADER
    bmp.extend(0i32.to_le_bytes()); // width
    bmp.extend(0i32.to_le_bytes()); // height
    bmp.extend(1u16.to_le_bytes());
    bmp.extend(24u16.to_le_bytes());
    bmp.extend([0u8; 24]);
    let zero = sc.path("zero.bmp");
    std::fs::write(&zero, &bmp).unwrap();
    let stderr = expect_failure(&sc.stylize(&[s(&zero), "--style", s(&sc.path("style.png"))]));
    assert!(stderr.contains("zero.bmp"), "{stderr}");
    sc.refused(
        &sc.stylize(&[s(&zero), "--style", s(&sc.path("style.png"))]),
        &["zero.bmp"],
    );

    let tiny = write_image(sc.dir.path(), "tiny.png", 8, 30, 9);
    sc.refused(
        &sc.stylize(&[s(&tiny), "--style", s(&sc.path("style.png"))]),
        &["tiny.png", "8x30 image is too small", "at least 9 pixels"],
    );

    let o = sc.stylize(&[
        s(&sc.path("content.png")),
        "--style",
        s(&sc.path("style.png")),
        "--max-pixels",
        "1300",
    ]);
    sc.refused(
        &o,
        &[
            "content.png",
            "40x36 = 1440 pixels exceeds the limit of 1300",
            "--max-pixels",
        ],
    );
}

#[test]
fn grayscale_rgba_and_16_bit_images_are_accepted() {
    let sc = Scene::new();
    let rgb = test_image(41, 37, 5);
    let gray = sc.path("gray.png");
    image::DynamicImage::ImageRgb8(rgb.clone())
        .to_luma8()
        .save(&gray)
        .unwrap();
    let rgba = sc.path("rgba.png");
    image::RgbaImage::from_fn(39, 35, |x, y| {
        image::Rgba([x as u8 * 5, y as u8 * 6, 90, (x * 6) as u8])
    })
    .save(&rgba)
    .unwrap();
    let deep = sc.path("deep.png");
    image::DynamicImage::ImageRgb8(rgb.clone())
        .to_rgb16()
        .save(&deep)
        .unwrap();
    let deep_gray = sc.path("deep_gray.tiff");
    image::DynamicImage::ImageRgb8(rgb)
        .to_luma16()
        .save(&deep_gray)
        .unwrap();

    let o = sc.stylize(&[s(&gray), s(&deep), s(&deep_gray), "--style", s(&rgba)]);
    expect_success(&o);
    assert_eq!(
        files_in(&sc.out()),
        [
            "deep_gray_stylized_rgba.tiff",
            "deep_stylized_rgba.png",
            "gray_stylized_rgba.png"
        ]
    );
    assert_eq!(
        image::open(sc.out().join("deep_stylized_rgba.png"))
            .unwrap()
            .color(),
        image::ColorType::Rgb8
    );
    assert_eq!(
        image::image_dimensions(sc.out().join("gray_stylized_rgba.png")).unwrap(),
        (41, 37)
    );
}

/// A stats file of the style image, tampered with by `edit`.
fn tampered_stats(sc: &Scene, name: &str, edit: impl FnOnce(&mut StyleStats)) -> PathBuf {
    let good = sc.path("good.safetensors");
    if !good.exists() {
        expect_success(&adain(&[
            "stats",
            s(&sc.path("style.png")),
            "--style-size",
            "0",
            "-o",
            s(&good),
        ]));
    }
    let mut stats = StyleStats::load(&good).unwrap();
    edit(&mut stats);
    let path = sc.path(name);
    stats.save(&path).unwrap();
    path
}

#[test]
fn stats_files_of_another_encoder_wrong_shapes_or_non_finite_values_are_refused() {
    let sc = Scene::new();
    let content = sc.path("content.png");
    let other = tampered_stats(&sc, "other_encoder.safetensors", |st| {
        st.encoder_identity = "0".repeat(64)
    });
    sc.refused(
        &sc.stylize(&[s(&content), "--style-stats", s(&other)]),
        &[
            "other_encoder.safetensors",
            "computed with encoder 000000000000",
        ],
    );

    let shapes = tampered_stats(&sc, "shapes.safetensors", |st| {
        let l = st.layers.get_mut("relu4_1").unwrap();
        l.mean.truncate(256);
        l.std.truncate(256);
    });
    sc.refused(
        &sc.stylize(&[s(&content), "--style-stats", s(&shapes)]),
        &["shapes.safetensors", "expected F32 [512]"],
    );

    let nan = tampered_stats(&sc, "nan.safetensors", |st| {
        st.layers.get_mut("relu4_1").unwrap().std[7] = f32::INFINITY
    });
    sc.refused(
        &sc.stylize(&[s(&content), "--style-stats", s(&nan)]),
        &["nan.safetensors", "non-finite"],
    );

    let garbage = sc.path("garbage.safetensors");
    std::fs::write(&garbage, b"\x08\x00\x00\x00\x00\x00\x00\x00{}").unwrap();
    sc.refused(
        &sc.stylize(&[s(&content), "--style-stats", s(&garbage)]),
        &["garbage.safetensors"],
    );
}

#[test]
fn broken_model_packages_are_refused_before_running() {
    let sc = Scene::new();
    let (content, style) = (sc.path("content.png"), sc.path("style.png"));
    let run = |model: &Path| sc.stylize(&[s(&content), "--style", s(&style), "--model", s(model)]);

    let missing = copy_package(&sc.path("missing"));
    std::fs::remove_file(missing.join("decoder.onnx")).unwrap();
    sc.refused(&run(&missing), &["decoder.onnx", "missing"]);

    let altered = copy_package(&sc.path("altered"));
    let mut bytes = std::fs::read(altered.join("decoder.onnx")).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 1;
    std::fs::write(altered.join("decoder.onnx"), bytes).unwrap();
    sc.refused(&run(&altered), &["decoder.onnx", "sha256"]);

    // A decoder that ends with 4 channels instead of 3, listed with its correct sha256.
    let wrong = copy_package(&sc.path("wrong_shape"));
    let mut arch = Architecture::decoder();
    if let Some(Layer::Conv { out_channels, .. }) = arch.layers.last_mut() {
        *out_channels = 4;
    }
    let info = PackageInfo {
        name: "test".into(),
        version: "0".into(),
        encoder_source: String::new(),
        provenance: Default::default(),
    };
    let graph = decoder_graph(
        &Network::seeded(arch, 1),
        &real_encoder(),
        &info,
        Default::default(),
    )
    .unwrap();
    adain_models::onnx::save_model(&graph, &wrong.join("decoder.onnx")).unwrap();
    relist_sha(&wrong, "decoder.onnx");
    sc.refused(
        &run(&wrong),
        &["decoder.onnx", "output `image`: 4 channels, expected 3"],
    );

    // An encoder graph swapped in as the decoder: wrong input.
    let swapped = copy_package(&sc.path("swapped"));
    std::fs::copy(swapped.join("encoder.onnx"), swapped.join("decoder.onnx")).unwrap();
    relist_sha(&swapped, "decoder.onnx");
    sc.refused(
        &run(&swapped),
        &[
            "decoder.onnx",
            "graph inputs [\"image\"], expected [\"features\"]",
        ],
    );

    // An encoder with other weights than the manifest says.
    let other = copy_package(&sc.path("other_encoder"));
    let seeded = Network::seeded(Architecture::vgg16_encoder(), 1);
    adain_models::package::write_encoder(&other, &seeded, &info).unwrap();
    relist_sha(&other, "encoder.onnx");
    sc.refused(&run(&other), &["encoder.onnx", "adain.encoder_identity"]);

    let no_package = sc.path("nothing_here");
    sc.refused(&run(&no_package), &["nothing_here", "no such model folder"]);
}

/// Updates the manifest's sha256 of `file` (so the graph checks, not the hash check, fire).
fn relist_sha(package: &Path, file: &str) {
    let mut manifest = adain_models::manifest::Manifest::load(package).unwrap();
    let sha = adain_models::manifest::sha256_file(&package.join(file)).unwrap();
    manifest
        .files
        .iter_mut()
        .filter(|f| f.path == file)
        .for_each(|f| f.sha256 = Some(sha.clone()));
    manifest.save(package).unwrap();
}

#[test]
fn bad_options_are_refused() {
    let sc = Scene::new();
    let (content, style) = (sc.path("content.png"), sc.path("style.png"));
    let (c, st) = (s(&content), s(&style));

    sc.refused(
        &sc.stylize(&[c, "--style", st, "--alpha", "1.5"]),
        &["--alpha", "1.5 is outside 0..=1"],
    );
    sc.refused(
        &sc.stylize(&[c, "--style", st, "--style", st, "--weights", "0.2,0.3,0.5"]),
        &["3 weights given for 2 style(s)"],
    );
    sc.refused(
        &sc.stylize(&[c, "--style", st, "--style", st, "--mask", st]),
        &["1 masks given for 2 style(s)"],
    );
    sc.refused(
        &sc.stylize(&[c, "--style", st, "--ep", "cuda"]),
        &["CUDAExecutionProvider"],
    );

    let stats = tampered_stats(&sc, "s.safetensors", |_| {});
    sc.refused(
        &sc.stylize(&[c, "--style-stats", s(&stats), "--preserve-color"]),
        &["--preserve-color", "s.safetensors"],
    );
}

#[test]
fn an_unwritable_output_path_is_refused_before_any_work() {
    let sc = Scene::new();
    let blocker = sc.path("a_file");
    std::fs::write(&blocker, "a file where a folder should be").unwrap();
    let target = blocker.join("sub/out.png");
    let o = adain(&[
        "stylize",
        s(&sc.path("content.png")),
        "--style",
        s(&sc.path("style.png")),
        "-o",
        s(&target),
    ]);
    let stderr = expect_failure(&o);
    assert!(
        stderr.contains("a_file/sub") && stderr.contains("cannot create the output folder"),
        "{stderr}"
    );

    let o = adain(&[
        "stylize",
        s(&sc.path("content.png")),
        "--style",
        s(&sc.path("style.png")),
        "-o",
        s(&sc.path("out.gif")),
    ]);
    let stderr = expect_failure(&o);
    assert!(!sc.path("out.gif").exists());
    assert!(
        stderr.contains("out.gif") && stderr.contains("cannot write a `.gif` image"),
        "{stderr}"
    );

    let o = adain(&[
        "stats",
        s(&sc.path("style.png")),
        "-o",
        s(&blocker.join("x.safetensors")),
    ]);
    let stderr = expect_failure(&o);
    assert!(stderr.contains("a_file"), "{stderr}");
}

#[test]
fn a_missing_or_broken_onnx_runtime_is_an_error_not_a_panic() {
    let sc = Scene::new();
    let empty_cache = sc.path("empty_cache");
    std::fs::create_dir(&empty_cache).unwrap();
    let (content, style, out) = (sc.path("content.png"), sc.path("style.png"), sc.out());
    let args = ["stylize", s(&content), "--style", s(&style), "-o", s(&out)];
    // The binary's folder (target/…) holds no runtime; hide the installed one too.
    let o = adain_with_env(
        &args,
        &[("ADAIN_CACHE_DIR", s(&empty_cache)), ("ORT_DYLIB_PATH", "")],
    );
    sc.refused(
        &o,
        &[
            "no ONNX Runtime library found",
            "empty_cache",
            "run `cargo xtask setup`",
        ],
    );

    let fake = sc.path("libonnxruntime.so.1.31.1");
    std::fs::write(&fake, b"not a shared library").unwrap();
    let o = adain_with_env(
        &args,
        &[
            ("ADAIN_CACHE_DIR", s(&empty_cache)),
            ("ORT_DYLIB_PATH", s(&fake)),
        ],
    );
    sc.refused(
        &o,
        &[
            "libonnxruntime.so.1.31.1",
            "cannot load the ONNX Runtime library",
        ],
    );
}
