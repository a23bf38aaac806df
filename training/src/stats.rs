//! Channel statistics and AdaIN in tch, following `adain_models::convention` (the inference crate does
//! the same in ndarray; an end-to-end test compares the two).

use adain_models::convention::STATS_EPS;
use tch::{Kind, Tensor};

/// Per-channel mean and std over H×W of an [N, C, H, W] tensor: std = sqrt(biased variance + eps).
pub fn channel_stats(x: &Tensor) -> (Tensor, Tensor) {
    let mean = x.mean_dim([2i64, 3].as_slice(), true, Kind::Float);
    let var = (x - &mean)
        .square()
        .mean_dim([2i64, 3].as_slice(), true, Kind::Float);
    (mean, (var + STATS_EPS as f64).sqrt())
}

/// Per-channel (mean, std) of a tensor, as [`channel_stats`] returns them.
pub type MeanStd = (Tensor, Tensor);

/// AdaIN(x, y) = σ(y)·(x − μ(x))/σ(x) + μ(y).
pub fn adain(content: &Tensor, style: &Tensor) -> Tensor {
    adain_to(content, &channel_stats(style))
}

/// AdaIN towards given style statistics (μ(y), σ(y)), so a style's features need not be kept.
pub fn adain_to(content: &Tensor, (style_mean, style_std): &MeanStd) -> Tensor {
    let (cm, cs) = channel_stats(content);
    (content - cm) / cs * style_std + style_mean
}
