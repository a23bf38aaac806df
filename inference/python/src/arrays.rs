//! NumPy ↔ images: uint8 arrays H×W×3 (or N×H×W×3) in and out, copied into owned images so the
//! interpreter lock can be released while the networks run.

use std::path::PathBuf;

use image::RgbImage;
use ndarray::{Array3, ArrayView3, Axis};
use numpy::{IntoPyArray, PyArray3, PyArrayDyn, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::to_py;

/// One H×W×3 image or a batch N×H×W×3, as images.
pub fn images_from(
    array: &PyReadonlyArrayDyn<'_, u8>,
    what: &str,
) -> PyResult<(Vec<RgbImage>, bool)> {
    let view = array.as_array();
    match view.ndim() {
        3 => {
            let image = image_from(view.into_dimensionality().expect("3 dims"), what)?;
            Ok((vec![image], false))
        }
        4 => {
            let images = view
                .axis_iter(Axis(0))
                .map(|one| image_from(one.into_dimensionality().expect("3 dims"), what))
                .collect::<PyResult<_>>()?;
            Ok((images, true))
        }
        _ => Err(PyValueError::new_err(format!(
            "{what}: expected a uint8 array of shape (H, W, 3) or (N, H, W, 3), got shape {:?}",
            array.shape()
        ))),
    }
}

pub fn image_from(view: ArrayView3<'_, u8>, what: &str) -> PyResult<RgbImage> {
    let (h, w, c) = view.dim();
    if c != 3 || h == 0 || w == 0 {
        return Err(PyValueError::new_err(format!(
            "{what}: expected shape (H, W, 3) with H, W > 0, got ({h}, {w}, {c})"
        )));
    }
    let pixels: Vec<u8> = view.iter().copied().collect();
    Ok(RgbImage::from_raw(w as u32, h as u32, pixels).expect("H·W·3 bytes"))
}

pub fn array_from(image: RgbImage) -> Array3<u8> {
    let (w, h) = image.dimensions();
    Array3::from_shape_vec((h as usize, w as usize, 3), image.into_raw()).expect("H·W·3 bytes")
}

/// Results as one H×W×3 array, or a batch N×H×W×3 (all results of a batch have one size).
pub fn to_python<'py>(
    py: Python<'py>,
    images: Vec<RgbImage>,
    batch: bool,
) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
    let arrays: Vec<Array3<u8>> = images.into_iter().map(array_from).collect();
    if !batch {
        let one = arrays.into_iter().next().expect("one result");
        return Ok(one.into_dyn().into_pyarray(py));
    }
    let views: Vec<_> = arrays.iter().map(|a| a.view()).collect();
    let stacked = ndarray::stack(Axis(0), &views).map_err(|e| {
        PyValueError::new_err(format!(
            "results of different sizes cannot form a batch: {e}"
        ))
    })?;
    Ok(stacked.into_dyn().into_pyarray(py))
}

/// `adain.load_image(path, max_pixels=DEFAULT_MAX_PIXELS)`: an image file as a uint8 array H×W×3,
/// decoded as the `adain` command decodes it (EXIF orientation applied, transparency over white).
#[pyfunction]
#[pyo3(signature = (path, max_pixels=adain::image_io::DEFAULT_MAX_PIXELS))]
pub fn load_image<'py>(
    py: Python<'py>,
    path: PathBuf,
    max_pixels: u64,
) -> PyResult<Bound<'py, PyArray3<u8>>> {
    let image = py
        .detach(|| adain::image_io::load_rgb(&path, max_pixels))
        .map_err(to_py)?;
    Ok(array_from(image).into_pyarray(py))
}

/// `adain.save_image(array, path)`: writes a uint8 H×W×3 array; the extension picks the format.
/// The file appears whole or not at all.
#[pyfunction]
pub fn save_image(
    py: Python<'_>,
    array: PyReadonlyArrayDyn<'_, u8>,
    path: PathBuf,
) -> PyResult<()> {
    let view = array.as_array();
    if view.ndim() != 3 {
        return Err(PyValueError::new_err(format!(
            "save_image: expected shape (H, W, 3), got {:?}",
            array.shape()
        )));
    }
    let image = image_from(view.into_dimensionality().expect("3 dims"), "save_image")?;
    py.detach(|| adain::image_io::save_rgb(&image, &path))
        .map_err(to_py)
}
