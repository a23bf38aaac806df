"""adain.VideoStylizer gives what `adain video` gives, frame for frame and bit for bit at fp32:
steady over a pan (the previous result carried along the flow), afresh after a scene cut."""

import numpy as np
import pytest

import adain
from conftest import picture


def smooth_scene(height, width, seed):
    """Texture at a few scales with no pixel noise, so the flow has something to follow."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    a = np.sin(x * (0.21 + 0.01 * seed) + np.sin(y * 0.05) * 3) * np.cos(y * 0.17)
    b = np.sin(x * 0.07 - y * 0.11 + seed)
    rgb = np.stack([128 + 90 * a, 128 + 60 * b + 30 * a, 100 + 80 * a * b], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def clip():
    """Four frames panning 3 px a frame over one scene, then a cut to three frames of another."""
    first, second = smooth_scene(64, 120, 1), 255 - smooth_scene(64, 120, 4)[::-1]
    return [first[:, 3 * t : 3 * t + 72] for t in range(4)] + [second[:, 2 * t : 2 * t + 72] for t in range(3)]


def test_a_stream_equals_the_cli(stylizer, files, cli, tmp_path):
    frames_dir, out_dir = tmp_path / "frames", tmp_path / "out"
    frames_dir.mkdir()
    frames = clip()
    for k, frame in enumerate(frames):
        adain.save_image(frame, frames_dir / f"{k:03}.png")
    style = adain.load_image(files["a"])
    cli("video", frames_dir, "--style", files["a"], "--alpha", "0.9", "-o", out_dir)
    video = adain.VideoStylizer(style=style, stylizer=stylizer, alpha=0.9)
    results = [video.push(frame) for frame in frames]
    written = sorted(out_dir.iterdir())
    assert len(written) == len(frames)
    for k, (mine, path) in enumerate(zip(results, written)):
        np.testing.assert_array_equal(mine, adain.load_image(path), err_msg=f"frame {k}")

    # The cut starts afresh: the second shot is what a new stream gives it.
    fresh = adain.VideoStylizer(style=style, stylizer=stylizer, alpha=0.9)
    for k, frame in enumerate(frames[4:]):
        np.testing.assert_array_equal(fresh.push(frame), results[4 + k], err_msg=f"shot 2, frame {k}")
    # And blending did something: each frame alone differs.
    alone = adain.VideoStylizer(style=style, stylizer=stylizer, alpha=0.9, temporal="none")
    differ = [not np.array_equal(alone.push(frame), mine) for frame, mine in zip(frames, results)]
    assert not differ[0] and any(differ[1:4]), differ


def test_bad_arguments_raise(stylizer):
    style = picture(32, 32, 2)
    with pytest.raises(ValueError, match="temporal="):
        adain.VideoStylizer(style=style, stylizer=stylizer, temporal="optical")
    with pytest.raises(ValueError, match="flow_weight"):
        adain.VideoStylizer(style=style, stylizer=stylizer, flow_weight=1.0)
    with pytest.raises(ValueError, match="weights="):
        adain.VideoStylizer(style=[style, style], stylizer=stylizer)
    with pytest.raises(ValueError, match="no style"):
        adain.VideoStylizer(stylizer=stylizer)
    video = adain.VideoStylizer(style=style, stylizer=stylizer)
    with pytest.raises(ValueError, match="one"):
        video.push(np.zeros((2, 8, 8, 3), np.uint8))
