r"""Convergence rates of gradient descent and heavy-ball momentum on a convex quadratic.

On :math:`f(x) = \tfrac12 x^\top A x` with the eigenvalues of :math:`A` in :math:`[\mu, L]`,
:math:`0 < \mu \le L`, and condition number :math:`\kappa = L/\mu` (the course's symbols: :math:`\eta`
the learning rate ``lr``, :math:`\beta` the momentum ``momentum``):

- gradient descent :math:`x_{t+1} = x_t - \eta\nabla f(x_t)` multiplies the error along the
  eigenvector of :math:`\lambda` by :math:`1 - \eta\lambda` each step, so its rate is
  :math:`\max_\lambda |1 - \eta\lambda|`; the best step :math:`\eta^* = 2/(L + \mu)` gives
  :math:`(\kappa - 1)/(\kappa + 1)`;
- heavy-ball momentum :math:`x_{t+1} = x_t - \eta\nabla f(x_t) + \beta(x_t - x_{t-1})`
  (which is ``torch.optim.SGD(lr=η, momentum=β)``) moves each eigen-direction by the
  :math:`2\times 2` matrix :math:`\begin{pmatrix}1 + \beta - \eta\lambda & -\beta\\ 1 & 0\end{pmatrix}`;
  its rate is the largest spectral radius of these matrices, and the best
  :math:`\eta^* = 4/(\sqrt L + \sqrt\mu)^2`, :math:`\beta^* = \big((\sqrt\kappa - 1)/(\sqrt\kappa + 1)\big)^2`
  give :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)`.

A *rate* :math:`\rho` means the error shrinks like :math:`\rho^t`. :func:`empirical_rate`
measures it from a run; :func:`rate_map` measures it over a grid of (step, momentum) on a
2-D surface with :func:`course_lib.optim.run_trajectories`.

NumPy (and the course's optimizer runner); no matplotlib, no ipywidgets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "eigen", "condition_number", "gd_rate", "gd_optimal", "heavy_ball_rate", "heavy_ball_roots", "heavy_ball_optimal",
    "nesterov_rate", "nesterov_optimal", "max_stable_lr",
    "empirical_rate", "trajectory_rates", "rate_map", "steps_per_digit", "geometric_sum",
]


def _check_curvatures(L: float, mu: float) -> tuple[float, float]:
    L, mu = float(L), float(mu)
    if not (math.isfinite(L) and math.isfinite(mu) and 0 < mu <= L):
        raise ValueError(f"Invalid curvatures: L={L}, mu={mu} (expected 0 < mu <= L, finite)")
    return L, mu


def _eigenvalues(eigenvalues) -> np.ndarray:
    lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
    if lam.size == 0 or not np.isfinite(lam).all() or (lam <= 0).any():
        raise ValueError(f"Invalid eigenvalues: {lam.tolist()} (expected a non-empty list of positive numbers)")
    return lam


def eigen(A) -> tuple[np.ndarray, np.ndarray]:
    r"""Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix :math:`A = Q\Lambda Q^\top`."""
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.allclose(A, A.T):
        raise ValueError(f"A must be a symmetric square matrix, got shape {A.shape}")
    return np.linalg.eigh(A)


def condition_number(eigenvalues) -> float:
    r""":math:`\kappa = \lambda_{\max} / \lambda_{\min}` of positive eigenvalues."""
    lam = _eigenvalues(eigenvalues)
    return float(lam.max() / lam.min())


def gd_rate(lr, eigenvalues) -> np.ndarray | float:
    r"""Gradient descent's rate :math:`\max_\lambda |1 - \eta\lambda|` (``lr`` = :math:`\eta`, any shape)."""
    lam = _eigenvalues(eigenvalues)
    lr_arr = np.asarray(lr, dtype=np.float64)
    out = np.abs(1.0 - lr_arr[..., None] * lam).max(axis=-1)
    return float(out) if out.ndim == 0 else out


def gd_optimal(L: float, mu: float) -> tuple[float, float]:
    r"""The best constant step :math:`2/(L+\mu)` and its rate :math:`(\kappa-1)/(\kappa+1)`."""
    L, mu = _check_curvatures(L, mu)
    kappa = L / mu
    return 2.0 / (L + mu), (kappa - 1.0) / (kappa + 1.0)


def heavy_ball_rate(lr, momentum, eigenvalues) -> np.ndarray | float:
    r"""Heavy-ball momentum's rate: the largest spectral radius over the eigenvalues.

    For one eigenvalue :math:`\lambda` the error pair :math:`(e_t, e_{t-1})` is multiplied by a
    matrix whose eigenvalues solve :math:`z^2 - (1 + \beta - \eta\lambda) z + \beta = 0`: with
    :math:`a = 1 + \beta - \eta\lambda`, the radius is :math:`(|a| + \sqrt{a^2 - 4\beta})/2` when
    the roots are real and :math:`\sqrt\beta` when they are complex. ``lr`` and ``momentum``
    broadcast against each other; :math:`\beta = 0` gives :func:`gd_rate`.
    """
    b, al = _broadcast(lr, momentum, eigenvalues)
    out = _radius(1.0 + b - al, b).max(axis=-1)
    return float(out) if out.ndim == 0 else out


def heavy_ball_roots(lr: float, momentum: float, eigenvalue: float) -> tuple[complex, complex]:
    r"""The roots of heavy ball's characteristic polynomial for one eigenvalue :math:`\lambda`:

    .. math:: r^2 - (1 + \beta - \eta\lambda)\, r + \beta = 0 .

    The error along :math:`\lambda`'s eigenvector is a combination of :math:`r_1^t` and :math:`r_2^t`
    (of :math:`r^t` and :math:`t\,r^t` for a double root). Their product is :math:`\beta`, so complex roots
    both have modulus :math:`\sqrt\beta`; they are complex exactly when
    :math:`(1-\sqrt\beta)^2 < \eta\lambda < (1+\sqrt\beta)^2`. Returned as two complex numbers, the larger
    modulus first (for complex roots: positive imaginary part first).
    """
    lr, beta, lam = float(lr), float(momentum), float(eigenvalue)
    for name, value in (("lr", lr), ("momentum", beta), ("eigenvalue", lam)):
        if not math.isfinite(value):
            raise ValueError(f"Invalid {name}: {value} (expected a finite number)")
    if beta < 0:
        raise ValueError(f"Invalid momentum: {beta} (expected >= 0)")
    a = 1.0 + beta - lr * lam
    disc = a * a - 4.0 * beta
    if disc < 0:
        half = math.sqrt(-disc) / 2.0
        return complex(a / 2.0, half), complex(a / 2.0, -half)
    big = (a + math.copysign(math.sqrt(disc), a)) / 2.0  # no cancellation
    small = beta / big if big != 0 else 0.0
    return complex(big, 0.0), complex(small, 0.0)


def _broadcast(lr, momentum, eigenvalues) -> tuple[np.ndarray, np.ndarray]:
    """``(beta, lr * lambda)`` broadcast to ``(..., n_eigenvalues)``; momentum checked."""
    lam = _eigenvalues(eigenvalues)
    beta = np.asarray(momentum, dtype=np.float64)
    if (beta < 0).any():
        raise ValueError(f"Invalid momentum: {beta.min()} (expected >= 0)")
    lr_b, beta_b = np.broadcast_arrays(np.asarray(lr, dtype=np.float64), beta)
    return beta_b[..., None], lr_b[..., None] * lam


def _radius(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    r"""The larger modulus of the roots of :math:`z^2 - a z + c = 0` (real :math:`a`, :math:`c`)."""
    disc = a * a - 4.0 * c
    real = (np.abs(a) + np.sqrt(np.maximum(disc, 0.0))) / 2.0
    return np.where(disc >= 0, real, np.sqrt(np.maximum(c, 0.0)))


def nesterov_rate(lr, momentum, eigenvalues) -> np.ndarray | float:
    r"""The rate of ``torch.optim.SGD(lr=η, momentum=β, nesterov=True)`` on a quadratic.

    Per eigenvalue, :math:`b_t = \beta b_{t-1} + \lambda e_t` and
    :math:`e_{t+1} = e_t - \eta(\lambda e_t + \beta b_t)` multiply :math:`(e_t, b_{t-1})` by a matrix
    with trace :math:`1 + \beta - \eta\lambda(1 + \beta)` and determinant :math:`\beta(1 - \eta\lambda)`;
    the rate is the largest modulus of its eigenvalues over :math:`\lambda`.
    """
    b, al = _broadcast(lr, momentum, eigenvalues)
    out = _radius(1.0 + b - al * (1.0 + b), b * (1.0 - al)).max(axis=-1)
    return float(out) if out.ndim == 0 else out


def max_stable_lr(L: float, momentum: float = 0.0, *, nesterov: bool = False) -> float:
    r"""The largest step that does not diverge along the steepest direction (curvature :math:`L`).

    Plain gradient descent: :math:`2/L`; heavy ball: :math:`2(1 + \beta)/L`; Nesterov:
    :math:`2(1 + \beta)/\big(L(1 + 2\beta)\big)` (where a root of the characteristic polynomial reaches -1).
    """
    L, beta = float(L), float(momentum)
    if not (math.isfinite(L) and L > 0):
        raise ValueError(f"Invalid L: {L} (expected > 0)")
    if not 0 <= beta < 1:
        raise ValueError(f"Invalid momentum: {beta} (expected 0 <= momentum < 1)")
    if nesterov:
        return 2.0 * (1.0 + beta) / (L * (1.0 + 2.0 * beta))
    return 2.0 * (1.0 + beta) / L


def heavy_ball_optimal(L: float, mu: float) -> tuple[float, float, float]:
    r"""The best heavy-ball step and momentum, and the rate they give.

    .. math::
        \eta^* = \frac{4}{(\sqrt L + \sqrt\mu)^2},\qquad
        \beta^* = \Big(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Big)^2,\qquad
        \rho^* = \sqrt{\beta^*} = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}
    """
    L, mu = _check_curvatures(L, mu)
    root = math.sqrt(L / mu)
    rate = (root - 1.0) / (root + 1.0)
    return 4.0 / (math.sqrt(L) + math.sqrt(mu)) ** 2, rate**2, rate


def nesterov_optimal(L: float, mu: float) -> tuple[float, float, float]:
    r"""The best step and momentum of Nesterov's method (torch's form) on a quadratic, and its rate.

    .. math::
        \eta = \frac{4}{3L + \mu},\qquad
        \beta = \frac{\sqrt{3\kappa + 1} - 2}{\sqrt{3\kappa + 1} + 2},\qquad
        \rho = 1 - \frac{2}{\sqrt{3\kappa + 1}}

    (Lessard, Recht and Packard, 2016): between gradient descent's :math:`1 - 2/\kappa` and heavy
    ball's :math:`1 - 2/\sqrt\kappa` for large :math:`\kappa`.
    """
    L, mu = _check_curvatures(L, mu)
    q = math.sqrt(3.0 * L / mu + 1.0)
    return 4.0 / (3.0 * L + mu), (q - 2.0) / (q + 2.0), 1.0 - 2.0 / q


def empirical_rate(errors, *, tail: float = 0.5, drop: float = 0.2, floor: float = 1e-200) -> np.ndarray | float:
    r"""The measured rate :math:`\rho` of runs whose error behaves like :math:`C\rho^t` late in the run.

    ``errors`` has shape ``(..., T + 1)`` (e.g. :math:`\|x_t - x^*\|` for :math:`t = 0..T`). Each run
    is first cut where its error stops being finite or falls below ``floor`` × its first error
    (rounding rules there); the last ``tail`` fraction :math:`[s, e]` of what remains is used.

    - A shrinking error: the slope of a least-squares line through :math:`\log \bar e_t`, where
      :math:`\bar e_t = \max_{u \ge t} e_u` is the envelope from the right, over :math:`[s, e']`
      with the last ``drop`` fraction left out (too few later steps to make an envelope there).
      On a geometric sequence this is exactly its ratio; on an error that oscillates (complex
      roots) it follows the peaks instead of the phase of single steps.
    - A growing error (:math:`e_e \ge e_s`): :math:`(e_e / e_s)^{1/(e - s)}`, at least 1.

    A run that reaches the floor at once has rate 0.
    """
    if not 0 < tail <= 1:
        raise ValueError(f"Invalid tail: {tail} (expected 0 < tail <= 1)")
    if not 0 <= drop < 1:
        raise ValueError(f"Invalid drop: {drop} (expected 0 <= drop < 1)")
    err = np.abs(np.asarray(errors, dtype=np.float64))
    if err.ndim == 0 or err.shape[-1] < 2:
        raise ValueError(f"errors must have at least 2 entries along the last axis, got shape {err.shape}")
    flat = err.reshape(-1, err.shape[-1])
    first = flat[:, :1]
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(flat) & (flat > floor * first) & (first > 0)
    usable = np.where(ok.all(axis=1), flat.shape[1], ok.argmin(axis=1))  # leading usable entries per run
    rates = np.zeros(len(flat))
    for i, n in enumerate(usable):
        if n < 2:
            continue  # reached the floor at once
        e = flat[i, :n]
        end = n - 1
        start = min(end - 1, int(math.floor(end * (1 - tail))))
        if e[end] >= e[start]:
            rates[i] = (e[end] / e[start]) ** (1.0 / (end - start))
            continue
        stop = max(start + 1, end - int(drop * (end - start)))
        envelope = np.maximum.accumulate(e[::-1])[::-1][start:stop + 1]
        t = np.arange(start, stop + 1, dtype=np.float64)
        tc = t - t.mean()
        slope = float(np.dot(tc, np.log(envelope)) / np.dot(tc, tc))
        rates[i] = math.exp(slope)
    out = rates.reshape(err.shape[:-1])
    return float(out) if out.ndim == 0 else out


def _norm(d: np.ndarray) -> np.ndarray:
    """Euclidean norms along the last axis that neither underflow nor overflow (scaled by the largest entry)."""
    with np.errstate(invalid="ignore"):
        m = np.max(np.abs(d), axis=-1, keepdims=True)
        safe = np.where(np.isfinite(m) & (m > 0), m, 1.0)
        return np.where(m[..., 0] > 0, m[..., 0] * np.linalg.norm(d / safe, axis=-1), 0.0)


def trajectory_rates(trajectories, minimum: Sequence[float] | None = None, **kwargs) -> np.ndarray:
    r"""The measured rate of every run of a :class:`~course_lib.optim.Trajectories` (``inf`` where it diverged).

    The error is the distance :math:`\|x_t - x^*\|` to ``minimum`` (default: the origin).
    """
    paths = np.asarray(trajectories.paths, dtype=np.float64)
    target = np.zeros(paths.shape[-1]) if minimum is None else np.asarray(minimum, dtype=np.float64)
    errors = _norm(paths - target)
    rates = np.atleast_1d(empirical_rate(errors, **kwargs))
    return np.where(np.asarray(trajectories.diverged), np.inf, rates)


def rate_map(surface, lrs: Sequence[float], momenta: Sequence[float], *, steps: int = 300,
             start: Sequence[float] | None = None, rule: str = "momentum", tail: float = 0.5) -> np.ndarray:
    r"""Measured rates over a grid of steps × momenta, all runs at once: shape ``(len(momenta), len(lrs))``.

    Runs ``rule`` (``"momentum"`` = torch's SGD with momentum = heavy ball, or ``"nesterov"``; with
    momentum 0 both are plain gradient descent) with
    :func:`course_lib.optim.run_trajectories` from ``start`` (default: the surface's start);
    ``inf`` marks diverged runs. Row ``i`` is ``momenta[i]``, column ``j`` is ``lrs[j]``.
    """
    from course_lib.optim import run_trajectories

    if rule not in ("momentum", "nesterov"):
        raise ValueError(f"Invalid rule: {rule!r} (expected 'momentum' or 'nesterov')")
    lrs, momenta = [float(v) for v in lrs], [float(v) for v in momenta]
    starts = [list(surface.start if start is None else start)]
    res = run_trajectories(surface, rule, starts, steps, grid={"momentum": momenta, "lr": lrs})
    rates = trajectory_rates(res, surface.minimum, tail=tail)
    return rates.reshape(len(momenta), len(lrs))


def steps_per_digit(rate) -> np.ndarray | float:
    r"""Steps needed to shrink the error tenfold at rate :math:`\rho`: :math:`-1/\log_{10}\rho`.

    ``inf`` where :math:`\rho \ge 1` (no convergence), 0 where :math:`\rho = 0`.
    """
    r = np.asarray(rate, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(r >= 1, np.inf, np.where(r <= 0, 0.0, -1.0 / np.log10(np.where(r > 0, r, 0.5))))
    return float(out) if out.ndim == 0 else out


def geometric_sum(gamma: float, n: int | None = None) -> float:
    r"""The total weight one gradient gets in the velocity :math:`v_t = \gamma v_{t-1} + g_t`.

    :math:`\sum_{k=0}^{n-1}\gamma^k = (1 - \gamma^n)/(1 - \gamma)`, or :math:`1/(1 - \gamma)` for ``n=None``
    (``gamma`` is the momentum coefficient, :math:`\beta` in the course's chapters).
    """
    gamma = float(gamma)
    if not 0 <= gamma < 1:
        raise ValueError(f"Invalid gamma: {gamma} (expected 0 <= gamma < 1)")
    if n is None:
        return 1.0 / (1.0 - gamma)
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"Invalid n: {n!r} (expected an int >= 0)")
    return (1.0 - gamma**n) / (1.0 - gamma)
