//! What a worker does for one request: decode the uploads, get every style's statistics, stylize as
//! `adain stylize` would (same defaults, tiling above 4 MP), encode the result.

use std::path::Path;
use std::sync::Arc;

use adain::adain::{normalized_weights, ChannelStats, ColorMoments, StyleMix};
use adain::image_io::{decode_rgb, encode_rgb, prepare, resize_exact, restore_size};
use adain::stylize::{adain_stats, image_color, match_style_color, preserve_color, Stylizer};
use adain::tiling::{render_auto, DEFAULT_TILE_ABOVE};
use image::{ImageFormat, RgbImage};

use super::api::error::ApiError;
use super::form::{OutputFormat, StyleInput, StylizeForm, Upload};
use super::store::{Origin, StoredStyle};

/// A style whose stored id has been looked up.
pub enum Style {
    Upload(StyleInput),
    Stored(Arc<StoredStyle>),
}

/// A stylize request ready for a worker.
pub struct StylizeJob {
    pub form: StylizeForm,
    pub styles: Vec<Style>,
    pub format: OutputFormat,
    pub max_pixels: u64,
    pub encoder_identity: String,
}

pub fn stylize(stylizer: &mut Stylizer, job: StylizeJob) -> Result<Vec<u8>, ApiError> {
    let form = &job.form;
    let original = decode(&form.content, job.max_pixels)?;
    let content = prepare(&original, form.content_size, form.crop);
    let mut stats = Vec::with_capacity(job.styles.len());
    let mut colors = Vec::new();
    for style in &job.styles {
        stats.push(if form.preserve_color {
            let image = style_image(style, &job, "preserve_color")?;
            let recoloured = preserve_color(&image, &content);
            stylizer
                .adain_style_statistics_planar(recoloured.view())
                .map_err(|e| ApiError::from_adain("style", e))?
        } else if form.match_style_color {
            // The image is decoded once, for its statistics and its colours.
            let image = style_image(style, &job, "match_style_color")?;
            colors.push(image_color(&image));
            match style {
                Style::Stored(stored) => stored.stats.clone(),
                _ => stylizer
                    .adain_style_statistics(&image)
                    .map_err(|e| ApiError::from_adain("style", e))?,
            }
        } else {
            style_stats(stylizer, style, &job)?
        });
    }
    // Several styles without weights: an even mix.
    let even = vec![1.0; stats.len()];
    let weights = normalized_weights(form.weights.as_deref().unwrap_or(&even), stats.len())
        .map_err(|e| ApiError::from_adain("weights", e))?;
    let mix = if stats.len() == 1 {
        StyleMix::One(&stats[0])
    } else {
        StyleMix::Interpolate {
            styles: &stats,
            weights: &weights,
        }
    };
    let mut result = render_auto(stylizer, &content, mix, form.alpha, DEFAULT_TILE_ABOVE)
        .map_err(|e| ApiError::from_adain("content", e))?;
    if form.match_style_color {
        let target = ColorMoments::of_styles(&weights, &colors);
        result = match_style_color(&result, &target, form.alpha);
    }
    // As the CLI: a result processed at content_size comes back at the content's size.
    let result = restore_size(result, original.dimensions(), form.crop);
    encode(&result, job.format)
}

/// Statistics of a stored style, or of an upload (which must come from this model's encoder).
pub fn style_stats(
    stylizer: &mut Stylizer,
    style: &Style,
    job: &StylizeJob,
) -> Result<ChannelStats, ApiError> {
    match style {
        Style::Stored(stored) => Ok(stored.stats.clone()),
        Style::Upload(StyleInput::Stats(upload)) => uploaded_stats(upload, &job.encoder_identity),
        Style::Upload(StyleInput::Image(upload)) => {
            let image = prepare(
                &decode(upload, job.max_pixels)?,
                job.form.style_size,
                job.form.crop,
            );
            stylizer
                .adain_style_statistics(&image)
                .map_err(|e| ApiError::from_adain(upload.field, e))
        }
        Style::Upload(StyleInput::Stored(id)) => Err(ApiError::internal(format!(
            "style id {id} was not looked up"
        ))),
    }
}

/// The style image `option` (preserve_color or match_style_color) takes colours from or to: only
/// styles given as images have one.
fn style_image(style: &Style, job: &StylizeJob, option: &str) -> Result<RgbImage, ApiError> {
    let stats_only = |what: &str| {
        ApiError::bad_request(format!(
            "{option} needs style images, but {what} holds statistics only"
        ))
    };
    match style {
        Style::Upload(StyleInput::Image(upload)) => Ok(prepare(
            &decode(upload, job.max_pixels)?,
            job.form.style_size,
            job.form.crop,
        )),
        Style::Upload(StyleInput::Stats(upload)) => {
            Err(stats_only(&format!("`style_stats` ({})", upload.name)))
        }
        Style::Stored(stored) => match (&stored.image, stored.origin) {
            (Some(image), Origin::Image) => Ok(image.clone()),
            _ => Err(stats_only(&format!("stored style `{}`", stored.id))),
        },
        Style::Upload(StyleInput::Stored(id)) => Err(ApiError::internal(format!(
            "style id {id} was not looked up"
        ))),
    }
}

pub fn decode(upload: &Upload, max_pixels: u64) -> Result<RgbImage, ApiError> {
    decode_rgb(&upload.bytes, &upload.name, max_pixels)
        .map_err(|e| ApiError::from_adain(upload.field, e))
}

pub fn uploaded_stats(upload: &Upload, encoder_identity: &str) -> Result<ChannelStats, ApiError> {
    adain::style::from_bytes_checked(&upload.bytes, Path::new(&upload.name), encoder_identity)
        .map(|stats| adain_stats(&stats))
        .map_err(|e| ApiError::from_adain(upload.field, e))
}

/// The result in the asked format, encoded as `adain stylize` writes files (JPEG at quality 95).
pub fn encode(image: &RgbImage, format: OutputFormat) -> Result<Vec<u8>, ApiError> {
    let image_format = match format {
        OutputFormat::Png => ImageFormat::Png,
        OutputFormat::Jpeg => ImageFormat::Jpeg,
        OutputFormat::Webp => ImageFormat::WebP,
    };
    encode_rgb(
        image,
        image_format,
        format!("result.{}", format.extension()),
    )
    .map_err(|e| ApiError::internal(format!("encoding the result: {e}")))
}

/// What storing a style computes once.
pub struct PreparedStyle {
    pub stats: ChannelStats,
    /// The image as encoded, for colour preservation (image styles).
    pub image: Option<RgbImage>,
    /// A JPEG for the gallery (image styles).
    pub thumbnail: Option<Vec<u8>>,
}

/// A style to store: its statistics computed once, its image kept for colour preservation, a
/// thumbnail for the gallery.
pub fn store_style(
    stylizer: &mut Stylizer,
    input: &StyleInput,
    style_size: u32,
    max_pixels: u64,
    encoder_identity: &str,
) -> Result<PreparedStyle, ApiError> {
    match input {
        StyleInput::Image(upload) => {
            let image = prepare(&decode(upload, max_pixels)?, style_size, false);
            let stats = stylizer
                .adain_style_statistics(&image)
                .map_err(|e| ApiError::from_adain(upload.field, e))?;
            let thumbnail = encode(&thumbnail(&image), OutputFormat::Jpeg)?;
            Ok(PreparedStyle {
                stats,
                image: Some(image),
                thumbnail: Some(thumbnail),
            })
        }
        StyleInput::Stats(upload) => Ok(PreparedStyle {
            stats: uploaded_stats(upload, encoder_identity)?,
            image: None,
            thumbnail: None,
        }),
        StyleInput::Stored(id) => Err(ApiError::bad_request(format!(
            "style `{id}` is stored already"
        ))),
    }
}

/// Gallery thumbnails: 160 pixels high.
fn thumbnail(image: &RgbImage) -> RgbImage {
    const HEIGHT: u32 = 160;
    let width = (u64::from(image.width()) * u64::from(HEIGHT) / u64::from(image.height().max(1)))
        .clamp(1, 640) as u32;
    resize_exact(image, width, HEIGHT)
}
