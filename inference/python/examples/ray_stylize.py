"""Stylize a folder of images with Ray Data, a random style per image (style augmentation).

    python ray_stylize.py photos/ stylized/ --styles paintings/ --actors 2
    python ray_stylize.py photos/ stylized/ --gaussian styles.gauss.safetensors --alpha 0.8

Each actor opens one adain.Stylizer (the sessions load once) and stylizes batches of images. The style
of an image is drawn from a seed made of --seed and the image's file name, so a run gives the same
results whatever the number of actors or machines: with --styles one of the style images (their
statistics computed once per actor), with --gaussian a new style drawn from a Gaussian fitted by
`adain stats --fit-gaussian`. Results are PNG files named after their inputs (<output>/<input stem>.png).

On a multi-node cluster, start Ray on every node (`ray start --head` on one, `ray start
--address=HEAD:6379` on the others), install the adain wheel on each, put the inputs and the outputs
on storage every node reaches (a shared file system, or s3://…), and run the script on the head with
--address auto --actors <total actors>.
"""

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np
import ray

import adain


def image_seed(seed, name):
    """The style seed of one image: from the run's seed and the file name, not from where it runs."""
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


class StyleChooser:
    """The styles of a run, ready in one process: statistics of style images, or a Gaussian."""

    def __init__(self, stylizer, styles=None, gaussian=None):
        self.stylizer = stylizer
        self.gaussian = adain.StyleGaussian.load(gaussian) if gaussian else None
        self.styles = []
        if styles:
            paths = sorted(p for p in Path(styles).iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
            self.styles = [stylizer.style_stats(adain.load_image(p)) for p in paths]
        if not self.styles and self.gaussian is None:
            raise ValueError("give --styles with images in it, or --gaussian")

    def style_for(self, seed):
        if self.gaussian is not None:
            return self.stylizer.sample_style(self.gaussian, seed)
        return self.styles[np.random.default_rng(seed).integers(len(self.styles))]


def stylize_one(chooser, image, name, alpha, seed):
    """One image with its own random style: what every actor does, and the single-process reference."""
    style = chooser.style_for(image_seed(seed, name))
    return chooser.stylizer.stylize(image, style_stats=style, alpha=alpha)


class StylizeActor:
    """A Ray Data actor: one Stylizer, reused for every batch it is given."""

    def __init__(self, styles, gaussian, alpha, seed, threads, model):
        stylizer = adain.Stylizer(model=model, threads=threads)
        self.chooser = StyleChooser(stylizer, styles, gaussian)
        self.alpha, self.seed = alpha, seed

    def __call__(self, batch):
        names = [os.path.basename(p) for p in batch["path"]]
        images = [
            stylize_one(self.chooser, np.asarray(image, dtype=np.uint8), name, self.alpha, self.seed)
            for image, name in zip(batch["image"], names)
        ]
        return {"image": images, "name": [Path(n).stem for n in names]}


class SaveNamedAfterInput:
    """The last stage: each result written as <output>/<input name>.png, atomically.

    Ray Data's `write_images` names files after its write tasks (uuid_block_row), which loses the link
    to the inputs; this light stage keeps it. For object storage (s3://…), replace it with
    `.write_images(output, column="image")` and keep the "name" column in a manifest.
    """

    def __init__(self, output):
        self.output = Path(output)
        self.output.mkdir(parents=True, exist_ok=True)

    def __call__(self, batch):
        written = []
        for image, name in zip(batch["image"], batch["name"]):
            path = self.output / f"{name}.png"
            adain.save_image(np.asarray(image, dtype=np.uint8), path)
            written.append(str(path))
        return {"path": written}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="folder of images (or any path Ray Data reads)")
    parser.add_argument("output", help="folder for the results")
    parser.add_argument("--styles", help="folder of style images to choose from")
    parser.add_argument("--gaussian", help="style Gaussian from `adain stats --fit-gaussian`")
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--actors", type=int, default=1, help="Stylizer actors (one per process)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--cpus", type=int, default=None, help="CPUs for a local cluster (default: all)")
    parser.add_argument("--address", default=None, help="Ray cluster to join (`auto`); default: start a local one")
    parser.add_argument("--model", default=None, help="model package folder (default: the bundled one)")
    args = parser.parse_args(argv)

    if __name__ != "__main__":
        # Imported (by a test, a notebook): the actor class travels by value, so workers need not
        # import this file.
        ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    if args.address:
        ray.init(address=args.address)
    else:
        ray.init(num_cpus=args.cpus)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    per_actor = max(1, cpus // args.actors)
    # Reading and writing images are light tasks: they claim a tenth of a CPU, so that actors holding
    # every CPU never starve them (with whole CPUs each, the run would wait forever).
    io = {"num_cpus": 0.1}
    started = time.perf_counter()
    images = ray.data.read_images(args.input, mode="RGB", include_paths=True, ray_remote_args=io)
    stylized = images.map_batches(
        StylizeActor,
        fn_constructor_kwargs=dict(
            styles=args.styles, gaussian=args.gaussian, alpha=args.alpha, seed=args.seed,
            threads=per_actor, model=args.model,
        ),
        concurrency=args.actors,
        num_cpus=per_actor * 0.8,
        batch_size=args.batch_size,
        batch_format="numpy",
    )
    saved = stylized.map_batches(
        SaveNamedAfterInput, fn_constructor_args=(args.output,), concurrency=1, batch_format="numpy", **io
    )
    count = saved.count()  # runs the pipeline
    elapsed = time.perf_counter() - started
    print(f"{count} images in {elapsed:.1f} s: {count / elapsed:.2f} images/s with {args.actors} actor(s) × {per_actor} thread(s)")
    ray.shutdown()
    return count, elapsed


if __name__ == "__main__":
    main()
