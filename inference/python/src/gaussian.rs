//! `adain.StyleGaussian`: a Gaussian over many styles' relu4_1 statistics (`adain stats
//! --fit-gaussian`), to draw new styles from for augmentation.

use std::path::PathBuf;

use adain_models::style_gaussian::{standard_normals, StyleGaussian as Gaussian};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::stats::StyleStats;

/// A normal distribution over (μ, log σ) of the relu4_1 statistics of many styles.
#[pyclass(frozen, module = "adain")]
pub struct StyleGaussian {
    pub inner: Gaussian,
}

#[pymethods]
impl StyleGaussian {
    /// Reads a file from `adain stats --fit-gaussian` or `StyleGaussian.save`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py
            .detach(|| Gaussian::load(&path))
            .map_err(|e| to_py(e.into()))?;
        Ok(Self { inner })
    }

    /// Fits the Gaussian to a list of StyleStats (at least 2, of one encoder).
    #[staticmethod]
    fn fit(styles: Vec<PyRef<'_, StyleStats>>) -> PyResult<Self> {
        let all: Vec<_> = styles.iter().map(|s| s.inner.clone()).collect();
        let inner = Gaussian::fit(&all).map_err(|e| to_py(e.into()))?;
        Ok(Self { inner })
    }

    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.inner.save(&path))
            .map_err(|e| to_py(e.into()))
    }

    /// Draws one style: `rng` is a NumPy Generator (its `standard_normal` is used), an int seed (the
    /// same draws as `adain stylize --style-sample --seed`'s generator), or None for fresh entropy.
    #[pyo3(signature = (rng=None))]
    fn sample(&self, py: Python<'_>, rng: Option<&Bound<'_, PyAny>>) -> PyResult<StyleStats> {
        let n = self.inner.count();
        let z: Vec<f32> = match rng {
            Some(any) if any.extract::<u64>().is_ok() => standard_normals(any.extract::<u64>()?, n),
            Some(generator) => generator
                .call_method1("standard_normal", (n,))?
                .call_method0("tolist")?
                .extract::<Vec<f64>>()?
                .into_iter()
                .map(|v| v as f32)
                .collect(),
            None => {
                let numpy = py.import("numpy.random")?;
                numpy
                    .call_method0("default_rng")?
                    .call_method1("standard_normal", (n,))?
                    .call_method0("tolist")?
                    .extract::<Vec<f64>>()?
                    .into_iter()
                    .map(|v| v as f32)
                    .collect()
            }
        };
        if z.len() != n {
            return Err(PyValueError::new_err(format!(
                "rng.standard_normal({n}) gave {} numbers",
                z.len()
            )));
        }
        let inner = self.inner.sample(&z).map_err(|e| to_py(e.into()))?;
        Ok(StyleStats { inner })
    }

    /// Styles the Gaussian was fitted to.
    #[getter]
    fn count(&self) -> usize {
        self.inner.count()
    }

    #[getter]
    fn encoder_identity(&self) -> &str {
        &self.inner.encoder_identity
    }

    fn __repr__(&self) -> String {
        format!(
            "StyleGaussian(styles={}, channels={})",
            self.inner.count(),
            self.inner.channels
        )
    }
}
