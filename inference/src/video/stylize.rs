//! The frames of one video through the networks, in order: each frame is encoded, normalised with
//! content statistics averaged over its shot ([`super::temporal`]), decoded at its own size and
//! blended with the previous result along the motion ([`super::coherence`]).

use image::RgbImage;

use super::coherence::FlowBlender;
use super::temporal::{ContentStatsSmoother, SceneCuts};
use crate::adain::{target_features_with, StyleMix};
use crate::error::Result;
use crate::image_io::{prepare, resize_exact};
use crate::stylize::Stylizer;

/// What keeps a video steady from frame to frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Temporal {
    /// Each frame stylized on its own.
    None,
    /// Content statistics averaged over time, with this weight of the past in [0, 1).
    Stats { smoothing: f32 },
    /// As `Stats`, and each result blended with the previous one carried along the input's motion,
    /// keeping `weight` of it where the motion is trusted ([`super::coherence`]).
    Flow { smoothing: f32, weight: f32 },
}

impl Temporal {
    /// The default: flow blending over smoothed statistics.
    pub const DEFAULT: Temporal = Temporal::Flow {
        smoothing: super::temporal::DEFAULT_SMOOTHING,
        weight: super::coherence::DEFAULT_FLOW_WEIGHT,
    };

    fn smoothing(self) -> f32 {
        match self {
            Temporal::None => 0.0,
            Temporal::Stats { smoothing } | Temporal::Flow { smoothing, .. } => smoothing,
        }
    }

    fn flow_weight(self) -> f32 {
        match self {
            Temporal::Flow { weight, .. } => weight,
            _ => 0.0,
        }
    }
}

/// How frames are stylized over time.
#[derive(Debug, Clone, Copy)]
pub struct VideoOptions {
    pub temporal: Temporal,
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
    blender: FlowBlender,
    cuts: SceneCuts,
    frames: u64,
}

impl FrameStylizer {
    pub fn new(options: VideoOptions) -> Self {
        Self {
            options,
            smoother: ContentStatsSmoother::new(options.temporal.smoothing()),
            blender: FlowBlender::new(options.temporal.flow_weight()),
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
            self.blender.reset();
        }
        self.frames += 1;
        PreparedFrame {
            image,
            size: frame.dimensions(),
            new_shot,
        }
    }

    /// Encode → AdaIN with the running content statistics → decode → blend with the previous
    /// result along the motion, at the input frame's size.
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
        let out = self.blender.blend(&frame.image, out);
        Ok(resize_exact(&out, frame.size.0, frame.size.1))
    }
}
