//! End to end through the `adain` binary with the real VGG16 encoder and a seeded random decoder.

mod common;

use common::*;

#[test]
fn output_has_the_exact_odd_size_of_the_content() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "content.png", 333, 257, 1);
    let style = write_image(dir.path(), "style.jpg", 96, 80, 2);
    let out = dir.path().join("out.png");
    let o = adain(&["stylize", s(&content), "--style", s(&style), "--content-size", "0", "--style-size", "0", "-o", s(&out)]);
    expect_success(&o);
    assert_eq!(image::image_dimensions(&out).unwrap(), (333, 257));
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}
