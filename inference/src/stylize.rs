//! The stylization pipeline, in stages that can be run, timed and cached on their own:
//! content encode → style statistics → AdaIN (ndarray) → decode → crop to the content's size → clamp.
//! Images too large to encode whole go through [`crate::tiling`] instead.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use adain_models::stats_file::StyleStats;
use image::RgbImage;
use ndarray::{Array3, ArrayView3};

use crate::decoder::Decoder;
use crate::encoder::Encoder;
use crate::error::Result;
use crate::image_io::{from_planar, to_planar};
use crate::ops::{
    match_color, match_color_to, match_region_colors, target_features_with, ChannelStats,
    ColorMoments, StyleMix,
};
use crate::package::ModelPackage;
use crate::runtime::{Provider, ProviderRequest, SessionOptions};
use crate::style;

/// relu4_1 features of a content image, with the size the result must have.
#[derive(Debug, Clone)]
pub struct ContentFeatures {
    pub features: Array3<f32>,
    pub width: u32,
    pub height: u32,
    /// μ, σ of `features`, computed on first use and then shared by every style and α that meets
    /// this content (so replace the whole value, not `features` alone).
    stats: OnceLock<ChannelStats>,
}

impl ContentFeatures {
    pub fn new(features: Array3<f32>, width: u32, height: u32) -> Self {
        Self {
            features,
            width,
            height,
            stats: OnceLock::new(),
        }
    }

    /// Channel statistics of the features (computed once).
    pub fn stats(&self) -> &ChannelStats {
        self.stats
            .get_or_init(|| ChannelStats::of(self.features.view()))
    }
}

/// Encoder and decoder sessions of one model package.
pub struct Stylizer {
    encoder: Encoder,
    decoder: Decoder,
    encoder_identity: String,
    model: String,
}

impl Stylizer {
    /// Opens both graphs of a checked package.
    pub fn new(package: &ModelPackage, options: &SessionOptions) -> Result<Self> {
        // OpenVINO's `auto` arithmetic follows what the package validates.
        let mut options = options.clone();
        // `auto` follows the package where it chose OpenVINO (no GPU, and the faster path here).
        if options.request == ProviderRequest::Auto && package.provider() == Provider::OpenVino {
            options.request = ProviderRequest::Prefer(Provider::OpenVino);
        }
        options.provider_options.openvino_precision = options
            .provider_options
            .openvino_precision
            .resolve(package.manifest());
        let options = &options;
        // Opening a session is mostly single-threaded (parsing, optimising, packing weights): the two
        // open side by side, which a one-shot command feels.
        let (encoder, decoder) = std::thread::scope(|scope| {
            let decoder = scope.spawn(|| Decoder::open(package.decoder_path(), options));
            let encoder = Encoder::open(package.encoder_path(), options);
            let decoder = decoder
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (encoder, decoder)
        });
        let (encoder, decoder) = (encoder?, decoder?);
        let manifest = package.manifest();
        Ok(Self {
            encoder,
            decoder,
            encoder_identity: package.encoder_identity().to_string(),
            model: format!("{} {}", manifest.name, manifest.version),
        })
    }

    /// Providers the encoder and the decoder run on.
    pub fn providers(&self) -> (Provider, Provider) {
        (self.encoder.provider(), self.decoder.provider())
    }

    /// Identity of the encoder, as stats files must record it.
    pub fn encoder_identity(&self) -> &str {
        &self.encoder_identity
    }

    /// Stage 1: f(c).
    pub fn encode_content(&mut self, content: &RgbImage) -> Result<ContentFeatures> {
        let features = self.encoder.content_features(to_planar(content).view())?;
        Ok(ContentFeatures::new(
            features,
            content.width(),
            content.height(),
        ))
    }

    /// Stage 2: statistics of a style image at all four layers, and its colours. `adain stats` and
    /// `stylize --style`
    /// both come through here, which is what makes a stats file reproduce an image exactly.
    /// `info` is recorded in the result (sources, sizes; see [`style::info_keys`]).
    pub fn style_statistics(
        &mut self,
        style: &RgbImage,
        info: BTreeMap<String, String>,
    ) -> Result<StyleStats> {
        self.style_statistics_planar(to_planar(style).view(), info)
    }

    /// Stage 2 for a style already in planar form (e.g. recoloured by [`preserve_color`]).
    pub fn style_statistics_planar(
        &mut self,
        style: ArrayView3<'_, f32>,
        mut info: BTreeMap<String, String>,
    ) -> Result<StyleStats> {
        let stats = self.encoder.feature_statistics(style)?;
        info.entry(style::info_keys::MODEL.into())
            .or_insert_with(|| self.model.clone());
        let color = ColorMoments::of(style);
        Ok(style::from_features(
            &stats,
            Some(color.into()),
            &self.encoder_identity,
            info,
        ))
    }

    /// Stage 2 for stylizing only: the relu4_1 statistics AdaIN uses, nothing else computed. Equal, bit
    /// for bit, to `adain_stats(&self.style_statistics(style, ..)?)`, so a stats file written by
    /// `adain stats` reproduces a `--style` image exactly.
    pub fn adain_style_statistics(&mut self, style: &RgbImage) -> Result<ChannelStats> {
        self.adain_style_statistics_planar(to_planar(style).view())
    }

    /// [`Self::adain_style_statistics`] for a style already in planar form.
    pub fn adain_style_statistics_planar(
        &mut self,
        style: ArrayView3<'_, f32>,
    ) -> Result<ChannelStats> {
        self.encoder.adain_statistics(style)
    }

    /// Stage 4: g(t), cropped to the content's size, clamped and quantised to RGB8.
    pub fn decode(
        &mut self,
        target: ArrayView3<'_, f32>,
        width: u32,
        height: u32,
    ) -> Result<RgbImage> {
        Ok(from_planar(
            self.decode_planar(target, width, height)?.view(),
        ))
    }

    /// Stage 4 before quantisation: g(t) cropped to `width`×`height`, planar, not clamped.
    pub fn decode_planar(
        &mut self,
        target: ArrayView3<'_, f32>,
        width: u32,
        height: u32,
    ) -> Result<Array3<f32>> {
        self.decoder.decode(target, height as usize, width as usize)
    }

    /// The sessions, for pipelines built from the stages (tiling).
    pub(crate) fn sessions(&mut self) -> (&mut Encoder, &mut Decoder) {
        (&mut self.encoder, &mut self.decoder)
    }

    /// All stages for one content and a mix of styles.
    pub fn stylize(
        &mut self,
        content: &RgbImage,
        mix: StyleMix<'_>,
        alpha: f32,
    ) -> Result<RgbImage> {
        let content = self.encode_content(content)?;
        let target = transfer(&content, mix, alpha)?;
        self.decode(target.view(), content.width, content.height)
    }
}

/// Stage 3: the decoder's input (1 − α)·f(c) + α·AdaIN-mix; pure ndarray, no session. The content's
/// statistics are computed once per [`ContentFeatures`], however many mixes and alphas use them.
pub fn transfer(content: &ContentFeatures, mix: StyleMix<'_>, alpha: f32) -> Result<Array3<f32>> {
    let stats = match mix {
        StyleMix::Regions { .. } => None, // per region: computed over each region
        _ => Some(content.stats()),
    };
    target_features_with(content.features.view(), stats, mix, alpha)
}

/// Colour preservation: the style image recoloured to the content's colour statistics (CORAL),
/// in planar form, ready for [`Stylizer::style_statistics_planar`].
pub fn preserve_color(style: &RgbImage, content: &RgbImage) -> Array3<f32> {
    match_color(to_planar(style).view(), to_planar(content).view())
}

/// The colour distribution (RGB mean and covariance) of an image: a style's, the target of
/// [`match_style_color`].
pub fn image_color(image: &RgbImage) -> ColorMoments {
    ColorMoments::of(to_planar(image).view())
}

/// Style colour matching: a result recoloured towards its style's colour distribution `target`
/// (CORAL), in proportion `strength` (the run's α: at α = 0.5 half way from the decoder's colours),
/// then clamped and quantised. VGG's features barely register hue, so a decoder can miss a style's
/// palette at a small cost in its loss; this puts the palette back, exactly in mean and covariance.
pub fn match_style_color(result: &RgbImage, target: &ColorMoments, strength: f32) -> RgbImage {
    let planar = to_planar(result);
    let mut matched = match_color_to(planar.view(), target);
    if strength < 1.0 {
        let keep = 1.0 - strength.max(0.0);
        matched.zip_mut_with(&planar, |m, &x| *m = x * keep + *m * (1.0 - keep));
    }
    from_planar(matched.view())
}

/// [`match_style_color`] under masks: each region (on the feature grid, as AdaIN used them) taken
/// to its own style's colours `targets[k]`, from the region's own pixels, with soft edges.
pub fn match_region_style_colors(
    result: &RgbImage,
    regions: ndarray::ArrayView2<'_, Option<usize>>,
    targets: &[ColorMoments],
    strength: f32,
) -> RgbImage {
    let planar = to_planar(result);
    from_planar(match_region_colors(planar.view(), regions, targets, strength).view())
}

/// The AdaIN-layer statistics of a [`StyleStats`], for [`StyleMix`].
pub fn adain_stats(stats: &StyleStats) -> ChannelStats {
    ChannelStats::from_layer(stats.adain_layer())
}
