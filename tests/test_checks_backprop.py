"""course_lib.checks.backprop: right answers pass, the usual slips get their own hint, stubs raise."""

from __future__ import annotations

import pytest

from course_lib import backprop as bp
from course_lib.checks import backprop as cb

G = bp.gradients()
F = bp.forward()
W = bp.SEED["w"]
(I1, I2), (T1, T2) = bp.SEED["i"], bp.SEED["target"]
H1, H2, O1, O2 = F["h1"], F["h2"], F["o1"], F["o2"]
D_O1 = (O1 - T1) * O1 * (1 - O1)
D_O2 = (O2 - T2) * O2 * (1 - O2)
D_H1 = (D_O1 * W[4] + D_O2 * W[6]) * H1 * (1 - H1)
D_H2 = (D_O1 * W[5] + D_O2 * W[7]) * H2 * (1 - H2)


def run(check, answer, capsys):
    ok = check(answer)
    return ok, capsys.readouterr().out


def assert_no_value_leaked(out: str, value: float):
    for digits in (6, 9):
        assert f"{value:.{digits}f}" not in out


# --- dL/dw6 -----------------------------------------------------------------------------------------


def test_dw6_right(capsys):
    ok, out = run(cb.check_dw6, D_O1 * H2, capsys)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("answer, words", [
    (2 * G["w6"], "factor of 2"),
    (0.5 * G["w6"], "factor of 2"),
    (-G["w6"], "wrong sign"),
    (G["w5"], "h2 (not h1)"),
    (G["w8"], "not from o2"),
    ((O1 - T1) * H2, "sigmoid's derivative"),
    (O1 * (1 - O1) * H2, "dL/do1"),
    (0.5, "not right yet"),
])
def test_dw6_slips(answer, words, capsys):
    ok, out = run(cb.check_dw6, answer, capsys)
    assert not ok and out.startswith("✗") and words in out, out
    assert_no_value_leaked(out, G["w6"])


def test_dw6_not_a_number(capsys):
    ok, out = run(cb.check_dw6, [0.08, 0.1], capsys)
    assert not ok and "one number" in out
    ok, out = run(cb.check_dw6, "0.08", capsys)
    assert not ok and "text" in out


# --- dL/dw2 -----------------------------------------------------------------------------------------


def test_dw2_right(capsys):
    ok, out = run(cb.check_dw2, D_H1 * I2, capsys)
    assert ok and out.startswith("✓")


VIA_O1 = D_O1 * W[4] * H1 * (1 - H1) * I2
VIA_O2 = D_O2 * W[6] * H1 * (1 - H1) * I2


@pytest.mark.parametrize("answer, words", [
    (VIA_O1, "only one output path"),
    (VIA_O2, "only one output path"),
    (VIA_O1 - VIA_O2, "wrong sign"),
    (G["w1"], "i2 (not i1)"),
    (G["w4"], "not h2"),
    (G["w2"] / (H1 * (1 - H1)), "sigmoid's derivative at h1"),
    (2 * G["w2"], "factor of 2"),
    (-G["w2"], "wrong sign"),
])
def test_dw2_slips(answer, words, capsys):
    ok, out = run(cb.check_dw2, answer, capsys)
    assert not ok and words in out, out
    assert_no_value_leaked(out, G["w2"])


# --- dL/db1 -----------------------------------------------------------------------------------------


def test_db1_right(capsys):
    ok, out = run(cb.check_db1, D_H1 + D_H2, capsys)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("answer, words", [
    (D_H1, "shared"),
    (D_H2, "shared"),
    ((D_H1 + D_H2) / 2, "averaged"),
    (G["b2"], "output layer's bias"),
    (-(D_H1 + D_H2), "wrong sign"),
    (2 * (D_H1 + D_H2), "factor of 2"),
])
def test_db1_slips(answer, words, capsys):
    ok, out = run(cb.check_db1, answer, capsys)
    assert not ok and words in out, out
    assert_no_value_leaked(out, G["b1"])


# --- the gradient checker ---------------------------------------------------------------------------


def central(f, params, eps=1e-6):
    out = []
    for k in range(len(params)):
        plus, minus = list(params), list(params)
        plus[k] += eps
        minus[k] -= eps
        out.append((f(plus) - f(minus)) / (2 * eps))
    return out


def forward_diff(f, params, eps=1e-6):
    out = []
    for k in range(len(params)):
        plus = list(params)
        plus[k] += eps
        out.append((f(plus) - f(params)) / eps)
    return out


def wrong_divisor(f, params, eps=1e-6):
    return [2 * g for g in central(f, params, eps)]


def in_place(f, params, eps=1e-6):
    out = []
    for k in range(len(params)):
        params[k] += eps
        up = f(params)
        params[k] -= 2 * eps
        down = f(params)
        out.append((up - down) / (2 * eps))
    return out  # forgets to restore params[k]


def too_short(f, params, eps=1e-6):
    return central(f, params, eps)[:-1]


def crashes(f, params, eps=1e-6):
    raise RuntimeError("oops")


def test_gradient_checker_right(capsys):
    ok, out = run(cb.check_gradient_checker, central, capsys)
    assert ok and out.startswith("✓"), out


@pytest.mark.parametrize("checker, words", [
    (forward_diff, "central differences"),
    (wrong_divisor, "2 eps apart"),
    (in_place, "changed the params"),
    (too_short, "one partial derivative per parameter"),
    (crashes, "raised RuntimeError"),
])
def test_gradient_checker_slips(checker, words, capsys):
    ok, out = run(cb.check_gradient_checker, checker, capsys)
    assert not ok and words in out, out


def test_gradient_checker_not_callable(capsys):
    ok, out = run(cb.check_gradient_checker, 3.0, capsys)
    assert not ok and "should be a function" in out


# --- stubs ------------------------------------------------------------------------------------------
