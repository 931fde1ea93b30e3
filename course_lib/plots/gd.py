r"""The static figures of the chapter *Gradient descent*: what the chapter computes, drawn.

- :func:`cost_contour`: contours of the linear-regression cost above its minimum, :math:`L - L^*`, on a log
  scale, the least-squares solution starred (also the background of the chapter's widgets);
- :func:`cost_surface`: that cost in 3-D and as labelled contour lines around a point;
- :func:`descent_runs`: full-batch runs (:class:`course_lib.gd.DescentRun`) as paths on the contours and as
  the excess loss against the iteration;
- :func:`batch_runs`: mini-batch runs (:class:`course_lib.gd.MinibatchRun`) as the excess loss per epoch and
  per update.

Nothing here runs an optimizer: the runs come from :mod:`course_lib.gd`. Every function that makes a figure
returns it; :func:`cost_contour` draws on the Axes it is given and returns them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["REG_WINDOW", "cost_contour", "cost_surface", "descent_runs", "batch_runs"]

#: The (θ0, θ1) window in which the runs on the course's 10-point line are drawn.
REG_WINDOW = ((-1.0, 10.0), (-1.5, 6.6))


def _grid(surface, window, n: int):
    window = tuple(tuple(float(v) for v in w) for w in window)
    return _cached_grid(surface, window, int(n))


@lru_cache(maxsize=8)
def _cached_grid(surface, window, n: int):
    """The cost on an n × n grid (cached: a widget draws the same background in every frame)."""
    t0, t1 = np.meshgrid(np.linspace(*window[0], n), np.linspace(*window[1], n))
    return t0, t1, surface.value(np.stack([t0, t1], axis=-1)).numpy()


def cost_contour(ax, surface, window=REG_WINDOW, *, n: int = 90, levels: int = 12):
    r"""Contours of :math:`L(\theta_0, \theta_1) - L^*` on a log scale over ``window``, the minimum starred."""
    if n < 2 or levels < 2:
        raise ValueError(f"Invalid n or levels: {n}, {levels} (both must be at least 2)")
    t0, t1, z = _grid(surface, window, n)
    excess = z - surface.minimum_value
    ax.contour(t0, t1, excess, levels=np.geomspace(max(excess.min(), 1e-3), excess.max(), levels), cmap="viridis",
               linewidths=0.7)
    ax.plot(*surface.minimum, marker="*", color="crimson", markersize=11, linestyle="none", label="least squares")
    ax.set_xlim(*window[0])
    ax.set_ylim(*window[1])
    ax.set_xlabel("θ₀ (intercept)")
    ax.set_ylabel("θ₁ (slope)")
    return ax


def cost_surface(surface, center: Sequence[float], *, half_width: float = 1.0, n: int = 41,
                 levels: Sequence[float] = (0.05, 0.2, 0.5, 1, 2, 4, 8, 16, 32), truth: Sequence[float] | None = None,
                 figsize=(8, 3.4)):
    r"""The cost over :math:`(\theta_0, \theta_1)` within ``half_width`` of ``center``: in 3-D (left) and as
    labelled contour lines (right), with the least-squares solution starred and ``truth`` (the line the data
    came from) marked."""
    if not half_width > 0:
        raise ValueError(f"Invalid half_width: {half_width!r} (must be > 0)")
    c0, c1 = (float(c) for c in center)
    window = ((c0 - half_width, c0 + half_width), (c1 - half_width, c1 + half_width))
    t0, t1, z = _grid(surface, window, n)
    fig = plt.figure(figsize=figsize)
    ax3d = fig.add_subplot(1, 2, 1, projection="3d")
    ax3d.plot_surface(t0, t1, z, cmap="viridis", linewidth=0, antialiased=False)
    ax3d.set_xlabel(r"$\theta_0$")
    ax3d.set_ylabel(r"$\theta_1$")
    ax3d.set_zlabel(r"$L$")
    ax3d.set_title("the MSE over (θ0, θ1)")
    ax = fig.add_subplot(1, 2, 2)
    ax.clabel(ax.contour(t0, t1, z, levels=list(levels), cmap="viridis"), fontsize="x-small")
    ax.plot(*surface.minimum, "*", color="crimson", markersize=12, label="least squares")
    if truth is not None:
        ax.plot(*truth, "+", color="k", markersize=10, label=f"true line ({truth[0]:g}, {truth[1]:g})")
    ax.set_xlabel(r"$\theta_0$ (intercept)")
    ax.set_ylabel(r"$\theta_1$ (slope)")
    ax.set_title("contour lines of the MSE")
    ax.legend(fontsize="small", loc="upper right")
    fig.tight_layout()
    return fig


def descent_runs(surface, runs: Mapping[str, object], *, tol: float, colors: Sequence[str] = ("k", "crimson", "C0"),
                 figsize=(8, 3.4)):
    r"""Runs of :func:`course_lib.gd.descend` on ``surface``, ``{label: run}``: their paths on the contours
    of :func:`cost_contour` (left) and :math:`L(\theta) - L^*` against the iteration, log scale (right)."""
    if not runs:
        raise ValueError("descent_runs: no runs to draw")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    cost_contour(ax1, surface)
    for (name, run), color in zip(runs.items(), colors):
        ax1.plot(run.path[:, 0], run.path[:, 1], "-", color=color, linewidth=1.3, label=name)
        ax2.plot(run.losses - surface.minimum_value, color=color, label=f"{name}: {run.iterations} iterations")
    ax1.set_title("paths from (0, 0)")
    ax1.legend(fontsize="small", loc="lower right")
    ax2.set_yscale("log")
    ax2.set_xlabel("iteration")
    ax2.set_ylabel(r"$L(\theta) - L^*$")
    ax2.set_title(f"loss until |Δθ| < {tol:g}")
    ax2.legend(fontsize="small")
    fig.tight_layout()
    return fig


def batch_runs(runs: Mapping[str, object], minimum_value: float, *, colors: Sequence[str] = ("C0", "C1", "k"),
               figsize=(8, 3.4)):
    r"""Runs of :func:`course_lib.gd.minibatch_gd`, ``{label: run}``: :math:`L(\theta) - L^*` after each epoch
    (left, log scale) and after each update (right, both axes log scale), on one loss axis."""
    if not runs:
        raise ValueError("batch_runs: no runs to draw")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize, sharey=True)
    for (name, run), color in zip(runs.items(), colors):
        ax1.plot(run.epoch_losses - minimum_value, "o-", color=color, markersize=3, linewidth=1, label=name)
        ax2.plot(np.arange(1, len(run.update_losses) + 1), run.update_losses - minimum_value, color=color,
                 linewidth=0.6, alpha=0.8, label=name)
    ax1.set_yscale("log")
    ax1.set_xlabel("epoch (one pass over the data)")
    ax1.set_ylabel(r"$L(\theta) - L^*$")
    ax1.set_title("after each epoch")
    ax2.set_xscale("log")
    ax2.set_xlabel("update (log scale)")
    ax2.set_title("after each update")
    ax1.legend(fontsize="small")
    fig.tight_layout()
    return fig
