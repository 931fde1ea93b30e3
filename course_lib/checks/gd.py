r"""Checks for the exercises of the chapter on gradient descent (``book/01_gradient_descent.ipynb``).

Each function prints ``✓ …`` for a right answer or one ``✗`` hint per problem, never the answer,
and returns whether the answer is right.

- :func:`check_mse_gradient`: the gradient :math:`\frac2n X^\top(X\theta - y)` of the linear-regression
  MSE, coded as ``grad(theta, X, y)``;
- :func:`check_largest_stable_lr`: the learning rate above which gradient descent on the ravine
  :math:`0.1x^2 + 0.1\kappa y^2` stops converging;
- :func:`check_minibatch_epoch`: one epoch of mini-batch gradient descent on the linear-regression MSE,
  coded as ``epoch(theta, x, y, lr, batch_size, order)``;
- :func:`check_lr_steps`: how many steps gradient descent on :math:`x^2` needs for each learning rate;
- :func:`check_best_momentum`: the momentum that needs the fewest iterations on the course's line;
- :func:`check_newton_saddle`: the start above which Newton's method on the saddle
  :math:`x^2 - y^2 + \tfrac12 y^4` no longer converges to the saddle.
"""

from __future__ import annotations

import math

import numpy as np

from course_lib import gd
from course_lib.checks.core import (
    AnswerError,
    as_int,
    as_number,
    call_answer,
    exercise_check,
    precision_hint,
    report,
)
from course_lib.checks.registry import exercise
from course_lib.data import noisy_line
from course_lib.gd import minibatch_epoch, mse_grad
from course_lib.surfaces import LinearRegressionMSE

__all__ = ["check_mse_gradient", "check_largest_stable_lr", "check_minibatch_epoch", "check_lr_steps",
           "check_best_momentum", "check_newton_saddle"]


def _call(fn, *args, name=None, on=None):
    """:func:`call_answer` as a flat array."""
    got, err = call_answer(fn, *args, name=name, on=on)
    return (None, err) if err else (got.ravel(), None)


def _same(a, b, rtol: float = 1e-7) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=1e-10))


# --- 1. the gradient of the MSE -----------------------------------------------------------------------


def _gradient_probes():
    """(theta, X, y, want) cases: the course's line as a design matrix [1, x], and a random 3-feature problem."""
    x, y = noisy_line()
    X1 = np.stack([np.ones_like(x), x], axis=1)
    th1 = np.array([1.0, 3.0])
    want1 = LinearRegressionMSE(x, y).grad(th1).numpy()
    rng = np.random.default_rng(1)
    X2 = rng.normal(size=(7, 3))
    y2 = rng.normal(size=7)
    th2 = np.array([0.5, -1.0, 2.0])
    want2 = 2.0 / 7 * X2.T @ (X2 @ th2 - y2)
    return [(th1, X1, y, want1), (th2, X2, y2, want2)]


@exercise_check("gd-mse-gradient")
def check_mse_gradient(grad):
    r"""``grad(theta, X, y)`` must return :math:`\nabla L = \frac2n X^\top(X\theta - y)`, shape ``(d,)``,
    for :math:`L(\theta) = \frac1n\lVert X\theta - y\rVert^2` with ``X`` of shape ``(n, d)``."""
    problems: list[str] = []
    for theta, X, y, want in _gradient_probes():
        got, err = _call(grad, theta.copy(), X.copy(), y.copy(), name="mse_gradient",
                         on=f"theta of shape {theta.shape}, X of shape {X.shape}, y of shape {y.shape}")
        if err:
            return report([err], "")
        if _same(got, want):
            continue
        n, d = X.shape
        if got.shape != want.shape:
            problems.append(f"with X of shape ({n}, {d}) it returned {got.size} numbers: return one partial "
                            f"derivative per parameter, shape ({d},)")
        elif _same(got, -want):
            problems.append("your gradient has the wrong sign: is your residual prediction − target, Xθ − y?")
        elif _same(got, want / 2):
            problems.append("your gradient is half the right one: the square brings down a factor 2 "
                            "(there is no ½ in this loss)")
        elif _same(got, 2 * want):
            problems.append("your gradient is twice the right one: count the factor 2 only once")
        elif _same(got, n * want):
            problems.append("your gradient grows with the number of samples: L is a MEAN, so divide the sum by n")
        elif _same(got, n * want / 2):
            problems.append("you summed instead of averaging, and the factor 2 from the square is missing")
        elif _same(got, want / n):
            problems.append("your gradient is n times too small: divide by n once")
        elif _same(got, 2.0 / n * X.T @ (X @ theta)):
            problems.append("your gradient ignores y: the residual is Xθ − y")
        else:
            problems.append(f"for the probe with X of shape ({n}, {d}) your gradient differs from the derivative "
                            "(compare it with finite differences, (L(θ + h e_j) − L(θ − h e_j)) / 2h)")
        break
    return report(problems, "your gradient matches the derivative of the MSE (course line and a random 3-feature "
                            "problem)")


# --- 2. the largest stable learning rate on the ravine ------------------------------------------------


@exercise_check("gd-largest-lr")
def check_largest_stable_lr(eta_star):
    r"""``eta_star``: the learning rate :math:`\eta^*` such that gradient descent on
    :math:`f(x, y) = 0.1x^2 + 0.1\kappa y^2` (``kappa`` from the registry) converges from every start for
    :math:`\eta < \eta^*` and not for :math:`\eta \ge \eta^*`. Accepted within 1 %."""
    kappa = exercise("gd-largest-lr").inputs["kappa"]
    got = as_number(eta_star, "eta_star")
    flat, steep = 0.2, 0.2 * kappa
    want = 2 / steep
    problems = []
    if not math.isfinite(got) or got <= 0:
        problems.append("a learning rate is a positive number")
    elif math.isclose(got, want, rel_tol=0.01):
        pass
    elif math.isclose(got, 1 / steep, rel_tol=0.01):
        problems.append("at that rate the steep direction reaches its minimum in ONE step; a larger rate still "
                        "converges (it oscillates)")
    elif math.isclose(got, 2 / flat, rel_tol=0.01) or math.isclose(got, 1 / flat, rel_tol=0.01):
        problems.append("that comes from the FLAT direction's curvature; the steep direction diverges long before")
    elif math.isclose(got, 1.0, rel_tol=0.01):
        problems.append("that is the edge for f(x) = x² (curvature 2); the ravine's curvatures differ")
    elif got < want:
        problems.append("gradient descent still converges a little above your rate: the threshold is higher")
    else:
        problems.append("at your rate gradient descent already diverges in one direction: the threshold is lower")
    return report(problems, "that is the edge of stability, 2 divided by the largest curvature")


# --- 3. one epoch of mini-batch gradient descent ------------------------------------------------------


def _epoch_variant(theta, x, y, lr, batch_size, order, *, scale=lambda b, m: 1.0, stale=False):
    """One epoch with a gradient scaled by ``scale(batch, m)``, or taken once at the epoch's start (``stale``)."""
    theta = np.asarray(theta, dtype=np.float64).copy()
    start = theta.copy()
    for a in range(0, len(order), batch_size):
        b = order[a:a + batch_size]
        at = start if stale else theta
        theta = theta - lr * scale(len(b), len(x)) * mse_grad(at, x[b], y[b])
    return theta


def _epoch_slips(theta, x, y, lr, batch_size, order):
    """(what the student may have done, the hint) for the common slips, most specific first."""
    m = len(x)
    yield (minibatch_epoch(theta, x, y, lr, batch_size, order, drop_last=True),
           "the last, smaller batch is missing: an epoch uses every sample once (the last batch may be smaller)")
    yield (minibatch_epoch(theta, x, y, lr, batch_size, np.arange(m)),
           "you visited the samples in their stored order: use the order given in `order`")
    yield (theta - lr * mse_grad(theta, x, y),
           "that is ONE step with the whole data set: make one update per batch")
    yield (_epoch_variant(theta, x, y, lr, batch_size, order, scale=lambda b, m: b / m),
           "you divided by n, the size of the whole data set (as the optimizer round-up's mini-batch formula does): "
           "the batch gradient averages over the batch")
    yield (_epoch_variant(theta, x, y, lr, batch_size, order, scale=lambda b, m: b),
           "your batch gradient grows with the batch: average over the batch instead of summing")
    yield (_epoch_variant(theta, x, y, lr, batch_size, order, scale=lambda b, m: 0.5),
           "your steps are half as long as they should be: the square brings down a factor 2")
    yield (_epoch_variant(theta, x, y, lr, batch_size, order, scale=lambda b, m: -1.0),
           "you step uphill: subtract the gradient")
    yield (_epoch_variant(theta, x, y, lr, batch_size, order, stale=True),
           "every batch's gradient must be taken at the CURRENT θ, after the previous batch's update")


@exercise_check("gd-minibatch")
def check_minibatch_epoch(epoch):
    r"""``epoch(theta, x, y, lr, batch_size, order)`` must return :math:`\theta` after one epoch of mini-batch
    descent on :math:`\frac1n\sum(\theta_0 + \theta_1x_i - y_i)^2`: batches ``order[0:B]``, ``order[B:2B]``, …
    (the last may be smaller), each step :math:`\theta \leftarrow \theta - \eta\nabla L_{\text{batch}}(\theta)`."""
    x, y = noisy_line()
    order = np.random.default_rng(3).permutation(len(x))
    theta0 = np.array([1.0, 1.5])
    problems: list[str] = []
    for batch_size in (4, 1, 10):
        got, err = _call(epoch, theta0.copy(), x.copy(), y.copy(), 0.004, batch_size, order.copy(),
                         name="minibatch_epoch", on=f"the course's 10-point line with batch size {batch_size}")
        if err:
            return report([err], "")
        want = minibatch_epoch(theta0, x, y, 0.004, batch_size, order)
        if _same(got, want, rtol=1e-9):
            continue
        if got.shape != want.shape:
            problems.append(f"it returned {got.size} numbers: return θ = (θ0, θ1) after the epoch")
            break
        for candidate, hint in _epoch_slips(theta0, x, y, 0.004, batch_size, order):
            if _same(got, candidate, rtol=1e-9):
                problems.append(f"with batch size {batch_size}: {hint}")
                break
        else:
            problems.append(f"with batch size {batch_size} your θ after the epoch differs from mini-batch descent "
                            "(check one batch by hand: θ − η·(2/|B|)·Σ (θ0 + θ1 x_i − y_i)(1, x_i))")
        break
    return report(problems, "your epoch matches mini-batch gradient descent for batch sizes 4, 1 and 10")


# --- 4. steps to reach 1e-6 on x², for each learning rate ---------------------------------------


def _steps_to_tol(lr: float, start: float, tol: float, cap: int = 100_000) -> int:
    """Steps of x <- x - lr * 2x from ``start`` until |x| < tol (counted by running them), or -1 past ``cap``."""
    x, steps = start, 0
    while abs(x) >= tol:
        x -= lr * 2 * x
        steps += 1
        if steps > cap or not math.isfinite(x):
            return -1
    return steps


@exercise_check("gd-lr-too-large")
def check_lr_steps(steps_needed):
    """``steps_needed``: ``{lr: steps}``, the steps gradient descent on :math:`x^2` needs to bring ``|x|`` from
    ``start`` below ``tol``, for every learning rate ``lrs`` of the registry (a list in that order works too)."""
    ex = exercise("gd-lr-too-large").inputs
    lrs, start, tol = ex["lrs"], ex["start"], ex["tol"]
    if isinstance(steps_needed, dict):
        missing = [lr for lr in lrs if lr not in steps_needed]
        if missing:
            raise AnswerError(f"`steps_needed` has no entry for the learning rate(s) {', '.join(map(str, missing))}")
        got = {lr: as_int(steps_needed[lr], f"steps_needed[{lr}]") for lr in lrs}
    else:
        try:
            values = list(steps_needed)
        except TypeError:
            raise AnswerError("`steps_needed` should be a dict {learning rate: steps}") from None
        if len(values) != len(lrs):
            raise AnswerError(f"`steps_needed` should give {len(lrs)} step counts, one per learning rate")
        got = {lr: as_int(v, f"steps for lr {lr}") for lr, v in zip(lrs, values)}
    problems = []
    for lr in lrs:
        want = _steps_to_tol(lr, start, tol)
        if got[lr] == want:
            continue
        if got[lr] == want - 1:
            problems.append(f"for η = {lr} you stopped one step early: |x| must be BELOW the tolerance")
        elif got[lr] == want + 1:
            problems.append(f"for η = {lr} you count one step too many: stop at the first step below the tolerance")
        else:
            problems.append(f"for η = {lr} your count is not right yet: x_t = (1 − 2η)^t x_0, solve for t")
        break
    return report(problems, "right: the counts are symmetric about η = 0.5, the best rate for curvature 2")


# --- 5. the best momentum on the course's line ----------------------------------------------------


def _iterations(momentum: float, lr: float | None = None) -> int:
    ex = exercise("gd-best-momentum").inputs
    x, y = noisy_line()
    run = gd.descend(LinearRegressionMSE(x, y), (0.0, 0.0), lr=ex["lr"] if lr is None else lr, momentum=momentum,
                     tol=ex["tol"])
    return run.iterations


#: the learning rate of the chapter's own momentum runs (the body shows which momentum is best there)
CHAPTER_LR = 0.01


@exercise_check("gd-best-momentum")
def check_best_momentum(best_momentum):
    """``best_momentum``: which of the registry's ``momenta`` needs the fewest iterations on the course's line."""
    ex = exercise("gd-best-momentum").inputs
    momenta = ex["momenta"]
    got = as_number(best_momentum, "best_momentum")
    if not any(math.isclose(got, m, rel_tol=1e-6) for m in momenta):
        raise AnswerError(f"`best_momentum` should be one of {', '.join(f'{m:g}' for m in momenta)}")
    counts = {m: _iterations(m) for m in momenta}
    best = min(counts, key=counts.get)
    problems = []
    if not math.isclose(got, best, rel_tol=1e-6):
        if got == max(momenta):
            problems.append("the largest momentum carries too much speed: count its iterations, it circles the "
                            "minimum for a long time")
        elif got == min(momenta):
            problems.append("without momentum the flat direction of the valley is slow: count again")
        elif ex["lr"] != CHAPTER_LR and got == min(momenta, key=lambda m: _iterations(m, CHAPTER_LR)):
            problems.append(f"that momentum is the fastest at the chapter's learning rate {CHAPTER_LR:g}, but the best "
                            "momentum depends on the learning rate: count again at this one")
        else:
            problems.append("another momentum of the list needs fewer iterations: run every one and compare")
    return report(problems, "right: neither no momentum nor the most momentum is fastest")


# --- 6. Newton's method on the saddle -------------------------------------------------------------


@exercise_check("gd-newton-saddle")
def check_newton_saddle(y_star):
    r"""``y_star``: on :math:`f(x, y) = x^2 - y^2 + \tfrac12 y^4`, Newton's method started at :math:`(x_0, y_0)`
    converges to the saddle for :math:`0 < y_0 < y^*` and to a minimum for (almost) every :math:`y_0 > y^*`.
    Accepted within 0.01 %."""
    got = as_number(y_star, "y_star")
    want = 1 / math.sqrt(5)
    problems = []
    if math.isclose(got, want, rel_tol=1e-4):
        pass
    elif got <= 0:
        problems.append("give the boundary as a positive y₀ (the picture is the same for negative y₀)")
    elif math.isclose(got, 1 / math.sqrt(3), rel_tol=1e-3):
        problems.append("there the y-curvature changes sign and Newton's step is undefined, but starts a little "
                        "below it already leave the saddle: follow a few Newton steps from there")
    elif math.isclose(got, 1.0, rel_tol=1e-3):
        problems.append("y = 1 is the minimum itself; the boundary of the starts that end at the saddle is closer "
                        "to the saddle")
    elif math.isclose(got, 0.2, rel_tol=1e-3) or math.isclose(got, 1 / 3, rel_tol=1e-3):
        problems.append("that looks like y₀², not y₀")
    elif math.isclose(got, 0.5, rel_tol=1e-3):
        problems.append("from y₀ = 0.5 one Newton step lands exactly on a minimum, so the boundary lies below it")
    else:
        close = precision_hint("y_star", got, want, 1e-4)
        if close:
            problems.append(close)
        elif got < want:
            problems.append("Newton's method started a little above your y₀ still converges to the saddle: the "
                            "boundary is larger")
        else:
            problems.append("Newton's method started a little below your y₀ already leaves the saddle: the "
                            "boundary is smaller")
    return report(problems, "right: inside that band each Newton step shrinks |y|, outside it the iterates are "
                            "thrown out towards a minimum")
