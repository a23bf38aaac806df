//! Stored styles: `POST /v1/styles` computes a style's statistics once, later requests name it by id.

use std::path::Path;
use std::sync::Arc;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::error::{ApiError, ErrorBody};
use super::refused;
use crate::form::{read_style, StyleInput};
use crate::job::{store_style, PreparedStyle};
use crate::store::{content_id, Origin, RemoveError, StoredStyle};
use crate::AppState;

/// The multipart form of `POST /v1/styles`: one style image or one statistics file.
#[derive(ToSchema)]
#[allow(dead_code)] // the OpenAPI document's description of the form
pub struct StyleUpload {
    /// A style image
    #[schema(value_type = Option<String>, format = Binary)]
    style: Option<Vec<u8>>,
    /// Or a style-statistics file from `adain stats`
    #[schema(value_type = Option<String>, format = Binary)]
    style_stats: Option<Vec<u8>>,
    /// A name to list it under (default: the file name)
    name: Option<String>,
    /// Shorter side the image is resized to before encoding (default 512)
    style_size: Option<u32>,
}

/// A stored style.
#[derive(ToSchema)]
#[allow(dead_code)] // the OpenAPI document's description of the answer
pub struct StyleInfo {
    /// Use it as `style_id` in `/v1/stylize`
    id: String,
    name: String,
    /// image or stats (only image styles work with preserve_color)
    origin: String,
    /// Built-in styles are never evicted or deleted
    builtin: bool,
    /// Path of a JPEG thumbnail (image styles)
    thumbnail: Option<String>,
}

fn describe(style: &StoredStyle) -> Value {
    json!({
        "id": style.id,
        "name": style.name,
        "origin": style.origin.as_str(),
        "builtin": style.builtin,
        "thumbnail": style.thumbnail.as_ref().map(|_| format!("/v1/styles/{}/thumbnail", style.id)),
    })
}

/// Store a style: its statistics are computed once and kept in memory.
#[utoipa::path(
    post,
    path = "/v1/styles",
    request_body(content = StyleUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = StyleInfo),
        (status = 400, description = "Not a usable image or stats file", body = ErrorBody),
        (status = 413, description = "Too large", body = ErrorBody),
        (status = 503, description = "Busy or still loading", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<Arc<AppState>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let pool = state.pool.get().ok_or_else(ApiError::not_ready)?;
    let form = read_style(multipart).await?;
    let (upload, origin) = match &form.style {
        StyleInput::Image(u) => (u, Origin::Image),
        StyleInput::Stats(u) => (u, Origin::Stats),
        StyleInput::Stored(_) => return Err(ApiError::internal("a stored id is not an upload")),
    };
    let id = content_id(&upload.bytes, &format!("{}", form.style_size));
    let name = form.name.clone().unwrap_or_else(|| {
        Path::new(&upload.name)
            .file_stem()
            .map_or_else(|| upload.name.clone(), |s| s.to_string_lossy().into_owned())
    });
    let (max_pixels, identity) = (state.max_pixels, state.encoder_identity.clone());
    let style_size = form.style_size;
    let PreparedStyle {
        stats,
        image,
        colors,
        thumbnail,
    } = pool
        .run(move |stylizer| store_style(stylizer, &form.style, style_size, max_pixels, &identity))
        .await
        .map_err(|r| refused(r, pool.capacity()))??;
    let (stored, evicted) = state.styles.insert(StoredStyle {
        id,
        name,
        origin,
        builtin: false,
        stats,
        image,
        colors,
        thumbnail,
    });
    if !evicted.is_empty() {
        tracing::info!("style store full: evicted {}", evicted.join(", "));
    }
    Ok((StatusCode::CREATED, Json(describe(&stored))).into_response())
}

/// Stored and built-in styles.
#[utoipa::path(get, path = "/v1/styles", responses((status = 200, description = "Every style", body = [StyleInfo])))]
pub async fn list(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(Value::Array(
        state.styles.list().iter().map(|s| describe(s)).collect(),
    ))
}

/// Forget a stored style.
#[utoipa::path(
    delete,
    path = "/v1/styles/{id}",
    params(("id" = String, Path, description = "Style id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such style", body = ErrorBody),
        (status = 409, description = "A built-in style", body = ErrorBody),
    )
)]
pub async fn remove(
    State(state): State<Arc<AppState>>,
    UrlPath(id): UrlPath<String>,
) -> Result<StatusCode, ApiError> {
    match state.styles.remove(&id) {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(RemoveError::NotFound) => Err(ApiError::not_found(format!("no stored style `{id}`"))),
        Err(RemoveError::Builtin) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("`{id}` is a built-in style and cannot be deleted"),
        )),
    }
}

/// A style image's thumbnail (JPEG).
#[utoipa::path(
    get,
    path = "/v1/styles/{id}/thumbnail",
    params(("id" = String, Path, description = "Style id")),
    responses(
        (status = 200, description = "JPEG thumbnail", content_type = "image/jpeg"),
        (status = 404, description = "No such style, or one made from statistics", body = ErrorBody),
    )
)]
pub async fn thumbnail(
    State(state): State<Arc<AppState>>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let style = state
        .styles
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("no stored style `{id}`")))?;
    let bytes = style.thumbnail.clone().ok_or_else(|| {
        ApiError::not_found(format!(
            "style `{id}` was made from statistics and has no picture"
        ))
    })?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response())
}
