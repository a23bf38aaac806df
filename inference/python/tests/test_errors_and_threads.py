"""Bad inputs raise Python exceptions with the library's message; several Python threads can share a
Stylizer, and the interpreter lock is released while the networks run."""

import threading
import time

import numpy as np
import pytest

import adain
from conftest import picture


def test_bad_arrays_and_parameters_raise(stylizer):
    content, style = picture(32, 32, 1), picture(32, 32, 2)
    with pytest.raises(ValueError, match="no style"):
        stylizer.stylize(content)
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        stylizer.stylize(np.zeros((32, 32, 4), np.uint8), style=style)
    with pytest.raises(ValueError, match="shape"):
        stylizer.stylize(np.zeros((32,), np.uint8), style=style)
    with pytest.raises(TypeError):
        stylizer.stylize(content.astype(np.float32), style=style)
    with pytest.raises(ValueError, match="alpha"):
        stylizer.stylize(content, style=style, alpha=2.0)
    with pytest.raises(ValueError, match="weights"):
        stylizer.stylize(content, style=[style, style], weights=[1.0])
    for kwargs in (dict(preserve_color=True), dict(palette="content")):
        with pytest.raises(ValueError, match="content palette needs style images"):
            stylizer.stylize(content, style_stats=stylizer.style_stats(style), **kwargs)
    with pytest.raises(ValueError, match="pass one"):
        stylizer.stylize(content, style=style, preserve_color=True, match_style_color=True)
    with pytest.raises(ValueError, match="pass one"):
        stylizer.stylize(content, style=style, palette="model", match_style_color=True)
    with pytest.raises(ValueError, match="sepia"):
        stylizer.stylize(content, style=style, palette="sepia")


def test_bad_files_and_options_name_the_problem(tmp_path, model):
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"not an image")
    with pytest.raises(adain.AdainError, match="garbage.png"):
        adain.load_image(garbage)
    with pytest.raises(adain.AdainError, match="garbage.png"):
        adain.StyleStats.load(garbage)
    with pytest.raises(adain.AdainError, match="no-such-model"):
        adain.Stylizer(model=tmp_path / "no-such-model")
    with pytest.raises(ValueError, match="ep="):
        adain.Stylizer(model=model, ep="tpu")
    with pytest.raises(ValueError, match="fp8"):
        adain.Stylizer(model=model, precision="fp8")
    with pytest.raises(adain.AdainError, match=r"\.bmpx"):
        adain.save_image(picture(8, 8, 1), tmp_path / "out.bmpx")
    assert not (tmp_path / "out.bmpx").exists()


def test_threads_share_a_stylizer_and_the_lock_is_released(stylizer):
    style = picture(64, 64, 5)
    contents = [picture(96, 128, seed) for seed in range(4)]
    expected = [stylizer.stylize(c, style=style) for c in contents]
    results = [None] * len(contents)

    def work(i):
        results[i] = stylizer.stylize(contents[i], style=style)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(contents))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)

    # While a large image is stylized, pure-Python work in another thread keeps running.
    ticks = 0
    done = threading.Event()

    def count():
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    started = time.perf_counter()
    stylizer.stylize(picture(384, 512, 3), style=style)
    elapsed = time.perf_counter() - started
    done.set()
    counter.join()
    # Holding the lock would leave the counter only its switch-interval slices before and after.
    assert ticks > 100_000 * elapsed, f"{ticks} ticks in {elapsed:.2f} s"
