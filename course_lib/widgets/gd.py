r"""Widgets and animations of the chapter on gradient descent (``book/01_gradient_descent.ipynb``).

- :func:`lr_widget`: gradient descent on :math:`f(x) = x^2` for a grid of learning rates and start
  points, the steps drawn on the curve and the iterates against the step number;
- :func:`momentum_widget`: batch gradient descent with momentum on the linear-regression cost, for a
  grid of learning rates :math:`\eta` and momenta :math:`\beta`: the path on the contour and the loss;
- :func:`batch_size_widget`: mini-batch gradient descent on the same cost for batch sizes 1 to
  :math:`n`: the path and the loss per epoch;
- :func:`parabola_animation`, :func:`regression_animation`, :func:`batch_animation`: one run of each
  as a JavaScript animation that plays with no kernel.

The numbers come from :mod:`course_lib.optim` (``run_trajectories``) and :mod:`course_lib.gd`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from course_lib.data import noisy_line
from course_lib.gd import descend, minibatch_gd, quadratic_regime
from course_lib.optim import run_trajectories
from course_lib.plots import COLORS, animation_html
from course_lib.plots.gd import REG_WINDOW, cost_contour
from course_lib.surfaces import LinearRegressionMSE, Parabola
from course_lib.widgets.frames import Control, FrameWidget, frame_widget

__all__ = [
    "LRS", "STARTS", "parabola_run", "draw_parabola_frame", "lr_widget",
    "REG_LRS", "MOMENTA", "REG_WINDOW", "BATCH_WINDOW", "regression_run", "draw_regression_frame", "momentum_widget",
    "BATCH_SIZES", "BATCH_LRS", "batch_run", "draw_batch_frame", "batch_size_widget",
    "parabola_animation", "regression_animation", "batch_animation",
]

# --- 1. the learning rate on f(x) = x^2 ---------------------------------------------------------------

#: Learning rates of :func:`lr_widget`: slow, monotone, one step, oscillating, bouncing, diverging.
LRS = (0.05, 0.2, 0.4, 0.5, 0.7, 0.9, 1.0, 1.1)
#: Start points of :func:`lr_widget`.
STARTS = (-1.5, -1.0, 1.0)
_PARABOLA = Parabola()


def _plain_log_ticks(ax) -> None:
    """Log-axis tick labels as plain text ("1e-03"): mathtext labels cost more than the rest of a frame."""
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-")))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _animate(fig, update, frames: int, *, interval: int, dpi: float, describe, label: str):
    """:func:`course_lib.plots.animation_html` with every frame described."""
    return animation_html(fig, update, frames, interval=interval, dpi=dpi, describe=describe, label=label)


def _layout(fig) -> None:
    """Fixed margins for two panels side by side (``tight_layout`` costs more than the drawing)."""
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.16, top=0.9, wspace=0.3)
_XLIM = 2.6


@lru_cache(maxsize=8)
def _parabola_runs(lrs: tuple, starts: tuple, steps: int):
    return run_trajectories(_PARABOLA, "sgd", starts=[[s] for s in starts], steps=steps, grid={"lr": list(lrs)})


def parabola_run(lr: float, start: float, steps: int = 20, *, lrs: Sequence[float] | None = None,
                 starts: Sequence[float] | None = None) -> dict:
    """Gradient descent on :math:`x^2` from ``start`` with learning rate ``lr``, by ``run_trajectories``.

    Returns ``{"x": (steps + 1,) iterates, "f": their values, "factor": 1 - 2 lr, "regime": ...}``.
    All runs of a widget's grid (``lrs`` × ``starts``) are computed at once and cached.
    """
    lrs = tuple(lrs) if lrs is not None else (lr,)
    starts = tuple(starts) if starts is not None else (start,)
    traj = _parabola_runs(lrs, starts, steps)
    i = [k for k, (s, lr_k) in enumerate(zip(traj.starts[:, 0], (st["lr"] for st in traj.settings)))
         if np.isclose(s, start) and np.isclose(lr_k, lr)][0]
    return {"x": traj.paths[i, :, 0].copy(), "f": traj.losses[i].copy(), "factor": 1 - 2 * lr,
            "regime": quadratic_regime(lr, 2.0)}


def draw_parabola_frame(fig, lr: float, start: float, run: dict | None = None, upto: int | None = None) -> dict:
    """Left: the steps on the curve :math:`x^2`; right: :math:`x_t` against :math:`t`. Returns the moving artists."""
    run = parabola_run(lr, start) if run is None else run
    ax1, ax2 = fig.subplots(1, 2)
    grid = np.linspace(-_XLIM, _XLIM, 200)
    ax1.plot(grid, grid**2, color="0.3", label="f(x) = x²")
    (on_curve,) = ax1.plot([], [], "-o", color="crimson", markersize=4, linewidth=1, alpha=0.85, label="iterates xₜ")
    x0 = run["x"][0]
    ax1.plot([x0], [x0**2], "s", color="k", markersize=6, label="start x₀")
    ax1.set_xlim(-_XLIM, _XLIM)
    ax1.set_ylim(-0.2, _XLIM**2)
    ax1.set_xlabel("x")
    ax1.set_ylabel("f(x)")
    ax1.set_title(f"η = {lr:g}, x₀ = {start:g}", fontsize="medium", y=1.0)
    ax1.legend(loc="upper center", fontsize="x-small")
    ax2.axhline(0, color="0.6", linewidth=0.8)
    (against_t,) = ax2.plot([], [], "-o", color="crimson", markersize=3, linewidth=1)
    ax2.set_ylim(-2.7, 2.7)
    ax2.set_xlim(-0.5, len(run["x"]) - 0.5)
    ax2.set_xlabel("step t")
    ax2.set_ylabel("xₜ")
    ax2.set_title(f"factor 1 − 2η = {run['factor']:+.2f}", fontsize="medium", y=1.0)
    ax2.text(0.97, 0.95, run["regime"], transform=ax2.transAxes, ha="right", va="top", fontsize="small",
             bbox={"facecolor": "white", "edgecolor": "0.7", "boxstyle": "round,pad=0.3"})
    _layout(fig)
    artists = {"run": run, "on_curve": on_curve, "against_t": against_t}
    _show_parabola_upto(artists, len(run["x"]) - 1 if upto is None else upto)
    return artists


def _show_parabola_upto(artists: dict, upto: int) -> None:
    xs = artists["run"]["x"][: upto + 1]
    shown = np.clip(xs, -_XLIM * 1.2, _XLIM * 1.2)
    artists["on_curve"].set_data(shown, shown**2)
    artists["against_t"].set_data(np.arange(len(xs)), np.clip(xs, -3, 3))


def describe_parabola(run: dict, lr: float, start: float, upto: int | None = None) -> str:
    """In words, what a frame of :func:`lr_widget` (or, with ``upto``, of :func:`parabola_animation`) shows."""
    x = run["x"]
    k = len(x) - 1 if upto is None else upto
    where = f"x = {x[k]:.3g}" if np.isfinite(x[k]) and abs(x[k]) < 1e6 else "x has left the plot"
    return (f"Gradient descent on f(x) = x², learning rate {lr:g}, from x₀ = {start:g}: each step multiplies x "
            f"by 1 − 2η = {run['factor']:+.2f}, so the iterates {_REGIMES[run['regime']]}; after {k} "
            f"step{'s' if k != 1 else ''} {where}.")


_REGIMES = {"monotone": "creep towards 0 from one side", "one step": "reach the minimum 0 in one step",
            "oscillates, converges": "overshoot, jumping from side to side, and converge",
            "bounces forever": "bounce between the same two points forever",
            "diverges": "overshoot further at every step and diverge"}


def lr_widget(lrs: Sequence[float] = LRS, starts: Sequence[float] = STARTS, *, steps: int = 20,
              figsize=(7, 3.2), dpi: float = 72) -> FrameWidget:
    """Learning rate × start point for gradient descent on :math:`x^2` (``w.result`` is :func:`parabola_run`)."""
    lrs, starts = tuple(lrs), tuple(starts)

    def compute(lr, start):
        return parabola_run(lr, start, steps, lrs=lrs, starts=starts)

    def describe(lr, start):
        return describe_parabola(compute(lr, start), lr, start)

    return frame_widget(
        lambda fig, lr, start: draw_parabola_frame(fig, lr, start, compute(lr, start)),
        [Control("lr", list(lrs), description="learning rate η", default=0.2 if 0.2 in lrs else None),
         Control("start", list(starts), description="start x₀", default=-1.0 if -1.0 in starts else None)],
        compute=compute, describe=describe, title="Gradient descent on f(x) = x²", figsize=figsize, dpi=dpi,
    )


def parabola_animation(lr: float = 0.9, start: float = -1.0, steps: int = 20, *, figsize=(7, 3.2), dpi: float = 72):
    """One run on :math:`x^2`, step by step, as a JavaScript animation (``steps + 1`` frames)."""
    fig = Figure(figsize=figsize)  # not pyplot: no second, idle draw per frame
    run = parabola_run(lr, start, steps)
    artists = draw_parabola_frame(fig, lr, start, run, upto=0)
    return _animate(fig, lambda i: _show_parabola_upto(artists, i), steps + 1, interval=300, dpi=dpi,
                    describe=lambda i: describe_parabola(run, lr, start, upto=i),
                    label=f"Animation: gradient descent on x² with learning rate {lr:g}, step by step")


# --- 2. learning rate and momentum on the linear-regression cost --------------------------------------

#: Learning rates η of :func:`momentum_widget` (plain descent diverges above 2/78.58 ≈ 0.0255 on the course data).
REG_LRS = (0.002, 0.005, 0.01, 0.02, 0.03)
#: Momenta β of :func:`momentum_widget`.
MOMENTA = (0.0, 0.5, 0.9, 0.99)


@lru_cache(maxsize=1)
def _course_line():
    x, y = noisy_line()
    return LinearRegressionMSE(x, y)


@lru_cache(maxsize=64)
def _regression_run(lr: float, momentum: float, tol: float, max_iters: int):
    return descend(_course_line(), (0.0, 0.0), lr=lr, momentum=momentum, tol=tol, max_iters=max_iters)


def regression_run(lr: float, momentum: float, *, tol: float = 1e-5, max_iters: int = 4000):
    """:func:`course_lib.gd.descend` on the course's 10-point line from (0, 0) (cached)."""
    return _regression_run(float(lr), float(momentum), float(tol), int(max_iters))


def _run_label(run, tol) -> str:
    if run.diverged:
        return f"diverged after {run.iterations} iterations"
    if run.converged:
        return f"{run.iterations} iterations to |Δθ| < {tol:g}"
    return f"not converged in {run.iterations} iterations"


def draw_regression_frame(fig, lr: float, momentum: float, run=None, *, tol: float = 1e-5, upto: int | None = None,
                          max_iters: int = 4000) -> None:
    """Left: the path on the cost's contour; right: the excess loss :math:`L - L^*` per iteration."""
    surface = _course_line()
    run = regression_run(lr, momentum, tol=tol, max_iters=max_iters) if run is None else run
    k = len(run.path) - 1 if upto is None else min(upto, len(run.path) - 1)
    ax1, ax2 = fig.subplots(1, 2)
    cost_contour(ax1, surface)
    p = run.path[: k + 1]
    ax1.plot(p[:, 0], p[:, 1], "-", color="crimson", linewidth=1.1)
    ax1.plot(p[:, 0], p[:, 1], "o", color="crimson", markersize=1.8)
    ax1.plot(*p[-1], "o", color="k", markersize=4)
    if run.diverged and upto is None:
        ax1.plot(*p[-1], "x", color="crimson", markersize=10, markeredgewidth=2)
    ax1.set_title(f"η = {lr:g}, β = {momentum:g}", fontsize="medium", y=1.0)
    excess = np.maximum(run.losses[: k + 1] - surface.minimum_value, 1e-16)
    ax2.plot(np.arange(k + 1), excess, color="crimson", linewidth=1.2)
    ax2.set_yscale("log")
    _plain_log_ticks(ax2)
    ax2.set_ylim(1e-11, 1e7)
    ax2.set_xlim(0, max(len(run.path) - 1, 10))
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("L(θ) − L*")
    ax2.set_title(_run_label(run, tol), fontsize="medium", y=1.0)
    _layout(fig)


def momentum_widget(lrs: Sequence[float] = REG_LRS, momenta: Sequence[float] = MOMENTA, *, tol: float = 1e-5,
                    max_iters: int = 4000, figsize=(7, 3.2), dpi: float = 72) -> FrameWidget:
    """Learning rate × momentum for batch descent on the course's line (``w.result`` is a ``DescentRun``)."""

    def compute(lr, momentum):
        return regression_run(lr, momentum, tol=tol, max_iters=max_iters)

    def describe(lr, momentum):
        return (f"Batch gradient descent on the linear-regression cost, learning rate η = {lr:g}, momentum "
                f"β = {momentum:g}: {_run_label(compute(lr, momentum), tol)}. Left: the path of (θ₀, θ₁) on the "
                "cost's contours towards the least-squares solution; right: the excess loss per iteration, log scale.")

    return frame_widget(
        lambda fig, lr, momentum: draw_regression_frame(fig, lr, momentum, compute(lr, momentum), tol=tol),
        [Control("lr", list(lrs), description="learning rate η", default=0.01 if 0.01 in lrs else None),
         Control("momentum", list(momenta), description="momentum β", default=0.0 if 0.0 in momenta else None)],
        compute=compute, describe=describe, title="Linear regression: learning rate and momentum",
        figsize=figsize, dpi=dpi,
    )


def regression_animation(lr: float = 0.01, momentum: float = 0.9, *, frames: int = 24, tol: float = 1e-5,
                         figsize=(7, 3.2), dpi: float = 72):
    """The fitted line and the path on the contour as iterations go by (frames spaced ever wider)."""
    x, y = noisy_line()
    surface = _course_line()
    run = regression_run(lr, momentum, tol=tol)
    ks = np.unique(np.round(np.geomspace(1, run.iterations + 1, frames)).astype(int) - 1)
    fig = Figure(figsize=figsize)  # not pyplot: no second, idle draw per frame
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(x, y, "o", color="0.4", markersize=4, label="data")
    xx = np.array([0.0, 11.0])
    (line,) = ax1.plot([], [], color="crimson", label="θ₀ + θ₁x")
    ax1.set_xlim(0, 11)
    ax1.set_ylim(-2, 30)
    ax1.set_xlabel("x")
    ax1.set_ylabel("y")
    ax1.legend(loc="upper left", fontsize="small")
    cost_contour(ax2, surface)
    (path,) = ax2.plot([], [], "-", color="crimson", linewidth=1)
    (point,) = ax2.plot([], [], "o", color="k", markersize=4)
    ax2.set_title(f"η = {lr:g}, β = {momentum:g}", fontsize="medium", y=1.0)
    _layout(fig)

    def update(i):
        k = int(ks[i])
        theta = run.path[k]
        line.set_data(xx, theta[0] + theta[1] * xx)
        ax1.set_title(f"iteration {k}: θ = ({theta[0]:.3f}, {theta[1]:.3f})", fontsize="medium", y=1.0)
        path.set_data(run.path[: k + 1, 0], run.path[: k + 1, 1])
        point.set_data([theta[0]], [theta[1]])

    def describe(i):
        k = int(ks[i])
        t0, t1 = run.path[k]
        return (f"Iteration {k} of gradient descent with η = {lr:g}, β = {momentum:g}: the fitted line "
                f"y = {t0:.3f} + {t1:.3f}x through the ten data points (left) and the path of (θ₀, θ₁) so far "
                "on the cost's contours (right).")

    return _animate(fig, update, len(ks), interval=250, dpi=dpi, describe=describe,
                    label=f"Animation: linear regression by gradient descent with momentum {momentum:g}")


# --- 3. batch size ------------------------------------------------------------------------------------

#: Batch sizes of :func:`batch_size_widget` (powers of two up to the 256 points of the data).
BATCH_SIZES = (1, 4, 16, 64, 256)
#: Learning rates of :func:`batch_size_widget`.
BATCH_LRS = (0.002, 0.01, 0.02)
#: The (θ0, θ1) window the mini-batch paths are drawn in.
BATCH_WINDOW = ((-0.8, 6.0), (-0.3, 4.5))
_BATCH_N, _BATCH_SEED = 256, 0


@lru_cache(maxsize=1)
def _batch_data():
    x, y = noisy_line(n=_BATCH_N, seed=_BATCH_SEED)
    return x, y, LinearRegressionMSE(x, y)


@lru_cache(maxsize=64)
def _batch_run(batch_size: int, lr: float, epochs: int, seed: int):
    x, y, _ = _batch_data()
    return minibatch_gd(x, y, lr=lr, batch_size=batch_size, epochs=epochs, seed=seed)


def batch_run(batch_size: int, lr: float, *, epochs: int = 30, seed: int = 0):
    """:func:`course_lib.gd.minibatch_gd` on 256 points of the noisy line (``noisy_line(n=256, seed=0)``), cached."""
    return _batch_run(int(batch_size), float(lr), int(epochs), int(seed))


def _thin(path: np.ndarray, most: int = 1500) -> np.ndarray:
    step = max(1, int(np.ceil(len(path) / most)))
    return path[::step] if (len(path) - 1) % step == 0 else np.vstack([path[::step], path[-1:]])


def draw_batch_frame(fig, batch_size: int, lr: float, run=None, *, epochs: int = 30, upto_epoch: int | None = None,
                     seed: int = 0) -> None:
    """Left: the path on the contour; right: the excess loss after each update, against epochs."""
    _, _, surface = _batch_data()
    run = batch_run(batch_size, lr, epochs=epochs, seed=seed) if run is None else run
    e = epochs if upto_epoch is None else upto_epoch
    last = e * run.updates_per_epoch
    ax1, ax2 = fig.subplots(1, 2)
    cost_contour(ax1, surface, BATCH_WINDOW)
    p = _thin(run.path[: last + 1])
    ax1.plot(p[:, 0], p[:, 1], "-", color="crimson", linewidth=0.8, alpha=0.9)
    ax1.plot(*p[-1], "o", color="k", markersize=4)
    kind = "BGD" if batch_size == len(surface.x) else "SGD" if batch_size == 1 else "MBGD"
    ax1.set_title(f"{kind}: batch size {batch_size}, η = {lr:g}", fontsize="medium", y=1.0)
    excess = np.maximum(run.update_losses[: last + 1] - surface.minimum_value, 1e-12)
    t = np.arange(len(excess)) / run.updates_per_epoch
    ax2.plot(t, excess, color="crimson", linewidth=0.6, alpha=0.6, label="after each update")
    ep = np.maximum(run.epoch_losses[: e + 1] - surface.minimum_value, 1e-12)
    ax2.plot(np.arange(e + 1), ep, "o-", color="k", markersize=2.5, linewidth=1, label="after each epoch")
    ax2.set_yscale("log")
    _plain_log_ticks(ax2)
    ax2.set_ylim(1e-6, 1e3)
    ax2.set_xlim(0, epochs)
    ax2.set_xlabel("epoch (passes over the 256 points)")
    ax2.set_ylabel("L(θ) − L*")
    ax2.set_title(f"{run.updates_per_epoch} updates per epoch", fontsize="medium", y=1.0)
    ax2.legend(loc="upper right", fontsize="x-small")
    _layout(fig)


def batch_size_widget(batch_sizes: Sequence[int] = BATCH_SIZES, lrs: Sequence[float] = BATCH_LRS, *,
                      epochs: int = 30, seed: int = 0, figsize=(7, 3.2), dpi: float = 72) -> FrameWidget:
    """Batch size × learning rate for mini-batch descent on 256 points (``w.result`` is a ``MinibatchRun``)."""

    def compute(batch_size, lr):
        return batch_run(batch_size, lr, epochs=epochs, seed=seed)

    def describe(batch_size, lr):
        run = compute(batch_size, lr)
        _, _, surface = _batch_data()
        kind = "Batch" if batch_size == len(surface.x) else "Stochastic" if batch_size == 1 else "Mini-batch"
        gap = run.epoch_losses[-1] - surface.minimum_value
        return (f"{kind} gradient descent on 256 points, batch size {batch_size}, learning rate η = {lr:g}: "
                f"{run.updates_per_epoch} updates per epoch; after {epochs} epochs the loss is {gap:.2g} above "
                "its minimum. Left: the path on the cost's contours; right: the excess loss after each update "
                "and each epoch.")

    return frame_widget(
        lambda fig, batch_size, lr: draw_batch_frame(fig, batch_size, lr, compute(batch_size, lr), epochs=epochs,
                                                     seed=seed),
        [Control("batch_size", list(batch_sizes), description="batch size B", fmt="{:d}",
                 default=16 if 16 in batch_sizes else None),
         Control("lr", list(lrs), description="learning rate η", default=0.01 if 0.01 in lrs else None)],
        compute=compute, describe=describe, title="Batch, mini-batch and stochastic gradient descent",
        figsize=figsize, dpi=dpi,
    )


def batch_animation(sizes: Sequence[int] = (1, 16, 256), lr: float = 0.01, *, epochs: int = 20, seed: int = 0,
                    figsize=(7, 3.2), dpi: float = 72):
    """SGD, mini-batch and batch descent side by side on the contour, one frame per epoch (``epochs + 1`` frames)."""
    _, _, surface = _batch_data()
    runs = [batch_run(b, lr, epochs=epochs, seed=seed) for b in sizes]
    fig = Figure(figsize=figsize)  # not pyplot: no second, idle draw per frame
    ax1, ax2 = fig.subplots(1, 2)
    cost_contour(ax1, surface, BATCH_WINDOW)
    moving = []
    for k, b in enumerate(sizes):
        (p,) = ax1.plot([], [], "-", color=COLORS[k], linewidth=0.8, label=f"B = {b}")
        (dot,) = ax1.plot([], [], "o", color=COLORS[k], markersize=4)
        (loss,) = ax2.plot([], [], "o-", color=COLORS[k], markersize=2.5, linewidth=1, label=f"B = {b}")
        moving.append((p, dot, loss))
    ax1.legend(loc="lower right", fontsize="x-small")
    ax2.set_yscale("log")
    _plain_log_ticks(ax2)
    ax2.set_ylim(1e-6, 1e3)
    ax2.set_xlim(0, epochs)
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("L(θ) − L*")
    ax2.legend(loc="upper right", fontsize="x-small")
    _layout(fig)

    def update(e):
        for (p, dot, loss), run in zip(moving, runs):
            path = _thin(run.path[: e * run.updates_per_epoch + 1], 600)
            p.set_data(path[:, 0], path[:, 1])
            dot.set_data(path[-1:, 0], path[-1:, 1])
            ep = np.maximum(run.epoch_losses[: e + 1] - surface.minimum_value, 1e-12)
            loss.set_data(np.arange(e + 1), ep)
        ax1.set_title(f"after {e} epoch{'' if e == 1 else 's'}", fontsize="medium", y=1.0)

    def describe(e):
        gaps = ", ".join(f"B = {b}: {max(r.epoch_losses[e] - surface.minimum_value, 0):.2g}"
                         for b, r in zip(sizes, runs))
        return (f"After {e} epoch{'' if e == 1 else 's'} at learning rate {lr:g}: the paths of batch sizes "
                f"{', '.join(map(str, sizes))} on the cost's contours, and the loss above its minimum ({gaps}).")

    return _animate(fig, update, epochs + 1, interval=300, dpi=dpi, describe=describe,
                    label="Animation: stochastic, mini-batch and batch gradient descent, epoch by epoch")
