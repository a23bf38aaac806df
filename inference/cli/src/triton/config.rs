//! `config.pbtxt` files: Triton's model configuration (protobuf text format of `inference.ModelConfig`)
//! for the three graphs and the ensemble chaining them.

use std::fmt::Write as _;

/// One input or output: its name and its dims without the batch dimension (-1 = any size).
#[derive(Clone, Copy)]
pub struct Tensor<'a> {
    pub name: &'a str,
    pub dims: &'a [i64],
}

/// What a served graph's configuration says.
pub struct GraphConfig<'a> {
    pub name: &'a str,
    pub max_batch_size: u32,
    pub inputs: &'a [Tensor<'a>],
    pub outputs: &'a [Tensor<'a>],
    /// TensorRT as the GPU accelerator of the onnxruntime backend, building fp16 engines when asked.
    pub tensorrt: Option<TensorRtPrecision>,
    /// OpenVINO as the CPU accelerator of the onnxruntime backend (its instances on CPUs).
    pub openvino: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorRtPrecision {
    Fp32,
    Fp16,
}

/// One step of an ensemble: a model and how the ensemble's tensors map onto its inputs and outputs.
pub struct Step<'a> {
    pub model: &'a str,
    /// (the model's input, the ensemble tensor feeding it)
    pub inputs: &'a [(&'a str, &'a str)],
    /// (the model's output, the ensemble tensor it becomes)
    pub outputs: &'a [(&'a str, &'a str)],
}

fn tensors(text: &mut String, field: &str, list: &[Tensor<'_>]) {
    let _ = writeln!(text, "{field} [");
    for (i, t) in list.iter().enumerate() {
        let dims: Vec<String> = t.dims.iter().map(i64::to_string).collect();
        let comma = if i + 1 < list.len() { "," } else { "" };
        let _ = writeln!(
            text,
            "  {{\n    name: \"{}\"\n    data_type: TYPE_FP32\n    dims: [ {} ]\n  }}{comma}",
            t.name,
            dims.join(", ")
        );
    }
    text.push_str("]\n");
}

/// A graph served by the onnxruntime backend, with dynamic batching.
pub fn graph(config: &GraphConfig<'_>) -> String {
    let mut text = format!(
        "name: \"{}\"\nbackend: \"onnxruntime\"\nmax_batch_size: {}\n",
        config.name, config.max_batch_size
    );
    tensors(&mut text, "input", config.inputs);
    tensors(&mut text, "output", config.outputs);
    text.push_str("dynamic_batching { }\n");
    let gpu = config.tensorrt.map(|precision| {
        let mode = match precision {
            TensorRtPrecision::Fp32 => "FP32",
            TensorRtPrecision::Fp16 => "FP16",
        };
        format!(
            "    gpu_execution_accelerator: [\n      {{\n        name: \"tensorrt\"\n        parameters {{ key: \"precision_mode\" value: \"{mode}\" }}\n      }}\n    ]\n"
        )
    });
    let cpu = config
        .openvino
        .then(|| "    cpu_execution_accelerator: [\n      {\n        name: \"openvino\"\n      }\n    ]\n".to_string());
    if gpu.is_some() || cpu.is_some() {
        let _ = write!(
            text,
            "optimization {{\n  execution_accelerators {{\n{}{}  }}\n}}\n",
            gpu.unwrap_or_default(),
            cpu.unwrap_or_default()
        );
    }
    text
}

/// An ensemble running `steps` in order.
pub fn ensemble(
    name: &str,
    max_batch_size: u32,
    inputs: &[Tensor<'_>],
    outputs: &[Tensor<'_>],
    steps: &[Step<'_>],
) -> String {
    let mut text =
        format!("name: \"{name}\"\nplatform: \"ensemble\"\nmax_batch_size: {max_batch_size}\n");
    tensors(&mut text, "input", inputs);
    tensors(&mut text, "output", outputs);
    text.push_str("ensemble_scheduling {\n  step [\n");
    for (i, step) in steps.iter().enumerate() {
        let _ = writeln!(
            text,
            "    {{\n      model_name: \"{}\"\n      model_version: -1",
            step.model
        );
        for (key, value) in step.inputs {
            let _ = writeln!(
                text,
                "      input_map {{ key: \"{key}\" value: \"{value}\" }}"
            );
        }
        for (key, value) in step.outputs {
            let _ = writeln!(
                text,
                "      output_map {{ key: \"{key}\" value: \"{value}\" }}"
            );
        }
        let comma = if i + 1 < steps.len() { "," } else { "" };
        let _ = writeln!(text, "    }}{comma}");
    }
    text.push_str("  ]\n}\n");
    text
}
