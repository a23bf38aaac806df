//! Tiled stylization against whole-image stylization: global statistics and halos must make the two
//! agree, with no seams.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use adain::image_io::from_planar;
use adain::ops::StyleMix;
use adain::ops::{adain_stats, transfer};
use adain::package::ModelPackage;
use adain::runtime::SessionOptions;
use adain::tiling::{encode_tiled, render_tiled_planar, TileOptions};
use adain::Stylizer;
use adain_test_kit::images::{test_image, write_image};
use adain_test_kit::package::test_package;
use adain_test_kit::paths::default_package;
use adain_test_kit::psnr::of_images as psnr;
use common::*;
use ndarray::Array3;

/// "The same result up to float rounding", as docs/cli.md promises for tiled runs. Measured: 167–175 dB
/// between the float outputs, and identical 8-bit images, with and without masks.
const NEAR_EQUAL_DB: f64 = 60.0;

/// PSNR of `b` against `a` on unclamped decoder outputs, the peak being `a`'s value range: with a random
/// decoder most 8-bit pixels clamp to 0 or 255, which would hide any difference.
fn psnr_float(a: &Array3<f32>, b: &Array3<f32>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    let (lo, hi) = a
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    adain_test_kit::psnr::db(mse, f64::from(hi - lo))
}

/// Tiled (3×3 tiles of 384 px, with the kept features and encoded twice) vs untiled on a 1024² image:
/// (label, PSNR of the unclamped outputs, PSNR of the 8-bit images) in dB.
fn tiled_vs_whole(package: &Path) -> Vec<(String, f64, f64)> {
    let package = ModelPackage::load(package, adain::Precision::Fp32, adain::Provider::Cpu)
        .expect("package loads");
    let mut st = Stylizer::new(
        &package,
        &SessionOptions {
            threads: 2,
            ..Default::default()
        },
    )
    .unwrap();
    let content = test_image(1024, 1024, 21);
    let style = adain_stats(
        &st.style_statistics(&test_image(256, 256, 22), BTreeMap::new())
            .unwrap(),
    );
    let features = st.encode_content(&content).unwrap();
    let target = transfer(&features, StyleMix::One(&style), 1.0).unwrap();
    let whole = st.decode_planar(target.view(), 1024, 1024).unwrap();
    let mut results = Vec::new();
    for (label, cache) in [("kept features", usize::MAX), ("encoded twice", 0)] {
        let options = TileOptions {
            tile: 384,
            feature_cache_bytes: cache,
        };
        let tiled = encode_tiled(&mut st, &content, None, &options, &mut |_| {}).unwrap();
        assert_eq!((tiled.tiles(), tiled.keeps_features()), (9, cache > 0));
        let planar = render_tiled_planar(
            &mut st,
            &content,
            &tiled,
            StyleMix::One(&style),
            1.0,
            &mut |_| {},
        )
        .unwrap();
        let image = from_planar(planar.view()); // what render_tiled returns
        assert_eq!(image.dimensions(), (1024, 1024));
        results.push((
            label.to_string(),
            psnr_float(&whole, &planar),
            psnr(&from_planar(whole.view()), &image),
        ));
    }
    results
}

#[test]
fn tiled_equals_untiled_on_1024_square_with_the_fixture_package() {
    for (label, db, db8) in tiled_vs_whole(test_package()) {
        eprintln!("fixture package (random decoder), {label}: PSNR {db:.1} dB unclamped, {db8:.1} dB 8-bit");
        assert!(
            db >= NEAR_EQUAL_DB && db8 >= NEAR_EQUAL_DB,
            "{label}: PSNR {db:.1} / {db8:.1} dB < {NEAR_EQUAL_DB} dB"
        );
    }
}

#[test]
fn tiled_equals_untiled_on_1024_square_with_the_trained_package() {
    let dir = default_package();
    let what = format!("the trained package {}", dir.display());
    if adain_test_kit::require(
        &what,
        "cargo xtask setup",
        ModelPackage::load(&dir, adain::Precision::Fp32, adain::Provider::Cpu),
    )
    .is_none()
    {
        return;
    }
    for (label, db, db8) in tiled_vs_whole(&dir) {
        eprintln!("trained package, {label}: PSNR {db:.1} dB unclamped, {db8:.1} dB 8-bit");
        assert!(
            db >= NEAR_EQUAL_DB && db8 >= NEAR_EQUAL_DB,
            "{label}: PSNR {db:.1} / {db8:.1} dB < {NEAR_EQUAL_DB} dB"
        );
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_cli_tiles_on_request_and_matches_its_untiled_result() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "content.png", 533, 389, 31);
    let style = write_image(dir.path(), "style.png", 96, 96, 32);
    let (whole, tiled) = (dir.path().join("whole.png"), dir.path().join("tiled.png"));
    expect_success(&adain(&[
        "stylize",
        s(&content),
        "--style",
        s(&style),
        "-o",
        s(&whole),
    ]));
    let log = expect_success(&adain(&[
        "stylize",
        s(&content),
        "--style",
        s(&style),
        "--tile",
        "192",
        "-o",
        s(&tiled),
    ]));
    assert!(log.contains("in tiles of 192 px"), "{log}");
    let (a, b) = (
        image::open(&whole).unwrap().to_rgb8(),
        image::open(&tiled).unwrap().to_rgb8(),
    );
    let db = psnr(&a, &b);
    eprintln!("CLI 192-px tiles vs untiled: {db:.1} dB");
    assert!(db >= NEAR_EQUAL_DB, "CLI tiled vs untiled: PSNR {db:.1} dB");

    // Automatic tiling above --tile-above, and masks with tiles.
    let left = image::GrayImage::from_fn(533, 389, |x, _| {
        image::Luma([if x < 260 { 255 } else { 0 }])
    });
    let right = image::GrayImage::from_fn(533, 389, |x, _| {
        image::Luma([if x < 260 { 0 } else { 255 }])
    });
    let (ml, mr) = (dir.path().join("l.png"), dir.path().join("r.png"));
    left.save(&ml).unwrap();
    right.save(&mr).unwrap();
    let masked = |extra: &[&str], out: &Path| {
        let mut args = vec![
            "stylize",
            s(&content),
            "--style",
            s(&style),
            "--style",
            s(&content),
            "--mask",
            s(&ml),
            "--mask",
            s(&mr),
        ];
        args.extend(extra);
        args.extend(["-o", s(out)]);
        expect_success(&adain(&args))
    };
    let (mw, mt) = (dir.path().join("mw.png"), dir.path().join("mt.png"));
    masked(&[], &mw);
    let log = masked(&["--tile-above", "100000"], &mt);
    assert!(log.contains("in tiles of 1024 px"), "{log}");
    // One 1024-pixel tile covers this image: the same result up to float rounding.
    let db = psnr(
        &image::open(&mw).unwrap().to_rgb8(),
        &image::open(&mt).unwrap().to_rgb8(),
    );
    eprintln!("masked, one tile vs untiled: {db:.1} dB");
    assert!(
        db >= NEAR_EQUAL_DB,
        "masked, tiled vs untiled: PSNR {db:.1} dB"
    );
    let mt2 = dir.path().join("mt2.png");
    masked(&["--tile", "160"], &mt2);
    let db = psnr(
        &image::open(&mw).unwrap().to_rgb8(),
        &image::open(&mt2).unwrap().to_rgb8(),
    );
    eprintln!("masked, 160-px tiles vs untiled: {db:.1} dB");
    assert!(
        db >= NEAR_EQUAL_DB,
        "masked, 160-px tiles vs untiled: PSNR {db:.1} dB"
    );
}

/// Runs `adain stylize -v` on a generated square of `side` pixels (tiled automatically above
/// 4 megapixels) and returns the peak resident memory it logs, in MiB.
fn tiled_peak_rss_mib(side: u32) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "big.png", side, side, 41);
    let style = write_image(dir.path(), "style.png", 256, 256, 42);
    let out = dir.path().join("out.jpg");
    let log = expect_success(&adain(&[
        "stylize",
        "-v",
        s(&content),
        "--style",
        s(&style),
        "-o",
        s(&out),
    ]));
    assert_eq!(image::image_dimensions(&out).unwrap(), (side, side));
    let peak = log
        .lines()
        .find_map(|l| l.split("(VmHWM) ").nth(1))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("-v logs the peak memory");
    eprintln!("{side}² tiled: peak RSS {peak} MiB");
    peak
}

/// The bound of the 4096² run below.
const BOUND_4096_MIB: f64 = 3072.0;
/// What a tiled run holds whatever the image size: both sessions and one 1024-px tile's activations
/// (measured: 2048² peaks at ~1250 MiB and 4096² at ~2 GB, so ~1 GiB is fixed and the rest grows
/// with the pixels).
const TILE_WORKING_SET_MIB: f64 = 1024.0;

/// 2048×2048 with automatic tiling, in every test run: the 4096² bound scaled to a quarter of the
/// pixels — the fixed working set plus a quarter of the part that grows (1536 MiB).
#[test]
fn a_2048_square_run_stays_within_the_4096_bound_scaled_to_its_pixels() {
    let bound = TILE_WORKING_SET_MIB + (BOUND_4096_MIB - TILE_WORKING_SET_MIB) / 4.0;
    let peak = tiled_peak_rss_mib(2048);
    assert!(peak < bound, "peak RSS {peak} MiB ≥ {bound} MiB");
}

/// 4096×4096 through the command with automatic tiling stays under 3 GiB of resident memory. Minutes
/// on 2 cores, so not in the default run (the 2048² test above is):
/// `cargo test -p adain --release --test tiling -- --ignored` (`cargo xtask bench` reports it too).
#[test]
#[ignore = "minutes on 2 cores; the 2048² test runs by default, cargo xtask bench reports this one"]
fn a_4096_square_run_stays_under_3_gib() {
    let peak = tiled_peak_rss_mib(4096);
    assert!(peak < BOUND_4096_MIB, "peak RSS {peak} MiB ≥ 3 GiB");
}
