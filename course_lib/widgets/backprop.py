r"""Widgets of the chapter on backpropagation (``book/03_backpropagation.ipynb``).

All of them show the seed's 2-2-2 sigmoid network (:mod:`course_lib.backprop`) learning its one
example by plain gradient descent, :math:`\theta \leftarrow \theta - \eta\,\partial L/\partial\theta`.

- :func:`step_widget`: one SGD update per notch of a "step" slider. Each frame shows the network
  with its current weights (edges coloured by the sign of their gradient, thicker for larger
  gradients), every gradient as a bar, and the loss so far. The website has no kernel, so
  "one update per click" is a slider over pre-computed steps.
- :func:`training_widget`: the loss curve over many iterations for a few learning rates, beside
  the outputs :math:`o_1, o_2` and their targets.
- :func:`training_animation`: the same training as a JavaScript animation.
- :func:`draw_network`: the network diagram itself, for any weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

from course_lib import backprop as bp
from course_lib.plots.backprop import plain_log
from course_lib.widgets.frames import Control, FrameWidget, frame_widget

__all__ = ["STEPS", "LRS", "ITERATIONS", "history", "plain_log", "thin", "draw_network", "draw_step", "step_widget",
           "describe_step", "describe_training", "training_data", "draw_training", "training_widget",
           "training_animation"]

#: Default number of updates the step widget can take.
STEPS = 24
#: Default learning rates and iteration counts of the training widget.
LRS = (0.1, 0.5, 2.0, 10.0)
ITERATIONS = (10, 30, 100, 300, 1000, 3000, 10000)

POSITIVE, NEGATIVE = "#c0392b", "#2471a3"  # gradient > 0 (the weight will decrease), gradient < 0

# where each neuron sits, and which weight joins which pair (source, target)
_NODES = {"i1": (0.0, 1.0), "i2": (0.0, 0.0), "h1": (1.0, 1.0), "h2": (1.0, 0.0), "o1": (2.0, 1.0), "o2": (2.0, 0.0)}
_EDGES = {"w1": ("i1", "h1"), "w2": ("i2", "h1"), "w3": ("i1", "h2"), "w4": ("i2", "h2"),
          "w5": ("h1", "o1"), "w6": ("h2", "o1"), "w7": ("h1", "o2"), "w8": ("h2", "o2")}


def thin(n: int, most: int = 400) -> np.ndarray:
    """At most about ``most`` increasing indices of ``range(n)``, always with the first and last.

    For drawing long, smooth loss curves with far fewer points: every index at the start, where
    the curve bends, evenly spaced ones over the rest.
    """
    if n <= most:
        return np.arange(n)
    head = np.arange(most // 2)
    tail = np.linspace(most // 2, n - 1, most - most // 2).round().astype(int)
    return np.unique(np.concatenate([head, tail]))


@lru_cache(maxsize=16)
def history(steps: int, lr: float = bp.SEED["lr"]) -> tuple[dict, ...]:
    """:func:`course_lib.backprop.train_by_hand` for the seed's network, cached (``steps + 1`` records)."""
    return tuple(bp.train_by_hand(steps, lr=lr))


# --- the network diagram ---------------------------------------------------------------------------


def draw_network(ax, w: Sequence[float] = bp.SEED["w"], b: Sequence[float] = bp.SEED["b"],
                 grads: Mapping[str, float] | None = None, *, i: Sequence[float] = bp.SEED["i"],
                 scale: float | None = None, fontsize: float = 8):
    """The 2-2-2 network with each weight on its edge and each neuron's output in its node.

    With ``grads``, an edge is red where :math:`\\partial L/\\partial w > 0` (the update lowers the
    weight), blue where it is negative, and thicker the larger :math:`|\\partial L/\\partial w|`
    relative to ``scale`` (default: the largest of them). Returns the Axes.
    """
    f = bp.forward(w, b, i)
    values = {"i1": i[0], "i2": i[1], "h1": f["h1"], "h2": f["h2"], "o1": f["o1"], "o2": f["o2"]}
    if grads is not None:
        scale = scale or max(abs(grads[name]) for name in _EDGES) or 1.0
    for k, (name, (src, dst)) in enumerate(_EDGES.items()):
        (x0, y0), (x1, y1) = _NODES[src], _NODES[dst]
        if grads is None:
            color, width = "0.45", 1.2
        else:
            g = grads[name]
            color = POSITIVE if g > 0 else NEGATIVE
            width = 0.6 + 5.0 * min(abs(g) / scale, 1.0)
        ax.plot([x0, x1], [y0, y1], color=color, linewidth=width, solid_capstyle="round", zorder=1)
        # labels sit a quarter of the way along straight edges, nearer the target on crossing ones
        t = 0.5 if y0 == y1 else 0.3
        xm, ym = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        dy = 0.09 if y0 == y1 else 0.0
        ax.text(xm, ym + (dy if y0 > 0.5 else -dy), f"{name} = {w[k]:.3f}", ha="center", va="center",
                fontsize=fontsize, color="0.1", zorder=3,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    xy = np.array(list(_NODES.values()))
    faces = [{"i": "#eeeeee", "h": "#fdebd0", "o": "#d6eaf8"}[name[0]] for name in _NODES]
    ax.scatter(xy[:, 0], xy[:, 1], s=900, c=faces, edgecolors="0.3", zorder=2)
    for name, (x, y) in _NODES.items():
        ax.text(x, y + 0.02, name, ha="center", va="bottom", fontsize=fontsize + 1, fontweight="bold", zorder=3)
        ax.text(x, y - 0.02, f"{values[name]:.3f}", ha="center", va="top", fontsize=fontsize - 1, zorder=3)
    ax.text(1.0, -0.42, f"b1 = {b[0]:.3f}", ha="center", fontsize=fontsize)
    ax.text(2.0, -0.42, f"b2 = {b[1]:.3f}", ha="center", fontsize=fontsize)
    ax.set_xlim(-0.3, 2.3)
    ax.set_ylim(-0.55, 1.3)
    ax.set_axis_off()
    return ax


# --- one update per step ---------------------------------------------------------------------------


def draw_step(fig, step: int, steps: int = STEPS, lr: float = bp.SEED["lr"]) -> None:
    """Left: the network after ``step`` updates; right: its gradients and the loss so far."""
    records = history(steps, lr)
    rec = records[step]
    grid = fig.add_gridspec(2, 2, width_ratios=[1.3, 1], height_ratios=[1.2, 1], wspace=0.22, hspace=0.55,
                            left=0.01, right=0.97, top=0.92, bottom=0.11)
    ax_net = fig.add_subplot(grid[:, 0])
    ax_grad = fig.add_subplot(grid[0, 1])
    ax_loss = fig.add_subplot(grid[1, 1])
    # one scale for every frame, so that edges thin out as the gradients shrink
    scale = max(abs(r["grads"][n]) for r in records for n in _EDGES)
    draw_network(ax_net, rec["w"], rec["b"], rec["grads"], scale=scale)
    ax_net.set_title(f"after {step} update{'s' if step != 1 else ''} (lr = {lr:g})", fontsize="medium")

    names = list(bp.PARAM_NAMES)
    g = np.array([rec["grads"][n] for n in names])
    y = np.arange(len(names))[::-1]
    ax_grad.barh(y, g, color=[POSITIVE if v > 0 else NEGATIVE for v in g], height=0.7)
    ax_grad.set_yticks(y, names, fontsize=7)
    gmax = max(abs(r["grads"][n]) for r in records for n in names)
    ax_grad.set_xlim(-1.1 * gmax, 1.1 * gmax)
    ax_grad.axvline(0, color="0.3", linewidth=0.8)
    ax_grad.tick_params(axis="x", labelsize=7)
    ax_grad.set_xlabel("∂L/∂θ", fontsize=8)
    ax_grad.set_title("gradients (red: the update lowers it)", fontsize=8)

    losses = [r["loss"] for r in records]
    ax_loss.plot(range(len(losses)), losses, color="0.8", linewidth=1)
    ax_loss.plot(range(step + 1), losses[: step + 1], color="crimson", linewidth=1.8, marker="o", markevery=[step],
                 markersize=4)
    ax_loss.set_xlabel("update", fontsize=8)
    ax_loss.set_ylabel(r"loss $\mathcal{L}$", fontsize=8)
    ax_loss.tick_params(labelsize=7)
    ax_loss.set_title(f"loss so far (red; grey: to come): L = {losses[step]:.6f}", fontsize=8)


def step_widget(steps: int = STEPS, lr: float = bp.SEED["lr"]) -> FrameWidget:
    """A "step" slider over 0..``steps`` SGD updates of the seed's network (one frame per update).

    ``w.result`` is the record of :func:`course_lib.backprop.train_by_hand` at that step:
    ``{"step", "w", "b", "out", "loss", "grads"}``.
    """
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"Invalid steps: {steps!r} (expected an int >= 1)")

    def draw(fig, step):
        draw_step(fig, step, steps, lr)

    def compute(step):
        return history(steps, lr)[step]

    return frame_widget(draw, [Control("step", list(range(steps + 1)), description="SGD updates")],
                        compute=compute, describe=lambda step: describe_step(compute(step), lr),
                        title="One gradient-descent update per step", figsize=(8.4, 4.2))


def describe_step(record: dict, lr: float) -> str:
    """In words, what the frame of :func:`step_widget` for one record of the training shows."""
    step = record["step"]
    name, g = max(record["grads"].items(), key=lambda kv: abs(kv[1]))
    o1, o2 = record["out"]
    return (f"The 2-2-2 network after {step} gradient-descent update{'s' if step != 1 else ''} with learning rate "
            f"{lr:g}: outputs o₁ = {o1:.4f}, o₂ = {o2:.4f}, loss {record['loss']:.6f}. Each edge is coloured by "
            f"the sign of its weight's gradient; the largest is ∂L/∂{name} = {g:+.4f}. Right: every gradient as "
            "a bar, and the loss so far.")


# --- many iterations -------------------------------------------------------------------------------


def training_data(lr: float, iterations: int) -> dict:
    """Losses before each of ``iterations`` updates at learning rate ``lr``, and the final state.

    Returns ``{"losses"}`` (``iterations + 1`` values, the last after the final update),
    ``"loss"`` (that last value), ``"out"`` (``(o1, o2)`` then), ``"w"``, ``"b"``.
    """
    records = history(max(ITERATIONS[-1], iterations), lr)
    last = records[iterations]
    return {"losses": [r["loss"] for r in records[: iterations + 1]], "loss": last["loss"], "out": last["out"],
            "w": last["w"], "b": last["b"]}


def draw_training(fig, lr: float, iterations: int) -> None:
    """Left: the loss over ``iterations`` updates (log scale); right: the outputs beside their targets."""
    d = training_data(lr, iterations)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2, 1]})
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.16, top=0.9, wspace=0.25)
    idx = thin(len(d["losses"]))
    ax1.plot(idx, np.asarray(d["losses"])[idx], color="crimson", linewidth=1.8)
    ax1.set_yscale("log")
    plain_log(ax1.yaxis)
    ax1.set_ylim(1e-9, 1.0)
    ax1.set_xlim(0, max(iterations, 1))
    ax1.set_xlabel("update")
    ax1.set_ylabel(r"loss $\mathcal{L}$ (log scale)")
    ax1.set_title(f"lr = {lr:g}: L = {d['loss']:.2e} after {iterations} updates", fontsize="medium")
    targets = bp.SEED["target"]
    x = np.arange(2)
    ax2.bar(x, d["out"], width=0.55, color=["#5dade2", "#2471a3"], label="output")
    ax2.hlines(targets, x - 0.38, x + 0.38, colors="black", linestyles="--", linewidth=1.4, label="target")
    for k in range(2):
        ax2.text(x[k], d["out"][k] + 0.03, f"{d['out'][k]:.4f}", ha="center", fontsize=8)
    ax2.set_xticks(x, ["$o_1$", "$o_2$"])
    ax2.set_ylim(0, 1.15)
    ax2.set_title("outputs vs targets", fontsize="medium")
    ax2.legend(loc="upper left", fontsize="small")


def training_widget(lrs: Sequence[float] = LRS, iterations: Sequence[int] = ITERATIONS) -> FrameWidget:
    """Sliders for the learning rate and the number of iterations; ``w.result`` is :func:`training_data`."""
    iterations = list(iterations)
    if any(not isinstance(n, int) or n < 1 for n in iterations) or iterations != sorted(iterations):
        raise ValueError(f"Invalid iterations: {iterations!r} (expected increasing ints >= 1)")
    if max(iterations) > ITERATIONS[-1]:
        raise ValueError(f"Invalid iterations: at most {ITERATIONS[-1]}, got {max(iterations)}")
    default = bp.SEED["lr"] if bp.SEED["lr"] in lrs else None
    return frame_widget(draw_training,
                        [Control("lr", list(lrs), description="learning rate", default=default),
                         Control("iterations", iterations, description="iterations")],
                        compute=training_data, describe=describe_training, title="The loss over many updates",
                        figsize=(7.6, 3.2))


def describe_training(lr: float, iterations: int) -> str:
    """In words, what the frame of :func:`training_widget` for ``lr`` and ``iterations`` shows."""
    d = training_data(lr, iterations)
    t1, t2 = bp.SEED["target"]
    return (f"Learning rate {lr:g}: the loss falls from {d['losses'][0]:.4f} to {d['loss']:.2e} in {iterations} "
            f"updates (log scale); the outputs are o₁ = {d['out'][0]:.4f} and o₂ = {d['out'][1]:.4f} against "
            f"targets {t1:g} and {t2:g}.")


def training_animation(lr: float = bp.SEED["lr"], frames: int = 20, last: int = 10000, dpi: float = 72):
    """The training of :func:`training_widget` as an animation (HTML that plays with no kernel).

    Frame ``k`` shows the first ``n_k`` updates, with ``n_k`` spaced geometrically from 1 to ``last``.
    """
    import matplotlib.pyplot as plt

    from course_lib.plots import animation_html

    if not isinstance(last, int) or not 1 <= last <= ITERATIONS[-1]:
        raise ValueError(f"Invalid last: {last!r} (expected an int in 1..{ITERATIONS[-1]})")
    counts = sorted({int(round(v)) for v in np.geomspace(1, last, frames)})
    records = history(ITERATIONS[-1], lr)
    losses = np.array([r["loss"] for r in records[: last + 1]])
    targets = bp.SEED["target"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.0, 3.0), gridspec_kw={"width_ratios": [2, 1]})
    fig.subplots_adjust(bottom=0.18, wspace=0.3)
    # on a log axis, geometrically spaced points draw the curve as well as all of them
    idx = np.unique(np.concatenate([np.geomspace(1, last + 1, 300).round().astype(int) - 1, counts]))
    ax1.plot(idx + 1, losses[idx], color="0.85", linewidth=1, label="the whole run")
    (line,) = ax1.plot([], [], color="crimson", linewidth=1.8, label="so far")
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    plain_log(ax1.xaxis)
    plain_log(ax1.yaxis)
    ax1.set_xlim(1, last + 1)
    ax1.set_ylim(losses.min() / 2, 1.0)
    ax1.set_xlabel("update + 1 (log scale)")
    ax1.set_ylabel(r"loss $\mathcal{L}$ (log scale)")
    ax1.legend(loc="lower left", fontsize="small")
    title = ax1.set_title("", fontsize="medium")
    bars = ax2.bar([0, 1], records[0]["out"], width=0.55, color=["#5dade2", "#2471a3"], label="output")
    ax2.hlines(targets, [-0.38, 0.62], [0.38, 1.38], colors="black", linestyles="--", linewidth=1.4, label="target")
    ax2.set_xticks([0, 1], ["$o_1$", "$o_2$"])
    ax2.set_ylim(0, 1.15)
    ax2.set_title("outputs vs targets", fontsize="medium")
    ax2.legend(loc="upper left", fontsize="small")

    def update(k):
        n = counts[k]
        shown = idx[idx <= n]
        line.set_data(shown + 1, losses[shown])
        title.set_text(f"lr = {lr:g}, {n} updates: L = {losses[n]:.2e}")
        for bar, value in zip(bars, records[n]["out"]):
            bar.set_height(value)

    def describe(k):
        n = counts[k]
        o1, o2 = records[n]["out"]
        return (f"Learning rate {lr:g}, after {n} update{'s' if n != 1 else ''}: loss {losses[n]:.2e} "
                f"(log-log curve, the rest of the run in grey); outputs o₁ = {o1:.4f} and o₂ = {o2:.4f} against "
                f"targets {targets[0]:g} and {targets[1]:g}.")

    return animation_html(fig, update, len(counts), interval=150, dpi=dpi, describe=describe,
                          label=f"Animation: the 2-2-2 network trained with learning rate {lr:g}")
