"""Fixtures for the wheel's tests: generated pictures, and the `adain` command to compare with.

ADAIN_BIN names the command (the Rust test that runs pytest passes it); ADAIN_TEST_MODEL a model
package folder (default: the one the wheel carries).
"""

import os
import subprocess

import numpy as np
import pytest

import adain


def picture(height, width, seed):
    """A smooth colourful picture with some texture, different for each seed: the formula of
    adain_test_kit::images::test_image, which the Rust tests and benchmarks use."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    fx, fy = x / width, y / height
    wave = (np.sin(fx * (7 + seed) + fy * 3) * 0.5 + 0.5) * 255
    noise = ((x.astype(np.uint32) * 73856093) ^ (y.astype(np.uint32) * 19349663) ^ (seed * 83492791)) % 64
    rgb = np.stack([fx * 200 + noise, wave, np.minimum((1 - fy) * 180 + seed * 20, 255)], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def model():
    return os.environ.get("ADAIN_TEST_MODEL")


@pytest.fixture(scope="session")
def stylizer(model):
    # fp32 and a fixed thread count: the results must equal the command's bit for bit.
    return adain.Stylizer(model=model, precision="fp32", threads=2)


@pytest.fixture()
def files(tmp_path):
    paths = {}
    for name, (h, w, seed) in {"content": (72, 96, 1), "a": (64, 80, 5), "b": (64, 64, 9)}.items():
        path = tmp_path / f"{name}.png"
        adain.save_image(picture(h, w, seed), path)
        paths[name] = path
    return paths


@pytest.fixture(scope="session")
def cli(model):
    binary = os.environ.get("ADAIN_BIN")
    if not binary:
        pytest.skip(
            "ADAIN_BIN is not set: `cargo test --release -p adain-cli --test python_wheel` runs these tests with it"
        )

    def run(*args):
        command = [binary, *map(str, args), "--precision", "fp32", "--threads", "2"]
        if model:
            command += ["--model", model]
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done

    return run
