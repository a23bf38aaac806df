//! The quality gate of reduced-precision variants: the full pipeline (encoder + AdaIN + decoder) in the
//! variant's precision against the all-fp32 pipeline, on content × style pairs, in ONNX Runtime on the
//! CPU. The score is the PSNR of the 8-bit images a user would get.

use std::path::{Path, PathBuf};

use adain::image_io::{from_planar, to_planar};
use adain::ops::adain;
use adain::runtime::{Provider, ProviderRequest, SessionOptions};
use adain::Decoder;
use adain::Encoder;
use adain_models::convention::ADAIN_LAYER;
use adain_models::manifest::Role;
use adain_models::package::Precision;
use image::RgbImage;
use serde::Serialize;

use crate::calibration::load_square;
use crate::error::{Result, TrainError};

/// PSNRs of one pair.
#[derive(Debug, Clone, Serialize)]
pub struct PairScore {
    pub content: PathBuf,
    pub style: PathBuf,
    /// Variant encoder and decoder against fp32.
    pub psnr_db: f64,
    /// Variant encoder, fp32 decoder.
    pub encoder_only_db: f64,
    /// fp32 encoder, variant decoder.
    pub decoder_only_db: f64,
}

/// One variant against fp32.
#[derive(Debug, Clone, Serialize)]
pub struct VariantScore {
    pub precision: String,
    /// Pooled over all pairs' pixels.
    pub psnr_db: f64,
    pub min_psnr_db: f64,
    pub encoder_only_db: f64,
    pub decoder_only_db: f64,
    pub size: u32,
    pub pairs: Vec<PairScore>,
}

/// Loaded pairs and the fp32 pipeline's results on them (computed once for every variant).
pub struct Reference {
    size: u32,
    pairs: Vec<(PathBuf, PathBuf)>,
    images: Vec<(RgbImage, RgbImage)>,
    outputs: Vec<RgbImage>,
}

impl Reference {
    /// Loads `pairs` at `size` and stylizes them with the fp32 graphs of the package in `dir`.
    pub fn new(
        dir: &Path,
        pairs: Vec<(PathBuf, PathBuf)>,
        size: u32,
        threads: usize,
    ) -> Result<Self> {
        let images = pairs
            .iter()
            .map(|(c, s)| Ok((load_square(c, size)?, load_square(s, size)?)))
            .collect::<Result<Vec<_>>>()?;
        let mut pipeline = Pipeline::open(dir, Precision::Fp32, Precision::Fp32, threads)?;
        let bar = crate::progress::bar(images.len(), "fp32 reference");
        let outputs = images.iter().map(|(c, s)| {
            bar.inc(1);
            pipeline.stylize(c, s)
        });
        let outputs = outputs.collect::<Result<Vec<_>>>()?;
        bar.finish_and_clear();
        Ok(Self {
            size,
            pairs,
            images,
            outputs,
        })
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Scores the graphs of `precision` in the package in `dir` (listed in its manifest or not: the
    /// files are found by [`Precision::file_name`]).
    pub fn score(&self, dir: &Path, precision: Precision, threads: usize) -> Result<VariantScore> {
        let mut full = Pipeline::open(dir, precision, precision, threads)?;
        let mut enc_only = Pipeline::open(dir, precision, Precision::Fp32, threads)?;
        let mut dec_only = Pipeline::open(dir, Precision::Fp32, precision, threads)?;
        let bar = crate::progress::bar(self.len(), "validating");
        let mut pairs = Vec::new();
        let mut sums = [0.0f64; 3];
        for (((content, style), (c, s)), reference) in
            self.pairs.iter().zip(&self.images).zip(&self.outputs)
        {
            let mse = [
                full.stylize(c, s)?,
                enc_only.stylize(c, s)?,
                dec_only.stylize(c, s)?,
            ]
            .map(|out| mse(&out, reference));
            for (sum, m) in sums.iter_mut().zip(mse) {
                *sum += m;
            }
            pairs.push(PairScore {
                content: content.clone(),
                style: style.clone(),
                psnr_db: psnr(mse[0]),
                encoder_only_db: psnr(mse[1]),
                decoder_only_db: psnr(mse[2]),
            });
            bar.inc(1);
        }
        bar.finish_and_clear();
        let n = self.len().max(1) as f64;
        Ok(VariantScore {
            precision: precision.as_str().into(),
            psnr_db: psnr(sums[0] / n),
            min_psnr_db: pairs
                .iter()
                .map(|p| p.psnr_db)
                .fold(f64::INFINITY, f64::min),
            encoder_only_db: psnr(sums[1] / n),
            decoder_only_db: psnr(sums[2] / n),
            size: self.size,
            pairs,
        })
    }
}

/// Encoder and decoder sessions of a package, possibly of different precisions.
struct Pipeline {
    encoder: Encoder,
    decoder: Decoder,
}

impl Pipeline {
    fn open(dir: &Path, encoder: Precision, decoder: Precision, threads: usize) -> Result<Self> {
        let options = SessionOptions {
            threads,
            request: ProviderRequest::Only(Provider::Cpu),
            ..SessionOptions::default()
        };
        let path = |p: Precision, role| {
            let path = dir.join(p.file_name(role));
            if path.is_file() {
                Ok(path)
            } else {
                Err(TrainError::Data {
                    path,
                    message: format!("no {p} {role:?} graph to validate"),
                })
            }
        };
        Ok(Self {
            encoder: Encoder::open(&path(encoder, Role::Encoder)?, &options)?,
            decoder: Decoder::open(&path(decoder, Role::Decoder)?, &options)?,
        })
    }

    /// The product's pipeline at α = 1: f(c), statistics of f(s) at relu4_1, AdaIN, g, 8-bit image.
    fn stylize(&mut self, content: &RgbImage, style: &RgbImage) -> Result<RgbImage> {
        let features = self.encoder.content_features(to_planar(content).view())?;
        let stats = self.encoder.feature_statistics(to_planar(style).view())?;
        let target = adain(features.view(), &stats[ADAIN_LAYER])?;
        let out = self.decoder.decode(
            target.view(),
            content.height() as usize,
            content.width() as usize,
        )?;
        Ok(from_planar(out.view()))
    }
}

/// Mean squared error of two 8-bit images, on values scaled to [0, 1].
fn mse(a: &RgbImage, b: &RgbImage) -> f64 {
    let sum: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
        .sum();
    sum / a.as_raw().len() as f64 / (255.0 * 255.0)
}

/// PSNR for a peak of 1; identical images score 100 dB (a finite number JSON can hold).
pub fn psnr(mse: f64) -> f64 {
    if mse <= 1e-10 {
        100.0
    } else {
        -10.0 * mse.log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psnr_of_known_errors() {
        assert_eq!(psnr(0.0), 100.0);
        assert!((psnr(1e-3) - 30.0).abs() < 1e-9);
        let a = RgbImage::from_pixel(4, 4, image::Rgb([10, 10, 10]));
        let b = RgbImage::from_pixel(4, 4, image::Rgb([11, 10, 10]));
        assert!((mse(&a, &b) - 1.0 / 3.0 / 65025.0).abs() < 1e-15);
    }
}
