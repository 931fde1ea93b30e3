"""The static figures of the chapter *Choosing an optimizer*: what the chapter computes, drawn.

- :func:`race_paths_plot`: the best-learning-rate path of a few optimizers on each 2-D surface;
- :func:`sensitivity_plot`: final validation loss against the learning rate, one panel per family;
- :func:`schedule_curves_plot`: validation loss per epoch under each learning-rate schedule.

Nothing here trains or runs an optimizer: the runs come from :mod:`course_lib.training`. Every function
returns its figure, at most 8.5 inches wide (the column at 1280 px).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from course_lib.plots import contour, paths
from course_lib.training.sensitivity import summary

__all__ = ["FAMILIES", "COLORS", "plain_log", "race_paths_plot", "sensitivity_plot", "schedule_curves_plot"]

#: The optimizers in three families, as the sensitivity plot groups them.
FAMILIES = {
    "SGD and momentum": ("SGD", "Momentum", "Nesterov"),
    "per-coordinate steps": ("AdaGrad", "RMSProp", "Adadelta"),
    "Adam and variants": ("Adam", "AMSGrad", "AdamW"),
}
#: One colour per optimizer, the same in every figure of the chapter.
COLORS = {"SGD": "0.15", "Momentum": "C2", "Nesterov": "C3", "AdaGrad": "C8", "RMSProp": "C1", "Adadelta": "C5",
          "Adam": "C0", "AMSGrad": "C9", "AdamW": "C4"}


def plain_log(ax, which: str = "xy") -> None:
    """Log axes labelled in plain text (0.01, 1, 100; matplotlib's $10^{k}$ labels cost mathtext parsing):
    every other decade on x, 1-2-5 steps on y."""
    def even_decades(v, _):
        k = np.log10(v)
        return f"{v:g}" if np.isclose(k, round(k)) and round(k) % 2 == 0 else ""

    if "x" in which:
        ax.xaxis.set_major_locator(LogLocator(base=10, numticks=12))
        ax.xaxis.set_major_formatter(FuncFormatter(even_decades))
        ax.xaxis.set_minor_formatter(NullFormatter())
    if "y" in which:
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=12))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())


def race_paths_plot(surfaces: dict, race: dict, lrs: Sequence[float], names: Sequence[str], *,
                    title: str = "", figsize=(8.0, 7.2)):
    """One panel per surface (two per row): light contours and the best-learning-rate path of each optimizer
    in ``names``.

    ``surfaces`` maps a title to ``(surface, steps)``; ``race[(title, name)]`` is what
    :func:`course_lib.training.best_steps` returned (its ``runs`` hold every learning rate of ``lrs``). An
    optimizer that never settles has no path.
    """
    if not surfaces:
        raise ValueError("race_paths_plot: no surfaces to draw")
    lrs = [float(v) for v in lrs]
    cols = min(2, len(surfaces))
    rows = -(-len(surfaces) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=figsize, squeeze=False)
    for ax in axes.flat[len(surfaces):]:
        ax.set_visible(False)
    for ax, (name_of_surface, (surface, _)) in zip(axes.flat, surfaces.items()):
        contour(surface, ax=ax, levels=25, log=surface.name == "Rosenbrock")
        for c in ax.collections:
            c.set_alpha(0.35)
        for name in names:
            r = race[(name_of_surface, name)]
            if r["lr"] is None:
                continue
            row = [i for i, v in enumerate(lrs) if np.isclose(v, r["lr"])]
            if not row:
                raise ValueError(f"race_paths_plot: the best lr {r['lr']} of {name} is not on the grid")
            paths(r["runs"], ax=ax, rows=row[:1], colors=[COLORS[name]], markersize=1.5)
        ax.set_title(name_of_surface, fontsize=10)
    handles = [Line2D([], [], color=COLORS[n], marker="o", markersize=3, label=n) for n in names]
    handles.append(Line2D([], [], color="crimson", marker="*", markersize=10, linestyle="none", label="minimum"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.05, 1, 0.96 if title else 1))
    return fig


def sensitivity_plot(results, lrs: Sequence[float], *, key: str = "valid_loss", title: str = "",
                     figsize=(8.5, 3.4)):
    """Final ``key`` against the learning rate (log-log), one panel per family; the line is the mean over the
    seeds, the band spans their min to max."""
    fig = plt.figure(figsize=figsize)
    axes = fig.subplots(1, len(FAMILIES), sharey=True)
    stats = summary(results, key)
    for ax, (family, names) in zip(axes, FAMILIES.items()):
        for name in names:
            if name not in stats:
                continue
            s = stats[name]
            ax.plot(lrs, s["mean"], "-o", markersize=3, color=COLORS[name], label=name)
            ax.fill_between(lrs, s["min"], s["max"], color=COLORS[name], alpha=0.2, linewidth=0)
        ax.set_xscale("log")
        ax.set_yscale("log")
        plain_log(ax)
        ax.set_xlabel("learning rate")
        ax.set_title(family, fontsize=10)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="lower left")
    axes[0].set_ylabel("final validation loss" if key == "valid_loss" else f"final {key}")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def schedule_curves_plot(runs: dict, lrs: dict, *, title: str = "", figsize=(8.5, 3.2)):
    """Validation loss per epoch, the mean over the seeds, one panel per optimizer and one line per schedule.

    ``runs[(optimizer, schedule)]`` is a list of :class:`~course_lib.training.History` (one per seed) and
    ``lrs[(optimizer, schedule)]`` the learning rate they ran at (in the panel's title when it is the same for
    every schedule of the panel, else in the legend).
    """
    if not runs:
        raise ValueError("schedule_curves_plot: no runs to draw")
    optimizers = list(dict.fromkeys(k[0] for k in runs))
    schedules = list(dict.fromkeys(k[1] for k in runs))
    fig, axes = plt.subplots(1, len(optimizers), figsize=figsize, sharey=True, squeeze=False)
    for ax, name in zip(axes[0], optimizers):
        shown = [s for s in schedules if (name, s) in runs]
        same_lr = len({lrs[(name, s)] for s in shown}) == 1
        for s in shown:
            hs = runs[(name, s)]
            mean = np.mean([h.valid_loss for h in hs], axis=0)
            label = s if same_lr else f"{s}, lr {lrs[(name, s)]:.3g}"
            ax.plot(hs[0].epochs, mean, color=f"C{schedules.index(s)}", label=label)
        ax.set_yscale("log")
        plain_log(ax, "y")
        ax.set_xlabel("epoch")
        ax.set_title(f"{name}, lr {lrs[(name, shown[0])]:.3g}" if same_lr else name, fontsize=10)
        ax.legend(fontsize=8, loc="upper right")
    axes[0, 0].set_ylabel("validation loss (mean of seeds)")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
