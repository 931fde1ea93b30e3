"""The exercise checks of the momentum chapter: right answers pass, typical slips get their hint."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from course_lib.checks import exercise
from course_lib.checks import momentum as C
from course_lib.optim import run_trajectories
from course_lib.surfaces import LinearRegressionMSE, Ravine

SEED = exercise("momentum-seed-to-torch").inputs
LINE = exercise("momentum-optimal").inputs
NESTEROV_MOMENTUM = exercise("momentum-nesterov-limit").inputs["momentum"]


def run(capsys, check, *args):
    ok = check(*args)
    return ok, capsys.readouterr().out


# --------------------------------------------------------------------------- seed 000 -> torch


def test_seed_to_torch_right(capsys):
    eta, mu = SEED["lr"], SEED["beta"]
    ok, out = run(capsys, C.check_seed_to_torch, eta * (1 - mu), mu, 0)
    assert ok and out.startswith("✓") and "step for step" in out


@pytest.mark.parametrize(
    "args, words",
    [
        ((0.05, 0.8, 0.0), "damped form's η"),
        ((0.05 / 0.2, 0.8, 0.0), "wrong way round"),
        ((0.05 * 0.8, 0.8, 0.0), "scales η by β"),
        ((0.01, 0.2, 0.0), "weight of the new gradient"),
        ((0.05, 0.8, 0.8), "undamped"),
        ((0.01, 0.8, 0.5), "dampening is not right"),
        ((0.02, 0.8, 0.0), "factor of 2"),
        (("0.01x", 0.8, 0.0), "give a number"),
    ],
)
def test_seed_to_torch_slips(capsys, args, words):
    ok, out = run(capsys, C.check_seed_to_torch, *args)
    assert not ok and out.startswith("✗") and words in out, out
    assert "0.01 " not in out and "= 0.01" not in out  # the answer is never printed


def test_seed_to_torch_answer_really_is_the_seed():
    """The check's right answer moves like the seed's loop (so the ✓ is true)."""
    import torch

    eta, mu = SEED["lr"], SEED["beta"]
    surface = Ravine()
    w = torch.tensor([-5.0, -2.0], dtype=torch.float64)
    v = torch.zeros(2, dtype=torch.float64)
    res = run_trajectories(surface, "momentum", None, 50, lr=eta * (1 - mu), momentum=mu, dampening=0.0)
    for t in range(50):
        v = mu * v - eta * (1 - mu) * surface.grad(w)
        w = w + v
        assert torch.allclose(torch.as_tensor(res.paths[0, t + 1]), w, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- multiplier


def _numeric_kinds(x):
    """The same value as a Python float, NumPy scalar and array, and torch tensors."""
    return [float(x), np.float64(x), np.array(x), np.array([x]), torch.tensor(x, dtype=torch.float64),
            torch.tensor(x)]


def flipping_velocity(beta, steps=20000):
    """|v_t| / (eta |g|) of the textbook form after many gradients of alternating sign (the reference)."""
    v = 0.0
    for t in range(steps):
        v = beta * v + (-1) ** t
    return abs(v)


def test_multiplier_right(capsys):
    ok, out = run(capsys, C.check_multiplier, lambda b: 1 / (1 + b))
    assert ok and out.startswith("✓")
    ok, out = run(capsys, C.check_multiplier, lambda b: flipping_velocity(b))
    assert ok, out
    for kind in range(6):  # any numeric type a student returns
        ok, out = run(capsys, C.check_multiplier, lambda b, k=kind: _numeric_kinds(1 / (1 + b))[k])
        assert ok, out


@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda b: 1 / (1 - b), "steady gradient"),
        (lambda b: -1 / (1 + b), "negative"),
        (lambda b: b / (1 + b), "leaves out the newest"),
        (lambda b: 1 / (1 - b * b), "every second term"),
        (lambda b: (1 - b) / (1 + b), "damped form"),
        (lambda b: 2 / (1 + b), "factor of 2"),
        (lambda b: 1 / (1 + b) ** 2, "not right"),
        (lambda b: "ten", "give a number"),
        (lambda b: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_multiplier_slips(capsys, fn, words):
    ok, out = run(capsys, C.check_multiplier, fn)
    assert not ok and out.startswith("✗") and words in out, out
    assert "0.526" not in out and "0.5263" not in out  # 1 / 1.9, the answer at 0.9, is never printed


# --------------------------------------------------------------------------- optimal heavy ball


def optimum():
    """The heavy-ball optimum of the registry's least squares, from the Hessian computed by autograd."""
    surface = LinearRegressionMSE(LINE["x"], LINE["y"])
    theta = torch.zeros(2, dtype=torch.float64)
    hessian = torch.autograd.functional.hessian(lambda t: surface.value(t), theta).numpy()
    mu, L = np.linalg.eigvalsh(hessian)
    rk = math.sqrt(L / mu)
    return 4 / (math.sqrt(L) + math.sqrt(mu)) ** 2, ((rk - 1) / (rk + 1)) ** 2, mu, L


def test_optimal_right_and_really_optimal(capsys):
    lr, beta, mu, L = optimum()
    ok, out = run(capsys, C.check_optimal_heavy_ball, lr, beta)
    assert ok and out.startswith("✓")
    ok, out = run(capsys, C.check_optimal_heavy_ball, round(lr, 6), round(beta, 6))
    assert ok, out
    for kind in range(6):
        ok, out = run(capsys, C.check_optimal_heavy_ball, _numeric_kinds(lr)[kind], _numeric_kinds(beta)[kind])
        assert ok, out
    # the ✓ is true: on the surface these beat momentum 0.9 at the same step, and no grid pair is faster
    surface = LinearRegressionMSE(LINE["x"], LINE["y"])
    res = run_trajectories(surface, "momentum", None, 300, grid={"momentum": [beta, 0.9]}, lr=lr)
    best, default = res.steps_to(1e-10, surface.minimum_value)
    assert 0 < best < default
    from course_lib import rates

    lrs, momenta = np.linspace(0.001, 2 * 1.99 / L, 600), np.linspace(0, 0.99, 600)
    assert rates.heavy_ball_rate(lrs[None, :], momenta[:, None], [mu, L]).min() >= math.sqrt(beta) - 1e-12


@pytest.mark.parametrize(
    "which, words",
    [
        ("rate", "the rate"),
        ("kappa", "uses κ where"),
        ("gd_lr", "plain gradient descent's best step"),
        ("sum_lr", "adds square roots"),
        ("unsquared", "forgets to square"),
        ("no_two", "twice too large"),
        ("sum_not_mean", "not a sum"),
        ("diagonal", "diagonal entries"),
        ("half", "factor of 2"),
    ],
)
def test_optimal_slips(capsys, which, words):
    lr, beta, mu, L = optimum()
    k = L / mu
    if which == "rate":
        beta = math.sqrt(beta)
    elif which == "kappa":
        beta = ((k - 1) / (k + 1)) ** 2
    elif which == "gd_lr":
        lr = 2 / (L + mu)
    elif which == "sum_lr":
        lr = 4 / (L + mu)
    elif which == "unsquared":
        lr = 4 / (math.sqrt(L) + math.sqrt(mu))
    elif which == "no_two":  # the Hessian taken without the factor 2 of the square
        lr = 4 / (math.sqrt(L / 2) + math.sqrt(mu / 2)) ** 2
    elif which == "sum_not_mean":
        m = len(LINE["x"])
        lr = 4 / (math.sqrt(L * m) + math.sqrt(mu * m)) ** 2
    elif which == "diagonal":
        d = sorted([2.0, 2 * float(np.mean(np.square(LINE["x"])))])
        rd = math.sqrt(d[1] / d[0])
        lr, beta = 4 / (math.sqrt(d[1]) + math.sqrt(d[0])) ** 2, ((rd - 1) / (rd + 1)) ** 2
    elif which == "half":
        lr = lr / 2
    ok, out = run(capsys, C.check_optimal_heavy_ball, lr, beta)
    assert not ok and out.startswith("✗") and words in out, out
    right_lr, right_beta, _, _ = optimum()
    assert f"{right_lr:.4f}" not in out and f"{right_beta:.4f}" not in out


# --------------------------------------------------------------------------- Nesterov's limit


def test_nesterov_limit_right_and_true(capsys):
    beta = NESTEROV_MOMENTUM
    edge = 2 * (1 + beta) / (4.0 * (1 + 2 * beta))
    ok, out = run(capsys, C.check_nesterov_limit, edge * 1.005)
    assert ok and out.startswith("✓")
    # and the edge is real: just below converges, just above diverges
    res = run_trajectories(Ravine(), "nesterov", None, 400, grid={"lr": [edge * 0.98, edge * 1.02]}, momentum=beta)
    assert res.diverged.tolist() == [False, True]


@pytest.mark.parametrize("value, words", [(0.5, "plain gradient descent"), (0.85, "heavy ball"),
                                          (0.4, "too large"), (0.3, "too small"), (float("nan"), "overflowed")])
def test_nesterov_limit_slips(capsys, value, words):
    ok, out = run(capsys, C.check_nesterov_limit, value)
    assert not ok and out.startswith("✗") and words in out, out


# --------------------------------------------------------------------------- stubs


def test_number_answers_of_any_numeric_type(capsys):
    eta, beta = SEED["lr"], SEED["beta"]
    edge = 2 * (1 + NESTEROV_MOMENTUM) / (4.0 * (1 + 2 * NESTEROV_MOMENTUM))
    for kind in range(6):
        ok, out = run(capsys, C.check_seed_to_torch, *(_numeric_kinds(v)[kind] for v in (eta * (1 - beta), beta, 0.0)))
        assert ok, out
        ok, out = run(capsys, C.check_nesterov_limit, _numeric_kinds(edge)[kind])
        assert ok, out
