"""The widgets of the loss-functions chapter: what they compute (against torch and brute force) and show."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib.data import noisy_line
from course_lib.widgets import losses as WL


def torch_curve(fn, d, **kw):
    """Elementwise loss of ``fn(input, 0)`` and its derivative by autograd, as float64 arrays."""
    x = torch.as_tensor(d, dtype=torch.float64).clone().requires_grad_(True)
    loss = fn(x, torch.zeros_like(x), reduction="none", **kw)
    loss.sum().backward()
    return loss.detach().numpy(), x.grad.numpy()


@pytest.fixture(scope="module")
def curves_widget():
    return WL.error_curves_widget(betas=(0.0, 0.5, 2.0))


@pytest.fixture(scope="module")
def outlier_w():
    return WL.outlier_widget(sizes=(0.0, 6.0, 24.0))


@pytest.mark.parametrize("beta", [0.0, 0.5, 2.0])
def test_error_curves_match_torch(curves_widget, beta):
    w = curves_widget.set(beta=beta)
    r = w.result
    d = r["error"]
    assert d.shape == (241,) and d[0] == -3.0 and d[-1] == 3.0
    for key, fn, kw in (("l1", F.l1_loss, {}), ("l2", F.mse_loss, {}), ("smooth_l1", F.smooth_l1_loss, {"beta": beta})):
        loss, grad = torch_curve(fn, d, **kw)
        np.testing.assert_allclose(r[key], loss, rtol=0, atol=1e-12)
        np.testing.assert_allclose(r["d_" + key], grad, rtol=0, atol=1e-12)
    # and against the formulas written out
    a = np.abs(d)
    expected = a if beta == 0 else np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
    np.testing.assert_allclose(r["smooth_l1"], expected, atol=1e-12)


def test_error_curves_frames(curves_widget):
    w = curves_widget
    assert w.n_frames == 3
    w.set(beta=0.5)
    assert w.frame == w.frame_for(beta=0.5)
    assert w.frame == w.render(**w.values)
    w.set(beta=2.0)
    assert w.frame == w.frame_for(beta=2.0)
    assert w.frame_for(beta=0.5) != w.frame_for(beta=2.0) != w.frame_for(beta=0.0)


def test_default_widget_grid():
    assert 1.0 in WL.BETAS and 0.0 in WL.BETAS and len(WL.BETAS) <= 60
    assert len(WL.OUTLIER_SIZES) <= 60 and WL.OUTLIER_SIZES[0] == 0.0


def brute_force_lad(x, y):
    """Exact LAD by trying the line through every pair of points, and the best MAE of a fine grid around it."""
    best = (np.inf, 0.0, 0.0)
    for i, j in itertools.combinations(range(len(x)), 2):
        w = (y[j] - y[i]) / (x[j] - x[i])
        b = y[i] - w * x[i]
        best = min(best, (np.abs(y - b - w * x).mean(), b, w))
    bs = np.linspace(best[1] - 1, best[1] + 1, 201)
    ws = np.linspace(best[2] - 0.2, best[2] + 0.2, 201)
    B, W = np.meshgrid(bs, ws, indexing="ij")
    grid = np.abs(y - B[..., None] - W[..., None] * x).mean(-1)
    return best[0], grid.min()


@pytest.mark.parametrize("size", [0.0, 6.0, 24.0])
def test_outlier_fits_against_references(outlier_w, size):
    w = outlier_w.set(size=size)
    r = w.result
    x, y0 = noisy_line(n=10, seed=0, noise=1.0)
    y = y0.copy()
    y[8] += size
    np.testing.assert_array_equal(r["y"], y)
    slope, intercept = np.polyfit(x, y, 1)
    assert r["mse"] == pytest.approx((intercept, slope), abs=1e-10)
    b, s = r["mae"]
    ours = np.abs(y - b - s * x).mean()
    exact, grid = brute_force_lad(x, y)
    assert ours == pytest.approx(exact, abs=1e-12)
    assert ours <= grid + 1e-12


def test_outlier_mse_swings_mae_stays(outlier_w):
    lines = {s: outlier_w.set(size=s).result for s in (6.0, 24.0)}
    assert lines[24.0]["mse"][1] - lines[6.0]["mse"][1] > 0.5
    assert lines[24.0]["mae"] == pytest.approx(lines[6.0]["mae"], abs=1e-12)


def test_outlier_frames(outlier_w):
    w = outlier_w
    assert w.n_frames == 3
    w.set(size=6.0)
    assert w.frame == w.frame_for(size=6.0)
    assert w.frame == w.render(**w.values)
    w.set(size=24.0)
    assert w.frame == w.frame_for(size=24.0)
    assert w.frame_for(size=6.0) != w.frame_for(size=24.0) != w.frame_for(size=0.0)
