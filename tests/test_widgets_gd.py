"""course_lib.widgets.gd: each widget computes what it shows (checked against closed forms and plain loops),
and shows what its draw function makes."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.data import noisy_line
from course_lib.surfaces import LinearRegressionMSE
from course_lib.widgets import gd as W


def plain_momentum(x, y, lr, gamma, tol, max_iters):
    t = np.zeros(2)
    v = np.zeros(2)
    path = [t]
    for _ in range(max_iters):
        r = t[0] + t[1] * x - y
        v = gamma * v + lr * np.array([2 * r.mean(), 2 * (r * x).mean()])
        new = t - v
        path.append(new)
        if np.all(np.abs(new - t) < tol):
            break
        t = new
    return np.array(path)


def check_frames(w, first: dict, second: dict):
    w.set(**first)
    a = w.frame
    assert a == w.frame_for(**first)
    w.set(**second)
    b = w.frame
    assert b == w.frame_for(**second)
    assert a != b
    assert w.frame == w.render(**w.values)
    assert w.values == second


# --- the learning rate on x^2 ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def lr_w():
    return W.lr_widget(lrs=(0.2, 0.7, 1.1), starts=(-1.0, 1.5), steps=12)


def test_default_grids_are_small_and_cover_every_regime():
    regimes = {W.parabola_run(lr, -1.0, lrs=W.LRS, starts=W.STARTS)["regime"] for lr in W.LRS}
    assert regimes == {"monotone", "one step", "oscillates, converges", "bounces forever", "diverges"}
    assert len(W.LRS) * len(W.STARTS) <= 60
    assert len(W.REG_LRS) * len(W.MOMENTA) <= 60
    assert len(W.BATCH_SIZES) * len(W.BATCH_LRS) <= 60
    assert all(b & (b - 1) == 0 for b in W.BATCH_SIZES) and max(W.BATCH_SIZES) == 256


@pytest.mark.parametrize("lr, start", [(0.2, -1.0), (0.7, 1.5), (1.1, -1.0)])
def test_lr_widget_result_is_the_closed_form(lr_w, lr, start):
    lr_w.set(lr=lr, start=start)
    r = lr_w.result
    np.testing.assert_allclose(r["x"], start * (1 - 2 * lr) ** np.arange(13), rtol=1e-12)
    np.testing.assert_allclose(r["f"], r["x"] ** 2, rtol=1e-12)
    assert r["factor"] == pytest.approx(1 - 2 * lr)


def test_lr_widget_frames(lr_w):
    check_frames(lr_w, dict(lr=0.2, start=-1.0), dict(lr=1.1, start=1.5))
    assert lr_w.n_frames == 6 and lr_w.nbytes < 6 * 40_000


# --- learning rate and momentum on the regression --------------------------------------------------


@pytest.fixture(scope="module")
def mom_w():
    return W.momentum_widget(lrs=(0.01, 0.03), momenta=(0.0, 0.9), max_iters=2500)


@pytest.mark.parametrize("lr, gamma", [(0.01, 0.0), (0.01, 0.9), (0.03, 0.9)])
def test_momentum_widget_result_is_a_plain_loop(mom_w, lr, gamma):
    mom_w.set(lr=lr, momentum=gamma)
    run = mom_w.result
    x, y = noisy_line()
    path = plain_momentum(x, y, lr, gamma, 1e-5, 2500)
    assert run.converged and run.iterations == len(path) - 1
    np.testing.assert_allclose(run.path, path, rtol=1e-10, atol=1e-12)


def test_momentum_widget_plain_descent_diverges_above_two_over_L(mom_w):
    mom_w.set(lr=0.03, momentum=0.0)
    assert mom_w.result.diverged
    L = np.linalg.eigvalsh(LinearRegressionMSE(*noisy_line()).hessian([0, 0]).numpy())[1]
    assert 2 / L < 0.03 < 2 * (1 + 0.9) / L


def test_momentum_widget_frames(mom_w):
    check_frames(mom_w, dict(lr=0.01, momentum=0.0), dict(lr=0.01, momentum=0.9))
    assert mom_w.nbytes < 4 * 60_000


# --- batch size ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch_w():
    return W.batch_size_widget(batch_sizes=(1, 16, 256), lrs=(0.01,), epochs=4)


@pytest.mark.parametrize("b", [1, 16, 256])
def test_batch_widget_result_is_a_plain_loop(batch_w, b):
    batch_w.set(batch_size=b, lr=0.01)
    run = batch_w.result
    x, y = noisy_line(n=256, seed=0)
    rng = np.random.default_rng(0)
    t = np.zeros(2)
    for e in range(4):
        order = rng.permutation(256)
        for a in range(0, 256, b):
            i = order[a:a + b]
            r = t[0] + t[1] * x[i] - y[i]
            t = t - 0.01 * np.array([2 * r.mean(), 2 * (r * x[i]).mean()])
        np.testing.assert_allclose(run.path[(e + 1) * (256 // b)], t, rtol=1e-11)
    assert run.updates_per_epoch == 256 // b and len(run.epoch_losses) == 5


def test_batch_widget_frames(batch_w):
    check_frames(batch_w, dict(batch_size=1, lr=0.01), dict(batch_size=256, lr=0.01))
    assert batch_w.nbytes < 3 * 60_000


# --- animations ------------------------------------------------------------------------------------


@pytest.mark.parametrize("make, frames", [
    (lambda: W.parabola_animation(steps=3), 4),
    (lambda: W.regression_animation(frames=4), None),
    (lambda: W.batch_animation((1, 256), epochs=2), 3),
])
def test_animations_are_deterministic_html(make, frames):
    a, b = make().data, make().data
    assert a == b and "<script" in a
    n = a.count("frames[")
    if frames is not None:
        assert n >= frames
    assert len(a) < 800_000
