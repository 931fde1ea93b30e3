"""course_lib.checks.adaptive: right answers pass, typical slips get their own hint, stubs say "not done"."""

from __future__ import annotations

import math

import pytest
import torch

from course_lib.checks.adaptive import check_adagrad_steps, check_adam_first_step, check_rmsprop_step


def run(check, *answers, capsys):
    ok = check(*answers)
    return ok, capsys.readouterr().out


# --- check_rmsprop_step ------------------------------------------------------------------------


def right(theta, g, v, lr, alpha, eps):
    v = alpha * v + (1 - alpha) * g * g
    return theta - lr * g / (v.sqrt() + eps), v


def test_rmsprop_right_equals_torch(capsys):
    ok, out = run(check_rmsprop_step, right, capsys=capsys)
    assert ok and out.startswith("✓")
    # the reference the check uses is torch's RMSprop, step for step
    p = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RMSprop([p], lr=0.05, alpha=0.9, eps=1e-2)
    theta, v = p.detach().clone(), torch.zeros(2, dtype=torch.float64)
    for _ in range(5):
        opt.zero_grad()
        (p**4).sum().backward()
        theta, v = right(theta, (4 * theta**3), v, 0.05, 0.9, 1e-2)
        opt.step()
    torch.testing.assert_close(p.detach(), theta)


def test_rmsprop_numpy_answer_is_accepted(capsys):
    import numpy as np

    def with_numpy(theta, g, v, lr, alpha, eps):
        theta, g, v = np.asarray(theta), np.asarray(g), np.asarray(v)
        v = alpha * v + (1 - alpha) * g**2
        return theta - lr * g / (np.sqrt(v) + eps), v

    ok, _ = run(check_rmsprop_step, with_numpy, capsys=capsys)
    assert ok


@pytest.mark.parametrize("slip, words", [
    (lambda th, g, v, lr, a, e: (th - lr * g / ((a * v + (1 - a) * g * g) + e).sqrt(), a * v + (1 - a) * g * g),
     "inside your square root"),
    (lambda th, g, v, lr, a, e: (th - lr * g / ((a * v + g * g).sqrt() + e), a * v + g * g), "(1 − α)"),
    (lambda th, g, v, lr, a, e: (th - lr * g / (v.sqrt() + e), a * v + (1 - a) * g * g), "NEW average"),
    (lambda th, g, v, lr, a, e: (th - lr * g / ((a * v + (1 - a) * g * g) + e), a * v + (1 - a) * g * g), "ROOT"),
    (lambda th, g, v, lr, a, e: (th + lr * g / ((a * v + (1 - a) * g * g).sqrt() + e), a * v + (1 - a) * g * g),
     "against the gradient"),
    (lambda th, g, v, lr, a, e: (th - lr * g / ((((1 - a) * v + a * g * g)).sqrt() + e), (1 - a) * v + a * g * g),
     "swapped"),
    (lambda th, g, v, lr, a, e: (th, v), "new average v is not right"),
    (lambda th, g, v, lr, a, e: (th, a * v + (1 - a) * g * g), "v is right"),
    (lambda th, g, v, lr, a, e: th, "must return the pair"),
])
def test_rmsprop_slips(slip, words, capsys):
    ok, out = run(check_rmsprop_step, slip, capsys=capsys)
    assert not ok and out.startswith("✗") and words in out


# --- check_adam_first_step ---------------------------------------------------------------------

WITH = 1e-3 * 0.5 / (0.5 + 1e-8)
WITHOUT = 1e-3 * 0.05 / (math.sqrt(0.001 * 0.25) + 1e-8)


def test_adam_first_step_right_and_torch_agrees(capsys):
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=1e-3)
    (0.5 * p).sum().backward()
    opt.step()
    assert abs(p.item()) == pytest.approx(WITH, rel=1e-12)
    ok, out = run(check_adam_first_step, WITH, WITHOUT, capsys=capsys)
    assert ok and out.startswith("✓") and f"{WITHOUT:.4f}" not in out


def test_adam_first_step_sign_is_not_held_against_you(capsys):
    ok, _ = run(check_adam_first_step, -WITH, -WITHOUT, capsys=capsys)
    assert ok


@pytest.mark.parametrize("answers, words", [
    ((WITHOUT, WITH), "swapped"),
    ((WITH, 1e-4), "so is v"),
    ((WITH, 1e-3 * 0.05 / math.sqrt(0.25)), "so is v"),
    ((WITH, 1e-3 * 0.5 / math.sqrt(0.00025)), "still corrected m"),
    ((WITH, 1e-3 * 0.05 / 0.00025), "SQUARE ROOT"),
    ((WITH, 2 * WITHOUT), "factor of 2"),
    ((1e-3 * 0.5 / 0.25, WITHOUT), "SQUARE ROOT of v̂"),
    (("fast", WITHOUT), "give a number"),
])
def test_adam_first_step_slips(answers, words, capsys):
    ok, out = run(check_adam_first_step, *answers, capsys=capsys)
    assert not ok and words in out


# --- check_adagrad_steps -----------------------------------------------------------------------


def test_adagrad_steps_right_and_simulated(capsys):
    from course_lib.optim import adagrad_update

    theta, state = torch.zeros(1, dtype=torch.float64), {}
    sizes = []
    for _ in range(10_000):
        before = theta.clone()
        adagrad_update(theta, torch.tensor([2.0], dtype=torch.float64), state, lr=1.0, eps=0.0)
        sizes.append(abs((theta - before).item()))
    assert sizes[-1] == pytest.approx(0.01, rel=1e-9) and sizes[-2] > 0.01
    ok, out = run(check_adagrad_steps, 10_000, capsys=capsys)
    assert ok and "10000" not in out and "10 000" not in out


@pytest.mark.parametrize("answer, words", [(100, "1/√t"), (2500, "cancel"), (40000, "cancels"),
                                           (9999, "off by one"), (5, "not right yet"), ("soon", "number")])
def test_adagrad_steps_slips(answer, words, capsys):
    ok, out = run(check_adagrad_steps, answer, capsys=capsys)
    assert not ok and words in out


# --- stubs ---------------------------------------------------------------------------------------
