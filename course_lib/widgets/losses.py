"""Widgets of the chapter *Loss functions*, on the frame mechanism of :mod:`course_lib.widgets.frames`.

- :func:`error_curves_widget`: L1, L2 and SmoothL1 losses of one error, and their slopes, with a
  slider for SmoothL1's ``beta``;
- :func:`outlier_widget`: a line fitted under MSE and under MAE while one point drifts away.

The numbers come from :mod:`course_lib.losses` and :mod:`course_lib.fitting`; this module only
draws them. Each builder's ``compute`` returns what the frame shows (``w.result``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from course_lib import fitting
from course_lib import losses as L
from course_lib.data import noisy_line
from course_lib.widgets.frames import Control, FrameWidget, frame_widget

__all__ = ["error_curves", "error_curves_widget", "outlier_data", "outlier_fits", "outlier_widget",
           "BETAS", "OUTLIER_SIZES"]

BETAS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
OUTLIER_SIZES = tuple(float(s) for s in np.arange(0.0, 30.1, 2.0))
FIGSIZE = (7.0, 3.2)
COLORS = {"l1": "#1f77b4", "l2": "#ff7f0e", "smooth_l1": "#2ca02c", "mse": "#ff7f0e", "mae": "#1f77b4"}


# --------------------------------------------------------------------------- error -> loss curves


def error_curves(beta: float, span: float = 3.0, n: int = 241) -> dict[str, np.ndarray]:
    r"""Elementwise losses of an error :math:`d = \hat y - y` on ``[-span, span]``, and their slopes.

    Returns float64 arrays ``(n,)``: ``error``; ``l1`` :math:`|d|`, ``l2`` :math:`d^2`,
    ``smooth_l1`` (with this ``beta``); and ``d_l1``, ``d_l2``, ``d_smooth_l1``, their
    derivatives with respect to the prediction, all from :mod:`course_lib.losses`.
    """
    d = torch.linspace(-span, span, n, dtype=torch.float64)
    zero = torch.zeros_like(d)
    out = {
        "error": d,
        "l1": L.mae(d, zero, reduction="none"),
        "l2": L.mse(d, zero, reduction="none"),
        "smooth_l1": L.smooth_l1(d, zero, beta=beta, reduction="none"),
        "d_l1": L.mae_grad(d, zero, reduction="none"),
        "d_l2": L.mse_grad(d, zero, reduction="none"),
        "d_smooth_l1": L.smooth_l1_grad(d, zero, beta=beta, reduction="none"),
    }
    return {k: v.numpy() for k, v in out.items()}


def _draw_error_curves(fig, beta: float, span: float = 3.0) -> None:
    c = error_curves(beta, span)
    d = c["error"]
    ax1, ax2 = fig.subplots(1, 2)
    for ax in (ax1, ax2):
        if beta > 0:
            ax.axvspan(-beta, beta, color="#2ca02c", alpha=0.08, lw=0)
        ax.axvline(0, color="0.6", lw=0.6)
        ax.set_xlim(-span, span)
        ax.set_xlabel(r"error $d = \hat y - y$")
    ax1.plot(d, c["l1"], color=COLORS["l1"], lw=1.5, label=r"L1: $|d|$")
    ax1.plot(d, c["l2"], color=COLORS["l2"], lw=1.5, label=r"L2: $d^2$")
    ax1.plot(d, c["smooth_l1"], color=COLORS["smooth_l1"], lw=2.5, label=f"SmoothL1, β = {beta:g}")
    ax1.set_ylim(-0.1, 4.0)
    ax1.set_ylabel("loss of one sample")
    ax1.set_title("loss (shaded: $|d| < β$)" if beta > 0 else "loss (β = 0: SmoothL1 is L1)")
    ax1.legend(loc="upper center", fontsize="small")
    ax2.axhline(0, color="0.6", lw=0.6)
    ax2.plot(d, c["d_l1"], color=COLORS["l1"], lw=1.5, label=r"L1: sign$(d)$")
    ax2.plot(d, c["d_l2"], color=COLORS["l2"], lw=1.5, label=r"L2: $2d$")
    ax2.plot(d, c["d_smooth_l1"], color=COLORS["smooth_l1"], lw=2.5, label="SmoothL1")
    ax2.set_ylim(-3.2, 3.2)
    ax2.set_ylabel(r"slope $\partial \ell / \partial \hat y$")
    ax2.set_title("derivative: the push on $\\hat y$")
    ax2.legend(loc="upper left", fontsize="small")
    fig.tight_layout()


def error_curves_widget(betas: Sequence[float] = BETAS, span: float = 3.0) -> FrameWidget:
    """L1, L2 and SmoothL1 against the error, loss and derivative side by side; a slider for ``beta``."""
    betas = [float(b) for b in betas]
    return frame_widget(
        lambda fig, beta: _draw_error_curves(fig, beta, span),
        [Control("beta", betas, description="SmoothL1 β", default=1.0 if 1.0 in betas else None)],
        compute=lambda beta: error_curves(beta, span),
        describe=lambda beta: (
            f"Left: the losses of one error d from −{span:g} to {span:g}: L1 |d| (a V), L2 d² (a parabola) and "
            + ("SmoothL1 with β = 0, which is L1. " if beta == 0 else
               f"SmoothL1 with β = {beta:g}, a parabola for |d| < {beta:g} and L1's straight lines beyond. ")
            + "Right: their slopes: L1's jumps between −1 and 1, L2's 2d grows without bound, SmoothL1's "
            + ("is L1's." if beta == 0 else f"rises linearly to ±1 at d = ±{beta:g} and stays there.")),
        title="From error to loss: L1, L2 and SmoothL1",
        figsize=FIGSIZE,
    )


# --------------------------------------------------------------------------- outlier


def outlier_data(n: int = 10, seed: int = 0, noise: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    r"""The widget's data: :math:`y = 5 + 2x + \varepsilon`, ``x = 1, ..., 10`` (:func:`course_lib.data.noisy_line`)."""
    return noisy_line(n=n, seed=seed, noise=noise)


def outlier_fits(x, y, index: int, size: float) -> dict:
    """``y[index]`` raised by ``size``; the MSE and MAE lines ``(intercept, slope)`` fitted to the result."""
    y_out = fitting.with_outlier(y, index, size)
    return {"x": np.asarray(x, dtype=np.float64), "y": y_out, "index": index, "size": float(size),
            "mse": fitting.least_squares_line(x, y_out), "mae": fitting.least_absolute_line(x, y_out)}


def _draw_outlier(fig, size: float, x, y, index: int, sizes: Sequence[float]) -> None:
    f = outlier_fits(x, y, index, size)
    sweep = [outlier_fits(x, y, index, s) for s in sizes]
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    xs = np.array([x.min() - 0.5, x.max() + 0.5])
    others = np.arange(len(x)) != index
    ax1.plot(x[others], f["y"][others], "o", color="0.25", ms=5, label="data")
    ax1.plot(x[index], y[index], "o", mfc="none", mec="crimson", ms=6, label="outlier's true place")
    ax1.plot(x[index], f["y"][index], "o", color="crimson", ms=7, label=f"outlier (+{size:g})")
    for key, name in (("mse", "MSE fit"), ("mae", "MAE fit")):
        b, w = f[key]
        ax1.plot(xs, b + w * xs, color=COLORS[key], lw=2, label=f"{name}: slope {w:.2f}")
    ax1.set_xlim(*xs)
    ax1.set_ylim(0, max(y.max(), y[index] + max(sizes)) + 3)
    ax1.set_xlabel("$x$")
    ax1.set_ylabel("$y$")
    ax1.set_title("lines fitted to the data")
    ax1.legend(loc="upper left", fontsize="x-small")
    for key, name in (("mse", "MSE"), ("mae", "MAE")):
        ax2.plot(sizes, [s[key][1] for s in sweep], color=COLORS[key], lw=1.5, label=name)
        ax2.plot(size, f[key][1], "o", color=COLORS[key], ms=7)
    ax2.set_xlabel("outlier size (added to its $y$)")
    ax2.set_ylabel("fitted slope $w$")
    ax2.set_title("slope against outlier size")
    ax2.legend(loc="upper left", fontsize="small")
    fig.tight_layout()


def _describe_outlier(f: dict, sizes: Sequence[float]) -> str:
    return (f"Ten points on a noisy line, point {f['index'] + 1} raised by {f['size']:g}: the MSE line's slope is "
            f"{f['mse'][1]:.2f} and the MAE line's {f['mae'][1]:.2f}. Right: both slopes against the outlier's "
            f"size from {min(sizes):g} to {max(sizes):g}: the MSE slope climbs steadily, the MAE slope hardly moves.")


def outlier_widget(sizes: Sequence[float] = OUTLIER_SIZES, index: int = 8, n: int = 10, seed: int = 0,
                   noise: float = 1.0) -> FrameWidget:
    """One point of a small line data set pushed up by a slider; its MSE line swings, its MAE line stays."""
    x, y = outlier_data(n, seed, noise)
    sizes = [float(s) for s in sizes]
    return frame_widget(
        lambda fig, size: _draw_outlier(fig, size, x, y, index, sizes),
        [Control("size", sizes, description="outlier size")],
        compute=lambda size: outlier_fits(x, y, index, size),
        describe=lambda size: _describe_outlier(outlier_fits(x, y, index, size), sizes),
        title="One outlier: the MSE line swings, the MAE line stays",
        figsize=FIGSIZE,
    )
