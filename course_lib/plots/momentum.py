"""The static figures of the chapter *Momentum and Nesterov*: what the chapter computes, drawn.

- :func:`pitted_runs`: runs on :class:`~course_lib.surfaces.PittedCurve`, on the curve and as position
  against steps;
- :func:`ravine_runs`: runs on :class:`~course_lib.surfaces.Ravine`, their first steps on the contours and
  their loss against steps;
- :func:`conditioning_costs`: steps per digit of accuracy against the condition number, the formulas of
  gradient descent and heavy ball as lines and measured runs as dots.

Nothing here runs an optimizer: the paths come from :func:`course_lib.optim.run_trajectories`, the rates
from :mod:`course_lib.rates`. Every function returns its figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from course_lib import rates
from course_lib.plots import contour, curve, path_1d

__all__ = ["pitted_runs", "ravine_runs", "conditioning_costs", "BLUE", "RED", "GREEN", "GREY"]

BLUE, RED, GREEN, GREY = "#1f77b4", "#d62728", "#2ca02c", "#7f7f7f"


def _check_runs(runs, fields: int, name: str) -> list:
    runs = list(runs)
    if not runs:
        raise ValueError(f"{name}: no runs to draw")
    for r in runs:
        if not isinstance(r, (tuple, list)) or len(r) < fields:
            raise ValueError(f"{name}: each run must be a tuple of at least {fields} items, got {r!r}")
    return runs


def pitted_runs(surface, runs: Sequence[tuple], *, shown: int = 120, figsize=(8.5, 3.4), ylim=(-0.1, 3.3)):
    """Runs on a 1-D curve: ``runs`` holds ``(label, xs, color)`` or ``(label, xs, color, linestyle)``.

    Left: the first ``shown`` iterates of each run on the curve; right: the position against the step,
    with the global minimum dashed.
    """
    runs = _check_runs(runs, 3, "pitted_runs")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    curve(surface, ax1)
    for label, xs, color, *style in runs:
        xs = np.asarray(xs, dtype=float).ravel()
        path_1d(surface, xs[: shown + 1], ax1, color=color, label=label, markersize=3)
        ax2.plot(xs, color=color, ls=style[0] if style else "-", label=label)
    ax1.set_ylim(*ylim)
    ax1.set_title(f"the first {shown} iterates on the curve")
    ax1.legend(loc="upper center", fontsize="small")
    ax2.axhline(0, color="0.5", lw=0.8, ls="--")
    ax2.set_xlabel("step")
    ax2.set_ylabel("position $x$")
    ax2.set_title("position against steps")
    ax2.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def ravine_runs(surface, runs: Sequence[tuple], *, shown: int = 40, last_step: int = 120, figsize=(8.5, 3.4)):
    """Runs on a 2-D surface: ``runs`` holds ``(label, path, losses, color)`` or with a fifth item
    ``on_map`` (``False``: only its loss is drawn, dotted, e.g. a run that diverges).

    Left: the first ``shown`` steps of each run drawn on the contours; right: the loss against the
    step (log scale) up to ``last_step``.
    """
    runs = _check_runs(runs, 4, "ravine_runs")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [1.3, 1]})
    contour(surface, ax1, levels=np.geomspace(0.01, 30, 14))
    for label, path, losses, color, *rest in runs:
        on_map = rest[0] if rest else True
        if on_map:
            p = np.asarray(path, dtype=float)[: shown + 1]
            ax1.plot(p[:, 0], p[:, 1], "-o", ms=2.5, lw=1.1, color=color, label=label)
        ax2.plot(np.asarray(losses, dtype=float), color=color, ls="-" if on_map else ":", label=label)
    ax1.set_title(f"the first {shown} steps")
    ax1.legend(loc="lower right", fontsize="x-small", frameon=True, framealpha=0.8)
    ax2.set_yscale("log")
    ax2.set_ylim(1e-10, 1e3)
    ax2.set_xlim(0, last_step)
    ax2.set_xlabel("step")
    ax2.set_ylabel("$f(x_t, y_t)$")
    ax2.set_title("loss against steps")
    ax2.legend(loc="upper right", fontsize="x-small")
    fig.tight_layout()
    return fig


def conditioning_costs(measured: Sequence[tuple[float, float, float]], *, kappas=None, figsize=(7.0, 3.2)):
    r"""Steps per digit of accuracy against :math:`\kappa`: gradient descent at its best step
    (:math:`\rho = (\kappa-1)/(\kappa+1)`) and heavy ball at its best step and momentum
    (:math:`\rho = (\sqrt\kappa-1)/(\sqrt\kappa+1)`) as lines; ``measured`` holds
    ``(kappa, gd_rate, heavy_ball_rate)`` of runs, drawn as dots.
    """
    measured = _check_runs(measured, 3, "conditioning_costs")
    kappas = np.geomspace(2, 1e4, 60) if kappas is None else np.asarray(kappas, dtype=float)
    root = np.sqrt(kappas)
    fig, ax = plt.subplots(figsize=figsize)
    ax.loglog(kappas, rates.steps_per_digit((kappas - 1) / (kappas + 1)), color=BLUE,
              label=r"gradient descent, best step: $\propto\kappa$")
    ax.loglog(kappas, rates.steps_per_digit((root - 1) / (root + 1)), color=RED,
              label=r"heavy ball, best step and momentum: $\propto\sqrt{\kappa}$")
    for kappa, gd, hb in measured:
        ax.plot(kappa, rates.steps_per_digit(gd), "o", color=BLUE)
        ax.plot(kappa, rates.steps_per_digit(hb), "o", color=RED)
    ax.set_xlabel(r"condition number $\kappa = L/\mu$")
    ax.set_ylabel("steps per digit of accuracy")
    ax.set_title("the cost of ill-conditioning (dots: measured runs)")
    ax.legend(loc="upper left", fontsize="small")
    return fig
