r"""Checks for the exercises of the chapter *Momentum and Nesterov*.

Each check prints ``✓ …`` for a right answer, or one hint per problem that names the likely
slip (the seed's step left unscaled, dampening taken for the seed's damping, the rate taken for
the momentum, √κ forgotten, …) without giving the answer away.
"""

from __future__ import annotations

import math

from course_lib import rates
from course_lib.checks import ratio_hint, report, require_done

__all__ = ["check_seed_to_torch", "check_multiplier", "check_optimal_heavy_ball", "check_nesterov_limit",
           "SEED_SETTINGS", "OPTIMAL_KAPPA", "NESTEROV_MOMENTUM"]

#: the seed-000-style settings of the conversion exercise
SEED_SETTINGS = {"lr": 0.05, "mu": 0.8}
#: the condition number of the optimal-momentum exercise (on ``Ravine(kappa=100)``: curvatures 0.2 and 20)
OPTIMAL_KAPPA = 100.0
#: the momentum of the Nesterov step-limit exercise (on the default ``Ravine()``: curvatures 0.2 and 4)
NESTEROV_MOMENTUM = 0.7


def _number(x, name: str) -> tuple[float | None, str | None]:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None, f"your {name} is a {type(x).__name__}, not a number"
    if not math.isfinite(value):
        return None, f"your {name} is {value}: something overflowed or divided by zero"
    return value, None


def _is(a: float, b: float, rtol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12)


def check_seed_to_torch(lr, momentum, dampening) -> bool:
    r"""The ``torch.optim.SGD(lr=…, momentum=…, dampening=…)`` that moves exactly like seed 000's
    :math:`v \leftarrow \mu v - \eta(1-\mu)\nabla`, :math:`w \leftarrow w + v` with :data:`SEED_SETTINGS`."""
    require_done(lr, momentum, dampening)
    eta, mu = SEED_SETTINGS["lr"], SEED_SETTINGS["mu"]
    problems = []
    values = {}
    for name, x in (("lr", lr), ("momentum", momentum), ("dampening", dampening)):
        values[name], err = _number(x, name)
        if err:
            problems.append(err)
    if problems:
        return report(problems, "")
    lr, momentum, dampening = values["lr"], values["momentum"], values["dampening"]
    want_lr = eta * (1 - mu)
    if not _is(momentum, mu):
        if _is(momentum, 1 - mu):
            problems.append("your momentum is the weight of the new gradient; torch's momentum is the weight "
                            "the old velocity keeps")
        else:
            problems.append("your momentum is not right: which number multiplies the old velocity in the seed?")
    if _is(dampening, mu):
        problems.append("dampening = μ looks like the seed's damping, but torch starts its buffer at the first "
                        "gradient, undamped: the first step comes out 1/(1 − μ) times too large. Keep dampening "
                        "at 0 and put the damping into the learning rate")
    elif not _is(dampening, 0.0):
        problems.append("your dampening is not right: torch's buffer must add whole gradients here")
    if not _is(lr, want_lr):
        if _is(lr, eta):
            problems.append("your lr is the seed's lr: the seed multiplies each gradient by a further factor "
                            "that torch's update does not have")
        elif _is(lr, eta / (1 - mu)):
            problems.append("your lr divides the seed's lr by the factor it should be multiplied by")
        elif _is(lr, eta * mu):
            problems.append("your lr scales the seed's lr by μ: look again at which factor multiplies the gradient")
        else:
            problems.append(ratio_hint("lr", lr, want_lr) or "your lr is not right yet")
    return report(problems, "these settings move exactly like the seed's damped momentum, step for step")


def check_multiplier(multiplier) -> bool:
    r"""``multiplier(gamma)``: the total weight one gradient gets in :math:`v_t = \gamma v_{t-1} + g_t`
    over all the steps from its own on (its contribution to the sum of all the updates)."""
    require_done(multiplier)
    problems = []
    for gamma in (0.0, 0.5, 0.9, 0.99):
        want = rates.geometric_sum(gamma)
        try:
            got, err = _number(multiplier(gamma), f"multiplier({gamma})")
        except Exception as e:  # noqa: BLE001 - any error of the student's code becomes a hint
            if type(e).__name__ == "ExerciseNotDone":
                raise
            problems.append(f"your `multiplier` raised {type(e).__name__}: {e}")
            break
        if err:
            problems.append(err)
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


def check_optimal_heavy_ball(lr, momentum) -> bool:
    r"""The best heavy-ball step and momentum on ``Ravine(kappa=OPTIMAL_KAPPA)`` (curvatures 0.2 and 20)."""
    require_done(lr, momentum)
    mu, L = 0.2, 0.2 * OPTIMAL_KAPPA
    want_lr, want_beta, rate = rates.heavy_ball_optimal(L, mu)
    lr_v, err1 = _number(lr, "lr")
    beta_v, err2 = _number(momentum, "momentum")
    problems = [e for e in (err1, err2) if e]
    if problems:
        return report(problems, "")
    k = OPTIMAL_KAPPA
    if not _is(beta_v, want_beta, 1e-4):
        if _is(beta_v, rate, 1e-4):
            problems.append("your momentum is the rate (√κ − 1)/(√κ + 1) itself; the best momentum is not quite that")
        elif _is(beta_v, ((k - 1) / (k + 1)) ** 2, 1e-4) or _is(beta_v, (k - 1) / (k + 1), 1e-4):
            problems.append("your momentum uses κ where the formula has √κ")
        else:
            problems.append(ratio_hint("momentum", beta_v, want_beta, 1e-4) or "your momentum is not right yet")
    if not _is(lr_v, want_lr, 1e-4):
        if _is(lr_v, 2 / (L + mu), 1e-4):
            problems.append("your lr is plain gradient descent's best step 2/(L + μ); momentum's best step is larger")
        elif _is(lr_v, 4 / (L + mu), 1e-4):
            problems.append("your lr has (L + μ) in the denominator: the formula adds square roots, then squares")
        elif _is(lr_v, 4 / (math.sqrt(L) + math.sqrt(mu)), 1e-4):
            problems.append("your lr forgets to square (√L + √μ)")
        else:
            problems.append(ratio_hint("lr", lr_v, want_lr, 1e-4) or "your lr is not right yet")
    return report(problems, f"right: with these the error shrinks about {1 / rate:.2f}× per step")


def check_nesterov_limit(lr_max) -> bool:
    r"""The largest stable step of ``SGD(momentum=NESTEROV_MOMENTUM, nesterov=True)`` on the default ravine
    (its steepest curvature is :math:`L = 4`), to within 1 %."""
    require_done(lr_max)
    value, err = _number(lr_max, "lr_max")
    if err:
        return report([err], "")
    L, beta = 4.0, NESTEROV_MOMENTUM
    want = rates.max_stable_lr(L, beta, nesterov=True)
    problems = []
    if abs(value - want) > 0.01 * want:
        if _is(value, 2 / L, 1e-3):
            problems.append("that is plain gradient descent's limit 2/L: Nesterov's look-ahead changes it")
        elif _is(value, rates.max_stable_lr(L, beta), 1e-3):
            problems.append("that is heavy ball's limit: Nesterov's look-ahead gradient changes it")
        elif value > want:
            problems.append("too large: a run at that step blows up along y (try it with run_trajectories)")
        else:
            problems.append("too small: a run at a slightly larger step still converges")
    return report(problems, "right: Nesterov's look-ahead tames the wobble, but its largest stable step is smaller "
                            "than heavy ball's")
