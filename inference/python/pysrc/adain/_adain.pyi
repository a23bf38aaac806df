"""Type stubs of the adain extension module (python/src)."""

from os import PathLike
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
"""A uint8 array (H, W, 3), RGB; or a batch (N, H, W, 3) where stated."""

DEFAULT_MAX_PIXELS: int

class AdainError(Exception):
    """An image, statistics file, model or runtime that adain cannot use; the message says why."""

class StyleStats:
    """Per-channel mean and std of a style's VGG features at relu1_1 … relu4_1 (the file `adain stats` writes)."""

    @staticmethod
    def load(path: Union[str, PathLike]) -> "StyleStats": ...
    def save(self, path: Union[str, PathLike]) -> None: ...
    @property
    def layers(self) -> Dict[str, Tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]]: ...
    @property
    def colors(self) -> Optional[Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]:
        """The style's RGB (mean, covariance), which the style palette takes results to; None when absent."""
    @property
    def encoder_identity(self) -> str: ...
    @property
    def info(self) -> Dict[str, str]: ...

class StyleGaussian:
    """A Gaussian over many styles' relu4_1 (μ, log σ) (`adain stats --fit-gaussian`): endless new styles."""

    @staticmethod
    def load(path: Union[str, PathLike]) -> "StyleGaussian": ...
    @staticmethod
    def fit(styles: Sequence[StyleStats]) -> "StyleGaussian": ...
    def save(self, path: Union[str, PathLike]) -> None: ...
    def sample(self, rng: Optional[Union[int, np.random.Generator]] = None) -> StyleStats:
        """One style: from a NumPy Generator, an int seed (the CLI's --seed generator) or fresh entropy."""
    @property
    def count(self) -> int: ...
    @property
    def encoder_identity(self) -> str: ...

class Stylizer:
    """Encoder and decoder sessions of a model package, opened once; safe to call from several threads.

    ep: "auto", "cpu", "cuda", "tensorrt" or "openvino". precision: "auto", "fp32", "fp16", "int8", or
    "bf16" with ep="openvino" (the fp32 graphs in OpenVINO's bfloat16 arithmetic)."""

    def __init__(
        self,
        model: Optional[Union[str, PathLike]] = None,
        ep: str = "auto",
        precision: str = "auto",
        threads: Optional[int] = None,
    ) -> None: ...
    def stylize(
        self,
        content: Image,
        style: Optional[Union[Image, Sequence[Image]]] = None,
        style_stats: Optional[Union[StyleStats, Sequence[StyleStats]]] = None,
        alpha: float = 1.0,
        weights: Optional[Sequence[float]] = None,
        palette: Optional[str] = None,
        preserve_color: bool = False,
        match_style_color: bool = False,
        content_size: int = 0,
        style_size: int = 512,
        crop: bool = False,
    ) -> Image:
        """Stylizes content (H, W, 3) or a batch (N, H, W, 3); returns the same shape.

        palette: "style" (the default: each result takes its style's colours), "content" or "model"
        (the decoder's own); preserve_color and match_style_color are the older names of "content"
        and "style"."""
    def style_stats(
        self, images: Union[Image, Sequence[Image]], style_size: int = 512, crop: bool = False
    ) -> StyleStats:
        """Statistics of one image, or their average over several, as `adain stats` computes them."""
    def sample_style(
        self, gaussian: StyleGaussian, rng: Optional[Union[int, np.random.Generator]] = None
    ) -> StyleStats:
        """A style drawn from `gaussian`, checked against this model's encoder; pass it as style_stats=."""
    @property
    def precision(self) -> str: ...
    @property
    def encoder_identity(self) -> str: ...

class VideoStylizer:
    """A video stylized frame by frame as `adain video` stylizes it: push(frame) gives each result,
    steady over time (smoothed statistics, the previous result carried along the motion), bit for bit
    the command's on the same frames. temporal: "flow", "stats" or "none"."""

    def __init__(
        self,
        style: Optional[Union[Image, Sequence[Image]]] = None,
        style_stats: Optional[Union[StyleStats, Sequence[StyleStats]]] = None,
        stylizer: Optional[Stylizer] = None,
        alpha: float = 1.0,
        weights: Optional[Sequence[float]] = None,
        palette: Optional[str] = None,
        preserve_color: bool = False,
        match_style_color: bool = False,
        content_size: int = 0,
        style_size: int = 512,
        temporal: str = "flow",
        temporal_smoothing: float = 0.9,
        flow_weight: float = 0.9,
        scene_cut: float = 0.5,
    ) -> None: ...
    def push(self, frame: Image) -> Image:
        """The next frame's result, the frame's shape."""
    def reset(self) -> None:
        """Start afresh, as at a scene cut."""

def load_image(path: Union[str, PathLike], max_pixels: int = ...) -> Image: ...
def save_image(array: Image, path: Union[str, PathLike]) -> None: ...
def runtime_info() -> Tuple[str, Optional[str]]: ...
def openvino_plugin() -> str:
    """The OpenVINO plugin ``ep="openvino"`` runs on (loading it if needed); AdainError when absent."""
    ...
def _init(
    runtime: Optional[str] = None, model: Optional[str] = None, openvino: Optional[str] = None
) -> None: ...
