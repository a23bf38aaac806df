//! Library errors as Python exceptions: `adain.AdainError` with the library's message (it names the
//! file or the parameter at fault); a parameter the caller must change is a `ValueError`.

use adain::AdainError as Error;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::{PyErr, PyResult};

pyo3::create_exception!(
    adain,
    AdainError,
    PyException,
    "An image, statistics file, model or runtime that adain cannot use; the message says which and why."
);

pub fn to_py(error: Error) -> PyErr {
    match error {
        Error::InvalidParameter(message) => PyValueError::new_err(message),
        needs @ Error::NeedsStyleImage { .. } => PyValueError::new_err(needs.to_string()),
        other => AdainError::new_err(other.to_string()),
    }
}

/// The palette of `palette=` ("style", the default, "content" or "model"), or of the older
/// switches `preserve_color` / `match_style_color`, which must agree with it.
pub fn palette_from(
    palette: Option<&str>,
    preserve_color: bool,
    match_style_color: bool,
) -> PyResult<adain::Palette> {
    if preserve_color && match_style_color {
        return Err(PyValueError::new_err(
            "preserve_color keeps the content's colours and match_style_color takes the style's: pass one",
        ));
    }
    let flagged = adain::Palette::from_flags(preserve_color, match_style_color);
    let named = palette
        .map(|name| {
            name.parse::<adain::Palette>().map_err(|_| {
                PyValueError::new_err(format!(
                    "palette={name:?}: expected \"style\", \"content\" or \"model\""
                ))
            })
        })
        .transpose()?;
    match (named, flagged) {
        (Some(p), Some(f)) if p != f => Err(PyValueError::new_err(format!(
            "palette={:?} disagrees with {}: pass one",
            p.name(),
            if preserve_color {
                "preserve_color"
            } else {
                "match_style_color"
            }
        ))),
        (Some(p), _) | (None, Some(p)) => Ok(p),
        (None, None) => Ok(adain::Palette::default()),
    }
}
