r"""The optimizer race of the chapter on adaptive learning rates (``book/06_adaptive.ipynb``).

- :data:`RACE_LR`: the learning rate each optimizer gets on each surface (scale 1);
- :func:`race`: every optimizer of a list on one surface, for a few learning-rate scales, with
  :func:`course_lib.optim.run_trajectories` (one batched run per optimizer);
- :func:`draw_race`: the paths on the contour beside the gap to the minimum against the step;
- :func:`optimizer_race`: the widget (surface × optimizer set × learning-rate scale);
- :func:`race_animation`: one race as a JavaScript animation that plays with no kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np

from course_lib.optim import Trajectories, run_trajectories
from course_lib.plots import animation_html, contour
from course_lib.surfaces import Ravine, Rosenbrock, Saddle
from course_lib.widgets.frames import Control, FrameWidget, frame_widget

__all__ = [
    "RACE_SURFACES", "RACE_LR", "RACE_STEPS", "NAMES", "COLOR", "OPTIMIZER_SETS", "SCALES",
    "race", "race_result", "draw_race", "optimizer_race", "race_animation", "describe_race",
]

#: The three surfaces of the race.
RACE_SURFACES = {"ravine": Ravine(), "Rosenbrock": Rosenbrock(), "saddle": Saddle()}

#: Learning rate of each optimizer on each surface at scale 1 (momentum 0.9 for momentum and Nesterov,
#: every other hyper-parameter at torch's default). Picked by hand from sweeps: fast, and stable at
#: twice the rate on most surfaces, so that the scale slider shows both sides.
RACE_LR = {
    "ravine": {"sgd": 0.4, "momentum": 0.05, "nesterov": 0.05, "adagrad": 1.0, "rmsprop": 0.1,
               "adadelta": 10.0, "adam": 0.3, "amsgrad": 0.3},
    "Rosenbrock": {"sgd": 1e-3, "momentum": 3e-4, "nesterov": 3e-4, "adagrad": 1.0, "rmsprop": 0.01,
                   "adadelta": 3.0, "adam": 0.1, "amsgrad": 0.1},
    "saddle": {"sgd": 0.1, "momentum": 0.03, "nesterov": 0.03, "adagrad": 0.3, "rmsprop": 0.03,
               "adadelta": 3.0, "adam": 0.1, "amsgrad": 0.1},
}
#: Steps of a race on each surface (the banana valley is long).
RACE_STEPS = {"ravine": 200, "Rosenbrock": 1000, "saddle": 200}
#: Display names and colours, one per optimizer, the same in every figure.
NAMES = {"sgd": "SGD", "momentum": "momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
         "rmsprop": "RMSProp", "adadelta": "Adadelta", "adam": "Adam", "amsgrad": "AMSGrad"}
COLOR = {"sgd": "#7f7f7f", "momentum": "#1f77b4", "nesterov": "#17becf", "adagrad": "#2ca02c",
         "rmsprop": "#ff7f0e", "adadelta": "#8c564b", "adam": "#d62728", "amsgrad": "#9467bd"}
#: The widget's optimizer sets.
OPTIMIZER_SETS = {
    "momentum, RMSProp, Adam": ("momentum", "rmsprop", "adam"),
    "SGD, momentum, Nesterov": ("sgd", "momentum", "nesterov"),
    "AdaGrad, RMSProp, Adadelta": ("adagrad", "rmsprop", "adadelta"),
}
#: The widget's learning-rate scales (a multiplier on :data:`RACE_LR`).
SCALES = (0.25, 0.5, 1.0, 2.0)


@lru_cache(maxsize=64)
def _race_cached(surface: str, rule: str, scales: tuple, steps: int) -> Trajectories:
    lr = RACE_LR[surface][rule]
    return run_trajectories(RACE_SURFACES[surface], rule, steps=steps, grid={"lr": [lr * s for s in scales]})


def race(surface: str, rules: Sequence[str], scales: Sequence[float] = (1.0,),
         steps: int | None = None) -> dict[str, Trajectories]:
    """Each optimizer of ``rules`` on ``surface`` from its default start; one row per learning-rate scale.

    ``steps`` defaults to :data:`RACE_STEPS` of the surface.
    """
    if surface not in RACE_SURFACES:
        raise ValueError(f"Invalid surface: {surface!r} (expected one of {list(RACE_SURFACES)})")
    steps = RACE_STEPS[surface] if steps is None else steps
    return {rule: _race_cached(surface, rule, tuple(float(s) for s in scales), int(steps)) for rule in rules}


def race_result(surface: str, rules: Sequence[str], scale: float = 1.0, steps: int | None = None, *,
                scales: Sequence[float] = SCALES) -> dict:
    """The numbers one race shows: per optimizer its ``lr``, ``path`` ``(steps + 1, 2)``, ``loss``
    ``(steps + 1,)``, ``gap`` (loss minus the surface's minimum value) and ``diverged``.

    The runs are shared with every other scale of ``scales`` (one cached, batched run per optimizer).
    """
    scales = tuple(float(s) for s in scales)
    if not any(np.isclose(scale, s) for s in scales):
        scales = (float(scale),)
    row = int(np.argmin([abs(scale - s) for s in scales]))
    runs = race(surface, rules, scales, steps)
    low = RACE_SURFACES[surface].minimum_value
    out = {}
    for rule, tr in runs.items():
        out[rule] = {"lr": tr.settings[row]["lr"], "path": tr.paths[row].copy(), "loss": tr.losses[row].copy(),
                     "gap": tr.losses[row] - low, "diverged": bool(tr.diverged[row])}  # copies: the runs are cached
    return out


def _gap_axis(ax, steps: int) -> None:
    # Fixed, plain-text ticks: tick and label layout is most of a frame's drawing time.
    ax.set_yscale("log")
    ax.set_ylim(1e-12, 1e2)
    ax.set_xlim(0, steps)
    ax.set_yticks([1e-12, 1e-8, 1e-4, 1], ["1e-12", "1e-8", "1e-4", "1"])
    ax.set_xticks([0, steps // 2, steps])
    ax.minorticks_off()
    ax.set_xlabel("step")
    ax.set_ylabel("f - min f")


def draw_race(fig, surface: str, rules: Sequence[str], scale: float = 1.0, steps: int | None = None, *,
              scales: Sequence[float] = SCALES) -> None:
    """Left: the paths on the surface's contour; right: the gap to the minimum against the step."""
    result = race_result(surface, rules, scale, steps, scales=scales)
    steps = RACE_STEPS[surface] if steps is None else steps
    ax1, ax2 = fig.subplots(1, 2)
    contour(RACE_SURFACES[surface], ax1, levels=20, n=100, log=surface == "Rosenbrock")
    (x0, x1), (y0, y1) = RACE_SURFACES[surface].window
    ax1.set_xticks([x0, (x0 + x1) / 2, x1])
    ax1.set_yticks([y0, (y0 + y1) / 2, y1])
    ax1.set_xlabel("x")
    ax1.set_ylabel("y")
    for rule, r in result.items():
        label = f"{NAMES[rule]}, lr {r['lr']:.3g}" + (" (diverged)" if r["diverged"] else "")
        p = r["path"]
        ax1.plot(p[:, 0], p[:, 1], "-", color=COLOR[rule], linewidth=1.3)
        last = p[np.isfinite(p).all(axis=1)][-1]
        ax1.plot(*last, "x" if r["diverged"] else "o", color=COLOR[rule], markersize=6)
        ax2.plot(np.arange(steps + 1), np.clip(r["gap"], 1e-12, None), color=COLOR[rule], linewidth=1.3,
                 label=label)
    ax1.set_title(f"{surface}, lr × {scale:g}", fontsize="medium")
    ax2.legend(loc="lower left", fontsize="x-small", framealpha=0.8, frameon=True)
    _gap_axis(ax2, steps)
    ax2.set_title("gap to the minimum", fontsize="medium")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.3)


def _outcome(r: dict, upto: int | None = None) -> str:
    if r["diverged"] and (upto is None or not np.isfinite(r["gap"][upto])):
        return "diverges"
    gap = r["gap"][-1 if upto is None else upto]
    return f"{gap:.1e} above the minimum" if gap > 0 else "at the minimum"


def describe_race(result: dict, surface: str, scale: float, upto: int | None = None) -> str:
    """In words, what a frame of :func:`optimizer_race` (or, with ``upto``, of :func:`race_animation`) shows."""
    when = "at the end" if upto is None else f"at step {upto}"
    runs = "; ".join(f"{NAMES[rule]} (lr {r['lr']:.3g}) {_outcome(r, upto)}" for rule, r in result.items())
    panels = ("Left: the paths on the contours; right: the gap to the minimum against the step, log scale."
              if upto is None else "The paths so far on the contours.")
    return f"Optimizer race on the {surface} surface, learning rates × {scale:g}, {when}: {runs}. {panels}"


def optimizer_race(surfaces: Sequence[str] = tuple(RACE_SURFACES), sets: Sequence[str] = tuple(OPTIMIZER_SETS),
                   scales: Sequence[float] = SCALES, *, steps: int | None = None, figsize=(7, 3.2),
                   dpi: float = 72) -> FrameWidget:
    """The race widget: a surface, an optimizer set and a learning-rate scale (``w.result``: :func:`race_result`)."""
    for name in sets:
        if name not in OPTIMIZER_SETS:
            raise ValueError(f"Invalid optimizer set: {name!r} (expected one of {list(OPTIMIZER_SETS)})")
    scales = tuple(float(s) for s in scales)
    return frame_widget(
        lambda fig, surface, optimizers, scale: draw_race(fig, surface, OPTIMIZER_SETS[optimizers], scale, steps,
                                                          scales=scales),
        [Control("surface", list(surfaces), kind="dropdown"),
         Control("optimizers", list(sets), kind="dropdown"),
         Control("scale", list(scales), description="lr ×", default=1.0 if 1.0 in scales else None)],
        compute=lambda surface, optimizers, scale: race_result(surface, OPTIMIZER_SETS[optimizers], scale, steps,
                                                               scales=scales),
        describe=lambda surface, optimizers, scale: describe_race(
            race_result(surface, OPTIMIZER_SETS[optimizers], scale, steps, scales=scales), surface, scale),
        title="Optimizer race", figsize=figsize, dpi=dpi,
    )


def race_animation(surface: str = "saddle", rules: Sequence[str] = ("sgd", "momentum", "rmsprop", "adam"),
                   frames: int = 30, steps: int | None = None, figsize=(5, 3.4), dpi: float = 72):
    """The race of ``rules`` on ``surface`` as a JavaScript animation: ``frames`` snapshots of the paths."""
    result = race_result(surface, rules, 1.0, steps)
    steps = RACE_STEPS[surface] if steps is None else steps
    fig, ax = plt.subplots(figsize=figsize)
    contour(RACE_SURFACES[surface], ax, levels=20, n=100, log=surface == "Rosenbrock")
    lines, dots = {}, {}
    for rule in rules:
        (lines[rule],) = ax.plot([], [], "-", color=COLOR[rule], linewidth=1.5,
                                 label=f"{NAMES[rule]} ({result[rule]['lr']:.3g})")
        (dots[rule],) = ax.plot([], [], "o", color=COLOR[rule], markersize=6)
    ax.legend(loc="lower right", fontsize="x-small", framealpha=0.8, frameon=True)
    title = ax.set_title(f"{surface}: step {steps}")  # the longest title, so that the layout fits it
    marks = np.linspace(0, steps, frames).round().astype(int)

    def update(i):
        k = marks[i]
        for rule in rules:
            p = result[rule]["path"][: k + 1]
            p = p[np.isfinite(p).all(axis=1)]
            lines[rule].set_data(p[:, 0], p[:, 1])
            dots[rule].set_data([p[-1, 0]], [p[-1, 1]])
        title.set_text(f"{surface}: step {k}")
        return [*lines.values(), *dots.values(), title]

    fig.tight_layout()
    return animation_html(fig, update, frames, interval=150, dpi=dpi,
                          describe=lambda i: describe_race(result, surface, 1.0, upto=int(marks[i])),
                          label=f"Animation: the optimizer race on the {surface} surface")
