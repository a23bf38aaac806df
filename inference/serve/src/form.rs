//! The multipart forms of `/v1/stylize` and `/v1/styles`, read into typed requests. Unknown fields,
//! unparsable values and missing parts are refused here, before any work is queued.

use axum::body::Bytes;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::Multipart;
use axum::http::StatusCode;

use super::api::error::ApiError;

/// Styles one request may combine.
pub const MAX_STYLES: usize = 16;

/// An uploaded file.
pub struct Upload {
    pub field: &'static str,
    /// The client's file name (or the field's name): errors name it, its extension hints the format.
    pub name: String,
    pub bytes: Bytes,
}

/// A style as the request gives it.
pub enum StyleInput {
    Image(Upload),
    Stats(Upload),
    Stored(String),
}

/// Output image type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Png,
    Jpeg,
    Webp,
}

impl OutputFormat {
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "png" | "image/png" => Some(Self::Png),
            "jpeg" | "jpg" | "image/jpeg" => Some(Self::Jpeg),
            "webp" | "image/webp" => Some(Self::Webp),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }

    /// The type an `Accept` header asks for: the first supported one listed, PNG for `*/*` or
    /// `image/*`, `None` when it lists none we can write.
    pub fn from_accept(accept: &str) -> Option<Self> {
        for item in accept.split(',') {
            let mime = item.split(';').next().unwrap_or("").trim();
            if let Some(format) = Self::parse(mime) {
                return Some(format);
            }
            if mime == "*/*" || mime == "image/*" {
                return Some(Self::Png);
            }
        }
        None
    }
}

pub struct StylizeForm {
    pub content: Upload,
    pub styles: Vec<StyleInput>,
    pub alpha: f32,
    pub weights: Option<Vec<f32>>,
    /// Whose colours the result takes (`palette`, or the older `preserve_color` /
    /// `match_style_color`).
    pub palette: adain::Palette,
    /// The field that chose it, for messages.
    pub palette_field: &'static str,
    pub content_size: u32,
    pub style_size: u32,
    pub crop: bool,
    pub format: Option<OutputFormat>,
}

pub struct StyleForm {
    pub style: StyleInput,
    pub name: Option<String>,
    pub style_size: u32,
}

/// The CLI's default: styles are encoded with their shorter side at 512 pixels.
pub const DEFAULT_STYLE_SIZE: u32 = 512;
/// Largest `content_size` / `style_size`, as a guard (the pixel limit applies as well).
const MAX_SIDE: u32 = 8192;

pub async fn read_stylize(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<StylizeForm, ApiError> {
    let mut multipart = multipart.map_err(rejection)?;
    let mut content = None;
    let mut styles = Vec::new();
    let (mut alpha, mut weights, mut crop) = (1.0, None, false);
    let (mut palette, mut preserve_color, mut match_style_color) = (None, false, false);
    let (mut content_size, mut style_size, mut format) = (0, DEFAULT_STYLE_SIZE, None);
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "content" => content = Some(upload("content", field).await?),
            "style" => styles.push(StyleInput::Image(upload("style", field).await?)),
            "style_stats" => styles.push(StyleInput::Stats(upload("style_stats", field).await?)),
            "style_id" => styles.push(StyleInput::Stored(text(&name, field).await?)),
            "alpha" => alpha = alpha_value(&text(&name, field).await?)?,
            "weights" => weights = Some(weights_value(&text(&name, field).await?)?),
            "palette" => {
                let value = text(&name, field).await?;
                palette = Some(value.parse::<adain::Palette>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "field `palette`: `{value}` is not one of style, content, model"
                    ))
                })?)
            }
            "preserve_color" => preserve_color = flag(&name, &text(&name, field).await?)?,
            "match_style_color" => match_style_color = flag(&name, &text(&name, field).await?)?,
            "crop" => crop = flag(&name, &text(&name, field).await?)?,
            "content_size" => content_size = side(&name, &text(&name, field).await?)?,
            "style_size" => style_size = side(&name, &text(&name, field).await?)?,
            "format" => {
                let value = text(&name, field).await?;
                format = Some(OutputFormat::parse(&value).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "field `format`: `{value}` is not one of png, jpeg, webp"
                    ))
                })?)
            }
            other => return Err(unknown_field(other, STYLIZE_FIELDS)),
        }
        if styles.len() > MAX_STYLES {
            return Err(ApiError::bad_request(format!(
                "more than {MAX_STYLES} styles in one request"
            )));
        }
    }
    let content =
        content.ok_or_else(|| ApiError::bad_request("field `content` (the photo) is missing"))?;
    if styles.is_empty() {
        return Err(ApiError::bad_request(
            "no style: give a `style` image, a `style_stats` file or a `style_id`",
        ));
    }
    if preserve_color && match_style_color {
        return Err(ApiError::bad_request(
            "`preserve_color` keeps the content's colours and `match_style_color` takes the style's: give one",
        ));
    }
    // The older switches name a palette too; with `palette` they must agree.
    let flagged = adain::Palette::from_flags(preserve_color, match_style_color);
    let (palette, palette_field) = match (palette, flagged) {
        (Some(p), Some(f)) if p != f => {
            return Err(ApiError::bad_request(format!(
                "`palette` is {p} but `{}` asks for the {f} palette: give one",
                if preserve_color {
                    "preserve_color"
                } else {
                    "match_style_color"
                }
            )))
        }
        (Some(p), _) => (p, "palette"),
        (None, Some(f)) if preserve_color => (f, "preserve_color"),
        (None, Some(f)) => (f, "match_style_color"),
        (None, None) => (adain::Palette::default(), "palette"),
    };
    if let Some(weights) = &weights {
        if weights.len() != styles.len() {
            return Err(ApiError::bad_request(format!(
                "field `weights`: {} weights for {} styles",
                weights.len(),
                styles.len()
            )));
        }
    }
    Ok(StylizeForm {
        content,
        styles,
        alpha,
        weights,
        palette,
        palette_field,
        content_size,
        style_size,
        crop,
        format,
    })
}

pub async fn read_style(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<StyleForm, ApiError> {
    let mut multipart = multipart.map_err(rejection)?;
    let (mut style, mut name, mut style_size) = (None, None, DEFAULT_STYLE_SIZE);
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        let field_name = field.name().unwrap_or_default().to_string();
        let input = match field_name.as_str() {
            "style" => StyleInput::Image(upload("style", field).await?),
            "style_stats" => StyleInput::Stats(upload("style_stats", field).await?),
            "name" => {
                name = Some(text(&field_name, field).await?);
                continue;
            }
            "style_size" => {
                style_size = side(&field_name, &text(&field_name, field).await?)?;
                continue;
            }
            other => return Err(unknown_field(other, STYLE_FIELDS)),
        };
        if style.replace(input).is_some() {
            return Err(ApiError::bad_request(
                "one style per upload: give either one `style` image or one `style_stats` file",
            ));
        }
    }
    let style = style.ok_or_else(|| {
        ApiError::bad_request("no style: give a `style` image or a `style_stats` file")
    })?;
    if let Some(n) = &name {
        if n.trim().is_empty() || n.chars().count() > 100 {
            return Err(ApiError::bad_request(
                "field `name`: 1 to 100 characters expected",
            ));
        }
    }
    Ok(StyleForm {
        style,
        name,
        style_size,
    })
}

const STYLIZE_FIELDS: &str = "content, style, style_stats, style_id, alpha, weights, palette, \
                              preserve_color, match_style_color, crop, content_size, style_size, \
                              format";
const STYLE_FIELDS: &str = "style, style_stats, name, style_size";

fn unknown_field(name: &str, known: &str) -> ApiError {
    ApiError::bad_request(format!("unknown field `{name}` (known: {known})"))
}

async fn upload(field_name: &'static str, field: Field<'_>) -> Result<Upload, ApiError> {
    let name = field
        .file_name()
        .filter(|n| !n.is_empty())
        .unwrap_or(field_name)
        .to_string();
    let bytes = field.bytes().await.map_err(broken)?;
    Ok(Upload {
        field: field_name,
        name,
        bytes,
    })
}

async fn text(name: &str, field: Field<'_>) -> Result<String, ApiError> {
    let bytes = field.bytes().await.map_err(broken)?;
    if bytes.len() > 4096 {
        return Err(ApiError::bad_request(format!(
            "field `{name}`: a value of at most 4096 bytes expected"
        )));
    }
    String::from_utf8(bytes.to_vec())
        .map(|s| s.trim().to_string())
        .map_err(|_| ApiError::bad_request(format!("field `{name}`: not UTF-8 text")))
}

fn alpha_value(value: &str) -> Result<f32, ApiError> {
    match value.parse::<f32>() {
        Ok(a) if (0.0..=1.0).contains(&a) => Ok(a),
        _ => Err(ApiError::bad_request(format!(
            "field `alpha`: `{value}` is not a number in 0..=1 (0 = content only, 1 = full style)"
        ))),
    }
}

fn weights_value(value: &str) -> Result<Vec<f32>, ApiError> {
    value
        .split(',')
        .map(|w| match w.trim().parse::<f32>() {
            Ok(w) if w.is_finite() && w >= 0.0 => Ok(w),
            _ => Err(ApiError::bad_request(format!(
                "field `weights`: `{w}` is not a non-negative number (expected e.g. 0.3,0.7)"
            ))),
        })
        .collect()
}

fn flag(name: &str, value: &str) -> Result<bool, ApiError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Ok(true),
        "false" | "0" | "off" | "no" | "" => Ok(false),
        _ => Err(ApiError::bad_request(format!(
            "field `{name}`: `{value}` is not true or false"
        ))),
    }
}

fn side(name: &str, value: &str) -> Result<u32, ApiError> {
    match value.parse::<u32>() {
        Ok(n) if n <= MAX_SIDE => Ok(n),
        _ => Err(ApiError::bad_request(format!(
            "field `{name}`: `{value}` is not a whole number of pixels in 0..={MAX_SIDE} (0 = keep the size)"
        ))),
    }
}

/// A body that is not multipart/form-data at all.
fn rejection(rejection: MultipartRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "bad_multipart",
        format!(
            "expected a multipart/form-data body: {}",
            rejection.body_text()
        ),
    )
}

/// A multipart body that breaks off, is malformed, or exceeds the size limit.
fn broken(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(format!(
            "the request body is too large: {}",
            error.body_text()
        ))
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_multipart",
            format!("malformed multipart body: {}", error.body_text()),
        )
    }
}
