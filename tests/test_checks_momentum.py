"""The exercise checks of the momentum chapter: right answers pass, typical slips get their hint."""

from __future__ import annotations

import math

import pytest

from course_lib.checks import exercise
from course_lib.checks import momentum as C
from course_lib.optim import run_trajectories
from course_lib.surfaces import Ravine

SEED = exercise("momentum-seed-to-torch").inputs
OPTIMAL_KAPPA = exercise("momentum-optimal").inputs["kappa"]
NESTEROV_MOMENTUM = exercise("momentum-nesterov-limit").inputs["momentum"]


def run(capsys, check, *args):
    ok = check(*args)
    return ok, capsys.readouterr().out


# --------------------------------------------------------------------------- seed 000 -> torch


def test_seed_to_torch_right(capsys):
    eta, mu = SEED["lr"], SEED["mu"]
    ok, out = run(capsys, C.check_seed_to_torch, eta * (1 - mu), mu, 0)
    assert ok and out.startswith("✓") and "step for step" in out


@pytest.mark.parametrize(
    "args, words",
    [
        ((0.05, 0.8, 0.0), "damped form's η"),
        ((0.05 / 0.2, 0.8, 0.0), "wrong way round"),
        ((0.05 * 0.8, 0.8, 0.0), "scales η by μ"),
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

    eta, mu = SEED["lr"], SEED["mu"]
    surface = Ravine()
    w = torch.tensor([-5.0, -2.0], dtype=torch.float64)
    v = torch.zeros(2, dtype=torch.float64)
    res = run_trajectories(surface, "momentum", None, 50, lr=eta * (1 - mu), momentum=mu, dampening=0.0)
    for t in range(50):
        v = mu * v - eta * (1 - mu) * surface.grad(w)
        w = w + v
        assert torch.allclose(torch.as_tensor(res.paths[0, t + 1]), w, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- multiplier


def test_multiplier_right(capsys):
    ok, out = run(capsys, C.check_multiplier, lambda g: 1 / (1 - g))
    assert ok and out.startswith("✓")
    ok, out = run(capsys, C.check_multiplier, lambda g: sum(g**k for k in range(20000)))
    assert ok, out


@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda g: g / (1 - g), "leaves out the step"),
        (lambda g: 1 - g, "share of the new gradient"),
        (lambda g: 1 / (1 + g), "sign"),
        (lambda g: 2 / (1 - g), "factor of 2"),
        (lambda g: 1 / (1 - g * g), "not right"),
        (lambda g: "ten", "give a number"),
        (lambda g: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_multiplier_slips(capsys, fn, words):
    ok, out = run(capsys, C.check_multiplier, fn)
    assert not ok and out.startswith("✗") and words in out, out


# --------------------------------------------------------------------------- optimal heavy ball


def optimum():
    L, mu = 0.2 * OPTIMAL_KAPPA, 0.2
    rk = math.sqrt(L / mu)
    return 4 / (math.sqrt(L) + math.sqrt(mu)) ** 2, ((rk - 1) / (rk + 1)) ** 2


def test_optimal_right(capsys):
    lr, beta = optimum()
    ok, out = run(capsys, C.check_optimal_heavy_ball, lr, beta)
    assert ok and out.startswith("✓")
    ok, out = run(capsys, C.check_optimal_heavy_ball, round(lr, 6), round(beta, 6))
    assert ok, out


@pytest.mark.parametrize(
    "which, words",
    [
        ("rate", "the rate"),
        ("kappa", "uses κ where"),
        ("gd_lr", "plain gradient descent's best step"),
        ("sum_lr", "adds square roots"),
        ("unsquared", "forgets to square"),
        ("half", "factor of 2"),
    ],
)
def test_optimal_slips(capsys, which, words):
    lr, beta = optimum()
    k, L, mu = OPTIMAL_KAPPA, 0.2 * OPTIMAL_KAPPA, 0.2
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
    elif which == "half":
        lr = lr / 2
    ok, out = run(capsys, C.check_optimal_heavy_ball, lr, beta)
    assert not ok and out.startswith("✗") and words in out, out


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
