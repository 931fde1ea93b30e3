"""Pictures and the widget of the chapter "Choosing an optimizer".

- :func:`sensitivity_results`: every optimizer × a log grid of learning rates × seeds on the digits,
  with :func:`course_lib.training.train_grid` (one :func:`~course_lib.training.fit` run per learning rate);
- :func:`summary`: mean and spread over the seeds of the final validation loss and accuracy;
- :func:`sensitivity_plot`: final validation loss against the learning rate, one panel per family;
- :func:`optimizer_lr_widget`: pick an optimizer and a learning rate, see its validation curves for every seed
  and where it sits on its sensitivity curve.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from course_lib.training import OPTIMIZERS, History, train_grid
from course_lib.widgets.frames import Control, FrameWidget, frame_widget

__all__ = ["FAMILIES", "COLORS", "sensitivity_results", "summary", "sensitivity_plot", "race_paths_plot",
           "optimizer_lr_widget"]

#: The optimizers in three families, as the sensitivity plot groups them.
FAMILIES = {
    "SGD and momentum": ("SGD", "Momentum", "Nesterov"),
    "per-coordinate steps": ("AdaGrad", "RMSProp", "Adadelta"),
    "Adam and variants": ("Adam", "AMSGrad", "AdamW"),
}
#: One colour per optimizer, the same in every figure of the chapter.
COLORS = {"SGD": "0.15", "Momentum": "C2", "Nesterov": "C3", "AdaGrad": "C8", "RMSProp": "C1", "Adadelta": "C5",
          "Adam": "C0", "AMSGrad": "C9", "AdamW": "C4"}


def _plain_log(ax, which: str = "xy") -> None:
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


def sensitivity_results(data, lrs: Sequence[float], *, optimizers: Sequence[str] = tuple(OPTIMIZERS),
                        seeds: Sequence[int] = (0, 1, 2), **kwargs) -> dict[str, list[list[History]]]:
    """``{name: [[History per lr] per seed]}``: each optimizer trained at every learning rate from every seed."""
    return {name: [train_grid(data, name, lrs, seed=s, **kwargs) for s in seeds] for name in optimizers}


def summary(results: dict[str, list[list[History]]], key: str = "valid_loss") -> dict[str, dict[str, np.ndarray]]:
    """For each optimizer: ``mean``, ``std`` (over seeds, ``ddof=0``), ``min`` and ``max`` of the final ``key``
    at each learning rate, as arrays of shape ``(n_lrs,)``."""
    out = {}
    for name, per_seed in results.items():
        values = np.array([[getattr(h, key)[-1] for h in row] for row in per_seed], dtype=float)
        out[name] = {"mean": values.mean(0), "std": values.std(0), "min": values.min(0), "max": values.max(0)}
    return out


def sensitivity_plot(results, lrs: Sequence[float], *, key: str = "valid_loss", fig=None, title: str = ""):
    """Final ``key`` against the learning rate (log-log), one panel per family; the band spans the seeds."""
    fig = fig or plt.figure(figsize=(10, 3.2))
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
        _plain_log(ax)
        ax.set_xlabel("learning rate")
        ax.set_title(family, fontsize=10)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="lower left")
    axes[0].set_ylabel("final validation loss" if key == "valid_loss" else f"final {key}")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def race_paths_plot(surfaces: dict, race: dict, lrs: Sequence[float], names: Sequence[str], fig=None,
                    title: str = ""):
    """One panel per surface: light contours and the best-learning-rate path of each optimizer in ``names``.

    ``surfaces`` maps a title to ``(surface, steps)``; ``race[(title, name)]`` is what
    :func:`course_lib.training.best_steps` returned (its ``runs`` hold every learning rate of ``lrs``).
    """
    from matplotlib.lines import Line2D

    from course_lib import plots

    fig = fig or plt.figure(figsize=(13, 3.6))
    axes = fig.subplots(1, len(surfaces))
    for ax, (name_of_surface, (surface, _)) in zip(axes, surfaces.items()):
        plots.contour(surface, ax=ax, levels=25, log=surface.name == "Rosenbrock")
        for c in ax.collections:
            c.set_alpha(0.35)
        for name in names:
            r = race[(name_of_surface, name)]
            if r["lr"] is None:
                continue
            row = [i for i, v in enumerate(lrs) if np.isclose(v, r["lr"])][0]
            plots.paths(r["runs"], ax=ax, rows=[row], colors=[COLORS[name]], markersize=1.5)
        ax.set_title(name_of_surface, fontsize=10)
    handles = [Line2D([], [], color=COLORS[n], marker="o", markersize=3, label=n) for n in names]
    handles.append(Line2D([], [], color="crimson", marker="*", markersize=10, linestyle="none", label="minimum"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 0.95 if title else 1))
    return fig


def optimizer_lr_widget(results: dict[str, list[list[History]]], lrs: Sequence[float],
                        shown_lrs: Sequence[float] | None = None) -> FrameWidget:
    """Optimizer × learning rate: validation loss per epoch for every seed (left) and the final loss against the
    learning rate for every optimizer, the chosen one in colour and the chosen rate marked (right).

    ``results`` come from :func:`sensitivity_results` on the grid ``lrs``; ``shown_lrs`` (default: all) are the
    learning rates the slider offers, a subset of ``lrs``.
    """
    lrs = [float(v) for v in lrs]
    shown = [float(v) for v in (shown_lrs if shown_lrs is not None else lrs)]
    index = {}
    for v in shown:
        matches = [i for i, w in enumerate(lrs) if np.isclose(v, w)]
        if not matches:
            raise ValueError(f"Invalid shown learning rate {v}: not on the grid {lrs}")
        index[v] = matches[0]
    stats = summary(results)
    names = list(results)
    all_losses = np.array([s["mean"] for s in stats.values()])
    floor = max(float(np.nanmin(all_losses)) * 0.5, 1e-4)

    def compute(optimizer, lr):
        runs = [row[index[lr]] for row in results[optimizer]]
        return {"histories": runs,
                "final_loss": float(np.mean([h.valid_loss[-1] for h in runs])),
                "final_accuracy": float(np.mean([h.valid_accuracy[-1] for h in runs]))}

    def draw(fig, optimizer, lr):
        ax1, ax2 = fig.subplots(1, 2)
        r = compute(optimizer, lr)
        for k, h in enumerate(r["histories"]):
            ax1.plot(h.epochs, h.valid_loss, color=COLORS[optimizer], alpha=0.9, linewidth=1.4,
                     label="each seed" if k == 0 else None)
        ax1.set_yscale("log")
        _plain_log(ax1, "y")
        ax1.set_ylim(floor, 0.6)
        ax1.set_xlabel("epoch")
        ax1.set_ylabel("validation loss")
        ax1.set_title(f"{optimizer}, lr {lr:g}: loss {r['final_loss']:.4f}, acc {r['final_accuracy']:.4f}",
                      fontsize=9)
        ax1.legend(fontsize=8, loc="lower left")
        for name in names:
            if name != optimizer:
                ax2.plot(lrs, stats[name]["mean"], color="0.8", linewidth=1)
        s = stats[optimizer]
        ax2.plot(lrs, s["mean"], "-o", markersize=3, color=COLORS[optimizer], label=optimizer)
        ax2.fill_between(lrs, s["min"], s["max"], color=COLORS[optimizer], alpha=0.25, linewidth=0)
        ax2.plot([lr], [s["mean"][index[lr]]], "o", markersize=10, markerfacecolor="none",
                 markeredgecolor="crimson", markeredgewidth=2)
        ax2.plot([], [], color="0.8", label="other optimizers")
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        _plain_log(ax2)
        ax2.set_ylim(floor, 0.6)
        ax2.set_xlabel("learning rate")
        ax2.set_title("final loss against learning rate", fontsize=9)
        ax2.legend(fontsize=8, loc="lower left")
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.9, wspace=0.3)

    controls = [Control("optimizer", names, kind="dropdown", description="optimizer"),
                Control("lr", shown, description="learning rate", default=shown[len(shown) // 2])]
    def describe(optimizer, lr):
        r = compute(optimizer, lr)
        best = int(np.nanargmin(stats[optimizer]["mean"]))
        return (f"{optimizer} at learning rate {lr:g} on the digits: mean final validation loss "
                f"{r['final_loss']:.4f} and accuracy {r['final_accuracy']:.4f} over {len(r['histories'])} seeds "
                f"(left: the loss per epoch of each seed). Right: its final loss against the learning rate, lowest "
                f"at {lrs[best]:g}, beside the other optimizers in grey.")

    return frame_widget(draw, controls, compute=compute, describe=describe,
                        title="Optimizer × learning rate on the digits (3 seeds)", figsize=(7, 3.2))
