//! `adain._adain`: the Python extension over the adain library. The Python package `adain`
//! (pysrc/adain) re-exports it and tells it where the wheel's bundled ONNX Runtime and model are.

mod arrays;
mod errors;
mod gaussian;
mod stats;
mod stylizer;
mod video;

use pyo3::prelude::*;

/// The package's default model folder, given by `adain/__init__.py` at import.
static DEFAULT_MODEL: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Called once by `adain/__init__.py`: loads the bundled ONNX Runtime library (when the wheel has
/// one; else it is searched for as the `adain` command does), records the bundled model and names
/// the bundled OpenVINO plugin (x86-64 wheels), which `ep="openvino"` then loads first.
#[pyfunction]
#[pyo3(signature = (runtime=None, model=None, openvino=None))]
fn _init(
    runtime: Option<std::path::PathBuf>,
    model: Option<std::path::PathBuf>,
    openvino: Option<std::path::PathBuf>,
) -> PyResult<()> {
    if let Some(library) = runtime {
        adain::Runtime::init_from(&library).map_err(errors::to_py)?;
    }
    if let Some(model) = model {
        let _ = DEFAULT_MODEL.set(model);
    }
    if let Some(plugin) = openvino {
        adain::runtime::ep::openvino::use_bundled_plugin(plugin);
    }
    Ok(())
}

/// The OpenVINO plugin `ep="openvino"` runs on (loading it if needed), or AdainError saying where it
/// was looked for.
#[pyfunction]
fn openvino_plugin() -> PyResult<String> {
    adain::runtime::ep::openvino::register()
        .map(|p| p.display().to_string())
        .map_err(errors::to_py)
}

/// The ONNX Runtime library in use (loading it if needed) and its version.
#[pyfunction]
fn runtime_info() -> PyResult<(String, Option<String>)> {
    let runtime = adain::Runtime::get().map_err(errors::to_py)?;
    Ok((runtime.library().display().to_string(), runtime.version()))
}

#[pymodule]
fn _adain(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("AdainError", m.py().get_type::<errors::AdainError>())?;
    m.add_class::<stylizer::Stylizer>()?;
    m.add_class::<video::VideoStylizer>()?;
    m.add_class::<stats::StyleStats>()?;
    m.add_class::<gaussian::StyleGaussian>()?;
    m.add_function(wrap_pyfunction!(_init, m)?)?;
    m.add_function(wrap_pyfunction!(runtime_info, m)?)?;
    m.add_function(wrap_pyfunction!(openvino_plugin, m)?)?;
    m.add_function(wrap_pyfunction!(arrays::load_image, m)?)?;
    m.add_function(wrap_pyfunction!(arrays::save_image, m)?)?;
    m.add("DEFAULT_MAX_PIXELS", adain::image_io::DEFAULT_MAX_PIXELS)?;
    Ok(())
}

/// The model folder `model`, or the bundled default.
fn model_dir(model: Option<std::path::PathBuf>) -> PyResult<std::path::PathBuf> {
    model
        .or_else(|| DEFAULT_MODEL.get().cloned())
        .ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(
                "no default model in this installation: pass model=<package folder>",
            )
        })
}
