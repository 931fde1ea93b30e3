"""course_lib.checks.gd: right answers pass, typical slips get their own hint, stubs say "not done"."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_lib.checks import exercise
from course_lib.checks.gd import (
    check_best_momentum,
    check_largest_stable_lr,
    check_lr_steps,
    check_minibatch_epoch,
    check_mse_gradient,
    check_newton_saddle,
)
from course_lib.data import noisy_line
from course_lib.surfaces import Saddle, newton_step


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
    (lambda t, X, y: 2 / len(y) ** 2 * X.T @ (X @ t - y), "n times too small"),
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


KAPPA = exercise("gd-largest-lr").inputs["kappa"]
#: the edge of stability from the ravine's Hessian, diag(0.2, 0.2 κ): 2 over the largest curvature
EDGE = 2 / (0.2 * KAPPA)


def test_the_edge_is_where_a_plain_loop_stops_converging():
    def final_y(lr, steps=20_000):
        y = 1.0
        for _ in range(steps):
            y -= lr * 0.2 * KAPPA * y  # ∂/∂y of 0.1 κ y²
        return abs(y)

    assert final_y(0.999 * EDGE) < 1e-3 and final_y(EDGE) == pytest.approx(1.0) and final_y(1.001 * EDGE) > 1.0


@pytest.mark.parametrize("scale", [1.0, 0.998, 1.006])
def test_largest_lr_right(scale, capsys):
    for answer in (scale * EDGE, np.float64(scale * EDGE)):
        ok, out = run(check_largest_stable_lr, answer, capsys)
        assert ok and out.startswith("✓")




@pytest.mark.parametrize("answer, words", [
    (EDGE / 2, "ONE step"),
    (10.0, "FLAT"),
    (5.0, "FLAT"),
    (1.0, "x²"),
    (0.8 * EDGE, "higher"),
    (1.4 * EDGE, "lower"),
    (-0.5, "positive"),
    ("half", "give a number"),
])
def test_largest_lr_slips(answer, words, capsys):
    ok, out = run(check_largest_stable_lr, answer, capsys)
    assert not ok and out.startswith("✗") and words in out
    assert f"{EDGE:g}" not in out


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


# --- check_lr_steps -----------------------------------------------------------------------------------


def closed_form_steps(lr, tol=1e-6):
    """The smallest t with |1 - 2 lr|^t < tol, from the closed form x_t = (1 - 2 lr)^t (x_0 = 1)."""
    factor = abs(1 - 2 * lr)
    return 1 if factor == 0 else math.floor(math.log(tol) / math.log(factor)) + 1


LRS = exercise("gd-lr-too-large").inputs["lrs"]


def test_lr_steps_right_as_dict_list_and_array(capsys):
    import torch

    right = {lr: closed_form_steps(lr) for lr in LRS}
    assert run(check_lr_steps, right, capsys)[0]
    assert run(check_lr_steps, list(right.values()), capsys)[0]
    assert run(check_lr_steps, np.array(list(right.values())), capsys)[0]
    assert run(check_lr_steps, {lr: torch.tensor(v) for lr, v in right.items()}, capsys)[0]
    assert right[0.01] == right[0.99] == 684 and right[0.5] == 1  # the chapter's printed counts


@pytest.mark.parametrize("change, words", [(-1, "one step early"), (+1, "one step too many"), (10, "not right yet")])
def test_lr_steps_slips(change, words, capsys):
    wrong = {lr: closed_form_steps(lr) for lr in LRS}
    wrong[0.1] += change
    ok, out = run(check_lr_steps, wrong, capsys)
    assert not ok and words in out and "η = 0.1" in out
    assert str(closed_form_steps(0.1)) not in out


def test_lr_steps_wrong_shape(capsys):
    ok, out = run(check_lr_steps, {0.01: 684}, capsys)
    assert not ok and "no entry" in out
    ok, out = run(check_lr_steps, [1, 2], capsys)
    assert not ok and "7 step counts" in out


# --- check_best_momentum --------------------------------------------------------------------------------


def heavy_ball_iterations(momentum, lr=None, tol=1e-5, max_iters=100_000):
    """A plain loop of v <- momentum v + lr grad, theta <- theta - v on the line's MSE, until |step| < tol."""
    lr = exercise("gd-best-momentum").inputs["lr"] if lr is None else lr
    x, y = noisy_line()
    theta, v = np.zeros(2), np.zeros(2)
    for it in range(1, max_iters + 1):
        r = theta[0] + theta[1] * x - y
        v = momentum * v + lr * np.array([2 * r.mean(), 2 * (r * x).mean()])
        theta = theta - v
        if np.all(np.abs(v) < tol):
            return it
    return max_iters


def test_best_momentum_right_against_a_plain_loop(capsys):
    momenta = exercise("gd-best-momentum").inputs["momenta"]
    counts = {m: heavy_ball_iterations(m) for m in momenta}
    best = min(counts, key=counts.get)
    assert best == 0.8  # the official solution's answer
    at_chapter_lr = {m: heavy_ball_iterations(m, lr=0.01) for m in momenta}
    assert min(at_chapter_lr, key=at_chapter_lr.get) == 0.9 and at_chapter_lr[0.9] == 210  # the chapter's run
    for value in (best, np.float64(best), torch_scalar(best), [best]):
        assert run(check_best_momentum, value, capsys)[0]


def torch_scalar(x):
    import torch

    return torch.tensor(x)


@pytest.mark.parametrize("answer, words", [(0.95, "too much speed"), (0.0, "without momentum"),
                                           (0.7, "another momentum"), (0.9, "depends on the learning rate"),
                                           (0.85, "should be one of")])
def test_best_momentum_slips(answer, words, capsys):
    ok, out = run(check_best_momentum, answer, capsys)
    assert not ok and words in out, out


def test_best_momentum_is_the_one_the_heavy_ball_rates_predict():
    """The fastest momentum of the list is the one whose slowest eigen-direction shrinks fastest per step."""
    from course_lib import rates

    ex = exercise("gd-best-momentum").inputs
    curvatures = np.linalg.eigvalsh(np.array([[2.0, 11.0], [11.0, 77.0]]))  # (2/m) Σ (1, x; x, x²), x = 1..10
    by_rate = min(ex["momenta"], key=lambda m: rates.heavy_ball_rate(ex["lr"], m, curvatures))
    assert by_rate == 0.8


# --- check_newton_saddle --------------------------------------------------------------------------------


def newton_ends_at_the_saddle(y0: float, steps: int = 80) -> bool:
    """Newton's method on the course's Saddle from (0.3, y0), iterated with the course's newton_step."""
    import torch

    p = torch.tensor([0.3, y0], dtype=torch.float64)
    for _ in range(steps):
        p = p + newton_step(Saddle(), p)
        if not bool(torch.isfinite(p).all()):
            return False
    return abs(float(p[1])) < 1e-6


def bisected_boundary() -> float:
    lo, hi = 0.3, 0.5  # Newton ends at the saddle from 0.3, at a minimum from 0.5
    assert newton_ends_at_the_saddle(lo) and not newton_ends_at_the_saddle(hi)
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if newton_ends_at_the_saddle(mid) else (lo, mid)
    return (lo + hi) / 2


def test_newton_saddle_right_against_bisection(capsys):
    found = bisected_boundary()
    assert found == pytest.approx(1 / math.sqrt(5), rel=1e-6)  # the closed form of the solution
    for value in (found, np.float64(found), torch_scalar(found), [found], 0.44721):
        ok, out = run(check_newton_saddle, value, capsys)
        assert ok and out.startswith("✓"), out


@pytest.mark.parametrize("answer, words", [
    (1 / math.sqrt(3), "changes sign"), (1.0, "minimum itself"), (0.2, "y₀²"), (1 / 3, "y₀²"), (0.5, "exactly"),
    (0.447, "not precise enough"), (0.3, "larger"), (0.52, "smaller"), (-0.45, "positive"), ("0.45", "text"),
])
def test_newton_saddle_slips(answer, words, capsys):
    ok, out = run(check_newton_saddle, answer, capsys)
    assert not ok and words in out, out
    assert "0.4472" not in out and "√5" not in out and "sqrt" not in out


def test_newton_saddle_hints_point_the_right_way():
    """'larger' below the boundary and 'smaller' above it, as Newton's method itself says."""
    assert newton_ends_at_the_saddle(0.3) and not newton_ends_at_the_saddle(0.52)
