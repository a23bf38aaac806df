//! `evaluate` scores what `adain stylize` writes (the whole image, clamped and quantised to 8 bits),
//! and keeps the centre-crop float measure beside it.

mod common;

use std::path::{Path, PathBuf};

use adain::ops::StyleMix;
use adain::ops::{image_color, match_style_color, transfer};
use adain::package::ModelPackage;
use adain::runtime::SessionOptions;
use adain::Stylizer;
use adain_test_kit::images::write_folder;
use adain_test_kit::paths::default_encoder;
use adain_training::checkerboard::{checkerboard_score, luma};
use adain_training::data::{center_crop, load_resized, planar_batch, ImageFolder};
use adain_training::eval::colour::LabMoments;
use adain_training::eval::evaluate;
use adain_training::export::{export, ExportOptions};
use adain_training::loss::adain_losses;
use adain_training::model::Encoder;
use adain_training::stats::adain;
use tch::{Device, Tensor};

/// A package around a seeded (untrained) decoder: its raw outputs lie far outside [0, 1].
fn seeded_package(dir: &Path, content: &Path, encoder: &Encoder) -> PathBuf {
    let mut config = common::small_config(content, content);
    config.encoder_identity = encoder.network().identity();
    let checkpoint = common::seeded_checkpoint(&dir.join("run"), config, 5);
    let package = dir.join("package");
    export(&ExportOptions {
        checkpoint: &checkpoint,
        out: &package,
        name: "seeded".into(),
        version: "0".into(),
        encoder: None,
        provenance: Default::default(),
    })
    .unwrap();
    package
}

fn tensor(planar: &[f32], width: u32, height: u32) -> Tensor {
    Tensor::from_slice(planar).view([1, 3, i64::from(height), i64::from(width)])
}

/// Mean content loss, style loss and checkerboard score of `outputs` (planar, per pair).
struct Expected {
    content: f64,
    style: f64,
    checkerboard: f64,
    /// Lab colour distance of each output to its style.
    colour: f64,
}

/// Per content × style pair (content-major), planar: the image `adain stylize` writes, and the
/// decoder's values before clamping.
struct Stylized {
    written: Vec<Vec<f32>>,
    /// `written` recoloured as `--match-style-color` does.
    matched: Vec<Vec<f32>>,
    float: Vec<Vec<f32>>,
}

fn stylize_all(
    stylizer: &mut Stylizer,
    contents: &[image::RgbImage],
    styles: &[image::RgbImage],
) -> Stylized {
    let mut out = Stylized {
        written: Vec::new(),
        matched: Vec::new(),
        float: Vec::new(),
    };
    for content in contents {
        let features = stylizer.encode_content(content).unwrap();
        for style in styles {
            let stats = stylizer.adain_style_statistics(style).unwrap();
            let image = stylizer
                .stylize(content, StyleMix::One(&stats), 1.0)
                .unwrap();
            assert_eq!(image.dimensions(), content.dimensions());
            let matched = match_style_color(&image, &image_color(style), 1.0);
            out.matched.push(planar_batch(&[matched]));
            out.written.push(planar_batch(&[image]));
            let target = transfer(&features, StyleMix::One(&stats), 1.0).unwrap();
            let planar = stylizer
                .decode_planar(target.view(), content.width(), content.height())
                .unwrap();
            out.float.push(planar.iter().copied().collect());
        }
    }
    out
}

#[test]
fn eval_scores_the_whole_8_bit_image_that_stylize_writes() {
    tch::set_num_threads(2);
    let dir = tempfile::tempdir().unwrap();
    // Odd sizes: at --size 32 the contents become 39×32 (not a multiple of the decoder's 8, nor
    // square), the styles 48×32.
    let content_dir = write_folder(&dir.path().join("c"), 2, 45, 37, 31);
    let style_dir = write_folder(&dir.path().join("s"), 2, 61, 41, 32);
    let size = 32;
    let encoder = Encoder::load(&default_encoder(), Device::Cpu).unwrap();
    let package = seeded_package(dir.path(), &content_dir, &encoder);

    let report = evaluate(&package, &content_dir, &style_dir, size, false, Device::Cpu).unwrap();
    assert_eq!(report.pairs, 4);
    let in_style_colors =
        evaluate(&package, &content_dir, &style_dir, size, true, Device::Cpu).unwrap();

    // The same pairs through the inference crate, as `adain stylize` runs them (ONNX Runtime, AdaIN
    // in ndarray): the 8-bit image it writes, and its float values before clamping.
    let mut stylizer = Stylizer::new(
        &ModelPackage::load(&package, adain::Precision::Fp32, adain::Provider::Cpu).unwrap(),
        &SessionOptions {
            threads: 2,
            ..SessionOptions::default()
        },
    )
    .unwrap();
    let images = |d: &Path| -> Vec<image::RgbImage> {
        ImageFolder::scan(d)
            .unwrap()
            .0
            .files
            .iter()
            .map(|p| load_resized(p, size, size).unwrap())
            .collect()
    };
    let (contents, styles) = (images(&content_dir), images(&style_dir));
    assert_eq!(contents[0].dimensions(), (39, 32));
    let stylized = stylize_all(&mut stylizer, &contents, &styles);
    let out_of_range = stylized
        .float
        .iter()
        .flatten()
        .filter(|v| !(0.0..=1.0).contains(*v))
        .count();
    assert!(
        out_of_range > 1000,
        "the decoder should overshoot [0, 1] for this test to mean anything ({out_of_range} values)"
    );
    // What a crop-based 8-bit score would have seen instead: the 32² centre squares stylized.
    let squares = |images: &[image::RgbImage]| -> Vec<image::RgbImage> {
        images.iter().map(|i| center_crop(i, size)).collect()
    };
    let (square_contents, square_styles) = (squares(&contents), squares(&styles));
    let squares_written = stylize_all(&mut stylizer, &square_contents, &square_styles).written;

    // Scored in tch with the training crate's encoder and losses.
    let expected = |contents: &[image::RgbImage],
                    styles: &[image::RgbImage],
                    outputs: &[Vec<f32>]|
     -> Expected {
        let (w, h) = contents[0].dimensions();
        let (mut content_loss, mut style_loss, mut board, mut colour) = (0.0, 0.0, 0.0, 0.0);
        let mut pairs = outputs.iter();
        for content in contents {
            let fc = encoder.relu4_1(&tensor(&planar_batch(std::slice::from_ref(content)), w, h));
            for style in styles {
                let (sw, sh) = style.dimensions();
                let fs =
                    encoder.features(&tensor(&planar_batch(std::slice::from_ref(style)), sw, sh));
                let t = adain(&fc, &fs[3]);
                let output = pairs.next().unwrap();
                let l = adain_losses(&encoder.features(&tensor(output, w, h)), &t, &fs);
                content_loss += l.content.double_value(&[]);
                style_loss += l.style.double_value(&[]);
                let clamped: Vec<f32> = output.iter().map(|v| v.clamp(0.0, 1.0)).collect();
                let (wu, hu) = (w as usize, h as usize);
                board += f64::from(checkerboard_score(&luma(&clamped, wu, hu), wu, hu));
                let style_colour =
                    LabMoments::of_planar(&planar_batch(std::slice::from_ref(style)));
                colour += LabMoments::of_planar(output).distance(&style_colour);
            }
        }
        let n = outputs.len() as f64;
        Expected {
            content: content_loss / n,
            style: style_loss / n,
            checkerboard: board / n,
            colour: colour / n,
        }
    };
    let (written, matched, float, squares_written) = tch::no_grad(|| {
        (
            expected(&contents, &styles, &stylized.written),
            expected(&contents, &styles, &stylized.matched),
            expected(&contents, &styles, &stylized.float),
            expected(&square_contents, &square_styles, &squares_written),
        )
    });
    let close = |a: f64, b: f64, tolerance: f64| (a - b).abs() <= tolerance * b.abs();
    let got = (report.primary.content_loss, report.primary.style_loss);
    println!(
        "eval {got:?}; stylize's 8-bit image {:?}; its float values {:?}; centre squares 8-bit {:?}; crop float {:?}",
        (written.content, written.style),
        (float.content, float.style),
        (squares_written.content, squares_written.style),
        (report.crop_float.content_loss, report.crop_float.style_loss)
    );
    assert!(
        close(report.primary.content_loss, written.content, 1e-3)
            && close(report.primary.style_loss, written.style, 1e-3),
        "eval {got:?} vs stylize's 8-bit image {:?}",
        (written.content, written.style)
    );
    assert!(
        close(
            report.primary.checkerboard.outputs.mean,
            written.checkerboard,
            1e-3
        ),
        "checkerboard {} vs {}",
        report.primary.checkerboard.outputs.mean,
        written.checkerboard
    );
    assert!(
        (report.primary.total_loss
            - report.primary.content_loss
            - 10.0 * report.primary.style_loss)
            .abs()
            < 1e-9
    );
    // The per-layer parts add up to the style loss, and colours are scored on the written image.
    let parts: f64 = report
        .primary
        .style_layers
        .iter()
        .map(|l| l.mean + l.std)
        .sum();
    assert_eq!(report.primary.style_layers.len(), 4);
    assert!(
        close(parts, report.primary.style_loss, 1e-4),
        "{parts} vs {}",
        report.primary.style_loss
    );
    assert!(
        close(report.primary.colour.outputs.mean, written.colour, 1e-3),
        "colour {} vs {}",
        report.primary.colour.outputs.mean,
        written.colour
    );
    assert_eq!(report.pair_scores.len(), 4);
    assert!(
        report.primary.colour.contents.mean > 0.0
            && report.primary.colour.outputs.max >= report.primary.colour.outputs.mean
    );

    // With --match-style-color: the images `adain stylize --match-style-color` writes, which sit
    // closer to their styles' colours; the centre-crop float scores are not recoloured.
    assert!(
        close(in_style_colors.primary.content_loss, matched.content, 1e-3)
            && close(in_style_colors.primary.style_loss, matched.style, 1e-3)
            && close(
                in_style_colors.primary.colour.outputs.mean,
                matched.colour,
                1e-3
            ),
        "eval with --match-style-color {:?} vs stylize's {:?}",
        (
            in_style_colors.primary.content_loss,
            in_style_colors.primary.style_loss,
            in_style_colors.primary.colour.outputs.mean
        ),
        (matched.content, matched.style, matched.colour)
    );
    assert!(
        in_style_colors.primary.colour.outputs.mean < 0.5 * report.primary.colour.outputs.mean,
        "recoloured {} vs decoded {}",
        in_style_colors.primary.colour.outputs.mean,
        report.primary.colour.outputs.mean
    );
    assert!(in_style_colors.match_style_color && !report.match_style_color);
    assert!(close(
        in_style_colors.crop_float.style_loss,
        report.crop_float.style_loss,
        1e-9
    ));

    // Clamping and quantising matter here: the float path scores differently, as do the centre
    // squares and the centre-crop float measure the report keeps beside the primary numbers.
    for (name, other) in [
        ("the float output", (float.content, float.style)),
        (
            "the centre squares' 8-bit images",
            (squares_written.content, squares_written.style),
        ),
        (
            "crop_float",
            (report.crop_float.content_loss, report.crop_float.style_loss),
        ),
    ] {
        assert!(
            !close(report.primary.content_loss, other.0, 0.01)
                || !close(report.primary.style_loss, other.1, 0.01),
            "eval {got:?} is too close to {name} {other:?}"
        );
    }
}
