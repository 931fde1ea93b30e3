r"""Checks for the exercises of the chapter on exponential moving averages (``book/04_ema.ipynb``).

Each function prints ``✓ …`` for a right answer or one ``✗`` hint per problem, never the answer,
and returns whether the answer is right.
"""

from __future__ import annotations

import math

import numpy as np

from course_lib.checks.core import as_number, call_answer, exercise_check, ratio_hint, report
from course_lib.checks.registry import exercise
from course_lib.ema import ema

__all__ = ["check_corrected_weights", "check_ninety_percent", "check_debias", "check_lag", "WEIGHT_CASES"]

_PROBE = np.array([2.0, -1.0, 4.0, 0.5, 3.0, 3.0, -2.0, 1.5])



def _call(fn, *args, name=None, on=None):
    """:func:`call_answer` as a flat array."""
    got, err = call_answer(fn, *args, name=name, on=on)
    return (None, err) if err else (got.ravel(), None)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))


def _near(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal to float32's precision (a student may build the weights as a float32 tensor)."""
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


#: the (beta, t) the weighted-mean check tries
WEIGHT_CASES = ((0.9, 5), (0.5, 8), (0.98, 3), (0.3, 1))


@exercise_check("ema-weighted-mean")
def check_corrected_weights(corrected_weights):
    r"""``corrected_weights(beta, t)`` must return :math:`\hat w_k = (1-\beta)\beta^k / (1-\beta^t)`, ``k = 0..t-1``.

    The weights that the bias-corrected, zero-started EMA :math:`\hat S_t` gives :math:`Y_t, Y_{t-1}, \dots, Y_1`
    (newest first); they sum to 1.
    """
    for beta, t in WEIGHT_CASES:
        got, err = _call(corrected_weights, beta, t, name="corrected_weights", on=f"beta = {beta}, t = {t}")
        if err:
            return report([err], "")
        k = np.arange(t)
        raw = (1 - beta) * beta**k
        want = raw / (1 - beta**t)
        if _near(got, want):
            continue
        first_start = raw.copy()
        first_start[-1] = beta ** (t - 1)  # S_1 = Y_1: the oldest value keeps the leftover weight
        if got.size != t:
            hint = f"for t = {t} it returned {got.size} weights: one weight per value Y_1 .. Y_t"
        elif t > 1 and _near(got, want[::-1]):
            hint = "your weights are oldest first: w_0 belongs to the newest value Y_t"
        elif _near(got, raw):
            hint = ("those are the zero-started EMA's own weights, which sum to less than 1; the correction "
                    "changes every one of them")
        elif t > 1 and _near(got, first_start):
            hint = "those are the weights of the S_1 = Y_1 start, not of the bias-corrected zero start"
        elif _near(got, np.full(t, 1 / t)):
            hint = "equal weights make the arithmetic mean; an EMA weighs recent values more"
        elif _near(got, raw / (1 - beta ** (t + 1))) or (t > 1 and _near(got, raw / (1 - beta ** (t - 1)))):
            hint = "off by one in the correction's exponent: S_t is the t-th average"
        elif _near(got, beta * raw / (1 - beta**t)) or _near(got, raw / beta / (1 - beta**t)):
            hint = "off by one in the exponent of beta: the newest value, k = 0, has beta^0"
        elif _near(got, raw / beta**t):
            hint = "divide by the total weight the values got, not by beta^t"
        else:
            total = float(np.sum(got))
            hint = (f"your weights sum to {total:.4f}, not 1" if not math.isclose(total, 1.0, rel_tol=1e-6)
                    else f"your weights sum to 1 but are not the corrected EMA's (try beta = {beta}, t = {t})")
        return report([hint], "")
    return report([], "right: after the correction the weights sum to 1 at every step, so the EMA is a true "
                      "weighted mean")


@exercise_check("ema-ninety-percent")
def check_ninety_percent(answer):
    r"""The fewest newest values carrying the registry's ``share`` of the weight of a long-running EMA."""
    ex = exercise("ema-ninety-percent").inputs
    beta, share = ex["beta"], ex["share"]
    want = math.ceil(math.log(1 - share) / math.log(beta) - 1e-12)
    problems = []
    got = as_number(answer, "n90")
    if got != want:
        got_share = 1 - beta**got if got >= 0 else float("nan")
        if not got.is_integer():
            problems.append(f"a number of values is a whole number: round, in the direction that keeps {share:.0%}")
        elif got == want - 1:
            problems.append(f"with {got:.0f} values the share is {got_share:.4f}, just short of {share:g}: "
                            "round the other way")
        elif got == round(1 / (1 - beta)):
            problems.append("that is the effective window 1/(1 − β); its values carry only about two thirds "
                            "of the weight")
        elif 0 <= got:
            problems.append(f"with {got:.0f} values the share is {got_share:.4f}: solve 1 − β^n ≥ {share:g} for "
                            "the smallest n")
        else:
            problems.append("a number of values cannot be negative")
    return report(problems, f"right: the smallest n with 1 − β^n ≥ {share:g}")


@exercise_check("ema-debias")
def check_debias(debias):
    r"""``debias(s, beta)`` must return :math:`\hat S_t = S_t / (1 - \beta^t)` for ``t = 1 .. len(s)``."""
    beta = 0.8
    s = ema(_PROBE, beta, start="zero")
    got, err = _call(debias, s.copy(), beta, name="debias", on=f"an array of {len(s)} averages, beta = {beta}")
    if err:
        return report([err], "")
    want = ema(_PROBE, beta, start="zero", bias_correction=True)
    t = np.arange(1, len(s) + 1)
    problems = []
    if not _same(got, want):
        if got.shape != want.shape:
            problems.append("return one corrected value per average")
        elif not np.all(np.isfinite(got)):
            problems.append("the first average is step t = 1, not t = 0 (1 − β⁰ = 0 divides by zero)")
        elif _same(got, s / (1 - beta ** (t + 1))):
            problems.append("off by one step: the first average is t = 1")
        elif _same(got, s * (1 - beta**t)):
            problems.append("you multiplied by 1 − β^t: correcting a bias towards 0 must make early values larger")
        elif _same(got, s / beta**t):
            problems.append("divide by 1 − β^t, the total weight the data got, not by β^t")
        elif _same(got, s / (1 - beta)):
            problems.append("the correction changes with the step t: 1 − β^t, not 1 − β")
        else:
            problems.append("your corrected values are not right yet")
    return report(problems, "bias correction right: a zero-started EMA of a constant now returns the constant")


@exercise_check("ema-lag")
def check_lag(answer):
    r"""The steady-state lag :math:`Y_t - S_t` of an EMA with the registry's :math:`\beta` on the line
    :math:`Y_t = t`."""
    beta = exercise("ema-lag").inputs["beta"]
    want = beta / (1 - beta)
    got = as_number(answer, "lag")
    problems = []
    if not math.isclose(got, want, rel_tol=1e-3):
        if math.isclose(got, 1 / (1 - beta), rel_tol=1e-3):
            problems.append("that is the effective window 1/(1 − β), and the lag is a little smaller: "
                            "put S_t = t − d into the recursion and solve for d")
        elif math.isclose(got, -want, rel_tol=1e-3):
            problems.append("the EMA is BELOW a rising line, so Y_t − S_t is positive")
        elif math.isclose(got, (1 - beta) / beta, rel_tol=1e-3):
            problems.append("β and 1 − β are swapped in your steady state")
        else:
            problems.append(ratio_hint("lag", got, want, rtol=1e-3) or "not right yet")
    return report(problems, "right: on a line the EMA runs a fixed number of days behind, growing with β")
