"""course_lib.checks.adaptive: right answers pass, typical slips get their own hint, stubs say "not done"."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from course_lib.checks import exercise
from course_lib.checks.adaptive import check_adagrad_steps, check_adam_second_step, check_centered_rmsprop
from course_lib.checks.core import exercise_stub


def run(check, *answers, capsys):
    ok = check(*answers)
    return ok, capsys.readouterr().out


# --- check_centered_rmsprop ----------------------------------------------------------------------


def right(theta, g, v, g_avg, lr, alpha, eps):
    v = alpha * v + (1 - alpha) * g * g
    g_avg = alpha * g_avg + (1 - alpha) * g
    return theta - lr * g / ((v - g_avg * g_avg).sqrt() + eps), v, g_avg


def test_centered_right_equals_torch(capsys):
    ok, out = run(check_centered_rmsprop, right, capsys=capsys)
    assert ok and out.startswith("✓")
    # the reference the check uses is torch's centered RMSprop, step for step, from a zero start
    p = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RMSprop([p], lr=0.05, alpha=0.9, eps=1e-2, centered=True)
    theta, v, g_avg = p.detach().clone(), torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    for _ in range(6):
        opt.zero_grad()
        (p**4).sum().backward()
        theta, v, g_avg = right(theta, 4 * theta**3, v, g_avg, 0.05, 0.9, 1e-2)
        opt.step()
    torch.testing.assert_close(p.detach(), theta)
    torch.testing.assert_close(opt.state[p]["grad_avg"], g_avg)


def test_centered_numpy_and_list_answers_are_accepted(capsys):
    def with_numpy(theta, g, v, g_avg, lr, alpha, eps):
        theta, g, v, g_avg = (np.asarray(x) for x in (theta, g, v, g_avg))
        v = alpha * v + (1 - alpha) * g**2
        g_avg = alpha * g_avg + (1 - alpha) * g
        return theta - lr * g / (np.sqrt(v - g_avg**2) + eps), v, g_avg

    assert run(check_centered_rmsprop, with_numpy, capsys=capsys)[0]
    assert run(check_centered_rmsprop, lambda *a: [list(map(float, x)) for x in with_numpy(*a)], capsys=capsys)[0]
    assert run(check_centered_rmsprop, lambda *a: [torch.as_tensor(x) for x in with_numpy(*a)], capsys=capsys)[0]


def _slip(kind):
    def step(th, g, v, ga, lr, a, e):
        v2, ga2 = a * v + (1 - a) * g * g, a * ga + (1 - a) * g
        if kind == "eps inside":
            return th - lr * g / (v2 - ga2**2 + e).sqrt(), v2, ga2
        if kind == "old":
            return th - lr * g / ((v2 - ga**2).sqrt() + e), v2, ga2
        if kind == "not squared":
            return th - lr * g / ((v2 - ga2).sqrt() + e), v2, ga2
        if kind == "plain":
            return th - lr * g / (v2.sqrt() + e), v2, ga2
        if kind == "plus":
            return th + lr * g / ((v2 - ga2**2).sqrt() + e), v2, ga2
        if kind == "no 1-alpha":
            ga3 = a * ga + g
            return th - lr * g / ((v2 - ga3**2).sqrt() + e), v2, ga3
        if kind == "swapped":
            ga3 = (1 - a) * ga + a * g
            return th - lr * g / ((v2 - ga3**2).sqrt() + e), v2, ga3
        if kind == "v wrong":
            return th, v, ga2
        if kind == "theta wrong":
            return th, v2, ga2
        if kind == "pair":
            return th, v2
        if kind == "raises":
            raise ValueError("sizes")
        raise AssertionError(kind)
    return step


@pytest.mark.parametrize("kind, words", [
    ("eps inside", "inside your square root"), ("old", "NEW average ḡ_t"), ("not squared", "SQUARE of the average"),
    ("plain", "subtracts ḡ_t²"), ("plus", "against the gradient"), ("no 1-alpha", "(1 − α)"),
    ("swapped", "swapped"), ("v wrong", "new v is not right"), ("theta wrong", "v and ḡ are right"),
    ("pair", "must return the triple"), ("raises", "raised ValueError on tensors of 5 numbers"),
])
def test_centered_slips(kind, words, capsys):
    ok, out = run(check_centered_rmsprop, _slip(kind), capsys=capsys)
    assert not ok and out.startswith("✗") and words in out, out


def test_centered_stub_is_not_done(capsys):
    result = check_centered_rmsprop(exercise_stub("my_centered_step"))
    assert result.status == "not done"


# --- check_adam_second_step ----------------------------------------------------------------------

EX = exercise("adaptive-adam-second-step").inputs


def torch_adam_steps(**kw):
    """|theta_2 - theta_1| from torch.optim.Adam fed the registry's two gradients."""
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=EX["lr"], betas=(EX["beta1"], EX["beta2"]), eps=EX["eps"], **kw)
    thetas = []
    for g in (EX["grad1"], EX["grad2"]):
        p.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        thetas.append(p.item())
    return thetas


def no_hats():
    """The same two steps with the hats removed: a plain loop (the independent reference)."""
    b1, b2 = EX["beta1"], EX["beta2"]
    m = v = 0.0
    for g in (EX["grad1"], EX["grad2"]):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
    return EX["lr"] * m / (math.sqrt(v) + EX["eps"])


WITH = abs(torch_adam_steps()[1] - torch_adam_steps()[0])
WITHOUT = no_hats()


def test_adam_second_step_right_against_torch(capsys):
    assert WITH == pytest.approx(0.000511026, rel=1e-5) and WITHOUT == pytest.approx(0.00217165, rel=1e-5)
    ok, out = run(check_adam_second_step, WITH, WITHOUT, capsys=capsys)
    assert ok and out.startswith("✓") and f"{WITHOUT:.4f}" not in out and f"{WITH:.6f}" not in out


@pytest.mark.parametrize("convert", [float, np.float64, np.array, lambda x: torch.tensor(x, dtype=torch.float64),
                                     lambda x: torch.tensor([x]), lambda x: [x], lambda x: -x])
def test_adam_second_step_any_numeric_type_and_either_sign(convert, capsys):
    assert run(check_adam_second_step, convert(WITH), convert(WITHOUT), capsys=capsys)[0]


def _hand(m_corr, v_corr, sqrt=True):
    lr, b1, b2, eps, g1, g2 = (EX[k] for k in ("lr", "beta1", "beta2", "eps", "grad1", "grad2"))
    m = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v = b2 * (1 - b2) * g1 * g1 + (1 - b2) * g2 * g2
    denom = math.sqrt(v / v_corr) if sqrt else v / v_corr
    return abs(lr * (m / m_corr) / (denom + eps))


@pytest.mark.parametrize("answers, words", [
    ((WITHOUT, WITH), "swapped"),
    ((0.001, 0.001 * 0.05 / math.sqrt(0.00025)), "FIRST step"),
    ((_hand(1 - EX["beta1"], 1 - EX["beta2"]), WITHOUT), "1 − β₁²"),
    ((0.001 + WITH, WITHOUT), "θ₂ − θ₀"),
    ((_hand(1 - EX["beta1"] ** 2, 1 - EX["beta2"] ** 2, sqrt=False), WITHOUT), "SQUARE ROOT of v̂"),
    ((abs(EX["lr"] * (0.1 * EX["grad2"] / 0.19) / math.sqrt(0.001 * 0.01 / (1 - 0.999**2))), WITHOUT),
     "still hold the first gradient"),
    ((WITH, _hand(1 - EX["beta1"] ** 2, 1)), "still corrected m"),
    ((WITH, _hand(1, 1 - EX["beta2"] ** 2)), "still corrected v"),
    ((WITH, _hand(1, 1, sqrt=False)), "SQUARE ROOT of v"),
    ((WITH, 2 * WITHOUT), "factor of 2"),
    ((WITH, round(WITHOUT, 4)), "close but not precise"),
    (("small", WITHOUT), "give a number"),
])
def test_adam_second_step_slips(answers, words, capsys):
    ok, out = run(check_adam_second_step, *answers, capsys=capsys)
    assert not ok and words in out, out
    assert f"{WITH:.4g}" not in out and f"{WITHOUT:.4g}" not in out


# --- check_adagrad_steps -----------------------------------------------------------------------


def test_adagrad_steps_right_and_simulated(capsys):
    from course_lib.optim import adagrad_update

    ex = exercise("adaptive-adagrad-decay").inputs
    theta, state = torch.zeros(1, dtype=torch.float64), {}
    sizes = []
    for _ in range(10_000):
        before = theta.clone()
        adagrad_update(theta, torch.tensor([ex["grad"]], dtype=torch.float64), state, lr=ex["lr"], eps=0.0)
        sizes.append(abs((theta - before).item()))
    assert sizes[-1] == pytest.approx(ex["step"], rel=1e-9) and sizes[-2] > ex["step"]
    ok, out = run(check_adagrad_steps, 10_000, capsys=capsys)
    assert ok and "10000" not in out and "10 000" not in out
    for same in (np.int64(10_000), np.array([10_000.0]), torch.tensor(10_000), [10_000], 10_000 * (1 + 1e-12)):
        assert run(check_adagrad_steps, same, capsys=capsys)[0]


@pytest.mark.parametrize("answer, words", [(100, "1/√t"), (2500, "cancel"), (40000, "cancels"),
                                           (9999, "off by one"), (5, "not right yet"), ("soon", "number")])
def test_adagrad_steps_slips(answer, words, capsys):
    ok, out = run(check_adagrad_steps, answer, capsys=capsys)
    assert not ok and words in out
