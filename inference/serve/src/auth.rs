//! `--api-key-file` / `ADAIN_API_KEY`: the API asks for `Authorization: Bearer <key>`. The page,
//! its files, the OpenAPI document, health and readiness stay open, so a browser can load the page
//! (which asks for the key) and an orchestrator can probe the server. Keys are kept and compared as
//! SHA-256 digests, in constant time, and never logged.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::api::error::ApiError;
use super::AppState;
use crate::Misconfigured;

/// The environment variable that holds a key when no file is given.
pub const KEY_VARIABLE: &str = "ADAIN_API_KEY";
/// Shorter keys are refused: they can be guessed.
const MIN_KEY_LENGTH: usize = 16;
/// Paths anyone may ask for.
const OPEN_PATHS: [&str; 6] = [
    "/",
    "/app.js",
    "/style.css",
    "/healthz",
    "/readyz",
    "/openapi.json",
];

/// The accepted keys (several, one per line of the file, so a key can be rotated without a gap).
pub struct ApiKeys {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys({} key(s), not shown)", self.digests.len())
    }
}

impl ApiKeys {
    /// The keys of `--api-key-file`, else of `ADAIN_API_KEY`; `None` when neither is set.
    pub fn load(file: Option<&Path>) -> Result<Option<Self>> {
        let variable = std::env::var(KEY_VARIABLE)
            .ok()
            .filter(|v| !v.trim().is_empty());
        match (file, variable) {
            (Some(_), Some(_)) => Err(Misconfigured(format!(
                "both --api-key-file and {KEY_VARIABLE} are set: give the key one way"
            ))
            .into()),
            (Some(path), None) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the API key file {}", path.display()))?;
                warn_if_others_can_read(path);
                Self::parse(&text)
                    .with_context(|| format!("{}: expected one key per line", path.display()))
                    .map(Some)
            }
            (None, Some(value)) => Self::parse(&value)
                .with_context(|| format!("{KEY_VARIABLE}: expected a key"))
                .map(Some),
            (None, None) => Ok(None),
        }
    }

    /// One key per non-empty line; surrounding blanks are not part of a key.
    fn parse(text: &str) -> Result<Self> {
        let keys: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if keys.is_empty() {
            bail!("no key found (an empty file?)");
        }
        if let Some(short) = keys.iter().position(|k| k.chars().count() < MIN_KEY_LENGTH) {
            bail!(
                "key {} is shorter than {MIN_KEY_LENGTH} characters; make one with `openssl rand -hex 32`",
                short + 1
            );
        }
        Ok(Self {
            digests: keys.iter().map(|k| digest(k)).collect(),
        })
    }

    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// Whether `presented` is one of the keys. Every key is compared, each byte of each digest,
    /// so the time taken says nothing about how close a guess came.
    pub fn accepts(&self, presented: &str) -> bool {
        let presented = digest(presented);
        let mut found = 0u8;
        for key in &self.digests {
            let difference = key
                .iter()
                .zip(presented.iter())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b));
            found |= u8::from(difference == 0);
        }
        found == 1
    }
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

#[cfg(unix)]
fn warn_if_others_can_read(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o004 != 0 {
            tracing::warn!(
                "{} can be read by every user of this machine (chmod 600 it)",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_others_can_read(_: &Path) {}

/// Lets a request through when its path is open or it carries an accepted key; else 401.
pub async fn require_key(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(keys) = &state.keys else {
        return next.run(request).await;
    };
    if OPEN_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer);
    match presented {
        Some(key) if keys.accepts(key) => next.run(request).await,
        Some(_) => unauthorized(
            "the API key was not accepted",
            r#"Bearer realm="adain", error="invalid_token""#,
        ),
        None => unauthorized(
            "this server requires an API key: send `Authorization: Bearer <key>`",
            r#"Bearer realm="adain""#,
        ),
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn unauthorized(detail: &str, challenge: &'static str) -> Response {
    let mut response =
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_matched_whole_and_each_line_is_one() {
        let keys = ApiKeys::parse("  first-key-0123456789\n\nsecond-key-0123456789  \n").unwrap();
        assert_eq!(keys.len(), 2);
        assert!(keys.accepts("first-key-0123456789"));
        assert!(keys.accepts("second-key-0123456789"));
        assert!(!keys.accepts("first-key-012345678"));
        assert!(!keys.accepts("first-key-0123456789x"));
        assert!(!keys.accepts(""));
    }

    #[test]
    fn empty_and_short_keys_are_refused() {
        assert!(ApiKeys::parse("\n \n").is_err());
        let error = ApiKeys::parse("short").unwrap_err().to_string();
        assert!(error.contains("shorter than 16"), "{error}");
    }

    #[test]
    fn bearer_tokens_are_read_in_any_case_of_the_scheme() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer   abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("Bearer"), None);
    }

    #[test]
    fn debug_never_shows_a_key() {
        let keys = ApiKeys::parse("a-secret-key-0123456789").unwrap();
        assert!(!format!("{keys:?}").contains("secret"));
    }
}
