//! The built-in demo styles: the project's own generated artworks (`cargo xtask art --jpeg`), embedded
//! in the binary so the web page has a gallery and `style_id=swirl` works with no upload.

use anyhow::{anyhow, Result};
use axum::body::Bytes;

use super::form::{StyleInput, Upload};
use super::job::{store_style, PreparedStyle};
use super::pool::WorkerPool;
use super::store::{Origin, StoredStyle};
use super::AppState;

const BUILTIN: [(&str, &[u8]); 4] = [
    ("swirl", include_bytes!("gallery/swirl.jpg")),
    ("mosaic", include_bytes!("gallery/mosaic.jpg")),
    ("mondrian", include_bytes!("gallery/mondrian.jpg")),
    ("kandinsky", include_bytes!("gallery/kandinsky.jpg")),
];

/// Computes the statistics of every built-in style (at the default style size) into the store.
pub fn install(state: &AppState, pool: &WorkerPool) -> Result<()> {
    for (name, bytes) in BUILTIN {
        let input = StyleInput::Image(Upload {
            field: "style",
            name: format!("{name}.jpg"),
            bytes: Bytes::from_static(bytes),
        });
        let (max_pixels, identity) = (state.max_pixels, state.encoder_identity.clone());
        let PreparedStyle {
            stats,
            image,
            colors,
            thumbnail,
        } = pool
            .run_blocking(move |stylizer| {
                store_style(
                    stylizer,
                    &input,
                    super::form::DEFAULT_STYLE_SIZE,
                    max_pixels,
                    &identity,
                )
            })
            .map_err(|_| anyhow!("computing the built-in style {name}: the worker stopped"))?
            .map_err(|e| anyhow!("computing the built-in style {name}: {}", e.detail))?;
        state.styles.insert(StoredStyle {
            id: name.to_string(),
            name: name.to_string(),
            origin: Origin::Image,
            builtin: true,
            stats,
            image,
            colors,
            thumbnail,
        });
    }
    Ok(())
}
