"""The generated pictures of these tests are the Rust tests' own (adain_test_kit::images::test_image),
so a difference between the Python binding and the command is never a difference of inputs."""

import os
from pathlib import Path

import numpy as np
import pytest

import adain
from conftest import picture

SIZES = [(72, 96, 1), (64, 80, 5), (64, 64, 9)]


def test_the_picture_formula_is_the_rust_kits():
    folder = os.environ.get("ADAIN_KIT_PICTURES")
    if folder is None:
        pytest.skip("ADAIN_KIT_PICTURES unset: inference/cli/tests/python_wheel.rs writes the Rust kit's pictures there")
    for h, w, seed in SIZES:
        theirs = adain.load_image(Path(folder) / f"{w}x{h}-{seed}.png").astype(int)
        ours = picture(h, w, seed).astype(int)
        assert ours.shape == theirs.shape
        # float32 in both languages; sin and a sum may round one level apart on a rare pixel.
        diff = np.abs(ours - theirs)
        assert diff.max() <= 1, (w, h, seed, diff.max())
        assert (diff > 0).mean() < 0.01, (w, h, seed, (diff > 0).mean())
