//! `GET /openapi.json`: the OpenAPI document, generated from the handlers' annotations.

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "adain serve",
        description = "Arbitrary style transfer (AdaIN) over HTTP. Errors are JSON {error, detail}. \
            A server started with an API key answers 401 without `Authorization: Bearer <key>` \
            everywhere but /healthz, /readyz, /openapi.json and the page."
    ),
    modifiers(&BearerKey),
    security((), ("api_key" = [])),
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

/// The optional API key as a bearer scheme.
struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "api_key",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        ApiDoc::openapi().to_pretty_json().unwrap_or_default(),
    )
}
