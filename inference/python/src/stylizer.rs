//! `adain.Stylizer`: a model's sessions, opened once, used from any Python thread. Every call copies
//! its inputs, then releases the interpreter lock while the networks run.

use std::path::PathBuf;
use std::sync::Mutex;

use adain::image_io::prepare;
use adain::runtime::{InferencePrecision, ProviderOptions};
use adain::Stylizer as Inner;
use adain::{
    ModelPackage, PrecisionChoice, Provider, ProviderRequest, Recipe, SessionOptions, Style,
};
use image::RgbImage;
use numpy::{PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::arrays::{images_from, to_python};
use crate::errors::{palette_from, to_py};
use crate::stats::StyleStats;

/// The CLI's default: styles are encoded with their shorter side at 512 pixels.
pub(crate) const DEFAULT_STYLE_SIZE: u32 = 512;

/// Encoder and decoder sessions of a model package.
///
/// `Stylizer(model=None, ep="auto", precision="auto", threads=None)`: `model` is a package folder
/// (default: the one the wheel carries); `ep` is auto, cpu, cuda or tensorrt; `precision` is auto,
/// fp32, fp16 or int8 (auto: int8 on CPUs with exact int8 kernels, else fp32); `threads` per operator
/// (default: all cores).
#[pyclass(frozen, module = "adain")]
pub struct Stylizer {
    pub(crate) inner: Mutex<Inner>,
    encoder_identity: String,
    model: String,
    precision: String,
    providers: (Provider, Provider),
}

#[pymethods]
impl Stylizer {
    #[new]
    #[pyo3(signature = (model=None, ep="auto", precision="auto", threads=None))]
    fn new(
        py: Python<'_>,
        model: Option<PathBuf>,
        ep: &str,
        precision: &str,
        threads: Option<usize>,
    ) -> PyResult<Self> {
        let dir = crate::model_dir(model)?;
        let request = match ep {
            "auto" => ProviderRequest::Auto,
            "cpu" => ProviderRequest::Only(Provider::Cpu),
            "cuda" => ProviderRequest::Only(Provider::Cuda),
            "tensorrt" => ProviderRequest::Only(Provider::TensorRt),
            "openvino" => ProviderRequest::Only(Provider::OpenVino),
            other => {
                return Err(PyValueError::new_err(format!(
                    "ep={other:?}: expected one of auto, cpu, cuda, tensorrt, openvino"
                )))
            }
        };
        // bf16 is OpenVINO's arithmetic on the fp32 graphs, as on the command line.
        let (precision, openvino_precision) = if precision.eq_ignore_ascii_case("bf16") {
            if request != ProviderRequest::Only(Provider::OpenVino) {
                return Err(PyValueError::new_err(
                    "precision=\"bf16\" runs the fp32 graphs in OpenVINO's bfloat16 arithmetic: add ep=\"openvino\"",
                ));
            }
            ("fp32", InferencePrecision::Bf16)
        } else if precision.eq_ignore_ascii_case("auto") {
            (precision, InferencePrecision::Auto)
        } else {
            (precision, InferencePrecision::F32)
        };
        let precision: PrecisionChoice = precision.parse().map_err(to_py)?;
        if threads == Some(0) {
            return Err(PyValueError::new_err("threads must be at least 1"));
        }
        let defaults = SessionOptions::default();
        let options = SessionOptions {
            threads: threads.unwrap_or(defaults.threads),
            request,
            provider_options: ProviderOptions {
                openvino_precision,
                ..defaults.provider_options.clone()
            },
            ..defaults
        };
        py.detach(|| {
            let package = ModelPackage::load(&dir, precision, request)?;
            let inner = Inner::new(&package, &options)?;
            let manifest = package.manifest();
            Ok(Self {
                providers: inner.providers(),
                encoder_identity: package.encoder_identity().to_string(),
                model: format!("{} {}", manifest.name, manifest.version),
                precision: package.precision().to_string(),
                inner: Mutex::new(inner),
            })
        })
        .map_err(to_py)
    }

    /// Stylizes `content` (uint8 H×W×3, or a batch N×H×W×3) and returns the same shape.
    ///
    /// Styles: `style` (an image or a list of images) and/or `style_stats` (a StyleStats or a list);
    /// images first, then statistics, in list order (the order of `weights`). Several styles without
    /// `weights` mix evenly. As the `adain stylize` command: content kept at its size unless
    /// `content_size` (shorter side to process at; the result comes back at the content's size),
    /// styles resized to `style_size` (512) on the shorter side, `crop` takes centre squares.
    #[pyo3(signature = (content, style=None, style_stats=None, alpha=1.0, weights=None,
                        palette=None, preserve_color=false, match_style_color=false,
                        content_size=0, style_size=DEFAULT_STYLE_SIZE, crop=false))]
    #[allow(clippy::too_many_arguments)]
    fn stylize<'py>(
        &self,
        py: Python<'py>,
        content: PyReadonlyArrayDyn<'py, u8>,
        style: Option<&Bound<'py, PyAny>>,
        style_stats: Option<&Bound<'py, PyAny>>,
        alpha: f32,
        weights: Option<Vec<f32>>,
        palette: Option<&str>,
        preserve_color: bool,
        match_style_color: bool,
        content_size: u32,
        style_size: u32,
        crop: bool,
    ) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
        if !(0.0..=1.0).contains(&alpha) {
            return Err(PyValueError::new_err(format!(
                "alpha={alpha} is outside 0..=1 (0 = content only, 1 = full style)"
            )));
        }
        let (contents, batch) = images_from(&content, "content")?;
        let (style_images, stats_files) = self.styles_from(style, style_stats)?;
        if style_images.is_empty() && stats_files.is_empty() {
            return Err(PyValueError::new_err(
                "no style: pass style= and/or style_stats=",
            ));
        }
        let palette = palette_from(palette, preserve_color, match_style_color)?;
        let recipe = Recipe {
            alpha,
            weights,
            palette,
            content_size,
            crop,
            ..Recipe::default()
        };
        let results = py.detach(|| -> adain::Result<Vec<RgbImage>> {
            // Images first, then statistics: the order weights refer to.
            let styles: Vec<Style> = style_images
                .iter()
                .map(|image| Style::image(prepare(image, style_size, crop)))
                .chain(stats_files)
                .collect();
            let mut stylizer = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            let ready = recipe.ready(&mut stylizer, styles)?;
            contents
                .iter()
                .map(|original| recipe.stylize(&mut stylizer, &ready, original))
                .collect()
        });
        let results = results.map_err(|e| match e {
            adain::AdainError::NeedsStyleImage { palette, .. } => PyValueError::new_err(format!(
                "the {palette} palette needs style images; style_stats hold statistics only"
            )),
            other => to_py(other),
        })?;
        to_python(py, results, batch)
    }

    /// Style statistics of one image or the average over several (a list), as `adain stats` computes
    /// them (shorter side at `style_size`, centre square with `crop`).
    #[pyo3(signature = (images, style_size=DEFAULT_STYLE_SIZE, crop=false))]
    fn style_stats<'py>(
        &self,
        py: Python<'py>,
        images: &Bound<'py, PyAny>,
        style_size: u32,
        crop: bool,
    ) -> PyResult<StyleStats> {
        let images = list_of(images, |one| {
            let array: PyReadonlyArrayDyn<'py, u8> = one.extract()?;
            let (images, _) = images_from(&array, "images")?;
            Ok(images)
        })?
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
        if images.is_empty() {
            return Err(PyValueError::new_err("style_stats: no images"));
        }
        let inner = py
            .detach(|| -> adain::Result<_> {
                let mut stylizer = self.inner.lock().unwrap_or_else(|p| p.into_inner());
                let mut all = Vec::with_capacity(images.len());
                for image in &images {
                    let prepared = prepare(image, style_size, crop);
                    let info = [
                        ("style_size".to_string(), style_size.to_string()),
                        ("crop".to_string(), crop.to_string()),
                    ]
                    .into();
                    all.push(stylizer.style_statistics(&prepared, info)?);
                }
                adain::style::average(&all)
            })
            .map_err(to_py)?;
        Ok(StyleStats { inner })
    }

    /// A style drawn from `gaussian` (a StyleGaussian of this model's encoder): `rng` as in
    /// `StyleGaussian.sample`. Pass the result as `style_stats=`.
    #[pyo3(signature = (gaussian, rng=None))]
    fn sample_style(
        &self,
        gaussian: &Bound<'_, crate::gaussian::StyleGaussian>,
        rng: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<StyleStats> {
        let drawn = gaussian
            .call_method1("sample", (rng,))?
            .extract::<PyRef<'_, StyleStats>>()?;
        self.check_encoder(&drawn.inner)?;
        Ok(StyleStats {
            inner: drawn.inner.clone(),
        })
    }

    /// Name and version of the model, the precision of its graphs and the providers in use.
    fn __repr__(&self) -> String {
        format!(
            "Stylizer(model={:?}, precision={}, encoder on {:?}, decoder on {:?})",
            self.model, self.precision, self.providers.0, self.providers.1
        )
    }

    #[getter]
    fn precision(&self) -> &str {
        &self.precision
    }

    #[getter]
    fn encoder_identity(&self) -> &str {
        &self.encoder_identity
    }
}

impl Stylizer {
    /// The `style=` images (one array or a list) and the `style_stats=` statistics (checked against
    /// this model's encoder), as every call that takes styles reads them.
    pub(crate) fn styles_from<'py>(
        &self,
        style: Option<&Bound<'py, PyAny>>,
        style_stats: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Vec<RgbImage>, Vec<Style>)> {
        let images = match style {
            None => Vec::new(),
            Some(any) => list_of(any, |one| {
                let array: PyReadonlyArrayDyn<'py, u8> = one.extract()?;
                let (images, is_batch) = images_from(&array, "style")?;
                if is_batch {
                    return Err(PyValueError::new_err(
                        "style: pass several styles as a list of (H, W, 3) arrays",
                    ));
                }
                Ok(images.into_iter().next().expect("one image"))
            })?,
        };
        let stats = match style_stats {
            None => Vec::new(),
            Some(any) => list_of(any, |one| {
                let stats = one.cast::<StyleStats>()?;
                self.check_encoder(&stats.get().inner)?;
                // Its colours with it, where it keeps them (the style palette's).
                Ok(Style::file(&stats.get().inner))
            })?,
        };
        Ok((images, stats))
    }

    /// `Stylizer()`: the bundled model, every default.
    pub(crate) fn default_for(py: Python<'_>) -> PyResult<Self> {
        Self::new(py, None, "auto", "auto", None)
    }

    pub(crate) fn check_encoder(
        &self,
        stats: &adain_models::stats_file::StyleStats,
    ) -> PyResult<()> {
        if stats.encoder_identity == self.encoder_identity {
            return Ok(());
        }
        Err(crate::errors::AdainError::new_err(format!(
            "these style statistics were computed with encoder {}…, but this model's encoder is {}…: recompute them with this model",
            &stats.encoder_identity.chars().take(12).collect::<String>(),
            &self.encoder_identity.chars().take(12).collect::<String>()
        )))
    }
}

/// `any` as a list of items: a Python list or tuple, or a single item.
pub(crate) fn list_of<'py, T>(
    any: &Bound<'py, PyAny>,
    mut item: impl FnMut(&Bound<'py, PyAny>) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    if let Ok(list) = any.cast::<pyo3::types::PyList>() {
        return list.iter().map(|one| item(&one)).collect();
    }
    if let Ok(tuple) = any.cast::<pyo3::types::PyTuple>() {
        return tuple.iter().map(|one| item(&one)).collect();
    }
    Ok(vec![item(any)?])
}
