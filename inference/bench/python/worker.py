"""Shared by the Python workers of `cargo xtask bench` (adain-bench speed): the line protocol, timing and the pipeline.

A worker gets its model and two raw RGB8 images (size x size) on the command line, warms up, prints
{"ready": true}, then answers `full` / `cached` / `quit` on stdin with one JSON object per line, like
src/bin/bench_worker.rs does for the Rust library.
"""

import argparse
import json
import resource
import sys
import time

import numpy as np

EPS = 1e-5  # the project's statistics convention: std = sqrt(biased variance + 1e-5)


def arguments(extra):
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--content", required=True, help="raw RGB8, size x size")
    p.add_argument("--style", required=True, help="raw RGB8, size x size")
    p.add_argument("--save", help="write the warm-up `full` result here (raw RGB8)")
    extra(p)
    return p.parse_args()


def load_rgb(path, size):
    return np.fromfile(path, dtype=np.uint8).reshape(size, size, 3)


def planar(rgb):
    """RGB8 HWC -> float32 [1, 3, H, W] in [0, 1], as the encoder takes it."""
    return np.ascontiguousarray((rgb.astype(np.float32) / 255.0).transpose(2, 0, 1)[None])


def to_rgb8(image, height, width):
    """Decoder output [1, 3, h, w] -> RGB8, cropped, clamped and rounded."""
    y = np.clip(image[0, :, :height, :width], 0.0, 1.0)
    return np.ascontiguousarray((y * 255.0).round().astype(np.uint8).transpose(1, 2, 0))


class Laps:
    def __init__(self):
        self.last = time.perf_counter()
        self.stages = {}

    def lap(self, stage):
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + (now - self.last) * 1e3
        self.last = now


def pipeline(content, style, size, encode, stats, decode, cast_target=lambda target: target):
    """run(cached, laps) -> RGB8 result, the same stages in every worker; only the library calls differ.

    `cached` uses the style statistics taken here once, like the Rust worker's cached mode.
    `cast_target` runs inside the adain lap (ONNX Runtime wants float32 there).
    """
    cached_stats = stats(encode(style))

    def run(cached, t):
        features = encode(content)
        t.lap("content_encode")
        if cached:
            style_mean, style_std = cached_stats
        else:
            style_mean, style_std = stats(encode(style))
            t.lap("style_encode")
        mean, std = stats(features)
        target = cast_target((features - mean) / std * style_std + style_mean)
        t.lap("adain")
        result = to_rgb8(decode(target), size, size)
        t.lap("decode")
        return result

    return run


def serve(args, run, started):
    """run(cached, laps) -> RGB8 result. Warms up, saves, then answers commands."""
    first = run(False, Laps())
    run(True, Laps())
    if args.save:
        first.tofile(args.save)
    print(json.dumps({"ready": True, "setup_ms": (time.perf_counter() - started) * 1e3}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command in ("full", "cached"):
            laps = Laps()
            run(command == "cached", laps)
            print(json.dumps({"mode": command, "stages_ms": laps.stages}), flush=True)
        elif command == "quit":
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
            print(json.dumps({"peak_rss_mib": peak}), flush=True)
            return
        else:
            raise SystemExit(f"unknown command {command!r} (full, cached, quit)")
