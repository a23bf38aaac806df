"""`cargo xtask bench`: PyTorch eager with the same architecture and weights (see worker.py).

The weights come from the package's ONNX initializers (exported by xtask to safetensors), and the
layer lists from the project's architecture description (in the file's metadata), so the network is
the same one: reflection padding, 2x2 max pooling in ceil mode, x2 nearest upsampling.
"""

import json
import time

started = time.perf_counter()

import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from safetensors import safe_open  # noqa: E402

import worker  # noqa: E402


def extra(p):
    p.add_argument("--weights", required=True, help="safetensors with encoder.* and decoder.* convs")


class Net(torch.nn.Module):
    """A sequential network from the project's layer list; returns the activation named `until`."""

    def __init__(self, layers, weights, prefix, until=None):
        super().__init__()
        self.steps = []
        self.until = until
        for i, layer in enumerate(layers):
            if "conv" in layer:
                name = layer["conv"]
                conv = torch.nn.Conv2d(layer["in"], layer["out"], layer["k"])
                conv.weight.data = weights[f"{prefix}.{name}.weight"]
                conv.bias.data = weights[f"{prefix}.{name}.bias"]
                pad = torch.nn.ReflectionPad2d(layer["pad"]) if layer["pad"] else torch.nn.Identity()
                self.add_module(f"pad{i}", pad)
                self.add_module(name, conv)
                self.steps.append((None, torch.nn.Sequential(pad, conv)))
            elif "relu" in layer:
                self.steps.append((layer["relu"], torch.nn.ReLU()))
            elif "pool" in layer:
                self.steps.append((None, torch.nn.MaxPool2d(2, 2, ceil_mode=True)))
            elif "upsample" in layer:
                self.steps.append((None, torch.nn.Upsample(scale_factor=2, mode="nearest")))
            else:
                raise SystemExit(f"unknown layer {layer}")

    def forward(self, x):
        for tap, step in self.steps:
            x = step(x)
            if self.until is not None and tap == self.until:
                return x
        return x


def stats(features):
    mean = features.mean(dim=(2, 3), keepdim=True)
    std = torch.sqrt(features.var(dim=(2, 3), keepdim=True, unbiased=False) + worker.EPS)
    return mean, std


def main():
    args = worker.arguments(extra)
    torch.set_num_threads(args.threads)
    weights = load_file(args.weights)
    with safe_open(args.weights, framework="pt") as f:
        meta = f.metadata()
    encoder = Net(json.loads(meta["encoder_layers"]), weights, "encoder", until="relu4_1").eval()
    decoder = Net(json.loads(meta["decoder_layers"]), weights, "decoder").eval()
    content = worker.load_rgb(args.content, args.size)
    style = worker.load_rgb(args.style, args.size)
    encode = lambda image: encoder(torch.from_numpy(worker.planar(image)))  # noqa: E731

    with torch.inference_mode():
        decode = lambda target: decoder(target).numpy()  # noqa: E731
        run = worker.pipeline(content, style, args.size, encode, stats, decode)
        worker.serve(args, run, started)


if __name__ == "__main__":
    main()
