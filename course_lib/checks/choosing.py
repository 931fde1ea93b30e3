"""Checks for the exercises of "Choosing an optimizer". They never print the answer."""

from __future__ import annotations

import math

import numpy as np

from course_lib.checks.core import (
    AnswerError,
    ExerciseNotDone,
    as_array,
    as_int,
    call_answer,
    exercise_check,
    report,
)
from course_lib.checks.registry import exercise
from course_lib.surfaces import Ravine
from course_lib.training import RULE_NAMES, best_steps, settle_steps, tolerance_band

__all__ = ["check_settle_steps", "check_tolerance_band", "check_steep_ravine", "STEEP_RAVINE", "BAND_CASES"]

#: The set-up of the steep-ravine exercise (from the registry): the surface, the optimizers, the grid, the
#: budget, the tolerance.
STEEP_RAVINE = exercise("choosing-steep-ravine").inputs


def _first_hit(losses, tol):
    within = np.abs(np.nan_to_num(losses, nan=np.inf)) <= tol
    return np.where(within.any(axis=1), within.argmax(axis=1), -1)


def _run(fn, name: str, on: str, *args):
    if not callable(fn):
        raise AnswerError(f"`{name}` should be a function, got a {type(fn).__name__}")
    try:
        return fn(*args)
    except ExerciseNotDone:
        raise
    except Exception as err:  # noqa: BLE001 - a student's function may raise anything
        raise AnswerError(f"your `{name}` raised {type(err).__name__} on {on}: {err}") from None


@exercise_check("choosing-settle-steps")
def check_settle_steps(fn):
    """``fn(losses, tol)``: for each row, the first step from which the loss stays within ``tol`` of 0."""
    losses = np.array([
        [4.0, 1.0, 0.05, 0.002, 0.0005, 0.0001, 0.00002],    # settles at 3
        [4.0, 0.0005, 0.3, 0.1, 0.0008, 0.0004, 0.0002],     # touches at 1, leaves, settles at 4
        [4.0, 3.0, 2.0, 1.0, 0.5, 0.2, 0.1],                 # never
        [4.0, 0.0004, 0.0002, np.nan, np.nan, np.nan, np.nan],  # touches, then diverges
        [0.0001] * 7,                                        # from the start
    ])
    tol = 1e-3
    expected = settle_steps(losses, tol)
    out = _run(fn, "steps_to_settle", "losses of shape (5, 7) with tol = 0.001 (NaN rows included)",
               losses.copy(), tol)
    got = as_array(out, "the steps your function returns").ravel()
    if not np.all(got == np.round(got)):
        raise AnswerError("the steps your function returns should be whole numbers")
    got = got.astype(int)
    if got.shape != expected.shape:
        return report([f"return one step per row: {len(expected)} numbers for {len(expected)} runs"], "")
    problems = []
    if not np.array_equal(got, expected):
        first = _first_hit(losses, tol)
        if np.array_equal(got, first) or (got[1] == first[1] and got[1] != expected[1]):
            problems.append("you report when a run first touches the tolerance; a run can touch it and leave "
                            "again: count from where it stays within it to the end")
        elif got[2] != expected[2]:
            problems.append("a run that never gets within the tolerance should give -1")
        elif got[3] != expected[3]:
            problems.append("a run that diverges (NaN losses) has not settled: NaN must never count as within")
        elif np.array_equal(got[expected >= 0], expected[expected >= 0] + 1):
            problems.append("off by one: the step index starts at 0 (the starting point)")
        else:
            problems.append("some rows are not right yet")
    return report(problems, "settle steps are right: touching the tolerance is not enough, staying is")


#: The curves the tolerance-band check tries: (what they test, losses, learning rates, factor).
_HALF = tuple(10 ** (k / 2) for k in range(-4, 5))  # 0.01 ... 100, half a decade apart
_NAN = float("nan")
BAND_CASES = (
    ("an even grid", (0.45, 0.2, 0.05, 0.028, 0.02, 0.025, 0.039, 0.5, _NAN), _HALF, 2.0),
    ("a second dip beyond a cliff", (0.5, 0.03, 0.5, 0.025, 0.02, 0.2, 0.035, 0.5, 0.5), _HALF, 2.0),
    ("a diverged run (NaN) next to the best", (0.5, 0.2, 0.039, 0.03, 0.02, _NAN, 0.03, 0.5, 0.5), _HALF, 2.0),
    ("an uneven grid", (0.4, 0.06, 0.035, 0.03, 0.02, 0.03, 0.5), (0.001, 0.003, 0.01, 0.02, 0.05, 0.1, 1.0), 2.0),
    ("the best at the end of the grid", (0.02, 0.03, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5), _HALF, 2.0),
    ("a factor of 1.5", (0.45, 0.2, 0.05, 0.028, 0.02, 0.025, 0.039, 0.5, _NAN), _HALF, 1.5),
)


def _band_slips(losses, lrs, factor) -> dict[str, float]:
    """What the usual slips give on one curve (the right answer is tolerance_band's)."""
    losses, lrs = np.asarray(losses, dtype=float), np.asarray(lrs, dtype=float)
    band = tolerance_band(losses, lrs, factor)
    lo, hi = int(np.flatnonzero(lrs == band["lo"])[0]), int(np.flatnonzero(lrs == band["hi"])[0])
    best = np.nanmin(losses)
    inside = np.flatnonzero(losses <= factor * best)
    spacing = float(np.log10(lrs[1] / lrs[0]))
    return {"points": (hi - lo + 1) * spacing, "scattered": float(np.log10(lrs[inside].max() / lrs[inside].min())),
            "ln": band["decades"] * np.log(10), "factor 2": tolerance_band(losses, lrs, 2.0)["decades"]}


@exercise_check("choosing-tolerance-band")
def check_tolerance_band(fn):
    """``fn(losses, lrs, factor)``: the width in decades of the contiguous band of learning rates around the
    lowest loss whose losses are at most ``factor`` times the lowest (see :func:`training.tolerance_band`)."""
    got, expected, slips = [], [], []
    for what, losses, lrs, factor in BAND_CASES:
        out, err = call_answer(fn, np.array(losses), np.array(lrs), factor, name="band_decades",
                               on=f"the curve with {what} (losses and lrs as NumPy arrays, factor {factor:g})")
        if err:
            return report([err], "")
        if out.size != 1:
            return report([f"`band_decades` should return one number (the width in decades), got {out.size} "
                           f"on the curve with {what}"], "")
        got.append(float(out.reshape(())))
        expected.append(tolerance_band(losses, lrs, factor)["decades"])
        slips.append(_band_slips(losses, lrs, factor))
    ok = [math.isclose(g, e, rel_tol=1e-9, abs_tol=1e-12) for g, e in zip(got, expected)]
    if all(ok):
        return report([], "the widths are right: a contiguous band, measured from its lowest to its highest rate")

    def matches(slip: str, cases) -> bool:
        return all(math.isclose(got[i], slips[i][slip], rel_tol=1e-9, abs_tol=1e-12) for i in cases)

    even = [i for i, c in enumerate(BAND_CASES) if c[2] == _HALF]
    if matches("ln", range(len(got))):
        hint = "give the width in decades: a logarithm in base 10"
    elif matches("points", even):
        hint = ("you count the rates in the band times the spacing: a band of k rates spans only k - 1 gaps; "
                "measure from its lowest to its highest rate")
    elif not ok[1] and matches("scattered", [1]):
        hint = ("on the curve with a second dip, your band jumps over rates whose loss is too high: it must be "
                "contiguous, stopping at the first rate outside on each side of the best")
    elif not ok[2]:
        hint = ("on the curve with a NaN next to the best, a diverged run is neither the best (np.argmin returns "
                "the position of a NaN) nor inside the band")
    elif all(ok[:-1]) and matches("factor 2", [len(got) - 1]):
        hint = "use the factor you are given, not always 2"
    else:
        wrong = [BAND_CASES[i][0] for i, good in enumerate(ok) if not good]
        hint = f"not right yet on the curve with {wrong[0]}"
    return report([hint], "")


def _expected_steep(kappa: float | None = None, settle: bool = True) -> dict[str, int]:
    cfg = STEEP_RAVINE
    surface = Ravine(kappa=cfg["kappa"] if kappa is None else kappa)
    out = {}
    for name in cfg["optimizers"]:
        r = best_steps(surface, RULE_NAMES[name], cfg["lrs"], steps=cfg["steps"], tol=cfg["tol"])
        if settle:
            out[name] = r["steps"]
        else:
            hits = r["runs"].steps_to(cfg["tol"], 0.0)
            ok = hits >= 0
            out[name] = int(hits[ok].min()) if ok.any() else -1
    return out


@exercise_check("choosing-steep-ravine")
def check_steep_ravine(answer: dict):
    """``answer``: ``{optimizer: best settle steps}`` on ``Ravine(kappa=…)``, set up as :data:`STEEP_RAVINE` says."""
    if not isinstance(answer, dict):
        return report([f"`steep` should be a dict {{optimizer name: steps}}, got {type(answer).__name__}"], "")
    missing = [n for n in STEEP_RAVINE["optimizers"] if n not in answer]
    if missing:
        return report([f"give a number of steps for {', '.join(missing)}"], "")
    got = {n: as_int(answer[n], f"steep[{n!r}]") for n in STEEP_RAVINE["optimizers"]}
    expected = _expected_steep()
    if got == expected:
        return report([], "right: those are the best settle steps on the steep ravine")
    if got == _expected_steep(kappa=20.0):
        return report([f"these are the numbers of the ravine with kappa = 20: make it steeper "
                       f"(kappa = {STEEP_RAVINE['kappa']:g})"], "")
    if got == _expected_steep(settle=False):
        return report(["you counted the first touch of the tolerance: count from where the loss stays within it"], "")
    wrong = [n for n in got if got[n] != expected[n]]
    return report([f"not right yet for {', '.join(wrong)}: take the best over the whole grid of learning rates, "
                   "with the chapter's budget and tolerance"], "")
