//! Fixtures shared by the end-to-end tests: the real encoder, ONNX Runtime sessions returning every
//! output, test images, and tch ↔ plain-vector conversions (tch and ort use different ndarray majors,
//! so data crosses as `Vec<f32>` + shape). Paths, pictures and the prerequisite rule come from the
//! test kit (adain_test_kit).

use std::path::Path;

use adain::runtime::{open_session, GraphInput, SessionOptions};
use ndarray::ArrayD;
use ort::value::TensorRef;
use rand::{Rng, SeedableRng};

/// A tensor as data + shape.
#[derive(Debug, Clone)]
pub struct Plain {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Plain {
    pub fn to_tch(&self) -> tch::Tensor {
        let dims: Vec<i64> = self.shape.iter().map(|&d| d as i64).collect();
        tch::Tensor::from_slice(&self.data).view(dims.as_slice())
    }

    pub fn from_tch(t: &tch::Tensor) -> Self {
        Self {
            shape: t.size().iter().map(|&d| d as usize).collect(),
            data: adain_training::model::tensor_to_vec(t),
        }
    }

    /// Largest |a − b| relative to the value range of `self`.
    pub fn max_diff_over_range(&self, other: &Plain) -> f32 {
        assert_eq!(self.shape, other.shape, "shapes differ");
        let max = self.data.iter().cloned().fold(f32::MIN, f32::max);
        let min = self.data.iter().cloned().fold(f32::MAX, f32::min);
        let diff = self
            .data
            .iter()
            .zip(&other.data)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        diff / (max - min).max(1e-12)
    }
}

/// Runs a graph in ONNX Runtime (CPU) and returns the named outputs.
pub fn run_ort(graph: &Path, input: &GraphInput, x: &Plain, outputs: &[&str]) -> Vec<Plain> {
    let options = SessionOptions {
        threads: 2,
        ..SessionOptions::default()
    };
    let mut opened = open_session(graph, input, &options).expect("session opens");
    let array = ArrayD::from_shape_vec(x.shape.clone(), x.data.clone()).unwrap();
    let result = opened
        .session
        .run(ort::inputs![input.name => TensorRef::from_array_view(&array).unwrap()])
        .unwrap();
    outputs
        .iter()
        .map(|name| {
            let a = result[*name].try_extract_array::<f32>().unwrap();
            Plain {
                shape: a.shape().to_vec(),
                data: a.iter().copied().collect(),
            }
        })
        .collect()
}

/// Uniform random values in [lo, hi).
pub fn random(shape: &[usize], seed: u64, lo: f32, hi: f32) -> Plain {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let n = shape.iter().product();
    Plain {
        shape: shape.to_vec(),
        data: (0..n).map(|_| rng.random_range(lo..hi)).collect(),
    }
}

/// A real photo from the shared training data resized to w×h, or a synthetic picture when the shared
/// data is absent (announced on stderr).
pub fn photo(w: u32, h: u32) -> Plain {
    // Under CI the photo must be there (the kit's require rule); elsewhere a synthetic
    // picture stands in, and the note says so.
    let img = match adain_test_kit::images::shared_photo("0001.jpg") {
        Some(img) => img,
        None => {
            eprintln!("note: using a synthetic picture instead of a real photo");
            adain_test_kit::images::test_image(64, 64, 1)
        }
    };
    let img = image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
    Plain {
        shape: vec![1, 3, h as usize, w as usize],
        data: adain_models::pixels::rgb8_to_planar(img.as_raw(), w as usize, h as usize),
    }
}
