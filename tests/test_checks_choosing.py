"""The exercise checks of "Choosing an optimizer": right answers pass, typical slips get their hint."""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest
import torch

from course_lib import training
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
    assert run(cc.check_settle_steps, lambda losses, tol: torch.tensor(_loop_settle(losses, tol)))[0]
    assert run(cc.check_settle_steps, lambda losses, tol: np.array(_loop_settle(losses, tol), dtype=float))[0]


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


# --- tolerance band -------------------------------------------------------------------------------


def _loop_band(losses, lrs, factor):
    """A plain loop, written apart from the library: walk out from the lowest finite loss."""
    losses = [float(v) for v in np.asarray(losses).ravel()]
    lrs = [float(v) for v in np.asarray(lrs).ravel()]
    finite = [i for i, v in enumerate(losses) if v == v]
    best = min(finite, key=lambda i: losses[i])

    def ok(i):
        return losses[i] == losses[i] and losses[i] <= factor * losses[best]

    lo = best
    while lo - 1 >= 0 and ok(lo - 1):
        lo -= 1
    hi = best
    while hi + 1 < len(losses) and ok(hi + 1):
        hi += 1
    return math.log10(lrs[hi] / lrs[lo])


def test_band_right_answers_pass_whatever_the_number_type():
    assert run(cc.check_tolerance_band, _loop_band)[0]
    assert run(cc.check_tolerance_band, lambda l, r, f: np.float64(_loop_band(l, r, f)))[0]
    assert run(cc.check_tolerance_band, lambda l, r, f: torch.tensor(_loop_band(l, r, f)))[0]
    assert run(cc.check_tolerance_band, lambda l, r, f: [_loop_band(l, r, f)])[0]
    assert run(cc.check_tolerance_band, lambda l, r, f: training.tolerance_band(l, r, f)["decades"])[0]


def test_band_cases_agree_with_the_plain_loop():
    for _, losses, lrs, factor in cc.BAND_CASES:
        assert training.tolerance_band(losses, lrs, factor)["decades"] == pytest.approx(_loop_band(losses, lrs, factor))


def _points_times_spacing(losses, lrs, factor):
    w = _loop_band(losses, lrs, factor)
    spacing = math.log10(lrs[1] / lrs[0])
    return w + spacing  # k points x spacing = (k - 1) gaps + one spacing too many


def _scattered(losses, lrs, factor):
    losses, lrs = np.asarray(losses), np.asarray(lrs)
    inside = lrs[losses <= factor * np.nanmin(losses)]
    return math.log10(inside.max() / inside.min())


def _argmin_with_nan(losses, lrs, factor):
    losses = np.asarray(losses)
    best = int(np.argmin(losses))  # the position of a NaN when there is one
    inside = losses <= factor * losses[best]
    lo = hi = best
    while lo > 0 and inside[lo - 1]:
        lo -= 1
    while hi < len(losses) - 1 and inside[hi + 1]:
        hi += 1
    return math.log10(lrs[hi] / lrs[lo])


@pytest.mark.parametrize("fn,hint", [
    (lambda l, r, f: _loop_band(l, r, f) * math.log(10), "base 10"),
    (_points_times_spacing, "k - 1 gaps"),
    (_scattered, "contiguous"),
    (_argmin_with_nan, "NaN"),
    (lambda l, r, f: _loop_band(l, r, 2.0), "factor you are given"),
    (lambda l, r, f: 1.0, "not right yet on the curve with an even grid"),
    (lambda l, r, f: [1.0, 2.0], "one number"),
    (lambda l, r, f: l[100], "IndexError on the curve with an even grid"),
])
def test_band_slips_get_their_hint_and_never_the_answer(fn, hint):
    ok, out = run(cc.check_tolerance_band, fn)
    assert not ok and hint in out
    assert "1.5" not in out.replace("factor 1.5", "")  # the first curve's width is never printed


# --- steep ravine ---------------------------------------------------------------------------------


def test_steep_ravine_right_answer_passes_and_slips_get_hints():
    right = cc._expected_steep()
    assert run(cc.check_steep_ravine, dict(right))[0]
    assert run(cc.check_steep_ravine, {n: np.int64(v) for n, v in right.items()})[0]
    assert run(cc.check_steep_ravine, {n: torch.tensor(float(v)) for n, v in right.items()})[0]
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
