//! Every failure as JSON `{"error": kind, "detail": message}` with its HTTP status: clients branch on
//! the kind, people read the detail, `/metrics` counts the kinds.

use adain::{AdainError, ImageProblem};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub detail: String,
    /// Seconds, for 503.
    pub retry_after: Option<u32>,
}

/// The body of every error response.
#[derive(ToSchema)]
#[allow(dead_code)] // read by the OpenAPI document only
pub struct ErrorBody {
    /// Machine-readable kind: bad_request, bad_multipart, bad_image, unsupported_image, bad_stats,
    /// too_large, not_found, conflict, not_acceptable, unauthorized, timeout, busy,
    /// too_many_connections, not_ready, internal
    error: String,
    /// What went wrong, naming the field or file
    detail: String,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", detail)
    }

    pub fn busy(queue: usize) -> Self {
        Self {
            retry_after: Some(1),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                format!("every worker is busy and {queue} requests are waiting; retry shortly"),
            )
        }
    }

    pub fn not_ready() -> Self {
        Self {
            retry_after: Some(2),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "the model is still loading",
            )
        }
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }

    /// A library error about the upload in `field`.
    pub fn from_adain(field: &str, error: AdainError) -> Self {
        let detail = format!("field `{field}`: {error}");
        match &error {
            AdainError::Image { problem, .. } => match problem {
                ImageProblem::TooLarge { .. } => Self::too_large(detail),
                ImageProblem::UnsupportedFormat(_) => Self::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_image",
                    detail,
                ),
                _ => Self::new(StatusCode::BAD_REQUEST, "bad_image", detail),
            },
            AdainError::Stats { .. } | AdainError::Model(_) => {
                Self::new(StatusCode::BAD_REQUEST, "bad_stats", detail)
            }
            AdainError::InvalidParameter(_)
            | AdainError::NeedsStyleImage { .. }
            | AdainError::Mismatch(_) => Self::bad_request(detail),
            _ => Self::internal(detail),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(kind = self.kind, "{}", self.detail);
        } else {
            tracing::debug!(kind = self.kind, "{}", self.detail);
        }
        let mut response = (
            self.status,
            Json(json!({ "error": self.kind, "detail": self.detail })),
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        // The kind travels with the response so the metrics layer can count it.
        response.extensions_mut().insert(ErrorKind(self.kind));
        response
    }
}

/// Attached to error responses for `/metrics`.
#[derive(Clone, Copy)]
pub struct ErrorKind(pub &'static str);
