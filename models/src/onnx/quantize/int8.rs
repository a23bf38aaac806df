//! The int8 graph in QDQ form: every convolution reads DequantizeLinear'd uint8 activations and int8
//! per-channel weights and writes through a QuantizeLinear, the pattern ONNX Runtime fuses into
//! QLinearConv (u8 activations × s8 weights, int32 accumulation: VNNI / AMX kernels on x86).
//!
//! - Weights: symmetric per output channel (axis 0), int8 in [-127, 127], scale = max|w| / 127.
//! - Bias: int32 with scale = input scale × weight scale (zero point 0), as QLinearConv takes it.
//! - Activations: uint8 per tensor, asymmetric over the calibrated range. A conv followed by a ReLU is
//!   quantized over [0, max] with zero point 0, so the QuantizeLinear's saturation *is* the ReLU (no
//!   Relu node is written; the result is identical).
//! - Padding (reflect), max-pooling and nearest upsampling only move values: they run on the uint8
//!   tensors directly and keep their input's scale and zero point, so no float tensor exists between
//!   two int8 convolutions.
//! - Convs listed in [`ActivationRanges::keep_float`] stay f32 (the cheap layers next to the image,
//!   where 3 channels meet 64 and int8 costs the most accuracy for the least time); their input is
//!   dequantized and their output quantized again only where an int8 conv needs it.

use std::collections::HashMap;

use onnx_protobuf::tensor_proto::DataType;

use super::super::walk::{Conv, Emitter};
use super::super::writer::{int, ints, Builder};
use super::super::PadMode;
use super::ranges::ActivationRanges;
use crate::error::{ModelError, Result};

/// Scale and zero point of a uint8 tensor, and the initializers holding them.
#[derive(Debug, Clone)]
struct QParams {
    scale: f32,
    scale_name: String,
    zero_point_name: String,
}

/// What a tensor of the graph holds.
#[derive(Debug, Clone)]
enum Kind {
    Quantized(QParams),
    /// f32, with the calibrated range (by name) to use if it has to be quantized.
    Float {
        range: String,
        nonnegative: bool,
    },
}

/// uint8 scale and zero point covering [lo, hi] (widened to contain 0).
pub fn uint8_params(lo: f32, hi: f32) -> (f32, u8) {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let scale = ((hi - lo) / 255.0).max(1e-12);
    let zero_point = (-lo / scale).round().clamp(0.0, 255.0) as u8;
    (scale, zero_point)
}

/// Per-output-channel symmetric int8 weights: (values, scales).
pub fn quantize_weights(weight: &[f32], out_channels: usize) -> (Vec<i8>, Vec<f32>) {
    let per = weight.len() / out_channels;
    let mut q = Vec::with_capacity(weight.len());
    let mut scales = Vec::with_capacity(out_channels);
    for w in weight.chunks_exact(per) {
        let amax = w.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let s = if amax > 0.0 { amax / 127.0 } else { 1.0 };
        q.extend(w.iter().map(|v| (v / s).round().clamp(-127.0, 127.0) as i8));
        scales.push(s);
    }
    (q, scales)
}

pub(super) struct Int8Emitter<'a> {
    ranges: &'a ActivationRanges,
    kinds: HashMap<String, Kind>,
}

impl<'a> Int8Emitter<'a> {
    pub(super) fn new(ranges: &'a ActivationRanges) -> Self {
        Self {
            ranges,
            kinds: HashMap::new(),
        }
    }

    fn range(&self, tensor: &str) -> Result<(f32, f32)> {
        self.ranges.get(tensor).ok_or_else(|| {
            ModelError::Invalid(format!(
                "no calibrated range for `{tensor}` (ranges of {} {})",
                self.ranges.architecture,
                &self.ranges.measured_on[..self.ranges.measured_on.len().min(12)]
            ))
        })
    }

    fn kind(&self, x: &str) -> Kind {
        self.kinds
            .get(x)
            .cloned()
            .expect("every tensor is registered when written")
    }

    /// QuantizeLinear of an f32 tensor over [lo, hi]; output named `out`.
    fn quantize(&mut self, g: &mut Builder, x: &str, out: &str, lo: f32, hi: f32) -> String {
        let (scale, zero_point) = uint8_params(lo, hi);
        let scale_name = g.initializer_f32(&format!("{out}.scale"), &[], &[scale]);
        let zero_point_name = g.initializer_raw(
            &format!("{out}.zero_point"),
            &[],
            DataType::UINT8,
            vec![zero_point],
        );
        let y = g.node_named(
            "QuantizeLinear",
            &format!("{out}_quantize"),
            &[x, &scale_name, &zero_point_name],
            vec![],
            Some(out.to_string()),
        );
        self.kinds.insert(
            y.clone(),
            Kind::Quantized(QParams {
                scale,
                scale_name,
                zero_point_name,
            }),
        );
        y
    }

    /// `x` as uint8: as is, or quantized over its calibrated range.
    fn ensure_quantized(&mut self, g: &mut Builder, x: &str) -> Result<(String, QParams)> {
        match self.kind(x) {
            Kind::Quantized(p) => Ok((x.to_string(), p)),
            Kind::Float { range, nonnegative } => {
                let (lo, hi) = self.range(&range)?;
                let y = self.quantize(
                    g,
                    x,
                    &format!("{x}_q"),
                    if nonnegative { 0.0 } else { lo },
                    hi,
                );
                let Kind::Quantized(p) = self.kind(&y) else {
                    unreachable!("just quantized")
                };
                Ok((y, p))
            }
        }
    }

    /// `x` as f32: as is, or dequantized (output named `out` when given).
    fn ensure_float(&self, g: &mut Builder, x: &str, node: &str, out: Option<String>) -> String {
        match self.kind(x) {
            Kind::Quantized(p) => g.node_named(
                "DequantizeLinear",
                node,
                &[x, &p.scale_name, &p.zero_point_name],
                vec![],
                out,
            ),
            Kind::Float { .. } => match out {
                Some(out) => g.node_named("Identity", node, &[x], vec![], Some(out)),
                None => x.to_string(),
            },
        }
    }

    /// A value-moving op: the output holds what the input held.
    fn moved(&mut self, x: &str, y: String) -> String {
        let k = self.kind(x);
        self.kinds.insert(y.clone(), k);
        y
    }

    fn pad(&mut self, g: &mut Builder, x: &str, conv: &Conv<'_>) -> String {
        match (conv.reflect_pad, conv.pad_mode) {
            (0, _) => x.to_string(),
            (pad, PadMode::Reflect) => {
                let y = g.reflect_pad(x, pad, conv.name);
                self.moved(x, y)
            }
            (pad, PadMode::SliceConcat) => {
                let y = g.reflect_pad_slices(x, pad, conv.name);
                self.moved(x, y)
            }
        }
    }

    /// The QDQ convolution: uint8 input, int8 per-channel weights, int32 bias, uint8 output.
    fn int8_conv(&mut self, g: &mut Builder, x: &str, conv: &Conv<'_>) -> Result<String> {
        let name = conv.name;
        let (xq, _) = self.ensure_quantized(g, x)?;
        let padded = self.pad(g, &xq, conv);
        let Kind::Quantized(input) = self.kind(&padded) else {
            unreachable!("padding keeps uint8")
        };
        let x_f = self.ensure_float(g, &padded, &format!("{name}_input_dequantize"), None);

        let o = conv.out_channels;
        let (wq, w_scales) = quantize_weights(&conv.params.weight, o);
        let w = g.initializer_raw(
            &format!("{name}.weight_quantized"),
            &[o, conv.in_channels, conv.kernel, conv.kernel],
            DataType::INT8,
            wq.iter().map(|v| *v as u8).collect(),
        );
        let w_scale = g.initializer_f32(&format!("{name}.weight_scale"), &[o], &w_scales);
        let w_zero = g.initializer_raw(
            &format!("{name}.weight_zero_point"),
            &[o],
            DataType::INT8,
            vec![0; o],
        );
        let w_f = g.node(
            "DequantizeLinear",
            &format!("{name}_weight_dequantize"),
            &[&w, &w_scale, &w_zero],
            vec![int("axis", 0)],
        );

        let b_scales: Vec<f32> = w_scales.iter().map(|s| input.scale * s).collect();
        let bq: Vec<i32> = conv
            .params
            .bias
            .iter()
            .zip(&b_scales)
            .map(|(b, s)| {
                (*b as f64 / *s as f64)
                    .round()
                    .clamp(i32::MIN as f64, i32::MAX as f64) as i32
            })
            .collect();
        let b = g.initializer_raw(
            &format!("{name}.bias_quantized"),
            &[o],
            DataType::INT32,
            bq.iter().flat_map(|v| v.to_le_bytes()).collect(),
        );
        let b_scale = g.initializer_f32(&format!("{name}.bias_scale"), &[o], &b_scales);
        let b_zero = g.initializer_raw(
            &format!("{name}.bias_zero_point"),
            &[o],
            DataType::INT32,
            vec![0; 4 * o],
        );
        let b_f = g.node(
            "DequantizeLinear",
            &format!("{name}_bias_dequantize"),
            &[&b, &b_scale, &b_zero],
            vec![int("axis", 0)],
        );

        let k = conv.kernel as i64;
        let y = g.node(
            "Conv",
            name,
            &[&x_f, &w_f, &b_f],
            vec![ints("kernel_shape", &[k, k]), ints("strides", &[1, 1])],
        );
        let (lo, hi) = self.range(name)?;
        // With zero point 0 the QuantizeLinear saturates negatives to 0: it is the ReLU.
        let lo = if conv.relu_follows { 0.0 } else { lo };
        Ok(self.quantize(g, &y, &format!("{name}_q"), lo, hi))
    }

    /// A convolution kept in f32 (cheap, sensitive layers next to the image).
    fn float_conv(&mut self, g: &mut Builder, x: &str, conv: &Conv<'_>) -> Result<String> {
        let name = conv.name;
        let padded = self.pad(g, x, conv);
        let x_f = self.ensure_float(g, &padded, &format!("{name}_input_dequantize"), None);
        let dims = [
            conv.out_channels,
            conv.in_channels,
            conv.kernel,
            conv.kernel,
        ];
        let w = g.initializer_f32(&format!("{name}.weight"), &dims, &conv.params.weight);
        let b = g.initializer_f32(
            &format!("{name}.bias"),
            &[conv.out_channels],
            &conv.params.bias,
        );
        let k = conv.kernel as i64;
        let y = g.node(
            "Conv",
            name,
            &[&x_f, &w, &b],
            vec![ints("kernel_shape", &[k, k]), ints("strides", &[1, 1])],
        );
        self.kinds.insert(
            y.clone(),
            Kind::Float {
                range: name.to_string(),
                nonnegative: false,
            },
        );
        Ok(y)
    }
}

impl Emitter for Int8Emitter<'_> {
    fn begin(&mut self, _g: &mut Builder, input: &str) -> Result<String> {
        self.range(input)?;
        self.kinds.insert(
            input.to_string(),
            Kind::Float {
                range: input.to_string(),
                nonnegative: false,
            },
        );
        Ok(input.to_string())
    }

    fn conv(&mut self, g: &mut Builder, x: &str, conv: &Conv<'_>) -> Result<String> {
        if self.ranges.keep_float.iter().any(|c| c == conv.name) {
            self.float_conv(g, x, conv)
        } else {
            self.int8_conv(g, x, conv)
        }
    }

    fn relu(&mut self, g: &mut Builder, x: &str, conv: &str) -> String {
        match self.kind(x) {
            // The conv's QuantizeLinear has zero point 0: negative values already saturated to 0.
            Kind::Quantized(_) => x.to_string(),
            Kind::Float { range, .. } => {
                let y = g.node("Relu", &format!("{conv}_relu"), &[x], vec![]);
                self.kinds.insert(
                    y.clone(),
                    Kind::Float {
                        range,
                        nonnegative: true,
                    },
                );
                y
            }
        }
    }

    fn max_pool(&mut self, g: &mut Builder, x: &str, name: &str) -> String {
        let y = g.max_pool_2x2(x, name);
        self.moved(x, y)
    }

    fn upsample(&mut self, g: &mut Builder, x: &str, name: &str) -> String {
        let y = g.upsample_nearest_2x(x, name);
        self.moved(x, y)
    }

    fn export(&mut self, g: &mut Builder, x: &str, name: &str) -> Result<String> {
        self.ensure_float(g, x, &format!("{name}_output"), Some(name.to_string()));
        Ok(x.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uint8_params_cover_the_range_and_keep_zero_exact() {
        let (s, z) = uint8_params(0.0, 2.55);
        assert!((s - 0.01).abs() < 1e-7 && z == 0);
        let (s, z) = uint8_params(-1.0, 1.0);
        assert!((s - 2.0 / 255.0).abs() < 1e-7);
        assert!(z == 127 || z == 128, "{z}");
        // A range that excludes 0 is widened to include it.
        let (s, z) = uint8_params(1.0, 2.0);
        assert!((s - 2.0 / 255.0).abs() < 1e-7 && z == 0);
    }

    #[test]
    fn weights_are_symmetric_per_channel() {
        let w = [0.5, -1.0, 0.25, 0.0, 0.0, 0.0, 3.0, -3.0];
        let (q, s) = quantize_weights(&w, 4);
        assert_eq!(q, vec![64, -127, 127, 0, 0, 0, 127, -127]);
        assert_eq!(s, vec![1.0 / 127.0, 0.25 / 127.0, 1.0, 3.0 / 127.0]);
    }
}
