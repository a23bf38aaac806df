"""Arbitrary style transfer (AdaIN, Huang & Belongie 2017) on ONNX Runtime, from the adain Rust library.

    import adain
    stylizer = adain.Stylizer()                       # the bundled default model, int8 on most CPUs
    photo = adain.load_image("photo.jpg")             # uint8 array (H, W, 3)
    art = adain.load_image("painting.jpg")
    adain.save_image(stylizer.stylize(photo, style=art, alpha=0.8), "out.png")

The wheel carries the ONNX Runtime library, the default model and (x86-64) OpenVINO's plugin in
``adain/_bundle``; without them
(a development build) the library is searched for as the ``adain`` command does (``ORT_DYLIB_PATH``,
then the cache of ``cargo xtask setup``) and ``Stylizer(model=...)`` needs a package folder.
"""

from pathlib import Path as _Path

from . import _adain
from ._adain import (
    AdainError,
    StyleGaussian,
    StyleStats,
    Stylizer,
    VideoStylizer,
    load_image,
    openvino_plugin,
    runtime_info,
    save_image,
)

__all__ = [
    "AdainError",
    "StyleGaussian",
    "StyleStats",
    "Stylizer",
    "VideoStylizer",
    "load_image",
    "openvino_plugin",
    "runtime_info",
    "save_image",
]

_BUNDLE = _Path(__file__).parent / "_bundle"


def _bundled(pattern):
    found = sorted(_BUNDLE.glob(pattern)) if _BUNDLE.is_dir() else []
    return str(found[0]) if found else None


_model = _BUNDLE / "models" / "default"
_adain._init(
    runtime=_bundled("*onnxruntime*"),
    model=str(_model) if (_model / "manifest.json").is_file() else None,
    openvino=_bundled("openvino/*providers_openvino_plugin*"),
)
