r"""Widgets of the chapter on exponential moving averages (``book/04_ema.ipynb``).

- :func:`beta_slider`: the EMA :math:`S_t = \beta S_{t-1} + (1-\beta) Y_t` (started at
  :math:`S_1 = Y_1`) of the 20 daily temperatures for a grid of :math:`\beta`, beside the weights
  its last value gives the values :math:`k` days back: :math:`(1-\beta)\beta^k`, except day 1,
  which keeps :math:`\beta^{n-1}`. Larger :math:`\beta`: a smoother curve that lags further behind.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_lib.data import temperatures
from course_lib.ema import effective_window, ema, ema_weights
from course_lib.widgets.frames import Control, FrameWidget, frame_widget

__all__ = ["BETAS", "ema_frame_data", "draw_ema_frame", "beta_slider", "describe_ema_frame"]

#: The default grid of the β slider.
BETAS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98)


def ema_frame_data(beta: float, values=None) -> dict:
    """What one frame of :func:`beta_slider` shows, as numbers.

    ``values`` (default: the temperatures); returns ``{"days", "values", "ema", "weights",
    "first_weight", "window", "lag"}``: the EMA with :math:`S_1 = Y_1`, the weights
    :math:`(1-\\beta)\\beta^k` of the last ``len(values)`` values (newest first), the weight
    :math:`\\beta^{n-1}` that the :math:`S_1 = Y_1` start leaves on the first value in the last average
    :math:`S_n` (instead of :math:`(1-\\beta)\\beta^{n-1}`), the effective window :math:`1/(1-\\beta)`
    and the mean lag :math:`\\overline{Y_t - S_t}` over the last half of the series.
    """
    y = temperatures() if values is None else np.asarray(values, dtype=np.float64)
    s = ema(y, beta)
    half = len(y) // 2
    return {
        "days": np.arange(1, len(y) + 1),
        "values": y,
        "ema": s,
        "weights": ema_weights(beta, len(y)),
        "first_weight": beta ** (len(y) - 1),
        "window": effective_window(beta),
        "lag": float(np.mean(y[half:] - s[half:])),
    }


def draw_ema_frame(fig, beta: float, values=None) -> None:
    """Left: the data and its EMA; right: the weight of the value ``k`` days back."""
    d = ema_frame_data(beta, values)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
    ax1.plot(d["days"], d["values"], "o", color="0.55", markersize=4, label="temperature $Y_t$")
    ax1.plot(d["days"], d["ema"], "-", color="crimson", linewidth=2, label=rf"EMA $S_t$, $\beta$ = {beta:g}")
    ax1.set_xlabel("day $t$")
    ax1.set_ylabel("temperature")
    ax1.set_xticks(range(0, len(d["days"]) + 1, 5))
    ax1.set_title(f"mean lag over days 11-20: {d['lag']:.2f}", fontsize="medium")
    ax1.legend(loc="upper left", fontsize="small")
    k = np.arange(len(d["weights"]))
    ax2.bar(k[:-1], d["weights"][:-1], color="crimson", alpha=0.7, width=0.8, label=r"$(1-\beta)\beta^k$")
    # the S_1 = Y_1 start leaves day 1 the weight beta^(n-1), not (1 - beta) beta^(n-1)
    ax2.bar(k[-1], d["first_weight"], color="0.35", width=0.8, label=rf"day 1: $\beta^{{{k[-1]}}}$")
    if d["window"] <= k[-1] + 1:  # the window's newest N values are k = 0 .. N - 1
        ax2.axvline(d["window"] - 0.5, color="0.3", linestyle="--", linewidth=1)
    ax2.set_ylim(0, 1.15 * max(d["weights"].max(), d["first_weight"]))
    ax2.set_xlabel("days back $k$")
    ax2.set_ylabel(f"weight in $S_{{{k[-1] + 1}}}$")
    ax2.legend(loc="upper center", fontsize="x-small")
    ax2.set_title(rf"window $1/(1-\beta)$ = {d['window']:.3g}", fontsize="medium")
    fig.tight_layout()


def describe_ema_frame(beta: float) -> str:
    """In words, what the frame of :func:`beta_slider` for ``beta`` shows."""
    d = ema_frame_data(beta)
    how = "equals the data" if beta == 0 else "follows the data closely" if beta < 0.7 else \
        "is smoother but lags behind the data" if beta < 0.95 else "is very smooth and lags far behind the data"
    n = len(d["days"])
    return (f"The EMA of 20 daily temperatures with β = {beta:g} {how}: mean lag over days 11 to 20 "
            f"{d['lag']:.2f}, window 1/(1 − β) = {d['window']:.3g} days. Right: the weight of the value k days "
            f"back in the last average, (1 − β)βᵏ, {d['weights'][0]:.2f} for today, shrinking geometrically, "
            f"except day 1, which the start S₁ = Y₁ leaves β^{n - 1} = {d['first_weight']:.2f}.")


def beta_slider(betas: Sequence[float] = BETAS, *, figsize=(7, 3.2), dpi: float = 72) -> FrameWidget:
    """A β slider over the EMA of the temperatures (one frame per β; ``w.result`` is :func:`ema_frame_data`)."""
    return frame_widget(
        lambda fig, beta: draw_ema_frame(fig, beta),
        [Control("beta", list(betas), description="β", default=0.9 if 0.9 in betas else None)],
        compute=lambda beta: ema_frame_data(beta),
        describe=describe_ema_frame,
        title="Exponential moving average of the temperatures",
        figsize=figsize, dpi=dpi,
    )
