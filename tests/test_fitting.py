"""course_lib.fitting against NumPy/torch least squares, exhaustive pairs and brute-force grid search."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from course_lib import fitting
from course_lib.data import noisy_line


def pairs_lad(x, y):
    """Exact LAD by trying the line through every pair of points (some minimiser is one of them)."""
    best = (np.inf, None, None)
    for i, j in itertools.combinations(range(len(x)), 2):
        if x[i] == x[j]:
            continue
        w = (y[j] - y[i]) / (x[j] - x[i])
        b = y[i] - w * x[i]
        v = np.abs(y - b - w * x).mean()
        if v < best[0]:
            best = (v, b, w)
    return best


def grid_search(x, y, loss, center, half_width, n=401):
    """The best (b, w) on an n x n grid around ``center``, and its loss."""
    bs = np.linspace(center[0] - half_width[0], center[0] + half_width[0], n)
    ws = np.linspace(center[1] - half_width[1], center[1] + half_width[1], n)
    B, W = np.meshgrid(bs, ws, indexing="ij")
    values = fitting.line_losses(B, W, x, y)[loss]
    k = np.unravel_index(np.argmin(values), values.shape)
    return values[k], B[k], W[k], (bs[1] - bs[0], ws[1] - ws[0])


def random_data(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 16))
    x = rng.normal(size=n) * 3
    if seed % 3 == 0:
        x = np.round(x)  # repeated x values
    y = 1 + 2 * x + rng.standard_t(2, size=n)
    return x, y


def test_least_squares_matches_numpy_and_torch():
    x, y = noisy_line(n=10, seed=0, noise=1.0)
    b, w = fitting.least_squares_line(x, y)
    w_np, b_np = np.polyfit(x, y, 1)
    A = torch.stack([torch.ones(10, dtype=torch.float64), torch.as_tensor(x)], dim=1)
    sol = torch.linalg.lstsq(A, torch.as_tensor(y)[:, None]).solution.ravel()
    assert b == pytest.approx(b_np, abs=1e-12) and w == pytest.approx(w_np, abs=1e-12)
    assert b == pytest.approx(float(sol[0]), abs=1e-10) and w == pytest.approx(float(sol[1]), abs=1e-10)
    assert isinstance(b, float) and isinstance(w, float)


def test_least_squares_zero_gradient():
    x, y = random_data(5)
    b, w = fitting.least_squares_line(x, y)
    r = y - b - w * x
    assert abs(r.sum()) < 1e-9 and abs((r * x).sum()) < 1e-9


@pytest.mark.parametrize("seed", range(60))
def test_least_absolute_is_exact(seed):
    x, y = random_data(seed)
    if np.unique(x).size < 2:
        pytest.skip("degenerate draw")
    b, w = fitting.least_absolute_line(x, y)
    got = np.abs(y - b - w * x).mean()
    assert got == pytest.approx(pairs_lad(x, y)[0], abs=1e-12)


@pytest.mark.parametrize("size", [0.0, 7.5, 30.0])
def test_both_fits_beat_a_brute_force_grid(size):
    x, y0 = noisy_line(n=10, seed=0, noise=1.0)
    y = fitting.with_outlier(y0, 8, size)
    for loss, fit in (("mse", fitting.least_squares_line), ("mae", fitting.least_absolute_line)):
        b, w = fit(x, y)
        ours = fitting.line_losses(b, w, x, y)[loss]
        best, gb, gw, (db, dw) = grid_search(x, y, loss, (4.0, 2.5), (8.0, 2.0))
        assert ours <= best + 1e-12  # no grid point does better
        # and the grid's best point is next to ours (the grid is fine; the minimum is unique here)
        assert abs(gb - b) <= 2 * db + 1e-9 and abs(gw - w) <= 2 * dw + 1e-9, (loss, gb, b, gw, w)


def test_mae_line_ignores_how_far_the_outlier_goes_mse_does_not():
    x, y0 = noisy_line(n=10, seed=0, noise=1.0)
    fits = {s: (fitting.fit_line(x, fitting.with_outlier(y0, 8, s), "mse"),
                fitting.fit_line(x, fitting.with_outlier(y0, 8, s), "mae")) for s in (10.0, 20.0, 40.0)}
    mae_lines = [f[1] for f in fits.values()]
    assert all(np.allclose(m, mae_lines[0], atol=1e-12) for m in mae_lines)
    slopes = [f[0][1] for f in fits.values()]
    assert slopes[0] < slopes[1] < slopes[2]
    # MSE slope is linear in the outlier's size: d w / d size = (x_k - mean x) / sum (x - mean x)^2
    dx = x - x.mean()
    assert slopes[2] - slopes[1] == pytest.approx(20 * dx[8] / (dx * dx).sum(), rel=1e-12)


def test_fit_line_and_line_losses():
    x, y = noisy_line(n=10, seed=0, noise=1.0)
    assert fitting.fit_line(x, y, "mse") == fitting.least_squares_line(x, y)
    assert fitting.fit_line(x, y, "mae") == fitting.least_absolute_line(x, y)
    with pytest.raises(ValueError, match="Invalid loss"):
        fitting.fit_line(x, y, "huber")
    out = fitting.line_losses(np.zeros((2, 3)), np.ones((2, 3)), x, y)
    assert out["mse"].shape == (2, 3) and out["mae"].shape == (2, 3)
    r = y - x
    assert out["mse"][0, 0] == pytest.approx((r * r).mean()) and out["mae"][1, 2] == pytest.approx(np.abs(r).mean())


def test_with_outlier_copies():
    y = np.array([1.0, 2.0, 3.0])
    z = fitting.with_outlier(y, -1, 10)
    assert z.tolist() == [1.0, 2.0, 13.0] and y.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="Invalid index"):
        fitting.with_outlier(y, 3, 1.0)


@pytest.mark.parametrize("bad", [([1.0, 1.0], [1.0, 2.0]), ([1.0, 2.0], [1.0]), ([1.0, np.nan], [1.0, 2.0])])
def test_invalid_inputs(bad):
    for fit in (fitting.least_squares_line, fitting.least_absolute_line):
        with pytest.raises(ValueError):
            fit(*bad)
