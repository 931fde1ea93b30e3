"""Checks for the exercises of the chapter on backpropagation (``book/03_backpropagation.ipynb``).

Each check compares a student's answer with :mod:`course_lib.backprop` on the chapter's 2-2-2
network and names the typical slip (a factor of 2, a sign, one output path instead of two, one
neuron's share of a shared bias) without printing the right value.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from course_lib import backprop as bp
from course_lib.checks.core import ExerciseNotDone, as_number, exercise_check, ratio_hint, report

__all__ = ["check_dw6", "check_dw2", "check_db1", "check_gradient_checker"]


def _parts() -> dict[str, float]:
    """The chapter network's forward values and deltas (dL/dnet of every neuron) and each path of dw2."""
    (w5, w6, w7, w8), (i1, i2), (t1, t2) = bp.SEED["w"][4:], bp.SEED["i"], bp.SEED["target"]
    f = bp.forward()
    h1, h2, o1, o2 = f["h1"], f["h2"], f["o1"], f["o2"]
    d_o1 = (o1 - t1) * o1 * (1 - o1)
    d_o2 = (o2 - t2) * o2 * (1 - o2)
    return {
        "h1": h1, "h2": h2, "o1": o1, "o2": o2, "d_o1": d_o1, "d_o2": d_o2,
        "d_h1": (d_o1 * w5 + d_o2 * w7) * h1 * (1 - h1), "d_h2": (d_o1 * w6 + d_o2 * w8) * h2 * (1 - h2),
        "dw2_via_o1": d_o1 * w5 * h1 * (1 - h1) * i2, "dw2_via_o2": d_o2 * w7 * h1 * (1 - h1) * i2,
        "i1": i1, "i2": i2, "t1": t1,
    }


def _close(a: float, b: float, rtol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12)




@exercise_check("bp-dw6")
def check_dw6(answer):
    r"""Exercise: :math:`\partial L/\partial w_6` of the chapter's network, by hand."""
    value = as_number(answer, "dw6")
    p, g = _parts(), bp.gradients()
    expected = g["w6"]
    if _close(value, expected):
        return report([], "your dL/dw6 is right: the output delta of o1 times the input h2 that w6 carries")
    if _close(value, g["w5"]):
        hint = "w6 carries h2 (not h1) into o1: the last factor, d net_o1 / d w6, is h2"
    elif _close(value, g["w8"]):
        hint = "w6 feeds o1, so its error signal comes from o1 and target t1, not from o2"
    elif _close(value, (p["o1"] - p["t1"]) * p["h2"]):
        hint = "you left out the sigmoid's derivative at o1: d o1 / d net_o1 = o1 (1 - o1)"
    elif _close(value, p["o1"] * (1 - p["o1"]) * p["h2"]):
        hint = "you left out dL/do1, the first factor of the chain (how the loss changes with o1)"
    else:
        hint = ratio_hint("dL/dw6", value, expected)
        if "factor of 2" in hint:
            hint += ": the 1/2 in the loss cancels the 2 from the square"
    return report([hint], "")


@exercise_check("bp-dw2")
def check_dw2(answer):
    r"""Exercise: :math:`\partial L/\partial w_2`, through both output paths."""
    value = as_number(answer, "dw2")
    p, g = _parts(), bp.gradients()
    expected = g["w2"]
    if _close(value, expected):
        return report([], "your dL/dw2 is right: both paths through h1 (via o1 and via o2) added")
    if _close(value, p["dw2_via_o1"]) or _close(value, p["dw2_via_o2"]):
        hint = "you followed only one output path: h1 feeds both o1 and o2, so add the two paths' products"
    elif _close(value, p["dw2_via_o1"] - p["dw2_via_o2"]) or _close(value, p["dw2_via_o2"] - p["dw2_via_o1"]):
        hint = "the two paths add; one of yours has the wrong sign (check o_k - t_k on each path)"
    elif _close(value, g["w1"]):
        hint = "w2 multiplies i2 (not i1), so the last factor of the chain is i2"
    elif _close(value, g["w4"]) or _close(value, g["w3"]):
        hint = "w2 feeds h1, not h2: use h1's sigmoid derivative and the weights w5, w7 out of h1"
    elif _close(value, expected / (p["h1"] * (1 - p["h1"]))):
        hint = "you left out the sigmoid's derivative at h1: d h1 / d net_h1 = h1 (1 - h1)"
    else:
        hint = ratio_hint("dL/dw2", value, expected)
    return report([hint], "")


@exercise_check("bp-db1")
def check_db1(answer):
    r"""Exercise: :math:`\partial L/\partial b_1` of the hidden layer's shared bias."""
    value = as_number(answer, "db1")
    p, g = _parts(), bp.gradients()
    expected = g["b1"]
    if _close(value, expected):
        return report([], "your dL/db1 is right: a shared bias collects the deltas of every neuron it feeds")
    if _close(value, p["d_h1"]) or _close(value, p["d_h2"]):
        hint = "b1 is shared: it enters net_h1 AND net_h2, so it collects from every neuron that uses it"
    elif _close(value, expected / 2):
        hint = "you averaged the two neurons' contributions; the chain rule adds them (b1 is used twice)"
    elif _close(value, g["b2"]):
        hint = "that is the output layer's bias b2; b1 sits in the hidden layer, one more step back"
    else:
        hint = ratio_hint("dL/db1", value, expected)
    return report([hint], "")


def _cubic(p):
    return p[0] ** 3 + p[1] ** 2 * p[0]


def _seed_loss(p):
    """The 2-2-2 network's loss as a function of its 12 parameters (weights, then biases).

    Defined here, not inside the check: a grader sends the check's arguments to the student's kernel,
    and a function can travel only as the name of a module-level function of course_lib."""
    return bp.loss(bp.forward(p[:8], p[8:]))


@exercise_check("bp-grad-check")
def check_gradient_checker(checker: Callable):
    r"""Exercise: ``checker(f, params, eps)`` returns the central differences of ``f``, one per parameter.

    :math:`(f(\theta + \epsilon e_k) - f(\theta - \epsilon e_k)) / 2\epsilon`, with ``params`` left unchanged.

    Tried on :math:`f(p) = p_0^3 + p_1^2 p_0` at (1, 2) (central differences are exact there to
    about 1e-10; forward differences are off by about 1e-6) and on the chapter network's loss.
    """
    if not callable(checker):
        return report([f"grad_check should be a function, got {type(checker).__name__}"], "")
    problems = []
    params = [1.0, 2.0]
    before = list(params)
    try:
        got = [as_number(v, "each entry of grad_check's result") for v in checker(_cubic, params, 1e-5)]
    except ExerciseNotDone:
        raise
    except Exception as exc:  # noqa: BLE001 - the student's code: report what went wrong, do not crash the check
        return report([f"your `grad_check` raised {type(exc).__name__} on (f = p0³ + p1² p0, params = [1.0, 2.0], "
                       f"eps = 1e-5): {exc}"], "")
    if params != before:
        problems.append("grad_check changed the params list it was given: nudge a copy, or put each value back")
    exact = [3 * 1.0**2 + 2.0**2, 2 * 2.0 * 1.0]
    if len(got) != len(exact):
        problems.append(f"grad_check should return one partial derivative per parameter ({len(exact)} here), "
                        f"got {len(got)}")
        return report(problems, "")
    for k, (a, e) in enumerate(zip(got, exact)):
        if _close(a, e, 1e-7):
            continue
        if _close(a, e, 1e-4):
            problems.append(f"the derivative for parameter {k} is only roughly right: use central differences, "
                            "(f(p + eps) - f(p - eps)) / (2 eps), whose error shrinks like eps**2")
        else:
            hint = ratio_hint(f"derivative for parameter {k}", a, e, rtol=1e-4)
            if "factor of 2 (too large)" in hint:
                hint += ": the two points are 2 eps apart"
            problems.append(hint)
        break
    if not problems:
        seed = list(bp.SEED["w"]) + list(bp.SEED["b"])
        try:
            net = [as_number(v, "each entry of grad_check's result") for v in checker(_seed_loss, seed, 1e-6)]
        except Exception as exc:  # noqa: BLE001
            return report([f"your `grad_check` raised {type(exc).__name__} on the 2-2-2 network's loss "
                           f"(12 parameters, eps = 1e-6): {exc}"], "")
        ref = bp.gradients()
        for name, a in zip(bp.PARAM_NAMES, net):
            if not math.isclose(a, ref[name], rel_tol=1e-5, abs_tol=1e-9):
                problems.append(f"on the 2-2-2 network your checker disagrees with the chain rule for {name}")
                break
    return report(problems, "grad_check agrees with the exact gradients (to about 1e-10 on the test function)")
