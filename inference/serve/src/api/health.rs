//! Liveness, readiness and the Prometheus metrics.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};

use super::error::ApiError;
use crate::guard::Closed;
use crate::metrics::Gauges;
use crate::AppState;

/// The process answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The server is up")))]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The sessions are open and requests will be served.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "Ready, with the model and the workers"),
    (status = 503, description = "Still loading", body = super::error::ErrorBody),
))]
pub async fn readyz(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    let pool = state.pool.get().ok_or_else(ApiError::not_ready)?;
    Ok(Json(json!({
        "status": "ready",
        "model": state.model,
        "workers": pool.workers(),
        "queue_capacity": pool.capacity(),
    })))
}

/// Counters, latency histograms and gauges in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let pool = state.pool.get();
    let gauges = Gauges {
        queued: pool.map_or(0, |p| p.counts().queued.load(Ordering::SeqCst)),
        busy: pool.map_or(0, |p| p.counts().busy.load(Ordering::SeqCst)),
        workers: pool.map_or(0, |p| p.workers()),
        queue_capacity: pool.map_or(0, |p| p.capacity()),
        styles: state.styles.len(),
        ready: pool.is_some(),
        connections_open: state.connections.open.load(Ordering::SeqCst),
        connections_max: state.limits.max_connections,
        connections_accepted: state.connections.accepted.load(Ordering::Relaxed),
        connections_closed: Closed::ALL
            .iter()
            .map(|&reason| (reason.label(), state.connections.closed(reason)))
            .collect(),
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges),
    )
}
