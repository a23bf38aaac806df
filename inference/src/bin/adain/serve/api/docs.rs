//! `GET /openapi.json`: the OpenAPI document, generated from the handlers' annotations.

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "adain serve",
        description = "Arbitrary style transfer (AdaIN) over HTTP. Errors are JSON {error, detail}."
    ),
    paths(
        super::stylize::stylize,
        super::styles::create,
        super::styles::list,
        super::styles::remove,
        super::styles::thumbnail,
        super::health::healthz,
        super::health::readyz,
        super::health::metrics,
    ),
    components(schemas(
        super::error::ErrorBody,
        super::stylize::StylizeForm,
        super::styles::StyleUpload,
        super::styles::StyleInfo
    ))
)]
pub struct ApiDoc;

pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        ApiDoc::openapi().to_pretty_json().unwrap_or_default(),
    )
}
