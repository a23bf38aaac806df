"""Style sampling for augmentation: a Gaussian fitted to many styles, drawn from reproducibly, the same
draws as `adain stylize --style-sample --seed`."""

import numpy as np
import pytest

import adain
from conftest import picture


def test_fit_and_draw_match_the_cli(stylizer, cli, tmp_path, files):
    styles = [picture(64, 64, seed) for seed in range(10, 16)]
    paths = []
    for i, style in enumerate(styles):
        path = tmp_path / f"s{i}.png"
        adain.save_image(style, path)
        paths.append(path)
    gauss_file = tmp_path / "styles.gauss.safetensors"
    cli("stats", "--fit-gaussian", *paths, "-o", gauss_file)
    from_cli = adain.StyleGaussian.load(gauss_file)
    mine = adain.StyleGaussian.fit([stylizer.style_stats(s) for s in styles])
    assert from_cli.count == mine.count == len(styles)
    np.testing.assert_array_equal(
        from_cli.sample(5).layers["relu4_1"][0], mine.sample(5).layers["relu4_1"][0]
    )
    # One content, seed S: the command's draw is the generator's draw for S.
    out = tmp_path / "sampled.png"
    cli("stylize", files["content"], "--style-sample", gauss_file, "--seed", "42", "-o", out)
    drawn = stylizer.sample_style(from_cli, 42)
    result = stylizer.stylize(adain.load_image(files["content"]), style_stats=drawn)
    np.testing.assert_array_equal(result, adain.load_image(out))


def test_draws_are_reproducible_positive_and_varied(stylizer):
    gaussian = adain.StyleGaussian.fit([stylizer.style_stats(picture(48, 48, s)) for s in range(4)])
    a, b = gaussian.sample(np.random.default_rng(1)), gaussian.sample(np.random.default_rng(1))
    np.testing.assert_array_equal(a.layers["relu4_1"][1], b.layers["relu4_1"][1])
    c = gaussian.sample(np.random.default_rng(2))
    assert not np.array_equal(a.layers["relu4_1"][0], c.layers["relu4_1"][0])
    for draw in (a, c, gaussian.sample()):
        mean, std = draw.layers["relu4_1"]
        assert mean.shape == std.shape == (512,)
        assert np.all(std > 0) and np.all(np.isfinite(mean))
    with pytest.raises(adain.AdainError, match="at least 2"):
        adain.StyleGaussian.fit([stylizer.style_stats(picture(48, 48, 1))])
