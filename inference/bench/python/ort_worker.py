"""`cargo xtask bench`: ONNX Runtime from Python on the package's own graphs (see worker.py).

Sessions are created once with the given intra-op threads; AdaIN runs in numpy between them. With
--openvino PLUGIN they run on OpenVINO's plugin provider instead, in --arithmetic f32 or bf16.
"""

import json

import time

started = time.perf_counter()

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

import worker  # noqa: E402


def extra(p):
    p.add_argument("--encoder", required=True)
    p.add_argument("--decoder", required=True)
    p.add_argument("--openvino", help="OpenVINO's plugin library: run on its CPU device")
    p.add_argument("--arithmetic", default="f32", choices=["f32", "bf16"])


def openvino_device(plugin):
    ort.register_execution_provider_library("openvino", plugin)
    for device in ort.get_ep_devices():
        if device.ep_name == "OpenVINOExecutionProvider" and device.ep_metadata.get("ov_device") == "CPU":
            return device
    raise SystemExit(f"{plugin}: no OpenVINO CPU device")


def session(path, threads, openvino=None, arithmetic="f32"):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if openvino is None:
        return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    config = {"CPU": {"INFERENCE_PRECISION_HINT": arithmetic, "INFERENCE_NUM_THREADS": str(threads),
                      "PERFORMANCE_HINT": "LATENCY"}}
    options.add_provider_for_devices([openvino], {"load_config": json.dumps(config)})
    return ort.InferenceSession(path, options)


def stats(features):
    mean = features.mean(axis=(2, 3), keepdims=True, dtype=np.float64)
    std = np.sqrt(features.var(axis=(2, 3), keepdims=True, dtype=np.float64) + worker.EPS)
    return mean.astype(np.float32), std.astype(np.float32)


def main():
    args = worker.arguments(extra)
    device = openvino_device(args.openvino) if args.openvino else None
    encoder = session(args.encoder, args.threads, device, args.arithmetic)
    decoder = session(args.decoder, args.threads, device, args.arithmetic)
    content = worker.load_rgb(args.content, args.size)
    style = worker.load_rgb(args.style, args.size)
    encode = lambda image: encoder.run(["relu4_1"], {"image": worker.planar(image)})[0]  # noqa: E731
    run = worker.pipeline(
        content,
        style,
        args.size,
        encode,
        stats,
        decode=lambda target: decoder.run(["image"], {"features": target})[0],
        cast_target=lambda target: target.astype(np.float32),
    )

    worker.serve(args, run, started)


if __name__ == "__main__":
    main()
