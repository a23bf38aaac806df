//! Folding Caffe preprocessing (RGB→BGR, ×255, minus the ImageNet mean) into conv1_1.
//!
//! Exact because reflection padding copies pixel values: padding commutes with a per-channel affine
//! map, so conv(pad(255·P·x − m)) = conv'(pad(x)) with W' = 255·W·P and b' = b − Σ W·m.

use crate::error::{ModelError, Result};
use crate::network::Network;

/// ImageNet channel means in BGR order, as Keras' `preprocess_input(mode="caffe")` subtracts them.
pub const CAFFE_MEAN_BGR: [f32; 3] = [103.939, 116.779, 123.68];

/// Makes the first conv take RGB in [0, 1] instead of Caffe-preprocessed BGR.
pub fn fold_caffe_preprocessing(net: Network) -> Result<Network> {
    let first = net
        .architecture()
        .convs()
        .next()
        .map(|c| (c.in_channels, c.kernel));
    let (in_ch, k) = first.ok_or_else(|| ModelError::Invalid("network has no conv".into()))?;
    if in_ch != 3 {
        return Err(ModelError::Invalid(format!(
            "first conv takes {in_ch} channels, expected 3"
        )));
    }
    let arch = net.architecture().clone();
    let mut params = net.into_params();
    let p = &mut params[0];
    let taps = k * k;
    let out_ch = p.bias.len();
    let mut folded = vec![0f32; p.weight.len()];
    for o in 0..out_ch {
        let mut shift = 0f64;
        for c_bgr in 0..3 {
            let c_rgb = 2 - c_bgr;
            for t in 0..taps {
                let w = p.weight[(o * 3 + c_bgr) * taps + t];
                folded[(o * 3 + c_rgb) * taps + t] = 255.0 * w;
                shift += w as f64 * CAFFE_MEAN_BGR[c_bgr] as f64;
            }
        }
        p.bias[o] = (p.bias[o] as f64 - shift) as f32;
    }
    p.weight = folded;
    Network::new(arch, params)
}
