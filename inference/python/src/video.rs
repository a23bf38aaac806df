//! `adain.VideoStylizer`: frames in, stylized frames out, one at a time, carrying what `adain video`
//! carries from frame to frame (smoothed statistics, the previous result along the flow, scene cuts),
//! so a webcam or OpenCV loop gets the command's steady output, bit for bit.

use std::sync::Mutex;

use adain::image_io::prepare;
use adain::ops::normalized_weights;
use adain::video::coherence::DEFAULT_FLOW_WEIGHT;
use adain::video::temporal::{DEFAULT_SCENE_CUT, DEFAULT_SMOOTHING};
use adain::video::{FrameStylizer, Temporal, VideoOptions};
use adain::ReadyStyles;
use adain::{Recipe, Style};
use image::RgbImage;
use numpy::{PyArray3, PyReadonlyArrayDyn};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::arrays::{array_from, images_from};
use crate::errors::{palette_from, to_py};
use crate::stylizer::{Stylizer, DEFAULT_STYLE_SIZE};

/// A video stylized frame by frame, as `adain video` stylizes it.
///
/// `VideoStylizer(style=None, style_stats=None, stylizer=None, alpha=1.0, weights=None,
/// preserve_color=False, match_style_color=False, content_size=0, style_size=512,
/// temporal="flow", temporal_smoothing=0.9, flow_weight=0.9, scene_cut=0.5)`: the styles and
/// options of `adain video`; `stylizer` the model's sessions (default: `Stylizer()`). `push(frame)`
/// returns the frame's result; `reset()` starts afresh as at a scene cut.
#[pyclass(module = "adain")]
pub struct VideoStylizer {
    stylizer: Py<Stylizer>,
    state: Mutex<State>,
}

struct State {
    frames: FrameStylizer,
    recipe: Recipe,
    styles: ReadyStyles,
    options: VideoOptions,
}

#[pymethods]
impl VideoStylizer {
    #[new]
    #[pyo3(signature = (style=None, style_stats=None, stylizer=None, alpha=1.0, weights=None,
                        palette=None, preserve_color=false, match_style_color=false, content_size=0,
                        style_size=DEFAULT_STYLE_SIZE, temporal="flow",
                        temporal_smoothing=DEFAULT_SMOOTHING, flow_weight=DEFAULT_FLOW_WEIGHT,
                        scene_cut=DEFAULT_SCENE_CUT))]
    #[allow(clippy::too_many_arguments)]
    fn new<'py>(
        py: Python<'py>,
        style: Option<&Bound<'py, PyAny>>,
        style_stats: Option<&Bound<'py, PyAny>>,
        stylizer: Option<Py<Stylizer>>,
        alpha: f32,
        weights: Option<Vec<f32>>,
        palette: Option<&str>,
        preserve_color: bool,
        match_style_color: bool,
        content_size: u32,
        style_size: u32,
        temporal: &str,
        temporal_smoothing: f32,
        flow_weight: f32,
        scene_cut: f32,
    ) -> PyResult<Self> {
        if !(0.0..=1.0).contains(&alpha) {
            return Err(PyValueError::new_err(format!(
                "alpha={alpha} is outside 0..=1 (0 = content only, 1 = full style)"
            )));
        }
        for (value, name) in [
            (temporal_smoothing, "temporal_smoothing"),
            (flow_weight, "flow_weight"),
        ] {
            if !(0.0..1.0).contains(&value) {
                return Err(PyValueError::new_err(format!(
                    "{name}={value} is outside 0 to below 1"
                )));
            }
        }
        let temporal = match temporal {
            "flow" => Temporal::Flow {
                smoothing: temporal_smoothing,
                weight: flow_weight,
            },
            "stats" => Temporal::Stats {
                smoothing: temporal_smoothing,
            },
            "none" => Temporal::None,
            other => {
                return Err(PyValueError::new_err(format!(
                    "temporal={other:?}: expected \"flow\", \"stats\" or \"none\""
                )))
            }
        };
        let palette = palette_from(palette, preserve_color, match_style_color)?;
        let stylizer = match stylizer {
            Some(s) => s,
            None => Py::new(py, Stylizer::default_for(py)?)?,
        };
        let (images, stats) = stylizer.get().styles_from(style, style_stats)?;
        let count = images.len() + stats.len();
        if count == 0 {
            return Err(PyValueError::new_err(
                "no style: pass style= and/or style_stats=",
            ));
        }
        if palette.needs_style_images() && !stats.is_empty() {
            return Err(PyValueError::new_err(format!(
                "the {palette} palette needs style images; style_stats hold statistics only"
            )));
        }
        // As `adain video`: one result per frame, so several styles need weights.
        match (&weights, count) {
            (Some(w), n) => {
                normalized_weights(w, n).map_err(to_py)?;
            }
            (None, 1) => {}
            (None, n) => {
                return Err(PyValueError::new_err(format!(
                    "{n} styles given: a video gets one result, so mix them with weights= (one per style)"
                )))
            }
        }
        let recipe = Recipe {
            alpha,
            weights,
            palette,
            ..Recipe::default()
        };
        let inner = &stylizer.get().inner;
        let styles = py
            .detach(|| -> adain::Result<ReadyStyles> {
                // Images first, then statistics: the order weights refer to.
                let styles: Vec<Style> = images
                    .iter()
                    .map(|image| Style::image(prepare(image, style_size, false)))
                    .chain(stats)
                    .collect();
                let mut s = inner.lock().unwrap_or_else(|p| p.into_inner());
                recipe.ready(&mut s, styles)
            })
            .map_err(to_py)?;
        let options = VideoOptions {
            temporal,
            scene_cut,
            content_size,
        };
        Ok(Self {
            stylizer,
            state: Mutex::new(State {
                frames: FrameStylizer::new(options),
                recipe,
                styles,
                options,
            }),
        })
    }

    /// The next frame's result (uint8 H×W×3 in, the same shape out).
    fn push<'py>(
        &self,
        py: Python<'py>,
        frame: PyReadonlyArrayDyn<'py, u8>,
    ) -> PyResult<Bound<'py, PyArray3<u8>>> {
        let (images, batch) = images_from(&frame, "frame")?;
        if batch {
            return Err(PyValueError::new_err(
                "frame: push one (H, W, 3) frame at a time",
            ));
        }
        let frame = images.into_iter().next().expect("one image");
        let inner = &self.stylizer.get().inner;
        let out = py
            .detach(|| -> adain::Result<RgbImage> {
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let mut stylizer = inner.lock().unwrap_or_else(|p| p.into_inner());
                let State {
                    frames,
                    recipe,
                    styles,
                    ..
                } = &mut *state;
                frames.stylize(&mut stylizer, recipe, styles, &frame)
            })
            .map_err(to_py)?;
        Ok(numpy::IntoPyArray::into_pyarray(array_from(out), py))
    }

    /// Starts afresh, as at a scene cut (the next frame is stylized on its own).
    fn reset(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.frames = FrameStylizer::new(state.options);
    }
}
