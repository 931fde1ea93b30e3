r"""Checks for the exercises of the chapter *Momentum and Nesterov*.

Each check prints ``✓ …`` for a right answer, or one hint per problem that names the likely
slip (the damped form's step left unscaled, dampening taken for its damping, a steady gradient's
factor for a flipping one, the Hessian's diagonal for its eigenvalues, the rate taken for the momentum,
√κ forgotten, …) without giving the answer away. The numbers of each exercise come
from :mod:`course_lib.checks.registry`.
"""

from __future__ import annotations

import math

import numpy as np

from course_lib import rates
from course_lib.checks.core import (
    AnswerError,
    ExerciseNotDone,
    as_number,
    exercise_check,
    precision_hint,
    ratio_hint,
    report,
)
from course_lib.checks.registry import exercise

__all__ = ["check_seed_to_torch", "check_multiplier", "check_optimal_heavy_ball", "check_nesterov_limit"]

#: the ravine's flat curvature (``course_lib.surfaces.Ravine``: 0.2 and 0.2 κ)
_FLAT = 0.2


def _is(a: float, b: float, rtol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12)


@exercise_check("momentum-seed-to-torch")
def check_seed_to_torch(lr, momentum, dampening):
    r"""The ``torch.optim.SGD(lr=…, momentum=…, dampening=…)`` that moves exactly like the damped form
    :math:`v \leftarrow \beta v - \eta(1-\beta)\nabla`, :math:`w \leftarrow w + v` with the registry's ``lr`` and
    ``beta``."""
    ex = exercise("momentum-seed-to-torch").inputs
    eta, beta = ex["lr"], ex["beta"]
    problems = []
    lr = as_number(lr, "torch_lr")
    momentum = as_number(momentum, "torch_momentum")
    dampening = as_number(dampening, "torch_dampening")
    want_lr = eta * (1 - beta)
    if not _is(momentum, beta):
        if _is(momentum, 1 - beta):
            problems.append("your momentum is the weight of the new gradient; torch's momentum is the weight "
                            "the old velocity keeps")
        else:
            problems.append("your momentum is not right: which number multiplies the old velocity in the damped "
                            "form?")
    if _is(dampening, beta):
        problems.append("dampening = β looks like the damped form's factor, but torch starts its buffer at the "
                        "first gradient, undamped, so the first step differs from the damped form's: run both for "
                        "two steps and compare")
    elif not _is(dampening, 0.0):
        problems.append("your dampening is not right yet: compare what torch's buffer adds each step with what "
                        "the damped form's velocity adds")
    if not _is(lr, want_lr):
        if _is(lr, eta):
            problems.append("your lr is the damped form's η: that form multiplies each gradient by a further "
                            "factor that torch's update does not have")
        elif _is(lr, eta / (1 - beta)):
            problems.append("your lr applies the damping factor the wrong way round: in the damped form, is a "
                            "gradient's step larger or smaller than η times the gradient?")
        elif _is(lr, eta * beta):
            problems.append("your lr scales η by β: look again at which factor multiplies the gradient")
        else:
            problems.append(ratio_hint("lr", lr, want_lr) or "your lr is not right yet")
    return report(problems, "these settings move exactly like the damped form, step for step")


@exercise_check("momentum-multiplier")
def check_multiplier(multiplier):
    r"""``multiplier(beta)``: the limit of :math:`|v_t| / (\eta|g|)` in the textbook form
    :math:`v_t = \beta v_{t-1} + \eta g_t` when the gradients flip sign at every step, :math:`g, -g, g, \dots`"""
    problems = []
    if not callable(multiplier):
        return report([f"`multiplier` should be a function of beta, got a {type(multiplier).__name__}"], "")
    beta_ex = exercise("momentum-multiplier").inputs["beta"]
    for beta in (0.0, beta_ex, 0.3, 0.99):  # beta and 1 - beta differ: every slip gives its own number
        want = 1.0 / (1.0 + beta)
        try:
            got = as_number(multiplier(beta), f"multiplier({beta})")
        except (ExerciseNotDone, AnswerError):
            raise
        except Exception as e:  # noqa: BLE001 - any error of the student's code becomes a hint
            problems.append(f"your `multiplier` raised {type(e).__name__} on beta = {beta}: {e}")
            break
        if _is(got, want):
            continue
        if _is(got, rates.geometric_sum(beta)):
            problems.append(f"multiplier({beta}) is the factor of a steady gradient; here each new gradient has "
                            "the opposite sign of the one before")
        elif _is(got, -want):
            problems.append(f"multiplier({beta}) is negative: the question asks for the size |v_t| / (η|g|)")
        elif _is(got, beta * want):
            problems.append(f"multiplier({beta}) leaves out the newest gradient (weight β⁰ = 1)")
        elif _is(got, 1 / (1 - beta * beta)):
            problems.append(f"multiplier({beta}) keeps only every second term of the series: the gradients in "
                            "between count too, with their own sign")
        elif _is(got, (1 - beta) * want):
            problems.append(f"multiplier({beta}) is the damped form's factor, with 1 − β on each gradient; the "
                            "textbook form adds whole gradients")
        else:
            problems.append(ratio_hint(f"multiplier({beta})", got, want) or f"multiplier({beta}) is not right")
        break
    return report(problems, "right: momentum amplifies a gradient that keeps its sign far more than one that "
                            "flips at every step")


def _line_curvatures() -> tuple[float, float, np.ndarray]:
    """The smallest and largest eigenvalue of the registry's least-squares Hessian, and the x values."""
    x = np.asarray(exercise("momentum-optimal").inputs["x"], dtype=np.float64)
    design = np.stack([np.ones_like(x), x], axis=1)
    mu, L = np.linalg.eigvalsh(2.0 * design.T @ design / len(x))
    return float(mu), float(L), x


@exercise_check("momentum-optimal")
def check_optimal_heavy_ball(lr, momentum):
    r"""The best heavy-ball step and momentum for the least-squares line through the registry's points:
    the curvatures are the eigenvalues of the Hessian :math:`\frac2n\sum_i (1, x_i)^\top (1, x_i)`."""
    mu, L, x = _line_curvatures()
    want_lr, want_beta, rate = rates.heavy_ball_optimal(L, mu)
    k = L / mu
    lr_v = as_number(lr, "best_lr")
    beta_v = as_number(momentum, "best_momentum")
    problems = []
    diag = sorted([2.0, 2.0 * float(np.mean(x**2))])
    diag_lr, diag_beta, diag_rate = rates.heavy_ball_optimal(diag[1], diag[0])
    if _is(lr_v, diag_lr, 1e-4) or _is(beta_v, diag_beta, 1e-4):
        problems.append("you used the Hessian's diagonal entries as its curvatures: the curvatures are its "
                        "eigenvalues, and the off-diagonal entries move them")
    elif not _is(beta_v, want_beta, 1e-4):
        if _is(beta_v, rate, 1e-4):
            problems.append("your momentum is the rate (√κ − 1)/(√κ + 1) itself; the best momentum is not quite that")
        elif _is(beta_v, ((k - 1) / (k + 1)) ** 2, 1e-4) or _is(beta_v, (k - 1) / (k + 1), 1e-4):
            problems.append("your momentum uses κ where the formula has √κ")
        else:
            problems.append(ratio_hint("best_momentum", beta_v, want_beta, 1e-4) or "your momentum is not right yet")
    if not problems and not _is(lr_v, want_lr, 1e-4):
        if _is(lr_v, 2 / (L + mu), 1e-4):
            problems.append("your lr is plain gradient descent's best step 2/(L + μ); momentum's best step is larger")
        elif _is(lr_v, 4 / (L + mu), 1e-4):
            problems.append("your lr has (L + μ) in the denominator: the formula adds square roots, then squares")
        elif _is(lr_v, 4 / (math.sqrt(L) + math.sqrt(mu)), 1e-4):
            problems.append("your lr forgets to square (√L + √μ)")
        elif _is(lr_v, 2 * want_lr, 1e-4):
            problems.append("your momentum is right but your lr is twice too large: the curvatures of a mean of "
                            "squares carry the factor 2 that differentiating the square brings down")
        elif _is(lr_v, want_lr / len(x), 1e-4):
            problems.append("your momentum is right but your lr is too small: f is a mean over the points, not a "
                            "sum, and so is its Hessian")
        else:
            problems.append(ratio_hint("best_lr", lr_v, want_lr, 1e-4) or "your lr is not right yet")
    return report(problems, f"right: with these the error shrinks about {1 / rate:.2f}× per step")


@exercise_check("momentum-nesterov-limit")
def check_nesterov_limit(lr_max):
    r"""The largest stable step of ``SGD(momentum=…, nesterov=True)`` on ``Ravine(kappa=…)`` (the registry's
    numbers; the default ravine's steepest curvature is :math:`L = 4`), to within 1 %."""
    ex = exercise("momentum-nesterov-limit").inputs
    value = as_number(lr_max, "nesterov_lr_max")
    L, beta = _FLAT * ex["kappa"], ex["momentum"]
    want = rates.max_stable_lr(L, beta, nesterov=True)
    problems = []
    if abs(value - want) > 0.01 * want:
        if _is(value, 2 / L, 1e-3):
            problems.append("that is plain gradient descent's limit 2/L: Nesterov's look-ahead changes it")
        elif _is(value, rates.max_stable_lr(L, beta), 1e-3):
            problems.append("that is heavy ball's limit: Nesterov's look-ahead gradient changes it")
        elif precision_hint("nesterov_lr_max", value, want, 0.01):
            problems.append(precision_hint("nesterov_lr_max", value, want, 0.01))
        elif value > want:
            problems.append("too large: a run at that step blows up along y (try it with run_trajectories)")
        else:
            problems.append("too small: a run at a slightly larger step still converges")
    return report(problems, "right: Nesterov's look-ahead tames the wobble, but its largest stable step is smaller "
                            "than heavy ball's")
