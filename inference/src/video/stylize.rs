//! The frames of one video through the networks, in order: each frame is encoded, normalised with
//! content statistics averaged over its shot ([`super::temporal`]), decoded at its own size and
//! blended with the previous result along the motion ([`super::coherence`]).

use image::RgbImage;

use super::coherence::FlowBlender;
use super::temporal::{ContentStatsSmoother, SceneCuts};
use crate::error::{AdainError, Result};
use crate::image_io::{prepare, resize_exact};
use crate::ops::{target_features_with, ChannelStats, StyleMix};
use crate::recipe::{Combine, ReadyStyles, Recipe};
use crate::stylize::{match_style_color, Stylizer};

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
    /// The styles' statistics for the current shot (they change per shot only with the content's
    /// palette, which recolours the styles to the shot's first frame).
    shot: Vec<ChannelStats>,
}

impl FrameStylizer {
    pub fn new(options: VideoOptions) -> Self {
        Self {
            options,
            smoother: ContentStatsSmoother::new(options.temporal.smoothing()),
            blender: FlowBlender::new(options.temporal.flow_weight()),
            cuts: SceneCuts::new(options.scene_cut),
            frames: 0,
            shot: Vec::new(),
        }
    }

    /// A recipe a video can follow: one result per frame (several styles need weights), no masks,
    /// no crop.
    pub fn check(recipe: &Recipe, styles: usize) -> Result<()> {
        if recipe.combine != Combine::Mix || recipe.crop {
            return Err(AdainError::InvalidParameter(
                "a video is stylized whole, one result per frame: no masks, no crop".into(),
            ));
        }
        if styles > 1 && recipe.weights.is_none() {
            return Err(AdainError::InvalidParameter(format!(
                "{styles} styles given: a video gets one result per frame, so mix them with weights"
            )));
        }
        Ok(())
    }

    /// The next frame's result with `recipe`'s styles, mix, α and palette (checked with
    /// [`FrameStylizer::check`]; the frame size comes from [`VideoOptions::content_size`]), the same
    /// for every front end: prepared (a scene cut restarts the carried state), the shot's style
    /// statistics, rendered, then recoloured with the style palette. Weights given make a mix even
    /// of one style, as `adain video --weights` always has.
    pub fn stylize(
        &mut self,
        stylizer: &mut Stylizer,
        recipe: &Recipe,
        styles: &ReadyStyles,
        frame: &RgbImage,
    ) -> Result<RgbImage> {
        Self::check(recipe, styles.weights().len())?;
        let prepared = self.prepare(frame);
        if prepared.new_shot || self.shot.is_empty() {
            self.shot = styles.statistics_for(stylizer, recipe, prepared.image(), 0)?;
        }
        let shot = std::mem::take(&mut self.shot);
        let mix = match recipe.weights {
            Some(_) => StyleMix::Interpolate {
                styles: &shot,
                weights: styles.weights(),
            },
            None => StyleMix::One(&shot[0]),
        };
        let rendered = self.render(stylizer, &prepared, mix, recipe.alpha);
        self.shot = shot;
        let image = rendered?;
        Ok(match styles.palette_target(None) {
            Some(target) => match_style_color(&image, &target, recipe.alpha),
            None => image,
        })
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
