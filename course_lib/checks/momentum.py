r"""Checks for the exercises of the chapter *Momentum and Nesterov*.

Each check prints ``✓ …`` for a right answer, or one hint per problem that names the likely
slip (the damped form's step left unscaled, dampening taken for its damping, the rate taken for
the momentum, √κ forgotten, …) without giving the answer away. The numbers of each exercise come
from :mod:`course_lib.checks.registry`.
"""

from __future__ import annotations

import math

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
    :math:`v \leftarrow \mu v - \eta(1-\mu)\nabla`, :math:`w \leftarrow w + v` with the registry's ``lr`` and ``mu``."""
    ex = exercise("momentum-seed-to-torch").inputs
    eta, mu = ex["lr"], ex["mu"]
    problems = []
    lr = as_number(lr, "torch_lr")
    momentum = as_number(momentum, "torch_momentum")
    dampening = as_number(dampening, "torch_dampening")
    want_lr = eta * (1 - mu)
    if not _is(momentum, mu):
        if _is(momentum, 1 - mu):
            problems.append("your momentum is the weight of the new gradient; torch's momentum is the weight "
                            "the old velocity keeps")
        else:
            problems.append("your momentum is not right: which number multiplies the old velocity in the damped "
                            "form?")
    if _is(dampening, mu):
        problems.append("dampening = μ looks like the damped form's factor, but torch starts its buffer at the "
                        "first gradient, undamped, so the first step differs from the damped form's: run both for "
                        "two steps and compare")
    elif not _is(dampening, 0.0):
        problems.append("your dampening is not right yet: compare what torch's buffer adds each step with what "
                        "the damped form's velocity adds")
    if not _is(lr, want_lr):
        if _is(lr, eta):
            problems.append("your lr is the damped form's η: that form multiplies each gradient by a further "
                            "factor that torch's update does not have")
        elif _is(lr, eta / (1 - mu)):
            problems.append("your lr applies the damping factor the wrong way round: in the damped form, is a "
                            "gradient's step larger or smaller than η times the gradient?")
        elif _is(lr, eta * mu):
            problems.append("your lr scales η by μ: look again at which factor multiplies the gradient")
        else:
            problems.append(ratio_hint("lr", lr, want_lr) or "your lr is not right yet")
    return report(problems, "these settings move exactly like the damped form, step for step")


@exercise_check("momentum-multiplier")
def check_multiplier(multiplier):
    r"""``multiplier(gamma)``: the total weight one gradient gets in :math:`v_t = \gamma v_{t-1} + g_t`
    over all the steps from its own on (its contribution to the sum of all the updates)."""
    problems = []
    if not callable(multiplier):
        return report([f"`multiplier` should be a function of gamma, got a {type(multiplier).__name__}"], "")
    for gamma in (0.0, 0.5, 0.9, 0.99):
        want = rates.geometric_sum(gamma)
        try:
            got = as_number(multiplier(gamma), f"multiplier({gamma})")
        except (ExerciseNotDone, AnswerError):
            raise
        except Exception as e:  # noqa: BLE001 - any error of the student's code becomes a hint
            problems.append(f"your `multiplier` raised {type(e).__name__} on gamma = {gamma}: {e}")
            break
        if _is(got, want):
            continue
        if _is(got, gamma / (1 - gamma)):
            problems.append(f"multiplier({gamma}) leaves out the step the gradient arrives on (weight γ⁰ = 1)")
        elif _is(got, 1 - gamma):
            problems.append(f"multiplier({gamma}) is the share of the new gradient in a damped average, not the "
                            "total weight over all the later steps")
        elif _is(got, 1 / (1 + gamma)):
            problems.append(f"multiplier({gamma}): check the sign in your geometric series")
        else:
            problems.append(ratio_hint(f"multiplier({gamma})", got, want) or f"multiplier({gamma}) is not right")
        break
    return report(problems, "right: a momentum of 0.9 carries each gradient ten times as far in the long run")


@exercise_check("momentum-optimal")
def check_optimal_heavy_ball(lr, momentum):
    r"""The best heavy-ball step and momentum on ``Ravine(kappa=…)`` (the registry's κ; curvatures 0.2 and 0.2 κ)."""
    k = exercise("momentum-optimal").inputs["kappa"]
    mu, L = _FLAT, _FLAT * k
    want_lr, want_beta, rate = rates.heavy_ball_optimal(L, mu)
    lr_v = as_number(lr, "best_lr")
    beta_v = as_number(momentum, "best_momentum")
    problems = []
    if not _is(beta_v, want_beta, 1e-4):
        if _is(beta_v, rate, 1e-4):
            problems.append("your momentum is the rate (√κ − 1)/(√κ + 1) itself; the best momentum is not quite that")
        elif _is(beta_v, ((k - 1) / (k + 1)) ** 2, 1e-4) or _is(beta_v, (k - 1) / (k + 1), 1e-4):
            problems.append("your momentum uses κ where the formula has √κ")
        else:
            problems.append(ratio_hint("best_momentum", beta_v, want_beta, 1e-4) or "your momentum is not right yet")
    if not _is(lr_v, want_lr, 1e-4):
        if _is(lr_v, 2 / (L + mu), 1e-4):
            problems.append("your lr is plain gradient descent's best step 2/(L + μ); momentum's best step is larger")
        elif _is(lr_v, 4 / (L + mu), 1e-4):
            problems.append("your lr has (L + μ) in the denominator: the formula adds square roots, then squares")
        elif _is(lr_v, 4 / (math.sqrt(L) + math.sqrt(mu)), 1e-4):
            problems.append("your lr forgets to square (√L + √μ)")
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
