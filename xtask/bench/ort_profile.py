"""`cargo xtask bench`: where the graphs spend their time, from ONNX Runtime's own profiler.

Runs the encoder (relu4_1 only) and the decoder a few times at one size and prints, as one JSON object,
the mean kernel time per run of each operator type: {"encoder": {"Conv": ms, ...}, "decoder": {...}}.
"""

import argparse
import collections
import json
import os
import tempfile

import numpy as np
import onnxruntime as ort


def profile(path, feeds, outputs, threads, runs, folder):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.enable_profiling = True
    options.profile_file_prefix = os.path.join(folder, os.path.basename(path))
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    session.run(outputs, feeds)  # warm-up, left out below
    for _ in range(runs):
        session.run(outputs, feeds)
    events = json.load(open(session.end_profiling()))
    per_op = collections.defaultdict(float)
    node_events = [e for e in events if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")]
    # The first run's nodes are the warm-up: drop them (same count per run).
    per_run = len(node_events) // (runs + 1)
    for e in node_events[per_run:]:
        per_op[e["args"]["op_name"]] += e["dur"] / 1000.0 / runs
    return dict(sorted(per_op.items(), key=lambda kv: -kv[1]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--encoder", required=True)
    p.add_argument("--decoder", required=True)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    image = rng.random((1, 3, args.size, args.size), dtype=np.float32)
    side = -(-args.size // 8)
    features = rng.random((1, 512, side, side), dtype=np.float32)
    with tempfile.TemporaryDirectory() as folder:
        result = {
            "encoder": profile(args.encoder, {"image": image}, ["relu4_1"], args.threads, args.runs, folder),
            "decoder": profile(args.decoder, {"features": features}, ["image"], args.threads, args.runs, folder),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
