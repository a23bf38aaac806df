"""`cargo xtask bench`: ONNX Runtime from Python on the package's own graphs (see worker.py).

Sessions are created once with the given intra-op threads; AdaIN runs in numpy between them.
"""

import time

started = time.perf_counter()

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

import worker  # noqa: E402


def extra(p):
    p.add_argument("--encoder", required=True)
    p.add_argument("--decoder", required=True)


def session(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def stats(features):
    mean = features.mean(axis=(2, 3), keepdims=True, dtype=np.float64)
    std = np.sqrt(features.var(axis=(2, 3), keepdims=True, dtype=np.float64) + worker.EPS)
    return mean.astype(np.float32), std.astype(np.float32)


def main():
    args = worker.arguments(extra)
    encoder, decoder = session(args.encoder, args.threads), session(args.decoder, args.threads)
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
