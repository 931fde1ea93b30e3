r"""Checks for the exercises of the chapter on adaptive learning rates (``book/06_adaptive.ipynb``).

Each function prints ``✓ …`` for a right answer or one ``✗`` hint per problem, never the answer,
and returns whether the answer is right.
"""

from __future__ import annotations

import math

import torch

from course_lib.checks.core import AnswerError, as_number, call_answer, exercise_check, ratio_hint, report
from course_lib.checks.registry import exercise
from course_lib.optim import rmsprop_update

__all__ = ["check_centered_rmsprop", "check_adam_second_step", "check_adagrad_steps"]


def _centered_variants(theta, g, v, g_avg, lr, alpha, eps):
    """The right centered step and the usual slips, each as (theta, v, g_avg)."""
    v_new = alpha * v + (1 - alpha) * g * g
    ga_new = alpha * g_avg + (1 - alpha) * g
    var = v_new - ga_new * ga_new
    ga_no_1ma = alpha * g_avg + g
    ga_swapped = (1 - alpha) * g_avg + alpha * g
    return {
        "right": (theta - lr * g / (var.sqrt() + eps), v_new, ga_new),
        "eps inside": (theta - lr * g / (var + eps).sqrt(), v_new, ga_new),
        "old g_avg": (theta - lr * g / ((v_new - g_avg * g_avg).sqrt() + eps), v_new, ga_new),
        "not squared": (theta - lr * g / ((v_new - ga_new).sqrt() + eps), v_new, ga_new),
        "not centered": (theta - lr * g / (v_new.sqrt() + eps), v_new, ga_new),
        "plus": (theta + lr * g / (var.sqrt() + eps), v_new, ga_new),
        "g_avg no 1-alpha": (theta - lr * g / ((v_new - ga_no_1ma**2).sqrt() + eps), v_new, ga_no_1ma),
        "g_avg swapped": (theta - lr * g / ((v_new - ga_swapped**2).sqrt() + eps), v_new, ga_swapped),
    }


_CENTERED_HINTS = {
    "eps inside": "ε sits inside your square root; torch adds it after the root: √(v − ḡ²) + ε",
    "old g_avg": "subtract the square of the NEW average ḡ_t, which already includes this step's g",
    "not squared": "subtract the SQUARE of the average gradient, ḡ_t², as in a variance E[g²] − (E[g])²",
    "not centered": "your step divides by √v_t: the centered form subtracts ḡ_t² under the root",
    "plus": "the step goes against the gradient: θ − …",
    "g_avg no 1-alpha": "the new gradient in ḡ_t must be weighted by (1 − α), as in any EMA",
    "g_avg swapped": "α and 1 − α are swapped in ḡ_t: α multiplies the old average",
}


@exercise_check("adaptive-centered-rmsprop")
def check_centered_rmsprop(my_centered_step):
    r"""``my_centered_step(theta, g, v, g_avg, lr, alpha, eps)`` must return ``(theta_new, v_new, g_avg_new)`` of one
    step of ``torch.optim.RMSprop(..., centered=True)`` without momentum.

    Compared with :func:`course_lib.optim.rmsprop_update` (itself proven equal to ``torch.optim.RMSprop``).
    """
    gen = torch.Generator().manual_seed(6)
    theta = torch.randn(5, generator=gen, dtype=torch.float64)
    g = torch.randn(5, generator=gen, dtype=torch.float64)
    g_avg = 0.5 * torch.randn(5, generator=gen, dtype=torch.float64)
    v = g_avg**2 + torch.rand(5, generator=gen, dtype=torch.float64)  # a variance >= 0, as after any real steps
    lr, alpha, eps = 0.05, 0.9, 1e-2  # a large eps, so that its place shows
    out, problem = call_answer(my_centered_step, theta.clone(), g.clone(), v.clone(), g_avg.clone(), lr, alpha,
                               eps, name="my_centered_step",
                               on=f"tensors of 5 numbers with lr = {lr}, alpha = {alpha}, eps = {eps}")
    if problem:
        return report([problem], "")
    if out.shape != (3, 5):
        raise AnswerError("`my_centered_step` must return the triple (theta_new, v_new, g_avg_new), each with one "
                          "number per parameter")
    got = [torch.as_tensor(x) for x in out]
    want_theta, state = theta.clone(), {"square_avg": v.clone(), "grad_avg": g_avg.clone(), "step": 7}
    rmsprop_update(want_theta, g, state, lr=lr, alpha=alpha, eps=eps, centered=True)
    want = [want_theta, state["square_avg"], state["grad_avg"]]

    def same(a, b):
        return bool(torch.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))

    if all(same(x, y) for x, y in zip(got, want)):
        return report([], "your centered step equals torch.optim.RMSprop(centered=True)'s (and course_lib's)")
    for name, slip in _centered_variants(theta, g, v, g_avg, lr, alpha, eps).items():
        if name != "right" and all(same(x, y) for x, y in zip(got, slip)):
            return report([_CENTERED_HINTS[name]], "")
    problems = []
    if not same(got[1], want[1]):
        problems.append("your new v is not right yet: v_t = α v_{t−1} + (1 − α) g², as in plain RMSProp")
    if not same(got[2], want[2]):
        problems.append("your new ḡ is not right yet: an EMA of the gradients themselves, with the same α")
    if not problems:
        problems.append("v and ḡ are right but the new θ is not: θ − lr · g / (√(v_t − ḡ_t²) + ε)")
    return report(problems, "")


def _adam_steps(lr, b1, b2, eps, g1, g2):
    """Adam's first two steps by hand: m_2, v_2, then the second and the first step (what is subtracted from θ,
    with its sign) with and without the bias correction."""
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1 * g1
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2 * g2
    with_c = lr * (m2 / (1 - b1**2)) / (math.sqrt(v2 / (1 - b2**2)) + eps)
    without = lr * m2 / (math.sqrt(v2) + eps)
    first_with = lr * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
    first_without = lr * m1 / (math.sqrt(v1) + eps)
    return m2, v2, with_c, without, first_with, first_without


@exercise_check("adaptive-adam-second-step")
def check_adam_second_step(with_correction, without_correction):
    r"""The size of Adam's second step, :math:`|\theta_2 - \theta_1|`, for the registry's ``lr``, betas, eps and
    first two gradients: with the bias correction (torch's Adam) and without it."""
    ex = exercise("adaptive-adam-second-step").inputs
    lr, b1, b2, eps, g1, g2 = (ex[k] for k in ("lr", "beta1", "beta2", "eps", "grad1", "grad2"))
    m2, v2, want_with, want_without, first_with, first_without = _adam_steps(lr, b1, b2, eps, g1, g2)
    got_with = abs(as_number(with_correction, "with_correction"))
    got_without = abs(as_number(without_correction, "without_correction"))
    close = lambda a, b: math.isclose(a, abs(b), rel_tol=1e-4)  # noqa: E731
    if close(got_with, want_without) and close(got_without, want_with):
        return report(["your two answers are swapped"], "")
    if close(got_with, first_with) and close(got_without, first_without):
        return report(["those are the sizes of the FIRST step; the second, θ₂ − θ₁, uses m₂ and v₂"], "")
    problems = []
    if not close(got_with, want_with):
        if close(got_with, lr * (m2 / (1 - b1)) / (math.sqrt(v2 / (1 - b2)) + eps)):
            problems.append("with correction: at step t = 2 the corrections divide by 1 − β₁² and 1 − β₂², not by "
                            "1 − β₁ and 1 − β₂")
        elif close(got_with, first_with + want_with):
            problems.append("with correction: that is θ₂ − θ₀, both steps; give the second step alone")
        elif close(got_with, lr * (m2 / (1 - b1**2)) / (v2 / (1 - b2**2) + eps)):
            problems.append("with correction: Adam divides by the SQUARE ROOT of v̂")
        elif close(got_with, lr * ((1 - b1) * g2 / (1 - b1**2))
                   / (math.sqrt((1 - b2) * g2 * g2 / (1 - b2**2)) + eps)):
            problems.append("with correction: m₂ and v₂ still hold the first gradient: m₂ = β₁ m₁ + (1 − β₁) g₂")
        else:
            problems.append("with correction: " + (ratio_hint("step", got_with, abs(want_with), rtol=1e-4)
                                                    or "not right yet"))
    if not close(got_without, want_without):
        if close(got_without, lr * (m2 / (1 - b1**2)) / (math.sqrt(v2) + eps)):
            problems.append("without correction: you still corrected m; leave both m and v uncorrected")
        elif close(got_without, lr * m2 / (math.sqrt(v2 / (1 - b2**2)) + eps)):
            problems.append("without correction: you still corrected v; leave both m and v uncorrected")
        elif close(got_without, lr * m2 / (v2 + eps)):
            problems.append("without correction: divide by the SQUARE ROOT of v")
        else:
            problems.append("without correction: " + (ratio_hint("step", got_without, abs(want_without), rtol=1e-4)
                                                       or "not right yet"))
    return report(problems, "right: the hats shrink the second step too; without them it is several times "
                            "larger")


@exercise_check("adaptive-adagrad-decay")
def check_adagrad_steps(answer):
    r"""With a constant gradient ``grad`` and learning rate ``lr`` (``eps`` negligible), the step :math:`t` at which
    AdaGrad's step :math:`|\theta_t - \theta_{t-1}|` has shrunk to ``step`` (the registry's numbers)."""
    ex = exercise("adaptive-adagrad-decay").inputs
    lr, g, step = ex["lr"], ex["grad"], ex["step"]
    want = round((lr / step) ** 2)  # |step_t| = lr * |g| / sqrt(t g^2) = lr / sqrt(t)
    got = as_number(answer, "adagrad_steps")
    problems = []
    if not math.isclose(got, want, rel_tol=1e-9):  # a float from (lr / step) ** 2 is right too
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
