r"""Fitting a straight line :math:`\hat y = b + w x` under a chosen loss.

- :func:`least_squares_line`: the MSE fit, in closed form;
- :func:`least_absolute_line`: the MAE (least absolute deviations) fit, exactly, as the best
  of the lines through one data point whose slope is a weighted median;
- :func:`fit_line`: either of them by the loss's name.

The two fits differ in how they treat an outlier: the MSE line is pulled towards it in
proportion to its size, the MAE line depends only on which side of the line it lies.

Inputs are 1-D sequences of equal length ``n`` (lists, NumPy arrays or tensors);
results are plain Python floats ``(intercept, slope)``. This module imports neither
matplotlib nor ipywidgets.
"""

from __future__ import annotations

import numpy as np

__all__ = ["least_squares_line", "least_absolute_line", "fit_line", "line_losses", "with_outlier"]


def _xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` as float64 arrays ``(n,)``, checked: same length, finite, two distinct ``x``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or y.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D of the same length, got shapes {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite")
    if np.unique(x).size < 2:
        raise ValueError("x must hold at least two distinct values to determine a line")
    return x, y


def least_squares_line(x, y) -> tuple[float, float]:
    r"""The line minimising the mean squared error :math:`\frac1n\sum_i (y_i - b - w x_i)^2`.

    Closed form: :math:`w = \frac{\sum_i (x_i - \bar x)(y_i - \bar y)}{\sum_i (x_i - \bar x)^2}`,
    :math:`b = \bar y - w \bar x`. Returns ``(intercept, slope)``.
    """
    x, y = _xy(x, y)
    dx = x - x.mean()
    w = float((dx * (y - y.mean())).sum() / (dx * dx).sum())
    return float(y.mean() - w * x.mean()), w


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The smallest ``v`` among ``values`` with at least half the total weight at or below it."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    k = int(np.searchsorted(cum, 0.5 * cum[-1]))
    return float(values[order][k])


def least_absolute_line(x, y) -> tuple[float, float]:
    r"""The line minimising the mean absolute error :math:`\frac1n\sum_i |y_i - b - w x_i|`, exactly.

    Two facts make this a short, exact search. (1) Some minimiser passes through two data
    points (it is a vertex of the linear program behind the problem), so in particular through
    one of them. (2) Among the lines through point :math:`i`,

    .. math:: \sum_j |y_j - y_i - w (x_j - x_i)| = \sum_j |x_j - x_i|\,|s_{ij} - w|,
              \qquad s_{ij} = \frac{y_j - y_i}{x_j - x_i},

    is smallest when :math:`w` is a weighted median of the slopes :math:`s_{ij}` with weights
    :math:`|x_j - x_i|`. So: for each :math:`i` take that line, and keep the best of the
    :math:`n` lines (:math:`O(n^2 \log n)` work). Returns ``(intercept, slope)``; when the
    minimiser is not unique, the first one found.
    """
    x, y = _xy(x, y)
    best = (np.inf, 0.0, 0.0)
    for i in range(x.size):
        dx = x - x[i]
        other = dx != 0
        slopes = (y[other] - y[i]) / dx[other]
        w = _weighted_median(slopes, np.abs(dx[other]))
        b = float(y[i] - w * x[i])
        loss = float(np.abs(y - b - w * x).mean())
        if loss < best[0]:
            best = (loss, b, w)
    return best[1], best[2]


def fit_line(x, y, loss: str = "mse") -> tuple[float, float]:
    """The ``(intercept, slope)`` of the line fitted under ``loss``: ``"mse"`` or ``"mae"``."""
    if loss == "mse":
        return least_squares_line(x, y)
    if loss == "mae":
        return least_absolute_line(x, y)
    raise ValueError(f"Invalid loss: {loss!r} (expected 'mse' or 'mae')")


def line_losses(intercept, slope, x, y) -> dict[str, np.ndarray]:
    r"""MSE and MAE of the lines ``intercept + slope * x`` on the data, for arrays of lines.

    ``intercept`` and ``slope`` broadcast together (scalars or arrays of any shape ``(*)``);
    returns ``{"mse": (*), "mae": (*)}`` as float64 arrays. Used to draw loss landscapes and
    to check fits by brute force.
    """
    x, y = _xy(x, y)
    b = np.asarray(intercept, dtype=np.float64)[..., None]
    w = np.asarray(slope, dtype=np.float64)[..., None]
    r = y - b - w * x
    return {"mse": (r * r).mean(axis=-1), "mae": np.abs(r).mean(axis=-1)}


def with_outlier(y, index: int, size: float) -> np.ndarray:
    """A float64 copy of ``y`` with ``size`` added to ``y[index]``: one point made an outlier."""
    y = np.array(y, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    if not -y.size <= index < y.size:
        raise ValueError(f"Invalid index: {index} (y has {y.size} points)")
    y[index] += float(size)
    return y
