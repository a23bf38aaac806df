//! The method's property behind `--temporal-smoothing`: on a clip zooming into a photograph, where
//! the content statistics drift with the framing, statistics averaged over time make the default
//! model's output steadier (lower warping error) than per-frame AdaIN. (On pans the statistics
//! hardly move and smoothing is neutral: `cargo xtask bench-video` measures both.)

mod common;

use adain::adain::StyleMix;
use adain::package::ModelPackage;
use adain::runtime::SessionOptions;
use adain::stylize::Stylizer;
use adain::video::flicker::{mean_warping_error, CameraMove, SyntheticClip};
use adain::video::temporal::{DEFAULT_SCENE_CUT, DEFAULT_SMOOTHING};
use adain::video::{FrameStylizer, VideoOptions};
use common::{shared_photo, workspace};
use image::RgbImage;

fn stylized_clip(
    stylizer: &mut Stylizer,
    clip: &SyntheticClip,
    style: &adain::adain::ChannelStats,
    smoothing: f32,
) -> f64 {
    let mut frames = FrameStylizer::new(VideoOptions {
        smoothing,
        scene_cut: DEFAULT_SCENE_CUT,
        content_size: 0,
    });
    let out: Vec<RgbImage> = (0..clip.len())
        .map(|t| {
            let prepared = frames.prepare(&clip.frame(t));
            assert_eq!(prepared.new_shot, t == 0, "a camera move has no scene cut");
            frames
                .render(stylizer, &prepared, StyleMix::One(style), 1.0)
                .unwrap()
        })
        .collect();
    mean_warping_error(&out, clip.windows())
}

#[test]
fn smoothed_statistics_lower_the_warping_error_of_a_zoom() {
    let (Some(photo), Some(style)) = (shared_photo("0001.jpg"), shared_photo("0002.jpg")) else {
        return;
    };
    let package = ModelPackage::load(workspace().join("models/default"))
        .expect("the default model loads (cargo xtask setup builds its encoder)");
    let mut stylizer = Stylizer::new(
        &package,
        &SessionOptions {
            threads: 2,
            ..Default::default()
        },
    )
    .unwrap();
    let style = stylizer
        .adain_style_statistics(&adain::image_io::resize_shorter_side(&style, 256))
        .unwrap();
    let photo = adain::image_io::resize_shorter_side(&photo, 200);
    let clip = SyntheticClip::new(photo, 192, 112, 8, CameraMove::Zoom { scale: 0.85 }).unwrap();
    let per_frame = stylized_clip(&mut stylizer, &clip, &style, 0.0);
    let smoothed = stylized_clip(&mut stylizer, &clip, &style, DEFAULT_SMOOTHING);
    eprintln!("warping error: per-frame {per_frame:.3}, smoothed {smoothed:.3}");
    assert!(
        smoothed < per_frame,
        "smoothing {DEFAULT_SMOOTHING} did not lower the warping error: {smoothed:.3} vs {per_frame:.3}"
    );
}
