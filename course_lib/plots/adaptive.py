r"""The figures of the chapter *Adaptive learning rates* (``book/06_adaptive.ipynb``): what it computes, drawn.

- :func:`adagrad_vs_rmsprop`: distance to the minimum and effective learning rate against the step;
- :func:`rmsprop_cycle`: RMSProp on a parabola, its collapse and its cycle, with the product
  :math:`c_t h` of its effective rate and the curvature against the edge of stability 2;
- :func:`amsgrad_rates`: the effective learning rate of AMSGrad in torch's form and in the paper's;
- :func:`race_overview`: every optimizer's path and gap on each race surface;
- :func:`race_axes`, :func:`draw_race_background`, :func:`draw_race_layer`: the race widget's background and
  one optimizer's transparent layer, drawn on axes at the same place (see
  :class:`course_lib.widgets.frames.LayeredWidget`).

Nothing here runs an optimizer: the numbers come from the notebook or :mod:`course_lib.widgets.adaptive`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from course_lib.plots import contour

__all__ = ["adagrad_vs_rmsprop", "rmsprop_cycle", "amsgrad_rates", "race_overview", "race_axes",
           "draw_race_background", "draw_race_layer", "GAP_FLOOR", "GAP_CEILING", "SLOTS"]

#: The gap axis of the race: from 1e-12 (anything lower is drawn there) to 100.
GAP_FLOOR, GAP_CEILING = 1e-12, 1e2
#: How many optimizers the race's text column has room for.
SLOTS = 7
# Where the race's axes sit, in figure fractions: the paths, the gap, then a column of text, one slot per optimizer.
_PATH_RECT = (0.065, 0.14, 0.27, 0.72)
_GAP_RECT = (0.425, 0.14, 0.215, 0.72)
_TEXT_X, _TEXT_TOP, _SLOT_H = 0.665, 0.86, 0.123


def _check_same_length(name: str, *arrays) -> int:
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(f"{name}: the series must have one length each, got {sorted(lengths)}")
    return lengths.pop()


def adagrad_vs_rmsprop(x_ada, rate_ada, x_rms, rate_rms, *, x0: float, lr: float, alpha: float,
                       figsize=(9.0, 3.4)):
    """Left: :math:`|x_t|` of AdaGrad and RMSProp on :math:`x^2`; right: their effective learning rates, with
    AdaGrad's first rate times :math:`1/\\sqrt t` dotted."""
    n = _check_same_length("adagrad_vs_rmsprop", x_ada, rate_ada, x_rms, rate_rms)
    steps = np.arange(1, n + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    ax1.plot(steps, np.abs(x_ada), color="C2", label="AdaGrad")
    ax1.plot(steps, np.abs(x_rms), color="C1", label=rf"RMSProp, $\alpha$ = {alpha:g}")
    ax1.set_title(rf"$f(x) = x^2$ from $x_0 = {x0:g}$, $\eta = {lr:g}$")
    ax1.set_ylabel(r"distance to the minimum $|x_t|$")
    ax2.plot(steps, rate_ada, color="C2", label=r"AdaGrad: $\eta/(\sqrt{s_t}+\epsilon)$")
    ax2.plot(steps, rate_rms, color="C1", label=r"RMSProp: $\eta/(\sqrt{v_t}+\epsilon)$")
    ax2.plot(steps, rate_ada[0] / np.sqrt(steps), ":", color="0.3", label=r"$\propto 1/\sqrt{t}$")
    ax2.set_ylabel("effective learning rate")
    ax2.set_title("AdaGrad's step only shrinks")
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("step $t$")
    ax1.legend()
    ax2.legend(fontsize="small")
    fig.tight_layout()
    return fig


def rmsprop_cycle(xs, ch, *, title: str, figsize=(9.0, 3.4)):
    """Left: :math:`|x_t|` (log scale) of RMSProp on a parabola; right: :math:`c_t h`, its effective learning
    rate times the curvature, against the edge of stability 2."""
    n = _check_same_length("rmsprop_cycle", xs, ch)
    steps = np.arange(1, n + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    ax1.plot(steps, np.maximum(np.abs(xs), 1e-300), color="C1")
    ax1.set_yscale("log")
    ax1.set_ylabel(r"$|x_t|$")
    ax1.set_title("distance to the minimum")
    ax2.plot(steps, ch, color="C1", label=r"$c_t h = \eta h/(\sqrt{v_t}+\epsilon)$")
    ax2.axhline(2, color="0.3", linestyle=":", label="2: the edge of stability")
    ax2.set_ylabel(r"$c_t h$")
    ax2.set_title("effective rate × curvature")
    ax2.legend(fontsize="small", loc="upper right")
    for ax in (ax1, ax2):
        ax.set_xlabel("step $t$")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def amsgrad_rates(curves: Mapping[str, Sequence[float]], *, title: str, figsize=(7.0, 3.2)):
    """Effective learning rates (in units of the learning rate) against the step, log step axis; ``curves`` maps a
    legend label to one value per step."""
    if not curves:
        raise ValueError("amsgrad_rates: no curves to draw")
    fig, ax = plt.subplots(figsize=figsize)
    for (label, ys), style in zip(curves.items(), ("-", "--", ":", "-.")):
        ax.plot(np.arange(1, len(ys) + 1), ys, style, label=label, linewidth=1.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"effective learning rate / $\eta$")
    ax.set_title(title)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def race_overview(races: Mapping[str, tuple], names: Mapping[str, str], colors: Mapping[str, str], *,
                  figsize=(9.0, 6.0)):
    """One column per surface: ``races[name] = (surface, runs)`` with ``runs[rule]`` a dict holding ``path``
    ``(steps + 1, 2)`` and ``gap`` ``(steps + 1,)``; top the paths on the contours, bottom the gap to the minimum."""
    if not races:
        raise ValueError("race_overview: no surfaces to draw")
    fig, axes = plt.subplots(2, len(races), figsize=figsize, squeeze=False)
    for col, (name, (surface, runs)) in enumerate(races.items()):
        top, bottom = axes[0, col], axes[1, col]
        contour(surface, top, levels=20, n=120, log=name == "Rosenbrock")
        top.set_title(name)
        for rule, r in runs.items():
            top.plot(r["path"][:, 0], r["path"][:, 1], "-", color=colors[rule], linewidth=1.2)
            bottom.plot(np.clip(r["gap"], GAP_FLOOR, None), color=colors[rule], label=names[rule])
        bottom.set_yscale("log")
        bottom.set_ylim(GAP_FLOOR, GAP_CEILING)
        bottom.set_xlabel("step")
        bottom.set_ylabel(r"$f - \min f$")
    axes[1, -1].legend(loc="lower left", fontsize="x-small", ncol=2)
    fig.suptitle("The race at tuned settings (top: paths; bottom: gap to the minimum)")
    fig.tight_layout()
    return fig


def race_axes(fig, surface, steps: int, *, off: bool = False):
    """The race's two axes at their fixed places: the paths over the surface's window and the gap (log scale)
    against the step. ``off``: no frame, ticks or labels (a layer drawn over the background)."""
    ax1 = fig.add_axes(_PATH_RECT)
    ax2 = fig.add_axes(_GAP_RECT)
    ax1.set_xlim(*surface.window[0])
    ax1.set_ylim(*surface.window[1])
    ax2.set_yscale("log")
    ax2.set_ylim(GAP_FLOOR, GAP_CEILING)
    ax2.set_xlim(0, steps)
    if off:
        ax1.set_axis_off()
        ax2.set_axis_off()
    return ax1, ax2


def draw_race_background(fig, surface, steps: int, *, title: str, log: bool = False) -> None:
    """The race's background: the surface's contours with its start and minimum, and empty gap axes."""
    ax1, ax2 = race_axes(fig, surface, steps)
    contour(surface, ax1, levels=20, n=100, log=log)
    ax1.plot(*surface.start, "o", color="black", markersize=5)
    ax1.set_xlim(*surface.window[0])
    ax1.set_ylim(*surface.window[1])
    (x0, x1), (y0, y1) = surface.window
    # Fixed, plain-text ticks: tick and label layout is most of a frame's drawing time.
    ax1.set_xticks([x0, (x0 + x1) / 2, x1])
    ax1.set_yticks([y0, (y0 + y1) / 2, y1])
    ax1.set_xlabel("x")
    ax1.set_ylabel("y", labelpad=1)
    ax1.set_title("paths (● start, ★ minimum)", fontsize="medium")
    ax2.set_yticks([1e-12, 1e-8, 1e-4, 1], ["1e-12", "1e-8", "1e-4", "1"])
    ax2.set_xticks([0, steps // 2, steps])
    ax2.minorticks_off()
    ax2.axhline(1e-6, color="0.75", linewidth=0.8, linestyle="--")
    ax2.set_xlabel("step")
    ax2.set_ylabel("f − min f", labelpad=2)
    ax2.set_title("gap to the minimum", fontsize="medium")
    fig.suptitle(title, fontsize="medium", y=0.985)


def draw_race_layer(fig, surface, steps: int, run: Mapping, *, slot: int, color: str,
                    lines: tuple[str, str]) -> None:
    """One optimizer's layer: its path (a dot where it ends, a cross where it diverged), its gap curve, and two
    lines of text in its ``slot`` of the text column. ``run`` holds ``path``, ``gap`` and ``diverged``."""
    if not 0 <= slot < SLOTS:
        raise ValueError(f"Invalid slot: {slot!r} (expected 0 to {SLOTS - 1})")
    ax1, ax2 = race_axes(fig, surface, steps, off=True)
    path = np.asarray(run["path"])
    ax1.plot(path[:, 0], path[:, 1], "-", color=color, linewidth=1.3)
    finite = path[np.isfinite(path).all(axis=1)]
    ax1.plot(*finite[-1], "x" if run["diverged"] else "o", color=color, markersize=6, clip_on=True)
    ax2.plot(np.arange(len(run["gap"])), np.clip(run["gap"], GAP_FLOOR, None), color=color, linewidth=1.3)
    top = _TEXT_TOP - slot * _SLOT_H
    fig.text(_TEXT_X, top, lines[0], color=color, fontsize=10, va="top")
    fig.text(_TEXT_X + 0.01, top - 0.056, lines[1], color=color, fontsize=10, va="top")
