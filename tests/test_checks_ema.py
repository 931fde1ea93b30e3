"""course_lib.checks.ema: right answers pass, typical slips get their own hint, stubs say "not done"."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.checks.ema import WEIGHT_CASES, check_corrected_weights, check_debias, check_lag, check_ninety_percent
from course_lib.ema import ema


def run(check, answer, capsys):
    ok = check(answer)
    return ok, capsys.readouterr().out


# --- check_corrected_weights -------------------------------------------------------------------


def right_weights(beta, t):
    """Independent of the check's formula: the bias-corrected EMA of each unit vector e_j, read off at step t."""
    return np.array([ema(np.eye(t)[t - 1 - k], beta, start="zero", bias_correction=True)[-1] for k in range(t)])


def test_corrected_weights_right_in_numpy_torch_and_lists(capsys):
    for answer in (right_weights, lambda b, t: torch.tensor(right_weights(b, t)),
                   lambda b, t: list(right_weights(b, t)), lambda b, t: [torch.tensor(w) for w in right_weights(b, t)]):
        ok, out = run(check_corrected_weights, answer, capsys)
        assert ok and out.startswith("✓"), out


def test_corrected_weights_sum_to_one_and_rebuild_the_corrected_ema():
    y = np.array([10.0, 10.5, 11.0, 11.2, 11.3])
    for beta, t in WEIGHT_CASES:
        w = right_weights(beta, t)
        assert w.sum() == pytest.approx(1.0, rel=1e-12)
    w = right_weights(0.9, 5)
    assert w @ y[::-1] == pytest.approx(ema(y, 0.9, start="zero", bias_correction=True)[-1], rel=1e-12)


def _raw(beta, t):
    return (1 - beta) * beta ** np.arange(t)


def _first_start(beta, t):
    w = _raw(beta, t)
    w[-1] = beta ** (t - 1)
    return w


@pytest.mark.parametrize("slip, words", [
    (lambda b, t: right_weights(b, t)[::-1], "oldest first"),
    (_raw, "zero-started EMA's own weights"),
    (_first_start, "S_1 = Y_1 start"),
    (lambda b, t: np.full(t, 1 / t), "arithmetic mean"),
    (lambda b, t: _raw(b, t) / (1 - b ** (t + 1)), "correction's exponent"),
    (lambda b, t: b * _raw(b, t) / (1 - b**t), "exponent of beta"),
    (lambda b, t: _raw(b, t) / b**t, "not by beta^t"),
    (lambda b, t: right_weights(b, t)[:-1], "one weight per value"),
    (lambda b, t: 2 * right_weights(b, t), "sum to 2.0000, not 1"),
    (lambda b, t: 1 / 0, "raised ZeroDivisionError on beta = 0.9, t = 5"),
])
def test_corrected_weights_slips(slip, words, capsys):
    ok, out = run(check_corrected_weights, slip, capsys)
    assert not ok and out.startswith("✗") and words in out, out
    for v in right_weights(0.9, 5):
        assert f"{v:.4f}" not in out


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
