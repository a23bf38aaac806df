//! `POST /v1/stylize`: one content image and one or more styles → the stylized image.

use std::sync::Arc;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use utoipa::ToSchema;

use super::error::{ApiError, ErrorBody};
use super::refused;
use crate::form::{read_stylize, OutputFormat, StyleInput};
use crate::job::{self, Style, StylizeJob};
use crate::AppState;

/// The multipart form of `/v1/stylize`. Styles (`style`, `style_stats`, `style_id`) may be repeated
/// and mixed; their order is the order of `weights`.
#[derive(ToSchema)]
#[allow(dead_code)] // the OpenAPI document's description of the form
pub struct StylizeForm {
    /// The photo to stylize (PNG, JPEG, BMP, TIFF, WebP); the result has its size
    #[schema(value_type = String, format = Binary)]
    content: Vec<u8>,
    /// A style image (repeatable)
    #[schema(value_type = Option<String>, format = Binary)]
    style: Option<Vec<u8>>,
    /// A style-statistics file from `adain stats` or `POST /v1/styles` (repeatable)
    #[schema(value_type = Option<String>, format = Binary)]
    style_stats: Option<Vec<u8>>,
    /// The id of a stored or built-in style (repeatable), see `GET /v1/styles`
    style_id: Option<String>,
    /// Style strength in 0..=1 (default 1)
    alpha: Option<f32>,
    /// One weight per style, comma-separated (default: an even mix)
    weights: Option<String>,
    /// Whose colours the result takes: `style` (the default: the style's colour mean and
    /// covariance, in proportion to alpha; statistics files from `adain stats` keep the colours,
    /// older ones leave the model's), `content` (the content's; style images only) or `model` (the
    /// decoder's own)
    palette: Option<String>,
    /// The same as `palette=content`
    preserve_color: Option<bool>,
    /// The same as `palette=style`
    match_style_color: Option<bool>,
    /// Process the content with this shorter side, then resize back (default 0: its own size)
    content_size: Option<u32>,
    /// Shorter side style images are resized to (default 512, 0 keeps their size)
    style_size: Option<u32>,
    /// Centre-crop content and styles to squares
    crop: Option<bool>,
    /// png, jpeg or webp (default: from the Accept header, else png)
    format: Option<String>,
}

/// Stylize a photo.
#[utoipa::path(
    post,
    path = "/v1/stylize",
    request_body(content = StylizeForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The stylized image: image/png, image/jpeg or image/webp (see format)", content_type = "image/png"),
        (status = 400, description = "A field is missing, unknown or invalid; an image or stats file cannot be used", body = ErrorBody),
        (status = 404, description = "An unknown style_id", body = ErrorBody),
        (status = 406, description = "Accept names no type the server writes", body = ErrorBody),
        (status = 413, description = "The body or an image is too large", body = ErrorBody),
        (status = 415, description = "An image format that is not supported", body = ErrorBody),
        (status = 503, description = "Busy (queue full) or still loading; see Retry-After", body = ErrorBody),
    )
)]
pub async fn stylize(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let pool = state.pool.get().ok_or_else(ApiError::not_ready)?;
    let mut form = read_stylize(multipart).await?;
    let format = match (form.format, headers.get(header::ACCEPT)) {
        (Some(format), _) => format,
        (None, None) => OutputFormat::Png,
        (None, Some(accept)) => {
            let accept = accept.to_str().unwrap_or_default();
            OutputFormat::from_accept(accept).ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::NOT_ACCEPTABLE,
                    "not_acceptable",
                    format!("Accept: {accept} names no type this server writes (image/png, image/jpeg, image/webp)"),
                )
            })?
        }
    };
    let mut styles = Vec::with_capacity(form.styles.len());
    for input in std::mem::take(&mut form.styles) {
        styles.push(match input {
            StyleInput::Stored(id) => Style::Stored(state.styles.get(&id).ok_or_else(|| {
                ApiError::not_found(format!(
                    "field `style_id`: no stored style `{id}` (GET /v1/styles lists them)"
                ))
            })?),
            upload => Style::Upload(upload),
        });
    }
    let work = StylizeJob {
        form,
        styles,
        format,
        max_pixels: state.max_pixels,
        encoder_identity: state.encoder_identity.clone(),
    };
    let bytes = pool
        .run(move |stylizer| job::stylize(stylizer, work))
        .await
        .map_err(|r| refused(r, pool.capacity()))??;
    Ok((
        [
            (header::CONTENT_TYPE, format.mime().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"stylized.{}\"", format.extension()),
            ),
        ],
        bytes,
    )
        .into_response())
}
