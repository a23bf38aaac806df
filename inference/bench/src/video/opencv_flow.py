"""OpenCV's side of `cargo xtask bench-video` (run in the bench's own venv).

score FRAMES OUT...      warping error of each output folder, measured with OpenCV's DIS flow
                         (medium preset) between consecutive input frames: mean |out_t - warp(out_t-1)|
                         over pixels whose forward and backward flows agree. Prints JSON.
accuracy PAIRS           endpoint error and time of OpenCV's DIS presets on the pairs in PAIRS
                         (from_*.png, to_*.png, truth_*.npy: H x W x 2). Prints JSON.
"""

import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np


def gray(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2GRAY)


def warping_errors(frames, outputs):
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    inputs = sorted(Path(frames).glob("*.png"))
    h, w = gray(inputs[0]).shape
    grid = np.stack(np.meshgrid(np.arange(w), np.arange(h)), axis=-1).astype(np.float32)
    sums = {out: 0.0 for out in outputs}
    floor = 0.0
    for a, b in zip(inputs, inputs[1:]):
        ga, gb = gray(a), gray(b)
        back = dis.calc(gb, ga, None)  # frame t -> t-1
        forth = dis.calc(ga, gb, None)
        at = grid + back
        forth_there = cv2.remap(forth, at[..., 0], at[..., 1], cv2.INTER_LINEAR)
        trip = np.sum((back + forth_there) ** 2, axis=-1)
        ok = trip <= 0.01 * (np.sum(back**2, axis=-1) + np.sum(forth_there**2, axis=-1)) + 0.5
        ok &= (at[..., 0] >= 0) & (at[..., 0] <= w - 1) & (at[..., 1] >= 0) & (at[..., 1] <= h - 1)

        def error(prev, cur):
            warped = cv2.remap(prev.astype(np.float32), at[..., 0], at[..., 1], cv2.INTER_LINEAR)
            return float(np.abs(cur.astype(np.float32) - warped)[ok].mean())

        floor += error(cv2.imread(str(a)), cv2.imread(str(b)))
        for out in outputs:
            prev, cur = (cv2.imread(str(Path(out) / p.name)) for p in (a, b))
            sums[out] += error(prev, cur)
    n = len(inputs) - 1
    return {"floor": floor / n, "outputs": {out: s / n for out, s in sums.items()}}


def accuracy(pairs):
    pairs = Path(pairs)
    names = sorted(p.name[len("from_") : -len(".png")] for p in pairs.glob("from_*.png"))
    presets = {
        "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
        "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
        "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
    }
    cv2.setNumThreads(2)
    result = {}
    for preset, code in presets.items():
        dis = cv2.DISOpticalFlow_create(code)
        errors, times = {}, []
        for name in names:
            a, b = gray(pairs / f"from_{name}.png"), gray(pairs / f"to_{name}.png")
            truth = np.load(pairs / f"truth_{name}.npy")
            dis.calc(a, b, None)  # warm-up
            started = time.perf_counter()
            for _ in range(5):
                flow = dis.calc(a, b, None)
            times.append((time.perf_counter() - started) / 5)
            m = 16
            diff = (flow - truth)[m:-m, m:-m]
            errors[name] = float(np.sqrt(np.sum(diff**2, axis=-1)).mean())
        result[preset] = {"epe": errors, "ms": 1000 * float(np.median(times))}
    return result


if __name__ == "__main__":
    if sys.argv[1] == "score":
        print(json.dumps(warping_errors(sys.argv[2], sys.argv[3:])))
    elif sys.argv[1] == "accuracy":
        print(json.dumps(accuracy(sys.argv[2])))
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
