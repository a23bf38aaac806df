//! The HTTP routes, the request limits, the API key and the layer that counts every answer for
//! `/metrics`.

mod docs;
pub mod error;
mod health;
mod styles;
mod stylize;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;

use super::auth::require_key;
use super::guard::guard_request;
use super::pool::Refused;
use super::AppState;
use error::{ApiError, ErrorKind};

pub fn router(state: Arc<AppState>, max_body: usize) -> Router {
    Router::new()
        .route("/", get(super::page::index))
        .route("/app.js", get(super::page::script))
        .route("/style.css", get(super::page::stylesheet))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/openapi.json", get(docs::openapi))
        .route("/v1/stylize", post(stylize::stylize))
        .route("/v1/styles", post(styles::create).get(styles::list))
        .route("/v1/styles/{id}", delete(styles::remove))
        .route("/v1/styles/{id}/thumbnail", get(styles::thumbnail))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        // Outermost last: every answer is counted, 408s and 401s too; the key is checked before
        // any body is read.
        .layer(middleware::from_fn_with_state(state.clone(), require_key))
        .layer(middleware::from_fn_with_state(state.clone(), guard_request))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route {} {}",
        request.method(),
        request.uri().path()
    ))
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
}

/// Times and counts every request by its route pattern (never the raw path: ids would explode the
/// series), status and error kind.
async fn track(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let start = Instant::now();
    let response = next.run(request).await;
    let kind = response.extensions().get::<ErrorKind>().map(|k| k.0);
    state
        .metrics
        .record(&route, response.status().as_u16(), start.elapsed(), kind);
    response
}

/// A job the pool did not run, as an answer.
fn refused(refused: Refused, capacity: usize) -> ApiError {
    match refused {
        Refused::Full => ApiError::busy(capacity),
        Refused::Lost => ApiError::internal("the worker failed while running the request"),
    }
}
