//! `adain.StyleStats`: style statistics, the same safetensors files `adain stats` writes and
//! `--style-stats` reads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use adain_models::stats_file::StyleStats as Stats;
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::errors::to_py;

/// One layer's (mean, std) as float32 arrays.
type MeanAndStd<'py> = (Bound<'py, PyArray1<f32>>, Bound<'py, PyArray1<f32>>);

/// Per-channel mean and standard deviation of a style's features at each VGG layer (relu1_1 …
/// relu4_1), with the identity of the encoder that computed them.
#[pyclass(frozen, module = "adain")]
pub struct StyleStats {
    pub inner: Stats,
}

#[pymethods]
impl StyleStats {
    /// Reads a statistics file (from `adain stats`, `StyleStats.save` or `/v1/styles`).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py
            .detach(|| Stats::load(&path))
            .map_err(|e| to_py(e.into()))?;
        Ok(Self { inner })
    }

    /// Writes the statistics file (atomically: whole or not at all).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.inner.save(&path))
            .map_err(|e| to_py(e.into()))
    }

    /// `{layer: (mean, std)}` as float32 arrays.
    #[getter]
    fn layers<'py>(&self, py: Python<'py>) -> BTreeMap<String, MeanAndStd<'py>> {
        self.inner
            .layers
            .iter()
            .map(|(name, layer)| {
                (
                    name.clone(),
                    (
                        layer.mean.clone().into_pyarray(py),
                        layer.std.clone().into_pyarray(py),
                    ),
                )
            })
            .collect()
    }

    /// The style's colours, `(mean [3], covariance [3, 3])` of its RGB values in [0, 1] as float64
    /// arrays, which the style palette takes results to; `None` for statistics without them (files
    /// written before they were kept, sampled styles).
    #[getter]
    fn colors<'py>(
        &self,
        py: Python<'py>,
    ) -> Option<(Bound<'py, PyArray1<f64>>, Bound<'py, numpy::PyArray2<f64>>)> {
        self.inner.color.map(|c| {
            let cov = ndarray::Array2::from_shape_fn((3, 3), |(r, k)| c.cov[r][k]);
            (c.mean.to_vec().into_pyarray(py), cov.into_pyarray(py))
        })
    }

    /// Identity (sha256) of the encoder that computed them; a model refuses statistics of another.
    #[getter]
    fn encoder_identity(&self) -> &str {
        &self.inner.encoder_identity
    }

    /// What was recorded with them (sources, sizes, model).
    #[getter]
    fn info(&self) -> BTreeMap<String, String> {
        self.inner.info.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "StyleStats(layers={:?}, encoder={}…)",
            self.inner.layers.keys().collect::<Vec<_>>(),
            self.inner
                .encoder_identity
                .chars()
                .take(12)
                .collect::<String>()
        )
    }
}
