"""The exercise checks of "Choosing an optimizer": right answers pass, typical slips get their hint."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from course_lib.checks import choosing as cc
from course_lib.training import settle_steps


def run(check, *args):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ok = check(*args)
    return ok, buf.getvalue()


# --- settle steps ---------------------------------------------------------------------------------


def _loop_settle(losses, tol):
    out = []
    for row in np.asarray(losses, dtype=float):
        ok = [bool(np.isfinite(v) and abs(v) <= tol) for v in row]
        t = len(ok)
        while t and ok[t - 1]:
            t -= 1
        out.append(-1 if t == len(ok) else t)
    return out


def test_settle_right_answers_pass():
    assert run(cc.check_settle_steps, _loop_settle)[0]
    assert run(cc.check_settle_steps, lambda losses, tol: settle_steps(losses, tol))[0]


def _first_touch(losses, tol):
    within = np.abs(np.nan_to_num(losses, nan=np.inf)) <= tol
    return np.where(within.any(1), within.argmax(1), -1)


def _nan_inside(losses, tol):
    ok = ~(np.abs(losses) > tol)  # NaN > tol is False, so NaN counts as inside
    out = []
    for row in ok:
        t = len(row)
        while t and row[t - 1]:
            t -= 1
        out.append(-1 if t == len(row) else t)
    return out


@pytest.mark.parametrize("fn,hint", [
    (_first_touch, "first touches"),
    (_nan_inside, "NaN"),
    (lambda losses, tol: [s + 1 if s >= 0 else s for s in _loop_settle(losses, tol)], "off by one"),
    (lambda losses, tol: [s if s >= 0 else len(losses[0]) for s in _loop_settle(losses, tol)], "-1"),
    (lambda losses, tol: [0, 1], "one step per row"),
])
def test_settle_slips_get_their_hint(fn, hint):
    ok, out = run(cc.check_settle_steps, fn)
    assert not ok and hint in out


# --- step decay -----------------------------------------------------------------------------------


def test_step_lr_right_answer_passes():
    ok, out = run(cc.check_step_lr, lambda lr0, e, s, g: lr0 * g ** (e // s))
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("fn,hint", [
    (lambda lr0, e, s, g: lr0 * g ** ((e + 1) // s), "one epoch early"),
    (lambda lr0, e, s, g: lr0 * g**e, "every epoch"),
    (lambda lr0, e, s, g: g ** (e // s), "initial learning rate"),
    (lambda lr0, e, s, g: lr0 * g * (e // s), "power of gamma"),
    (lambda lr0, e, s, g: lr0 / (1 + e), "differs"),
])
def test_step_lr_slips_get_their_hint(fn, hint):
    ok, out = run(cc.check_step_lr, fn)
    assert not ok and hint in out


# --- steep ravine ---------------------------------------------------------------------------------


def test_steep_ravine_right_answer_passes_and_slips_get_hints():
    right = cc._expected_steep()
    assert run(cc.check_steep_ravine, dict(right))[0]
    ok, out = run(cc.check_steep_ravine, cc._expected_steep(kappa=20.0))
    assert not ok and "kappa = 20" in out
    touch = cc._expected_steep(settle=False)
    assert touch != right  # the two counts differ on this set-up, so the hint can tell them apart
    ok, out = run(cc.check_steep_ravine, touch)
    assert not ok and "first touch" in out
    wrong = dict(right, Adam=right["Adam"] + 5)
    ok, out = run(cc.check_steep_ravine, wrong)
    assert not ok and "Adam" in out and str(right["Adam"]) not in out
    ok, out = run(cc.check_steep_ravine, {"SGD": 1})
    assert not ok and "Nesterov" in out
    ok, out = run(cc.check_steep_ravine, [1, 2, 3])
    assert not ok and "dict" in out
