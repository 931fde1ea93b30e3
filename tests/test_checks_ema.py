"""course_lib.checks.ema: right answers pass, typical slips get their own hint, stubs say "not done"."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.checks.ema import check_debias, check_lag, check_my_ema, check_ninety_percent


def run(check, answer, capsys):
    ok = check(answer)
    return ok, capsys.readouterr().out


# --- check_my_ema ------------------------------------------------------------------------------


def right_ema(values, beta):
    out = [values[0]]
    for y in values[1:]:
        out.append(beta * out[-1] + (1 - beta) * y)
    return out


def test_my_ema_right(capsys):
    ok, out = run(check_my_ema, right_ema, capsys)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("slip, words", [
    (lambda v, b: right_ema(v, 1 - b), "swapped"),
    (lambda v, b: _zero_start(v, b), "S_0 = 0"),
    (lambda v, b: [v[0]] + [b * v[i - 1] + (1 - b) * v[i] for i in range(1, len(v))], "previous AVERAGE"),
    (lambda v, b: right_ema(v, b)[:-1], "one average per value"),
    (lambda v, b: [v[0]] + right_ema(v, b)[:-1], "shifted by one"),
    (lambda v, b: 1 / 0, "ZeroDivisionError"),
])
def test_my_ema_slips(slip, words, capsys):
    ok, out = run(check_my_ema, slip, capsys)
    assert not ok and out.startswith("✗") and words in out


def _zero_start(values, beta):
    s, out = 0.0, []
    for y in values:
        s = beta * s + (1 - beta) * y
        out.append(s)
    return out


def test_my_ema_does_not_print_the_answer(capsys):
    ok, out = run(check_my_ema, lambda v, b: [0.0] * len(v), capsys)
    assert not ok and "first difference at day 1" in out


# --- check_ninety_percent ----------------------------------------------------------------------


def test_ninety_percent(capsys):
    n = 22
    assert 1 - 0.9**n >= 0.9 > 1 - 0.9 ** (n - 1)
    ok, out = run(check_ninety_percent, n, capsys)
    assert ok and out.startswith("✓") and "22" not in out


@pytest.mark.parametrize("answer, words", [
    (21, "round the other way"), (10, "effective window"), (21.85, "whole number"), (5, "solve"),
    (-3, "negative"), ("many", "give a number"),
])
def test_ninety_percent_slips(answer, words, capsys):
    ok, out = run(check_ninety_percent, answer, capsys)
    assert not ok and words in out
    assert "22" not in out


# --- check_debias ------------------------------------------------------------------------------


def right_debias(s, beta):
    t = np.arange(1, len(s) + 1)
    return np.asarray(s) / (1 - beta**t)


def test_debias_right(capsys):
    ok, out = run(check_debias, right_debias, capsys)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("slip, words", [
    (lambda s, b: np.asarray(s) / (1 - b ** np.arange(len(s))), "t = 1"),
    (lambda s, b: np.asarray(s) / (1 - b ** np.arange(2, len(s) + 2)), "off by one"),
    (lambda s, b: np.asarray(s) * (1 - b ** np.arange(1, len(s) + 1)), "multiplied"),
    (lambda s, b: np.asarray(s) / b ** np.arange(1, len(s) + 1), "not by β^t"),
    (lambda s, b: np.asarray(s) / (1 - b), "changes with the step"),
    (lambda s, b: s[:3], "one corrected value"),
])
def test_debias_slips(slip, words, capsys):
    with np.errstate(divide="ignore", invalid="ignore"):
        ok, out = run(check_debias, slip, capsys)
    assert not ok and words in out


# --- check_lag ---------------------------------------------------------------------------------


def test_lag(capsys):
    ok, out = run(check_lag, 9.0, capsys)
    assert ok and "9" not in out


@pytest.mark.parametrize("answer, words", [(10.0, "effective window"), (-9.0, "BELOW"), (1 / 9, "swapped"),
                                           (18.0, "factor of 2"), (3.0, "not right yet")])
def test_lag_slips(answer, words, capsys):
    ok, out = run(check_lag, answer, capsys)
    assert not ok and words in out


# --- stubs ---------------------------------------------------------------------------------------
