r"""Checks for the exercises of the chapter on adaptive learning rates (``book/06_adaptive.ipynb``).

Each function prints ``✓ …`` for a right answer or one ``✗`` hint per problem, never the answer,
and returns whether the answer is right.
"""

from __future__ import annotations

import math

import torch

from course_lib.checks.core import AnswerError, ExerciseNotDone, _numeric, as_number, exercise_check, ratio_hint, report
from course_lib.checks.registry import exercise
from course_lib.optim import rmsprop_update

__all__ = ["check_rmsprop_step", "check_adam_first_step", "check_adagrad_steps"]


def _rmsprop_variants(theta, g, v, lr, alpha, eps):
    """The right step and the usual slips, each as (theta, v)."""
    v_new = alpha * v + (1 - alpha) * g * g
    return {
        "right": (theta - lr * g / (v_new.sqrt() + eps), v_new),
        "eps inside": (theta - lr * g / (v_new + eps).sqrt(), v_new),
        "no 1-alpha": (theta - lr * g / ((alpha * v + g * g).sqrt() + eps), alpha * v + g * g),
        "swapped": (theta - lr * g / (((1 - alpha) * v + alpha * g * g).sqrt() + eps), (1 - alpha) * v + alpha * g * g),
        "old v": (theta - lr * g / (v.sqrt() + eps), v_new),
        "no sqrt": (theta - lr * g / (v_new + eps), v_new),
        "plus": (theta + lr * g / (v_new.sqrt() + eps), v_new),
        "g not squared": (theta - lr * g / ((alpha * v + (1 - alpha) * g).abs().sqrt() + eps),
                          alpha * v + (1 - alpha) * g),
    }


_RMSPROP_HINTS = {
    "eps inside": "ε sits inside your square root; torch.optim.RMSprop adds it after the root: √v + ε",
    "no 1-alpha": "the new squared gradient must be weighted by (1 − α), as in any EMA",
    "swapped": "α and 1 − α are swapped: α multiplies the old average v",
    "old v": "divide by the root of the NEW average v_t, which already includes this step's g²",
    "no sqrt": "divide by the ROOT of the average of squared gradients (the RMS), not the average itself",
    "plus": "the step goes against the gradient: θ − …",
    "g not squared": "average the SQUARED gradients g ⊙ g, not the gradients",
}


@exercise_check("adaptive-rmsprop-step")
def check_rmsprop_step(my_rmsprop_step):
    r"""``my_rmsprop_step(theta, g, v, lr, alpha, eps)`` must return ``(theta_new, v_new)`` of one RMSProp step.

    Compared with :func:`course_lib.optim.rmsprop_update` (itself proven equal to ``torch.optim.RMSprop``).
    """
    gen = torch.Generator().manual_seed(6)
    theta = torch.randn(5, generator=gen, dtype=torch.float64)
    g = torch.randn(5, generator=gen, dtype=torch.float64)
    v = torch.rand(5, generator=gen, dtype=torch.float64) * 0.5
    lr, alpha, eps = 0.05, 0.9, 1e-2  # a large eps, so that its place shows
    where = f"tensors of 5 numbers with lr = {lr}, alpha = {alpha}, eps = {eps}"
    if not callable(my_rmsprop_step):
        raise AnswerError(f"`my_rmsprop_step` should be a function, got a {type(my_rmsprop_step).__name__}")
    try:
        out = my_rmsprop_step(theta.clone(), g.clone(), v.clone(), lr, alpha, eps)
    except ExerciseNotDone:
        raise
    except Exception as err:  # noqa: BLE001 - a student's function may fail in any way: say how
        return report([f"your `my_rmsprop_step` raised {type(err).__name__} on {where}: {err}"], "")
    try:
        got_theta, got_v = (torch.as_tensor(_numeric(x, "my_rmsprop_step"), dtype=torch.float64) for x in out)
    except (TypeError, ValueError):
        raise AnswerError("`my_rmsprop_step` must return the pair (theta_new, v_new)") from None
    want_theta, state = theta.clone(), {"square_avg": v.clone(), "step": 7}
    rmsprop_update(want_theta, g, state, lr=lr, alpha=alpha, eps=eps)
    want_v = state["square_avg"]

    def same(a, b):
        return a.shape == b.shape and bool(torch.allclose(a, b, rtol=1e-9, atol=1e-12))

    if same(got_theta, want_theta) and same(got_v, want_v):
        return report([], "your RMSProp step equals torch.optim.RMSprop's (and course_lib's)")
    for name, (t_slip, v_slip) in _rmsprop_variants(theta, g, v, lr, alpha, eps).items():
        if name != "right" and same(got_theta, t_slip) and same(got_v, v_slip):
            return report([_RMSPROP_HINTS[name]], "")
    problems = []
    if not same(got_v, want_v):
        problems.append("your new average v is not right yet: v_t = α v_{t−1} + (1 − α) g²")
    else:
        problems.append("v is right but the new θ is not: θ − lr · g / (√v + ε)")
    return report(problems, "")


@exercise_check("adaptive-adam-first-step")
def check_adam_first_step(with_correction, without_correction):
    r"""The size of Adam's first step, :math:`|\theta_1 - \theta_0|`, for the registry's ``lr``, betas, eps
    and first gradient: with the bias correction (torch's Adam) and without it."""
    ex = exercise("adaptive-adam-first-step").inputs
    lr, b1, b2, eps, g = ex["lr"], ex["beta1"], ex["beta2"], ex["eps"], ex["grad"]
    m, v = (1 - b1) * g, (1 - b2) * g * g
    want_with = lr * (m / (1 - b1)) / (math.sqrt(v / (1 - b2)) + eps)
    want_without = lr * m / (math.sqrt(v) + eps)
    got_with = as_number(with_correction, "with_correction")
    got_without = as_number(without_correction, "without_correction")
    close = lambda a, b: math.isclose(a, b, rel_tol=1e-4)  # noqa: E731
    problems = []
    if close(got_with, want_without) and close(got_without, want_with):
        return report(["your two answers are swapped"], "")
    if not close(abs(got_with), want_with):
        if close(got_with, lr * (m / (1 - b1)) / (v / (1 - b2) + eps)):
            problems.append("with correction: Adam divides by the SQUARE ROOT of v̂")
        else:
            problems.append("with correction: " + (ratio_hint("step", got_with, want_with, rtol=1e-4)
                                                    or "not right yet"))
    if not close(abs(got_without), want_without):
        if close(got_without, lr * (1 - b1)):
            problems.append("without correction: m is uncorrected, but so is v: its root √v is small at step 1, "
                            "and it divides")
        elif close(got_without, lr * (m / (1 - b1)) / (math.sqrt(v) + eps)):
            problems.append("without correction: you still corrected m; leave both m and v uncorrected")
        elif close(got_without, lr * m / (v + eps)):
            problems.append("without correction: divide by the SQUARE ROOT of v")
        else:
            problems.append("without correction: " + (ratio_hint("step", got_without, want_without, rtol=1e-4)
                                                       or "not right yet"))
    return report(problems, "right: bias correction makes the first step about lr; without it the step "
                            "is several times larger")


@exercise_check("adaptive-adagrad-decay")
def check_adagrad_steps(answer):
    r"""With a constant gradient ``grad`` and learning rate ``lr`` (``eps`` negligible), the step :math:`t` at which
    AdaGrad's step :math:`|\theta_t - \theta_{t-1}|` has shrunk to ``step`` (the registry's numbers)."""
    ex = exercise("adaptive-adagrad-decay").inputs
    lr, g, step = ex["lr"], ex["grad"], ex["step"]
    want = round((lr / step) ** 2)  # |step_t| = lr * |g| / sqrt(t g^2) = lr / sqrt(t)
    got = as_number(answer, "adagrad_steps")
    problems = []
    if got != want:
        if math.isclose(got, lr / step):
            problems.append(f"the step shrinks like 1/√t, not 1/t: solve lr/√t = {step:g} for t")
        elif math.isclose(got, want / g**2):
            problems.append("g appears both above (g) and below (√(t g²)) the fraction line: does it cancel?")
        elif math.isclose(got, want * g**2):
            problems.append("the sum under the root is t·g², so |g| cancels from the step size")
        elif got in (want - 1, want + 1):
            problems.append("off by one: the first step is t = 1, with s_1 = g²")
        else:
            problems.append("not right yet: write s_t for a constant gradient, then the step lr·|g|/√s_t")
    return report(problems, "right: the step falls like lr/√t whatever the gradient, for ever")
