//! What a worker does for one request: decode the uploads into a [`Recipe`] and its styles, run it
//! (the library decides every rule, as for `adain stylize` and Python), encode the result.

use std::path::Path;
use std::sync::Arc;

use adain::image_io::{decode_rgb, encode_rgb, prepare, resize_exact};
use adain::ops::{adain_stats, ChannelStats, ColorMoments};
use adain::Stylizer;
use adain::{AdainError, Recipe};
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
    let recipe = Recipe {
        alpha: form.alpha,
        weights: form.weights.clone(),
        palette: form.palette,
        content_size: form.content_size,
        crop: form.crop,
        ..Recipe::default()
    };
    let palette_refused = |position: usize| {
        let what = match &job.styles[position] {
            Style::Upload(StyleInput::Stats(upload)) => format!("`style_stats` ({})", upload.name),
            Style::Stored(stored) => format!("stored style `{}`", stored.id),
            _ => format!("style {}", position + 1),
        };
        ApiError::bad_request(format!(
            "the {} palette (`{}`) needs style images, but {what} holds statistics only",
            form.palette, form.palette_field
        ))
    };
    // The palette's rule before any upload is read: no statistics file could satisfy it.
    if recipe.palette.needs_style_images() {
        if let Some(position) = job.styles.iter().position(|s| !has_image(s)) {
            return Err(palette_refused(position));
        }
    }
    let styles = job
        .styles
        .iter()
        .map(|style| recipe_style(style, &job))
        .collect::<Result<Vec<_>, _>>()?;
    let ready = recipe.ready(stylizer, styles).map_err(|e| match e {
        AdainError::NeedsStyleImage { position, .. } => palette_refused(position),
        AdainError::InvalidParameter(_) => ApiError::from_adain("weights", e),
        _ => ApiError::from_adain("style", e),
    })?;
    let result = recipe
        .stylize(stylizer, &ready, &original)
        .map_err(|e| ApiError::from_adain("content", e))?;
    encode(&result, job.format)
}

/// Whether a style comes with an image (stored styles keep theirs when they were stored from one).
fn has_image(style: &Style) -> bool {
    match style {
        Style::Stored(stored) => stored.image.is_some() && stored.origin == Origin::Image,
        // An id not looked up is an internal error, reported where the style is read.
        Style::Upload(upload) => matches!(upload, StyleInput::Image(_) | StyleInput::Stored(_)),
    }
}

/// A style as the recipe takes it: a stored style's statistics (and its image, if it was stored
/// from one), an uploaded image at the request's style size, or uploaded statistics (which must
/// come from this model's encoder).
fn recipe_style(style: &Style, job: &StylizeJob) -> Result<adain::Style, ApiError> {
    match style {
        Style::Stored(stored) => Ok(match &stored.image {
            Some(image) if has_image(style) => {
                adain::Style::image_with_stats(image.clone(), stored.stats.clone())
            }
            _ => adain::Style::stats(stored.stats.clone()).with_colors(stored.colors),
        }),
        Style::Upload(StyleInput::Image(upload)) => Ok(adain::Style::image(prepare(
            &decode(upload, job.max_pixels)?,
            job.form.style_size,
            job.form.crop,
        ))),
        Style::Upload(StyleInput::Stats(upload)) => {
            let (stats, colors) = uploaded_stats(upload, &job.encoder_identity)?;
            Ok(adain::Style::stats(stats)
                .with_colors(colors)
                .named(format!("`style_stats` ({})", upload.name)))
        }
        Style::Upload(StyleInput::Stored(id)) => Err(ApiError::internal(format!(
            "style id {id} was not looked up"
        ))),
    }
}

pub fn decode(upload: &Upload, max_pixels: u64) -> Result<RgbImage, ApiError> {
    decode_rgb(&upload.bytes, &upload.name, max_pixels)
        .map_err(|e| ApiError::from_adain(upload.field, e))
}

/// An uploaded statistics file: what AdaIN uses, and the style's colours where the file keeps them.
pub fn uploaded_stats(
    upload: &Upload,
    encoder_identity: &str,
) -> Result<(ChannelStats, Option<ColorMoments>), ApiError> {
    adain::style::from_bytes_checked(&upload.bytes, Path::new(&upload.name), encoder_identity)
        .map(|stats| (adain_stats(&stats), stats.color.map(ColorMoments::from)))
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
    /// The image as encoded, for the palettes (image styles).
    pub image: Option<RgbImage>,
    /// The colours an uploaded statistics file keeps (image styles take their image's).
    pub colors: Option<ColorMoments>,
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
                colors: None,
                thumbnail: Some(thumbnail),
            })
        }
        StyleInput::Stats(upload) => {
            let (stats, colors) = uploaded_stats(upload, encoder_identity)?;
            Ok(PreparedStyle {
                stats,
                image: None,
                colors,
                thumbnail: None,
            })
        }
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
