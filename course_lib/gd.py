r"""Gradient descent as chapter 1 teaches it (``book/01_gradient_descent.ipynb``), reusable by later chapters.

- :func:`descend`: full-batch gradient descent on any :class:`~course_lib.surfaces.Surface`, with
  optional momentum in the form :math:`v \leftarrow \beta v + \eta\nabla f(\theta)`,
  :math:`\theta \leftarrow \theta - v`, stopped when every coordinate of the parameter change
  falls below a tolerance;
- :func:`mse_grad`, :func:`mse`: the linear-regression cost :math:`\frac1n\sum_i(\theta_0+\theta_1x_i-y_i)^2`
  and its gradient on any subset of the data (what a mini-batch needs);
- :func:`minibatch_epoch`, :func:`minibatch_gd`: batch (BGD), stochastic (SGD, batch size 1) and
  mini-batch (MBGD) gradient descent on that cost, with a seeded shuffle each epoch;
- :func:`quadratic_sgd`: the per-sample SGD fit of :math:`w_1x^2 + w_2x + w_3` to data, in plain
  Python floats, as the CSDN gradient-descent article writes it;
- :func:`quadratic_regime`: what gradient descent does on a quadratic with a given learning rate.

This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["DescentRun", "descend", "mse", "mse_grad", "minibatch_epoch", "MinibatchRun", "minibatch_gd",
           "QuadraticFit", "quadratic_sgd", "quadratic_regime"]


# --- full-batch descent on a surface, with a stopping tolerance --------------------------------------


@dataclass
class DescentRun:
    """One run of :func:`descend`.

    ``path``: ``(iterations + 1, dim)`` positions, the start first; ``losses``: ``(iterations + 1,)``
    surface values along it; ``iterations``: updates made; ``converged``: whether the stopping rule
    fired (``False`` when ``max_iters`` ran out or the run diverged); ``diverged``: whether it left
    every bound (then ``path`` ends at the last finite position).
    """

    path: np.ndarray
    losses: np.ndarray
    iterations: int
    converged: bool
    diverged: bool = False

    @property
    def theta(self) -> np.ndarray:
        """The last position."""
        return self.path[-1]


def descend(surface, start: Sequence[float], *, lr: float, momentum: float = 0.0, tol: float | None = None,
            max_iters: int = 10_000, limit: float = 1e6) -> DescentRun:
    r"""Gradient descent with (optional) momentum, stopped on a small parameter change.

    .. math::
        v_{t} = \beta\, v_{t-1} + \eta\,\nabla f(\theta_{t-1}),\quad v_0 = 0,\qquad
        \theta_{t} = \theta_{t-1} - v_{t}

    with :math:`\eta` = ``lr`` and :math:`\beta` = ``momentum`` (plain gradient descent for
    :math:`\beta = 0`). Stops after the first update with :math:`|\theta_t - \theta_{t-1}| < \delta` in
    every coordinate (:math:`\delta` = ``tol``; ``None`` runs all ``max_iters`` updates). This is
    ``torch.optim.SGD(lr=lr, momentum=momentum)``: its buffer is :math:`v_t/\eta`.
    A run whose position or value leaves ``[-limit, limit]`` stops and is marked diverged.
    """
    if not lr > 0:
        raise ValueError(f"Invalid learning rate: {lr!r} (lr must be > 0)")
    if not 0 <= momentum < 1:
        raise ValueError(f"Invalid momentum: {momentum!r} (momentum must be in [0, 1))")
    if tol is not None and not tol > 0:
        raise ValueError(f"Invalid tol: {tol!r} (tol must be > 0, or None)")
    if not isinstance(max_iters, int) or max_iters < 0:
        raise ValueError(f"Invalid max_iters: {max_iters!r} (expected an int >= 0)")
    theta = torch.as_tensor(np.asarray(start, dtype=np.float64).reshape(surface.dim).copy())
    v = torch.zeros_like(theta)
    path = [theta]
    converged = diverged = False
    for _ in range(max_iters):
        v = momentum * v + lr * surface.grad(theta)
        new = theta - v
        if not bool(torch.isfinite(new).all()) or float(new.abs().max()) > limit:
            diverged = True
            break
        path.append(new)
        done = tol is not None and bool(((new - theta).abs() < tol).all())
        theta = new
        if done:
            converged = True
            break
    points = torch.stack(path)
    losses = surface.value(points)
    bad = ~(torch.isfinite(losses) & (losses.abs() <= limit))
    if bool(bad.any()):  # the value left the bounds before the position did
        keep = max(int(torch.nonzero(bad)[0]), 1)
        points, losses, diverged, converged = points[:keep], losses[:keep], True, False
    return DescentRun(points.numpy().copy(), losses.numpy().copy(), len(points) - 1, converged=converged,
                      diverged=diverged)


# --- the linear-regression cost on any subset of the data --------------------------------------------


def _arrays(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size == 0:
        raise ValueError(f"x and y must be 1-D, non-empty and of the same length, got {x.shape} and {y.shape}")
    return x, y


def mse(theta, x, y) -> float:
    r""":math:`L(\theta) = \frac1n\sum_{i=1}^n(\theta_0 + \theta_1 x_i - y_i)^2` on the ``n`` points given."""
    x, y = _arrays(x, y)
    r = theta[0] + theta[1] * x - y
    return float(np.mean(r * r))


def mse_grad(theta, x, y) -> np.ndarray:
    r""":math:`\nabla L = \frac2n\sum_{i=1}^n(\theta_0 + \theta_1 x_i - y_i)\,(1,\ x_i)` on the ``n`` points given.

    The same formula as :class:`course_lib.surfaces.LinearRegressionMSE` (the tests check it), in NumPy
    so that thousands of mini-batches stay fast.
    """
    x, y = _arrays(x, y)
    r = theta[0] + theta[1] * x - y
    return np.array([2.0 * r.mean(), 2.0 * (r * x).mean()])


# --- batch, stochastic and mini-batch gradient descent -----------------------------------------------


def _check_batch(lr, batch_size, m):
    if not lr > 0:
        raise ValueError(f"Invalid learning rate: {lr!r} (lr must be > 0)")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"Invalid batch_size: {batch_size!r} (expected an int >= 1)")
    if batch_size > m:
        raise ValueError(f"Invalid batch_size: {batch_size} (the data set has only {m} points)")


def minibatch_epoch(theta, x, y, lr: float, batch_size: int, order, *, drop_last: bool = False,
                    path: list | None = None) -> np.ndarray:
    r"""One epoch of mini-batch gradient descent: the samples ``order[0], order[1], …`` in consecutive batches.

    For each batch :math:`B` (the last may be smaller, unless ``drop_last``):
    :math:`\theta \leftarrow \theta - \eta\,\frac{2}{|B|}\sum_{i\in B}(\theta_0+\theta_1x_i-y_i)(1, x_i)`.
    Returns the new :math:`\theta` (a fresh array); appends every intermediate :math:`\theta` to
    ``path`` if one is given.
    """
    x, y = _arrays(x, y)
    order = np.asarray(order)
    _check_batch(lr, batch_size, len(x))
    theta = np.asarray(theta, dtype=np.float64).copy()
    stop = len(order) - len(order) % batch_size if drop_last else len(order)
    for a in range(0, stop, batch_size):
        b = order[a:a + batch_size]
        theta = theta - lr * mse_grad(theta, x[b], y[b])
        if path is not None:
            path.append(theta)
    return theta


@dataclass
class MinibatchRun:
    r"""One run of :func:`minibatch_gd`.

    ``path``: ``(updates + 1, 2)`` the parameters after every update, the start first;
    ``update_losses``: ``(updates + 1,)`` the full-data MSE at each of them;
    ``epoch_losses``: ``(epochs + 1,)`` the full-data MSE after each epoch, the start first;
    ``updates_per_epoch``: :math:`\lceil n / B\rceil`, with :math:`B` = ``batch_size``.
    """

    path: np.ndarray
    update_losses: np.ndarray
    epoch_losses: np.ndarray
    batch_size: int
    updates_per_epoch: int

    @property
    def theta(self) -> np.ndarray:
        return self.path[-1]


def minibatch_gd(x, y, *, lr: float, batch_size: int, epochs: int, start=(0.0, 0.0), seed: int = 0,
                 shuffle: bool = True) -> MinibatchRun:
    r"""Mini-batch gradient descent on the linear-regression MSE for ``epochs`` passes over the data.

    ``batch_size = n`` (the number of points) is batch gradient descent (one update per epoch),
    ``batch_size = 1`` is stochastic gradient descent (``n`` updates per epoch). Each epoch visits the samples
    in a fresh permutation from ``np.random.default_rng(seed)`` (in order if ``shuffle`` is false); see
    :func:`minibatch_epoch`.
    """
    x, y = _arrays(x, y)
    m = len(x)
    _check_batch(lr, batch_size, m)
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"Invalid epochs: {epochs!r} (expected an int >= 0)")
    rng = np.random.default_rng(seed)
    theta = np.asarray(start, dtype=np.float64).reshape(2).copy()
    path = [theta]
    epoch_losses = [mse(theta, x, y)]
    for _ in range(epochs):
        order = rng.permutation(m) if shuffle else np.arange(m)
        theta = minibatch_epoch(theta, x, y, lr, batch_size, order, path=path)
        epoch_losses.append(mse(theta, x, y))
    p = np.array(path)
    r = p[:, :1] + p[:, 1:] * x[None, :] - y[None, :]
    return MinibatchRun(path=p, update_losses=np.mean(r * r, axis=1), epoch_losses=np.array(epoch_losses),
                        batch_size=int(batch_size), updates_per_epoch=-(-m // int(batch_size)))


# --- the CSDN article's per-sample SGD on a quadratic model, in plain Python floats ---------------------------


@dataclass
class QuadraticFit:
    """The result of :func:`quadratic_sgd`: final ``weights`` ``(w1, w2, w3)``, one loss per epoch run."""

    weights: tuple[float, float, float]
    epoch_losses: list[float]

    @property
    def epochs(self) -> int:
        return len(self.epoch_losses)


def quadratic_sgd(xs: Sequence[float], ys: Sequence[float], *, start=(1.0, 0.0, -1.0), lr: float = 0.1,
                  max_epochs: int = 1000, tol: float = 1e-4) -> QuadraticFit:
    r"""Fit :math:`\hat y = w_1x^2 + w_2x + w_3` by SGD, one sample at a time, as the CSDN article does.

    For each sample in order: the loss :math:`(\hat y - y)^2` (no :math:`\tfrac12`), the gradient
    :math:`2(\hat y - y)\,(x^2, x, 1)`, the update :math:`w \leftarrow w - \eta\nabla`. An epoch's loss
    is the mean of the per-sample losses met during the epoch (each before its own update); training
    stops after the first epoch whose loss is below ``tol``, or after ``max_epochs``.
    """
    if len(xs) != len(ys) or not len(xs):
        raise ValueError(f"xs and ys must be non-empty and of the same length, got {len(xs)} and {len(ys)}")
    w1, w2, w3 = (float(w) for w in start)
    losses: list[float] = []
    for _ in range(max_epochs):
        total = 0.0
        for x, y in zip(xs, ys):
            y_pred = w1 * x**2 + w2 * x + w3
            total += (y_pred - y) ** 2
            g = 2 * (y_pred - y)
            w1, w2, w3 = w1 - lr * (g * x**2), w2 - lr * (g * x), w3 - lr * g
        losses.append(total / len(xs))
        if losses[-1] < tol:
            break
    return QuadraticFit((w1, w2, w3), losses)


# --- the regimes of gradient descent on a quadratic ---------------------------------------------------


def quadratic_regime(lr: float, curvature: float = 2.0) -> str:
    r"""What gradient descent does on :math:`f(x) = \tfrac{L}{2}x^2` (curvature :math:`L`, default 2: :math:`x^2`).

    Each step multiplies :math:`x` by :math:`1 - \eta L` (:math:`\eta` = ``lr``):
    ``"monotone"`` for :math:`0 < \eta L < 1`, ``"one step"`` for :math:`\eta L = 1`,
    ``"oscillates, converges"`` for :math:`1 < \eta L < 2`, ``"bounces forever"`` for
    :math:`\eta L = 2`, ``"diverges"`` beyond.
    """
    if not lr > 0 or not curvature > 0:
        raise ValueError(f"Invalid lr or curvature: {lr!r}, {curvature!r} (both must be > 0)")
    q = lr * curvature
    if np.isclose(q, 1.0, rtol=1e-12, atol=0):
        return "one step"
    if np.isclose(q, 2.0, rtol=1e-12, atol=0):
        return "bounces forever"
    if q < 1:
        return "monotone"
    return "oscillates, converges" if q < 2 else "diverges"
