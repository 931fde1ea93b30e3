r"""Exponential moving averages (EMA), the running average behind momentum, RMSProp and Adam.

.. math:: S_t = \beta S_{t-1} + (1 - \beta) Y_t

Two ways to start the recursion:

- ``start="first"`` (the convention of the course's source article): :math:`S_1 = Y_1`;
- ``start="zero"`` (the convention of momentum and Adam): :math:`S_0 = 0`, which biases the
  first averages towards 0; ``bias_correction=True`` returns :math:`S_t / (1 - \beta^t)`,
  which removes that bias exactly.

NumPy only; this module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["ema", "ema_weights", "effective_window"]

STARTS = ("first", "zero")


def _check_beta(beta) -> float:
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise TypeError(f"beta must be a real number, got {type(beta).__name__}")
    beta = float(beta)
    if not 0 <= beta < 1:  # also rejects nan
        raise ValueError(f"Invalid beta: {beta} (expected 0 <= beta < 1)")
    return beta


def _check_values(values) -> np.ndarray:
    try:
        y = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(
            f"values must be a 1-D sequence of numbers, got {type(values).__name__}"
        ) from err
    if y.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {y.shape}")
    if y.size == 0:
        raise ValueError("values must not be empty")
    if not np.isfinite(y).all():
        raise ValueError("values must be finite (no nan or inf)")
    return y


def ema(values, beta: float, *, start: str = "first", bias_correction: bool = False) -> np.ndarray:
    r"""Exponential moving average of a sequence.

    .. math:: S_t = \beta S_{t-1} + (1 - \beta) Y_t, \qquad t = 1, \dots, n

    - ``start="first"``: :math:`S_1 = Y_1` (the source article's convention);
    - ``start="zero"``: :math:`S_0 = 0`; with ``bias_correction=True`` the result is
      :math:`\hat S_t = S_t / (1 - \beta^t)`. Bias correction only makes sense with
      ``start="zero"``; asking for it with ``start="first"`` raises ``ValueError``.

    The update is evaluated as :math:`S_t = S_{t-1} + (1 - \beta)(Y_t - S_{t-1})`, the same
    number up to rounding, which keeps a constant sequence exactly constant.

    Shapes: ``values`` ``(n,)``, ``n >= 1``, finite; returns a float64 array ``(n,)``.
    ``0 <= beta < 1``; ``beta = 0`` returns the values themselves.
    """
    beta = _check_beta(beta)
    y = _check_values(values)
    if not isinstance(start, str) or start not in STARTS:
        raise ValueError(f"Invalid start: {start!r} (expected 'first' or 'zero')")
    if not isinstance(bias_correction, (bool, np.bool_)):
        raise TypeError(f"bias_correction must be a bool, got {type(bias_correction).__name__}")
    if bias_correction and start != "zero":
        raise ValueError("bias_correction=True needs start='zero' (start='first' has no bias to correct)")

    if beta == 0.0:  # no memory: S_t = Y_t exactly, whatever the start
        return y.copy()
    out = np.empty_like(y)
    alpha = 1.0 - beta
    if start == "first":
        s = y[0]
        out[0] = s
        first = 1
    else:
        s = 0.0
        first = 0
    for t in range(first, y.size):
        s = s + alpha * (y[t] - s)
        out[t] = s
    if bias_correction:
        steps = np.arange(1, y.size + 1)
        out = out / (1.0 - beta**steps)
    return out


def ema_weights(beta: float, n: int) -> np.ndarray:
    r"""The weight each past value gets in an EMA started from zero.

    Unrolling the recursion with :math:`S_0 = 0`,

    .. math:: S_t = \sum_{k=0}^{t-1} (1 - \beta)\,\beta^k\, Y_{t-k},

    so :math:`Y_{t-k}` gets weight :math:`w_k = (1 - \beta)\beta^k`. The weights of the last
    ``n`` values sum to :math:`1 - \beta^n`.

    Shapes: returns a float64 array ``(n,)``, ``w[k]`` for ``k = 0 .. n-1`` (newest first).
    """
    beta = _check_beta(beta)
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"Invalid n: {n} (expected n >= 1)")
    return (1.0 - beta) * beta ** np.arange(int(n), dtype=np.float64)


def effective_window(beta: float) -> float:
    r"""The number of recent values an EMA roughly averages over: :math:`1 / (1 - \beta)`.

    E.g. ``beta = 0.9`` averages over about 10 values, ``beta = 0.98`` over about 50.
    """
    beta = _check_beta(beta)
    return 1.0 / (1.0 - beta)
