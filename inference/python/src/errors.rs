//! Library errors as Python exceptions: `adain.AdainError` with the library's message (it names the
//! file or the parameter at fault); a parameter the caller must change is a `ValueError`.

use adain::AdainError as Error;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::PyErr;

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
