"""The exercise checks of the loss-functions chapter: right answers pass, typical slips get their hint."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from course_lib.checks import exercise
from course_lib.checks import losses as C


def run(capsys, check, *args):
    ok = check(*args)
    return ok, capsys.readouterr().out


# --------------------------------------------------------------------------- MSE by hand


def right_mse(y_pred, y_true):
    return ((y_pred - y_true) ** 2).mean()


def right_mse_grad(y_pred, y_true):
    return 2 * (y_pred - y_true) / y_pred.numel()


def test_mse_right(capsys):
    ok, out = run(capsys, C.check_mse, right_mse, right_mse_grad)
    assert ok and out.startswith("✓")


def test_mse_refuses_torch_nn_and_autograd_the_exercise_rules_out(capsys):
    def grad(y_pred, y_true):
        x = y_pred.clone().requires_grad_(True)
        F.mse_loss(x, y_true).backward()
        return x.grad

    ok, out = run(capsys, C.check_mse, F.mse_loss, grad)
    assert not ok and "tensor arithmetic only" in out and "torch.nn" in out and "autograd" in out, out

    def grad_by_autograd(y_pred, y_true):
        x = y_pred.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(right_mse(x, y_true), x)
        return g

    ok, out = run(capsys, C.check_mse, right_mse, grad_by_autograd)
    assert not ok and "autograd" in out and "torch.nn" not in out, out
    ok, out = run(capsys, C.check_mse, torch.nn.MSELoss(), right_mse_grad)
    assert not ok and "torch.nn" in out, out


@pytest.mark.parametrize(
    "mse, words",
    [
        (lambda p, t: ((p - t) ** 2).sum(), "does not average"),
        (lambda p, t: ((p - t) ** 2).mean().sqrt(), "RMSE"),
        (lambda p, t: (p - t).abs().mean(), "MAE"),
        (lambda p, t: 0.5 * ((p - t) ** 2).mean(), "factor of 2 (too small)"),
        (lambda p, t: (p - t) ** 2, "reduce them to one"),
        (lambda p, t: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_mse_slips(capsys, mse, words):
    ok, out = run(capsys, C.check_mse, mse, right_mse_grad)
    assert not ok and words in out and out.startswith("✗")


@pytest.mark.parametrize(
    "grad, words",
    [
        (lambda p, t: 2 * (t - p) / p.numel(), "wrong sign"),
        (lambda p, t: (p - t) / p.numel(), "brings down a 2"),
        (lambda p, t: 2 * (p - t), "n times too large"),
        (lambda p, t: p - t, "the 1/n of the mean and the 2"),
        (lambda p, t: (2 * (p - t) / p.numel()).sum(), "shape"),
        (lambda p, t: (p - t).sign() / p.numel(), "differentiate"),
    ],
)
def test_mse_grad_slips(capsys, grad, words):
    ok, out = run(capsys, C.check_mse, right_mse, grad)
    assert not ok and words in out


def test_mse_hints_do_not_reveal(capsys):
    ok, out = run(capsys, C.check_mse, lambda p, t: ((p - t) ** 2).sum(), lambda p, t: p - t)
    assert not ok and "2 * (" not in out and "/ n" not in out


# --------------------------------------------------------------------------- BCE of one sample


def test_bce_right(capsys):
    ok, out = run(capsys, C.check_bce_by_hand, -math.log(0.3))
    assert ok and out.startswith("✓")
    ok, _ = run(capsys, C.check_bce_by_hand, 1.204)  # four decimals are enough
    assert ok
    ok, _ = run(capsys, C.check_bce_by_hand, torch.tensor(-math.log(0.3)))
    assert ok
    ex = exercise("loss-bce-one").inputs
    p, y = ex["p"], ex["target"]
    ok, _ = run(capsys, C.check_bce_by_hand, -(y * math.log(p) + (1 - y) * math.log(1 - p)))
    assert ok


@pytest.mark.parametrize(
    "value, words",
    [
        (-math.log(0.7), "branch for a target of 1"),
        (-math.log10(0.3), "base-10"),
        (0.3, "not a loss"),
        (math.log(0.3), "sign is wrong"),
        (math.log(0.7), "sign is wrong"),
        (2.0, "not right yet"),
    ],
)
def test_bce_slips(capsys, value, words):
    ok, out = run(capsys, C.check_bce_by_hand, value)
    assert not ok and words in out
    assert "1.204" not in out


def test_bce_not_a_number(capsys):
    ok, out = run(capsys, C.check_bce_by_hand, "1.2")
    assert not ok and "text" in out
    ok2, out2 = run(capsys, C.check_bce_by_hand, [1.2, 3.0])
    assert not ok2 and "one number" in out2


# --------------------------------------------------------------------------- Huber from SmoothL1


def right_huber(x, y, delta):
    return delta * F.smooth_l1_loss(x, y, beta=delta)


def test_huber_right(capsys):
    ok, out = run(capsys, C.check_huber, right_huber)
    assert ok and out.startswith("✓")
    ok, out = run(capsys, C.check_huber, lambda x, y, d: F.huber_loss(x, y, delta=d))
    assert not ok and "build it from F.smooth_l1_loss" in out, out


@pytest.mark.parametrize(
    "huber, words",
    [
        (lambda x, y, d: F.smooth_l1_loss(x, y, beta=d), "wrong size"),
        (lambda x, y, d: F.smooth_l1_loss(x, y, beta=d) / d, "do not divide"),
        (lambda x, y, d: d * F.smooth_l1_loss(x, y), "default beta"),
        (lambda x, y, d: d * F.smooth_l1_loss(x, y, beta=d, reduction="none"), "average"),
        (lambda x, y, d: -d * F.smooth_l1_loss(x, y, beta=d), "wrong sign"),
        (lambda x, y, d: F.mse_loss(x, y), "not right yet"),
    ],
)
def test_huber_slips(capsys, huber, words):
    ok, out = run(capsys, C.check_huber, huber)
    assert not ok and words in out


# --------------------------------------------------------------------------- best constants


def test_best_constants_right(capsys):
    y = torch.tensor(C.CONSTANT_DATA)
    ok, out = run(capsys, C.check_best_constants, float(y.mean()), float(y.median()))
    assert ok and out.startswith("✓")
    ok, _ = run(capsys, C.check_best_constants, float(y.mean()) + 0.03, float(y.median()) - 0.03)
    assert ok


def test_best_constants_slips(capsys):
    y = torch.tensor(C.CONSTANT_DATA)
    mean, median = float(y.mean()), float(y.median())
    ok, out = run(capsys, C.check_best_constants, median, mean)
    assert not ok and "swapped" in out
    ok, out = run(capsys, C.check_best_constants, mean, median + 3)
    assert not ok and "c_mae" in out and "smaller constant" in out and "c_mse" not in out
    ok, out = run(capsys, C.check_best_constants, mean - 4, median)
    assert not ok and "c_mse" in out and "larger constant" in out
    ok, out = run(capsys, C.check_best_constants, mean + 0.2, median)
    assert not ok and "refine" in out
    assert f"{mean:g}" not in out  # the answer is never printed


# --------------------------------------------------------------------------- not done
