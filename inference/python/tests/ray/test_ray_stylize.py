"""inference/python/examples/ray_stylize.py on a local Ray cluster (2 CPUs): every output exists, has its input's
size and equals the single-process result, whatever the number of actors."""

import sys
from pathlib import Path

import numpy as np

import adain
from conftest import picture

sys.path.insert(0, str(Path(__file__).parents[2] / "examples"))
import ray_stylize  # noqa: E402


def folders(tmp_path, count):
    inputs, styles = tmp_path / "in", tmp_path / "styles"
    inputs.mkdir()
    styles.mkdir()
    for i in range(count):
        adain.save_image(picture(40 + 8 * (i % 3), 56 + 8 * (i % 2), i), inputs / f"img{i}.png")
    for j in range(3):
        adain.save_image(picture(64, 64, 30 + j), styles / f"style{j}.png")
    return inputs, styles


def check(out, inputs, chooser, alpha, seed):
    for path in sorted(inputs.iterdir()):
        result = adain.load_image(out / path.name)
        content = adain.load_image(path)
        assert result.shape == content.shape, path.name
        expected = ray_stylize.stylize_one(chooser, content, path.name, alpha, seed)
        np.testing.assert_array_equal(result, expected, err_msg=path.name)


def test_two_actors_with_style_images_equal_one_process(tmp_path, model):
    inputs, styles = folders(tmp_path, 8)
    out = tmp_path / "out"
    extra = ["--model", model] if model else []
    count, _ = ray_stylize.main(
        [str(inputs), str(out), "--styles", str(styles), "--actors", "2", "--cpus", "2",
         "--batch-size", "2", "--alpha", "0.9", "--seed", "5", *extra]
    )
    assert count == 8
    chooser = ray_stylize.StyleChooser(adain.Stylizer(model=model, threads=1), styles=str(styles))
    check(out, inputs, chooser, 0.9, 5)
    # Random styles per image: more than one of the three was chosen.
    chosen = {int(np.argmax([s is chooser.style_for(ray_stylize.image_seed(5, p.name)) for s in chooser.styles]))
              for p in inputs.iterdir()}
    assert len(chosen) > 1


def test_one_actor_with_a_style_gaussian(tmp_path, model):
    inputs, styles = folders(tmp_path, 4)
    stylizer = adain.Stylizer(model=model, threads=2)
    gaussian = adain.StyleGaussian.fit([stylizer.style_stats(adain.load_image(p)) for p in styles.iterdir()])
    gaussian_file = tmp_path / "styles.gauss.safetensors"
    gaussian.save(gaussian_file)
    out = tmp_path / "out"
    extra = ["--model", model] if model else []
    count, _ = ray_stylize.main(
        [str(inputs), str(out), "--gaussian", str(gaussian_file), "--actors", "1", "--cpus", "2", *extra]
    )
    assert count == 4
    check(out, inputs, ray_stylize.StyleChooser(stylizer, gaussian=str(gaussian_file)), 1.0, 0)
