"""Checks for the exercises of the chapter *Loss functions*.

Each check prints ``✓ …`` for a right answer, or one hint per problem that names the likely
slip (a sum for a mean, a lost factor 2, the wrong branch of BCE, …) without giving the answer.
"""

from __future__ import annotations

import math

import torch

from course_lib import losses as L
from course_lib.checks.core import as_number, call_answer, exercise_check, forbidden_tools, ratio_hint, report
from course_lib.checks.registry import exercise

__all__ = ["check_mse", "check_bce_by_hand", "check_huber", "check_best_constants", "CONSTANT_DATA"]

#: the data of the best-constant exercise (from the registry)
CONSTANT_DATA = exercise("loss-best-constants").inputs["data"]

#: what the MSE-by-hand exercise rules out, and how the student is told
_NO_AUTOGRAD = {"torch.nn.functional": "torch.nn (a ready-made loss)", "torch.nn.modules": "torch.nn (a loss module)",
                **forbidden_tools.AUTOGRAD}


def _cases(seed: int = 7):
    g = torch.Generator().manual_seed(seed)
    shapes = [(5,), (3, 4), (8,)]
    return [(torch.randn(s, generator=g, dtype=torch.float64) * 3,
             torch.randn(s, generator=g, dtype=torch.float64) * 3) for s in shapes]


def _call(fn, name: str, *args, on=None):
    """:func:`call_answer` as a float64 tensor."""
    got, err = call_answer(fn, *args, name=name, on=on)
    return (None, err) if err else (torch.as_tensor(got), None)


def _hint(name: str, got: float, want: float, rtol: float = 1e-6) -> str:
    """:func:`ratio_hint`'s words for a wrong number (never None: only called for wrong numbers)."""
    return ratio_hint(name, got, want, rtol) or f"your {name} is not right yet"


def _close(a: torch.Tensor, b: torch.Tensor, tol: float = 1e-6) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=tol, atol=tol))


@exercise_check("loss-mse-by-hand")
def check_mse(my_mse, my_mse_grad):
    r"""``my_mse(y_pred, y_true)`` should be :math:`\frac1n\sum (\hat y_i - y_i)^2` and ``my_mse_grad`` its gradient
    with respect to ``y_pred``, for tensors of any shape, with tensor arithmetic only (no ``torch.nn``, no
    autograd: the check watches the torch functions they call)."""
    problems = []
    tools = forbidden_tools(_NO_AUTOGRAD)
    for y_pred, y_true in _cases():
        n = y_pred.numel()
        want = L.mse(y_pred, y_true)
        with tools:
            got, err = _call(my_mse, "my_mse", y_pred.clone(), y_true.clone(),
                             on=f"tensors of shape {tuple(y_pred.shape)}")
        if err:
            problems.append(err)
            break
        if got.numel() != 1:
            problems.append(f"your `my_mse` returned {got.numel()} numbers for {n} errors: reduce them to one")
            break
        g = float(got)
        if not math.isclose(g, float(want), rel_tol=1e-6):
            d = y_pred - y_true
            if math.isclose(g, float((d * d).sum()), rel_tol=1e-6):
                problems.append("your `my_mse` adds the squared errors but does not average them")
            elif math.isclose(g, math.sqrt(float(want)), rel_tol=1e-6):
                problems.append("your `my_mse` takes a square root at the end: that is the RMSE, not the MSE")
            elif math.isclose(g, float(d.abs().mean()), rel_tol=1e-6):
                problems.append("your `my_mse` averages absolute errors (that is the MAE): square them instead")
            else:
                problems.append(_hint("`my_mse`", g, float(want)))
            break
    for y_pred, y_true in _cases(seed=8):
        n = y_pred.numel()
        want = L.mse_grad(y_pred, y_true)
        with tools:
            got, err = _call(my_mse_grad, "my_mse_grad", y_pred.clone(), y_true.clone(),
                             on=f"tensors of shape {tuple(y_pred.shape)}")
        if err:
            problems.append(err)
            break
        if got.shape != y_pred.shape:
            problems.append(f"your `my_mse_grad` has shape {tuple(got.shape)}: the gradient has one entry "
                            f"per prediction, shape {tuple(y_pred.shape)}")
            break
        if not _close(got, want):
            slips = ((-1.0, "has the wrong sign: differentiate with respect to the prediction, not the target"),
                     (0.5, "is half what it should be: the derivative of a square brings down a 2"),
                     (float(n), "is n times too large: the 1/n of the mean is part of the gradient"),
                     (0.5 * n, "is missing the 1/n of the mean and the 2 of the square"))
            for factor, words in slips:
                if _close(got, factor * want):
                    problems.append(f"your `my_mse_grad` {words}")
                    break
            else:
                problems.append(f"for tensors of shape {tuple(y_pred.shape)} your `my_mse_grad` does not match the "
                                "derivative: differentiate (ŷ_i − y_i)² / n with respect to ŷ_i")
            break
    if tools.used:
        problems.append("this exercise asks for tensor arithmetic only, and your functions used "
                        + " and ".join(tools.used))
    return report(problems, "my_mse and my_mse_grad agree with torch on tensors of three shapes")


@exercise_check("loss-bce-one")
def check_bce_by_hand(loss):
    r"""``loss``: the BCE of the single sample of the registry (probability ``p``, target ``target``), a number."""
    got = as_number(loss, "bce_sample")
    ex = exercise("loss-bce-one").inputs
    p, y = ex["p"], ex["target"]
    want = -(y * math.log(p) + (1 - y) * math.log(1 - p))
    problems = []
    if not math.isclose(got, want, rel_tol=1e-3):
        if got < 0:
            problems.append("your loss is negative, so a sign is wrong: -log of a probability is never negative")
        elif math.isclose(got, -math.log(p), rel_tol=1e-3):
            problems.append("you used the branch for a target of 1: with target 0, only the other log survives")
        elif math.isclose(got, -math.log10(1 - p), rel_tol=1e-3) or math.isclose(got, -math.log10(p), rel_tol=1e-3):
            problems.append("you used a base-10 logarithm: cross-entropy uses the natural log")
        elif math.isclose(got, 1 - p, rel_tol=1e-3) or math.isclose(got, p, rel_tol=1e-3):
            problems.append("you gave a probability, not a loss: take the negative log of it")
        else:
            problems.append(_hint("bce_sample", got, want, rtol=1e-3))
    return report(problems, f"right: that is the BCE of predicting {p:g} for a sample whose target is {y:g}")


@exercise_check("loss-huber")
def check_huber(my_huber):
    r"""``my_huber(input, target, delta)`` should equal ``F.huber_loss(input, target, delta=delta)``, built from
    ``F.smooth_l1_loss`` (a call to ``huber_loss`` itself is refused)."""
    problems = []
    tools = forbidden_tools({"huber_loss": "torch's own Huber loss", "HuberLoss": "torch's own Huber loss"})
    for (x, y), delta in zip(_cases(seed=9), (0.5, 2.5, 4.0)):
        want = L.huber(x, y, delta=delta)
        with tools:
            got, err = _call(my_huber, "my_huber", x.clone(), y.clone(), delta,
                             on=f"tensors of shape {tuple(x.shape)} with delta = {delta}")
        if err:
            problems.append(err)
            break
        if got.numel() != 1:
            problems.append(f"your `my_huber` returned {got.numel()} numbers: average the elementwise losses")
            break
        g = float(got)
        if math.isclose(g, float(want), rel_tol=1e-6):
            continue
        if math.isclose(g, float(L.smooth_l1(x, y, beta=delta)), rel_tol=1e-6):
            problems.append(f"with delta = {delta} your `my_huber` has the right shape but the wrong size: "
                            "compare the two formulas' linear pieces")
        elif math.isclose(g, float(L.smooth_l1(x, y, beta=delta)) / delta, rel_tol=1e-6):
            problems.append(f"with delta = {delta} your `my_huber` is too small: multiply by delta, do not divide")
        elif math.isclose(g, delta * float(L.smooth_l1(x, y, beta=1.0)), rel_tol=1e-6):
            problems.append(f"with delta = {delta} your `my_huber` used SmoothL1's default beta: "
                            "where the loss turns from quadratic to linear must move with delta")
        else:
            problems.append(f"with delta = {delta} " + _hint("`my_huber`", g, float(want)))
        break
    if tools.used:
        problems.append(f"build it from F.smooth_l1_loss: your function called {tools.used[0]}")
    return report(problems, "my_huber agrees with torch's huber_loss for delta = 0.5, 2.5 and 4")


@exercise_check("loss-best-constants")
def check_best_constants(c_mse, c_mae, tol: float = 0.05):
    r"""``c_mse`` and ``c_mae``: the constant predictions minimising MSE and MAE on the registry's ``data``."""
    y = torch.tensor(CONSTANT_DATA, dtype=torch.float64)
    a, b = as_number(c_mse, "c_mse"), as_number(c_mae, "c_mae")
    best_mse, best_mae = float(y.mean()), float(y.median())
    problems = []
    if math.isclose(a, best_mae, abs_tol=tol) and math.isclose(b, best_mse, abs_tol=tol):
        problems.append("your two constants look swapped: which loss keeps the big value from pulling too hard?")
    else:
        for name, c, loss, best in (("c_mse", a, L.mse, best_mse), ("c_mae", b, L.mae, best_mae)):
            if math.isclose(c, best, abs_tol=tol):
                continue
            here = float(loss(torch.full_like(y, c), y))
            better = min((c - 0.5, c + 0.5), key=lambda t: float(loss(torch.full_like(y, t), y)))
            if float(loss(torch.full_like(y, better), y)) < here:
                way = "larger" if better > c else "smaller"
                problems.append(f"{name} is not the minimiser yet: the loss is lower for a {way} constant "
                                "(did gradient descent run long enough, with a small enough step?)")
            else:
                problems.append(f"{name} is close but not within {tol} of the minimiser: refine it")
    return report(problems, "right: the best constant under MSE is the mean, under MAE the median")
