"""course_lib.checks.gd: right answers pass, typical slips get their own hint, stubs say "not done"."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.checks import ExerciseNotDone, NotDone
from course_lib.checks.gd import check_largest_stable_lr, check_minibatch_epoch, check_mse_gradient


def run(check, answer, capsys, **kwargs):
    ok = check(answer, **kwargs)
    return ok, capsys.readouterr().out


# --- check_mse_gradient ----------------------------------------------------------------------------


def right_gradient(theta, X, y):
    return 2 / len(y) * X.T @ (X @ theta - y)


def test_mse_gradient_right(capsys):
    ok, out = run(check_mse_gradient, right_gradient, capsys)
    assert ok and out.startswith("✓")


def test_mse_gradient_right_with_torch(capsys):
    import torch

    def autograd_gradient(theta, X, y):
        t = torch.tensor(theta, requires_grad=True)
        ((torch.from_numpy(X) @ t - torch.from_numpy(y)) ** 2).mean().backward()
        return t.grad

    ok, out = run(check_mse_gradient, autograd_gradient, capsys)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("slip, words", [
    (lambda t, X, y: 2 / len(y) * X.T @ (y - X @ t), "wrong sign"),
    (lambda t, X, y: 1 / len(y) * X.T @ (X @ t - y), "factor 2"),
    (lambda t, X, y: 4 / len(y) * X.T @ (X @ t - y), "only once"),
    (lambda t, X, y: 2 * X.T @ (X @ t - y), "MEAN"),
    (lambda t, X, y: X.T @ (X @ t - y), "summed instead of averaging"),
    (lambda t, X, y: 2 / len(y) ** 2 * X.T @ (X @ t - y), "m times too small"),
    (lambda t, X, y: 2 / len(y) * X.T @ (X @ t), "ignores y"),
    (lambda t, X, y: 2 / len(y) * (X @ t - y), "one partial derivative per parameter"),
    (lambda t, X, y: 2 / len(y) * X.T @ (X @ t - y) + 0.1, "finite differences"),
    (lambda t, X, y: 1 / 0, "ZeroDivisionError"),
])
def test_mse_gradient_slips(slip, words, capsys):
    ok, out = run(check_mse_gradient, slip, capsys)
    assert not ok and out.startswith("✗") and words in out


def test_mse_gradient_never_prints_the_answer(capsys):
    ok, out = run(check_mse_gradient, lambda t, X, y: np.zeros(X.shape[1]), capsys)
    assert not ok
    assert "X^T" not in out and "Xᵀ" not in out and "2/m" not in out


# --- check_largest_stable_lr -----------------------------------------------------------------------


@pytest.mark.parametrize("answer", [0.5, 0.499, 0.503, np.float64(0.5)])
def test_largest_lr_right(answer, capsys):
    ok, out = run(check_largest_stable_lr, answer, capsys)
    assert ok and out.startswith("✓")


def test_largest_lr_other_kappa(capsys):
    ok, _ = run(check_largest_stable_lr, 0.1, capsys, kappa=100.0)
    assert ok
    ok, out = run(check_largest_stable_lr, 0.5, capsys, kappa=100.0)
    assert not ok and "lower" in out


@pytest.mark.parametrize("answer, words", [
    (0.25, "ONE step"),
    (10.0, "FLAT"),
    (5.0, "FLAT"),
    (1.0, "x²"),
    (0.4, "higher"),
    (0.7, "lower"),
    (-0.5, "positive"),
    ("half", "one number"),
])
def test_largest_lr_slips(answer, words, capsys):
    ok, out = run(check_largest_stable_lr, answer, capsys)
    assert not ok and out.startswith("✗") and words in out
    assert "0.5" not in out


# --- check_minibatch_epoch -------------------------------------------------------------------------


def right_epoch(theta, x, y, lr, batch_size, order):
    theta = np.array(theta, dtype=float)
    for a in range(0, len(order), batch_size):
        b = order[a:a + batch_size]
        r = theta[0] + theta[1] * x[b] - y[b]
        theta = theta - lr * np.array([2 * r.mean(), 2 * (r * x[b]).mean()])
    return theta


def scaled_epoch(scale, stale=False, drop_last=False, natural=False):
    def epoch(theta, x, y, lr, batch_size, order):
        theta = np.array(theta, dtype=float)
        start = theta.copy()
        order = np.arange(len(x)) if natural else order
        stop = len(order) - len(order) % batch_size if drop_last else len(order)
        for a in range(0, stop, batch_size):
            b = order[a:a + batch_size]
            at = start if stale else theta
            r = at[0] + at[1] * x[b] - y[b]
            theta = theta - lr * scale(len(b), len(x)) * np.array([2 * r.mean(), 2 * (r * x[b]).mean()])
        return theta
    return epoch


def test_minibatch_right(capsys):
    ok, out = run(check_minibatch_epoch, right_epoch, capsys)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("slip, words", [
    (scaled_epoch(lambda b, m: 1.0, drop_last=True), "last, smaller batch"),
    (scaled_epoch(lambda b, m: 1.0, natural=True), "stored order"),
    (lambda t, x, y, lr, bs, o: np.asarray(t) - lr * np.array(
        [2 * (t[0] + t[1] * x - y).mean(), 2 * ((t[0] + t[1] * x - y) * x).mean()]), "ONE step"),
    (scaled_epoch(lambda b, m: b / m), "size of the whole data set"),
    (scaled_epoch(lambda b, m: b), "instead of summing"),
    (scaled_epoch(lambda b, m: 0.5), "factor 2"),
    (scaled_epoch(lambda b, m: -1.0), "uphill"),
    (scaled_epoch(lambda b, m: 1.0, stale=True), "CURRENT"),
    (scaled_epoch(lambda b, m: 1.1), "check one batch by hand"),
    (lambda t, x, y, lr, bs, o: [1.0, 2.0, 3.0], "θ = (θ0, θ1)"),
    (lambda t, x, y, lr, bs, o: x[99], "IndexError"),
])
def test_minibatch_slips(slip, words, capsys):
    ok, out = run(check_minibatch_epoch, slip, capsys)
    assert not ok and out.startswith("✗") and words in out


# --- stubs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("check", [check_mse_gradient, check_largest_stable_lr, check_minibatch_epoch])
def test_stub_raises_not_done(check):
    with pytest.raises(ExerciseNotDone):
        check(NotDone("answer"))
