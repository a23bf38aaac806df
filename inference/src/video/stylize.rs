//! The frames of one video through the networks, in order: each frame is encoded, normalised with
//! content statistics averaged over its shot ([`super::temporal`]), and decoded at its own size.

use image::RgbImage;

use super::temporal::{ContentStatsSmoother, SceneCuts};
use crate::adain::{target_features_with, StyleMix};
use crate::error::Result;
use crate::image_io::{prepare, resize_exact};
use crate::stylize::Stylizer;

/// How frames are stylized over time.
#[derive(Debug, Clone, Copy)]
pub struct VideoOptions {
    /// Weight of the past in the running content statistics (0 = per-frame AdaIN).
    pub smoothing: f32,
    /// Colour-histogram distance above which a frame starts a new shot (above 2: never).
    pub scene_cut: f32,
    /// Process frames with their shorter side at this many pixels (0 = their own size); results
    /// have the input's size.
    pub content_size: u32,
}

/// A frame ready for the networks.
pub struct PreparedFrame {
    image: RgbImage,
    size: (u32, u32),
    /// Whether this frame starts a shot (the first frame does): styles that depend on the content
    /// (colour preservation) are made again here.
    pub new_shot: bool,
}

impl PreparedFrame {
    /// The frame as the networks will see it.
    pub fn image(&self) -> &RgbImage {
        &self.image
    }
}

/// The state that carries from frame to frame.
pub struct FrameStylizer {
    options: VideoOptions,
    smoother: ContentStatsSmoother,
    cuts: SceneCuts,
    frames: u64,
}

impl FrameStylizer {
    pub fn new(options: VideoOptions) -> Self {
        Self {
            options,
            smoother: ContentStatsSmoother::new(options.smoothing),
            cuts: SceneCuts::new(options.scene_cut),
            frames: 0,
        }
    }

    /// Resizes the next frame and looks for a scene cut (which restarts the running statistics).
    pub fn prepare(&mut self, frame: &RgbImage) -> PreparedFrame {
        let image = prepare(frame, self.options.content_size, false);
        let new_shot = self.cuts.is_cut(&image) || self.frames == 0;
        if new_shot {
            self.smoother.reset();
        }
        self.frames += 1;
        PreparedFrame {
            image,
            size: frame.dimensions(),
            new_shot,
        }
    }

    /// Encode → AdaIN with the running content statistics → decode, at the input frame's size.
    pub fn render(
        &mut self,
        stylizer: &mut Stylizer,
        frame: &PreparedFrame,
        mix: StyleMix<'_>,
        alpha: f32,
    ) -> Result<RgbImage> {
        let content = stylizer.encode_content(&frame.image)?;
        let stats = self.smoother.update(content.stats());
        let target = target_features_with(content.features.view(), Some(stats), mix, alpha)?;
        let out = stylizer.decode(target.view(), content.width, content.height)?;
        Ok(resize_exact(&out, frame.size.0, frame.size.1))
    }
}
