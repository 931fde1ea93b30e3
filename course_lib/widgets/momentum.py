"""Widgets and animations of the chapter *Momentum and Nesterov*, on :mod:`course_lib.widgets.frames`.

- :func:`pitted_widget`: a ball rolling down :class:`~course_lib.surfaces.PittedCurve`, a slider
  for the momentum (plain gradient descent stops in a pit, enough momentum rolls through);
- :func:`ravine_widget`: plain GD, heavy-ball momentum and Nesterov on the
  :class:`~course_lib.surfaces.Ravine`, with a dropdown and sliders for the step and the momentum;
- :func:`rate_map_widget`: the measured convergence rate over the (step, momentum) plane for a
  ravine of adjustable condition number, with the theory's optimum marked;
- :func:`rolling_ball_animation`, :func:`ravine_animation`: JavaScript animations that play on
  the static website.

Every number comes from :func:`course_lib.optim.run_trajectories` and :mod:`course_lib.rates`;
this module only draws. Each builder's ``compute`` returns what a frame shows (``w.result``).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from course_lib import plots, rates
from course_lib.optim import run_trajectories
from course_lib.surfaces import PittedCurve, Ravine
from course_lib.widgets.frames import Control, FrameWidget, frame_widget

__all__ = [
    "PITTED_MOMENTA", "RAVINE_LRS", "RAVINE_MOMENTA", "OPTIMIZERS", "MAP_KAPPAS", "MAP_METHODS",
    "pitted_run", "pitted_widget", "ravine_run", "ravine_widget", "map_steps", "map_grid", "rate_map_data",
    "rate_map_widget",
    "rolling_ball_animation", "ravine_animation", "describe_pitted", "describe_ravine", "describe_rate_map",
]

FIGSIZE = (7.0, 3.2)
PITTED_MOMENTA = (0.0, 0.2, 0.4, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
RAVINE_LRS = (0.2, 0.3, 0.4, 0.5, 0.6)
RAVINE_MOMENTA = (0.5, 0.7, 0.9)
#: dropdown label -> the rule of :func:`~course_lib.optim.run_trajectories`
OPTIMIZERS = {"plain GD": "sgd", "momentum": "momentum", "Nesterov": "nesterov"}
MAP_KAPPAS = (5.0, 20.0, 100.0, 1000.0)
MAP_METHODS = {"heavy ball (momentum)": "momentum", "Nesterov": "nesterov"}
RULE_COLORS = {"sgd": "#1f77b4", "momentum": "#d62728", "nesterov": "#2ca02c"}


# --------------------------------------------------------------------------- the pitted curve


def pitted_run(momentum: float, lr: float = 0.1, steps: int = 150, surface: PittedCurve | None = None) -> dict:
    """One run of SGD with ``momentum`` (torch's form) on the pitted curve from x = -5.

    Returns ``{"x": (steps + 1,) positions, "loss": (steps + 1,) values, "final": last x}``.
    """
    surface = surface or PittedCurve()
    res = run_trajectories(surface, "momentum", None, steps, lr=lr, momentum=float(momentum))
    x = res.paths[0, :, 0]
    return {"x": x, "loss": res.losses[0], "final": float(x[-1])}


def _draw_pitted(fig, momentum: float, lr: float, steps: int) -> None:
    surface = PittedCurve()
    run = pitted_run(momentum, lr, steps, surface)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    plots.curve(surface, ax1, label="$f(x)$")
    plots.path_1d(surface, run["x"], ax1, color=RULE_COLORS["momentum"], label="iterates", markersize=3)
    ax1.plot(run["x"][0], surface.value([run["x"][0]]).item(), "s", color="0.2", ms=7, label="start")
    ax1.plot(run["final"], surface.value([run["final"]]).item(), "o", color="gold", mec="k", ms=9,
             label=f"end: x = {run['final']:.2f}")
    ax1.set_ylim(-0.1, 3.3)
    ax1.set_title(f"momentum {momentum:g}, lr {lr:g}")
    ax1.legend(loc="upper center", fontsize="x-small")
    ax2.axhline(0, color="crimson", lw=0.8, ls="--", label="global minimum")
    ax2.axhline(-1.8701, color="0.5", lw=0.8, ls=":", label="first pit")
    ax2.plot(run["x"], color=RULE_COLORS["momentum"], lw=1.5)
    ax2.set_ylim(-5.5, 3.0)
    ax2.set_xlabel("step")
    ax2.set_ylabel("position $x$")
    ax2.set_title("position against steps")
    ax2.legend(loc="lower right", fontsize="x-small")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.3)


def _where_on_pitted(x: float) -> str:
    x = 0.0 if abs(x) < 0.005 else x  # no "-0.00"
    if abs(x) < 0.5:
        return f"reaches the global minimum (x = {x:.2f})"
    if abs(x + 1.8701) < 0.5:
        return f"stops in the first pit (x = {x:.2f})"
    return f"ends at x = {x:.2f}, in neither the first pit nor the global minimum"


def describe_pitted(run: dict, momentum: float, lr: float, upto: int | None = None) -> str:
    """In words, what a frame of :func:`pitted_widget` shows."""
    return (f"Gradient descent with momentum {momentum:g} and learning rate {lr:g} on a curve with pits, from "
            f"x = {run['x'][0]:g}: after {len(run['x']) - 1} steps the ball {_where_on_pitted(run['final'])}. "
            "Right: its position against the step.")


def pitted_widget(momenta: Sequence[float] = PITTED_MOMENTA, lr: float = 0.1, steps: int = 150) -> FrameWidget:
    """The ball on the pitted curve for each momentum of ``momenta`` (a slider)."""
    momenta = [float(m) for m in momenta]
    return frame_widget(
        lambda fig, momentum: _draw_pitted(fig, momentum, lr, steps),
        [Control("momentum", momenta, description="momentum")],
        compute=lambda momentum: pitted_run(momentum, lr, steps),
        describe=lambda momentum: describe_pitted(pitted_run(momentum, lr, steps), momentum, lr),
        title="A ball with momentum on a curve with pits",
        figsize=FIGSIZE,
    )


# --------------------------------------------------------------------------- the ravine


def ravine_run(optimizer: str, lr: float, momentum: float, steps: int = 60, kappa: float = 20.0) -> dict:
    """One run on :class:`~course_lib.surfaces.Ravine` from (-5, -2).

    ``optimizer`` is a key of :data:`OPTIMIZERS` ("plain GD" ignores ``momentum``). Returns
    ``{"path": (steps + 1, 2), "loss": (steps + 1,), "diverged_at": step or -1, "rule": ...}``
    (NaN after a divergence).
    """
    rule = OPTIMIZERS[optimizer]
    kw = {} if rule == "sgd" else {"momentum": float(momentum)}
    res = run_trajectories(Ravine(kappa=kappa), rule, None, steps, lr=float(lr), **kw)
    return {"path": res.paths[0], "loss": res.losses[0], "diverged_at": int(res.diverged_at[0]), "rule": rule}


def _draw_ravine(fig, optimizer: str, lr: float, momentum: float, steps: int) -> None:
    surface = Ravine()
    run = ravine_run(optimizer, lr, momentum, steps)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    plots.contour(surface, ax1, levels=np.geomspace(0.01, 30, 14))
    color = RULE_COLORS[run["rule"]]
    path = run["path"]
    finite = path[np.isfinite(path).all(axis=1)]
    (x0, x1), (y0, y1) = surface.window
    outside = np.flatnonzero((finite[:, 0] < x0) | (finite[:, 0] > x1) | (finite[:, 1] < y0) | (finite[:, 1] > y1))
    shown = finite[: outside[0] + 1] if len(outside) else finite  # up to the first iterate off the map
    ax1.plot(shown[:, 0], shown[:, 1], "-o", color=color, ms=2.5, lw=1.1)
    ax1.plot(*shown[0], "s", color="0.2", ms=6)
    if len(outside):
        ax1.text(0.5, 0.03, f"leaves the map at step {outside[0]}", transform=ax1.transAxes, ha="center",
                 fontsize="small", color="crimson", bbox={"fc": "w", "ec": "none", "alpha": 0.8})
    what = optimizer if run["rule"] == "sgd" else f"{optimizer} {momentum:g}"
    ax1.set_title(f"{what}, lr {lr:g}", fontsize="medium")
    loss = run["loss"]
    ax2.plot(np.arange(len(loss)), loss, color=color, lw=1.5)
    ax2.set_yscale("log")
    ax2.set_ylim(1e-8, 1e3)
    ax2.yaxis.set_major_locator(FixedLocator([1e-8, 1e-6, 1e-4, 1e-2, 1.0, 1e2]))
    # log-axis minor ticks and mathtext labels would cost more than the rest of the frame
    ax2.yaxis.set_minor_locator(NullLocator())
    ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "1" if v == 1 else f"1e{round(np.log10(v))}"))
    ax2.set_xlim(0, steps)
    ax2.set_xlabel("step")
    ax2.set_ylabel("loss $f$")
    if run["diverged_at"] >= 0:
        ax2.set_title(f"diverged at step {run['diverged_at']}", fontsize="medium", color="crimson")
    else:
        below = np.flatnonzero(loss <= 1e-3)
        note = f"loss < 1e-3 at step {below[0]}" if len(below) else f"loss {loss[-1]:.2g} after {steps} steps"
        ax2.set_title(note, fontsize="medium")
    if run["rule"] == "sgd":
        ax2.text(0.98, 0.95, "(plain GD: momentum unused)", transform=ax2.transAxes, ha="right", va="top",
                 fontsize="x-small", color="0.4")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.3)


def _ravine_outcome(run: dict) -> str:
    loss = run["loss"]
    if run["diverged_at"] >= 0:
        return f"diverges at step {run['diverged_at']}"
    below = np.flatnonzero(loss <= 1e-3)
    if len(below):
        return f"the loss falls below 1e-3 at step {below[0]}"
    return f"the loss is still {loss[-1]:.2g} after {len(loss) - 1} steps"


def describe_ravine(run: dict, optimizer: str, lr: float, momentum: float) -> str:
    """In words, what a frame of :func:`ravine_widget` shows."""
    what = optimizer if run["rule"] == "sgd" else f"{optimizer} {momentum:g}"
    return (f"{what}, learning rate {lr:g}, on the ravine 0.1x² + 2y² from (−5, −2): {_ravine_outcome(run)}. "
            "Left: the path on the contours; right: the loss against the step, log scale.")


def ravine_widget(lrs: Sequence[float] = RAVINE_LRS, momenta: Sequence[float] = RAVINE_MOMENTA,
                  optimizers: Sequence[str] = tuple(OPTIMIZERS), steps: int = 60) -> FrameWidget:
    """Plain GD, momentum and Nesterov on the ravine 0.1x² + 2y²: a dropdown, a step slider, a momentum slider."""
    for name in optimizers:
        if name not in OPTIMIZERS:
            raise ValueError(f"Invalid optimizer: {name!r} (expected one of {list(OPTIMIZERS)})")
    return frame_widget(
        lambda fig, optimizer, lr, momentum: _draw_ravine(fig, optimizer, lr, momentum, steps),
        [Control("optimizer", list(optimizers), kind="dropdown", default="momentum" if "momentum" in optimizers
                 else None),
         Control("lr", [float(v) for v in lrs], description="learning rate"),
         Control("momentum", [float(v) for v in momenta], description="momentum")],
        compute=lambda optimizer, lr, momentum: ravine_run(optimizer, lr, momentum, steps),
        describe=lambda optimizer, lr, momentum: describe_ravine(ravine_run(optimizer, lr, momentum, steps),
                                                                 optimizer, lr, momentum),
        title="Down the ravine: plain GD, momentum, Nesterov",
        figsize=FIGSIZE,
    )


# --------------------------------------------------------------------------- the rate map


def map_steps(kappa: float) -> int:
    r"""Steps a rate-map run takes: about :math:`40\sqrt\kappa` (300 to 1500), enough to see the useful rates."""
    return int(min(1500, max(300, round(40 * np.sqrt(kappa)))))


def map_grid(L: float, n: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """The rate map's steps (``n`` evenly over ``(0, 4/L]``) and momenta (``n`` from 0 to 0.98, denser near 1)."""
    lrs = np.linspace(4.0 / L / n, 4.0 / L, n)
    momenta = 1.0 - np.geomspace(1.0, 0.02, n)
    return lrs, momenta


def rate_map_data(kappa: float, method: str, n: int = 30, steps: int | None = None) -> dict:
    """Measured and theoretical rates over ``n`` steps × ``n`` momenta on ``Ravine(kappa)`` (see :func:`map_grid`).

    ``method`` is a key of :data:`MAP_METHODS`; ``steps`` defaults to :func:`map_steps`. Returns
    ``lrs``, ``momenta``, ``measured`` and ``theory`` (``(n, n)``, row = momentum; ``inf`` =
    diverged), and the optima from the formulas: ``optimal`` ``(lr, momentum, rate)`` of this
    method, ``gd_optimal`` ``(lr, rate)`` of plain gradient descent.
    """
    rule = MAP_METHODS[method]
    surface = Ravine(kappa=float(kappa))
    mu, L = surface.curvatures
    steps = map_steps(kappa) if steps is None else steps
    lrs, momenta = map_grid(L, n)
    measured = rates.rate_map(surface, lrs, momenta, steps=steps, rule=rule)
    if rule == "momentum":
        theory = rates.heavy_ball_rate(lrs[None, :], momenta[:, None], [mu, L])
        optimal = rates.heavy_ball_optimal(L, mu)
    else:
        theory = rates.nesterov_rate(lrs[None, :], momenta[:, None], [mu, L])
        optimal = rates.nesterov_optimal(L, mu)
    return {"kappa": float(kappa), "method": method, "steps": steps, "lrs": lrs, "momenta": momenta,
            "measured": measured, "theory": theory, "optimal": optimal, "gd_optimal": rates.gd_optimal(L, mu)}


def _edges(centres: np.ndarray) -> np.ndarray:
    mid = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[centres[0] - (mid[0] - centres[0])], mid, [centres[-1] + (centres[-1] - mid[-1])]])


def _draw_rate_map(fig, kappa: float, method: str, n: int) -> None:
    d = rate_map_data(kappa, method, n)
    lrs, momenta = d["lrs"], d["momenta"]
    spd = rates.steps_per_digit(d["measured"])
    spd = np.ma.masked_invalid(np.where(np.isfinite(spd), np.maximum(spd, 1.0), np.nan))
    ax = fig.subplots()
    cmap = plt.get_cmap("viridis_r").with_extremes(bad="0.85")
    x_edges, y_edges = _edges(lrs), np.clip(_edges(momenta), 0.0, 1.0)
    mesh = ax.pcolormesh(x_edges, y_edges, spd, cmap=cmap, norm=LogNorm(vmin=1, vmax=3000), shading="flat")
    fig.colorbar(mesh, ax=ax, label="steps per digit (measured)")
    mu, L = Ravine(kappa=kappa).curvatures
    fine_l = np.linspace(x_edges[0], x_edges[-1], 200)
    fine_m = np.linspace(max(y_edges[0], 0.0), y_edges[-1], 200)
    theory_fn = rates.heavy_ball_rate if MAP_METHODS[method] == "momentum" else rates.nesterov_rate
    ax.contour(fine_l, fine_m, theory_fn(fine_l[None, :], fine_m[:, None], [mu, L]), levels=[1.0],
               colors="k", linewidths=1, linestyles="--")
    lr_opt, beta_opt, rate_opt = d["optimal"]
    lr_gd, rate_gd = d["gd_optimal"]
    ax.plot(lr_opt, beta_opt, "*", color="crimson", ms=15, mec="w",
            label=f"optimum (theory): rate {rate_opt:.3f}, {rates.steps_per_digit(rate_opt):.1f} steps/digit")
    ax.plot(lr_gd, 0.0, "o", color="w", mec="k", ms=8, clip_on=False,
            label=f"GD's best step (theory): rate {rate_gd:.3f}, {rates.steps_per_digit(rate_gd):.0f} steps/digit")
    finite = np.where(np.isfinite(d["measured"]), d["measured"], np.inf)
    i, j = np.unravel_index(np.argmin(finite), finite.shape)
    ax.plot(lrs[j], momenta[i], "+", color="k", ms=12, mew=2,
            label=f"fastest cell (measured): rate {finite[i, j]:.3f}")
    ax.set_xlim(x_edges[0], x_edges[-1])
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel(f"learning rate η   (L = {L:g}: plain GD needs η < {2 / L:.3g})")
    ax.set_ylabel("momentum β")
    ax.set_title(f"{method} on the ravine, κ = {kappa:g} ({d['steps']} steps per run)\n"
                 "grey: no convergence; dashed: where the theory's rate reaches 1", fontsize="small")
    ax.legend(loc="lower left", fontsize="x-small", framealpha=0.85, frameon=True)
    fig.subplots_adjust(left=0.1, right=1.0, bottom=0.12, top=0.88)


def describe_rate_map(d: dict) -> str:
    """In words, what a frame of :func:`rate_map_widget` shows (``d`` from :func:`rate_map_data`)."""
    lr_opt, beta_opt, rate_opt = d["optimal"]
    _, rate_gd = d["gd_optimal"]
    finite = np.where(np.isfinite(d["measured"]), d["measured"], np.inf)
    share = float(np.mean(d["measured"] < 1))
    return (f"Heat map of the measured convergence rate of {d['method']} on the ravine with condition number "
            f"κ = {d['kappa']:g}, over learning rate × momentum: {share:.0%} of the cells converge. The theory's "
            f"optimum is learning rate {lr_opt:.3g}, momentum {beta_opt:.3g}, rate {rate_opt:.3f}; the fastest "
            f"measured cell reaches {finite.min():.3f}; plain gradient descent's best rate is {rate_gd:.3f}.")


def rate_map_widget(kappas: Sequence[float] = MAP_KAPPAS, methods: Sequence[str] = tuple(MAP_METHODS),
                    n: int = 30) -> FrameWidget:
    """A heat map of the measured rate over (step, momentum), with κ and the method as controls."""
    for name in methods:
        if name not in MAP_METHODS:
            raise ValueError(f"Invalid method: {name!r} (expected one of {list(MAP_METHODS)})")
    return frame_widget(
        lambda fig, kappa, method: _draw_rate_map(fig, kappa, method, n),
        [Control("kappa", [float(k) for k in kappas], description="condition number κ"),
         Control("method", list(methods), kind="dropdown")],
        compute=lambda kappa, method: rate_map_data(kappa, method, n),
        describe=lambda kappa, method: describe_rate_map(rate_map_data(kappa, method, n)),
        title="How fast? The measured rate over the (step, momentum) plane",
        figsize=(7.0, 4.2),
    )


# --------------------------------------------------------------------------- animations


def rolling_ball_animation(momenta: Sequence[float] = (0.0, 0.9), lr: float = 0.1, steps: int = 120,
                           frames: int = 31):
    """Balls rolling down the pitted curve, one per momentum, as an HTML/JavaScript animation."""
    surface = PittedCurve()
    runs = [pitted_run(m, lr, steps, surface) for m in momenta]
    fig, ax = plt.subplots(figsize=(5.6, 2.6))
    plots.curve(surface, ax, label="$f(x)$")
    ax.set_ylim(-0.1, 3.3)
    colors = [RULE_COLORS["sgd"], RULE_COLORS["momentum"], RULE_COLORS["nesterov"], "#9467bd"]
    balls, trails = [], []
    for k, (m, run) in enumerate(zip(momenta, runs)):
        c = colors[k % len(colors)]
        (trail,) = ax.plot([], [], "-", color=c, lw=1, alpha=0.5)
        (ball,) = ax.plot([], [], "o", color=c, ms=11, mec="k", label=f"momentum {m:g}")
        balls.append((ball, run))
        trails.append(trail)
    ax.legend(loc="upper center", fontsize="small")
    title = ax.set_title("step 0")
    fig.tight_layout()
    at = np.linspace(0, steps, frames).round().astype(int)

    def update(i):
        t = at[i]
        for (ball, run), trail in zip(balls, trails):
            xs = run["x"][: t + 1]
            ball.set_data([xs[-1]], [surface.value([xs[-1]]).item()])
            trail.set_data(xs, surface.value(xs[:, None]).numpy())
        title.set_text(f"step {t}")
        return balls

    def describe(i):
        t = at[i]
        where = "; ".join(f"momentum {m:g}: x = {run['x'][t]:.2f}" for m, run in zip(momenta, runs))
        return f"Balls rolling down a curve with pits, step {t} of {steps} ({where})."

    return plots.animation_html(fig, update, frames, interval=150, describe=describe,
                                label="Animation: balls with momentum " + " and ".join(f"{m:g}" for m in momenta)
                                + " rolling down a curve with pits")


def ravine_animation(runs: Sequence[tuple[str, float, float]] = (("plain GD", 0.4, 0.0), ("momentum", 0.4, 0.7),
                                                                  ("Nesterov", 0.2, 0.7)),
                     steps: int = 29):
    """Several optimizers walking down the ravine together, one frame per step (``steps + 1`` frames)."""
    surface = Ravine()
    data = [ravine_run(name, lr, m, steps) for name, lr, m in runs]
    fig, ax = plt.subplots(figsize=(5.6, 2.8))
    X, Y, Z = surface.grid(120)
    ax.contour(X, Y, Z, levels=np.geomspace(0.01, 30, 12), colors="0.7", linewidths=0.7)
    ax.plot(*surface.minimum, "*", color="crimson", ms=11)
    ax.set_xlim(*surface.window[0])
    ax.set_ylim(*surface.window[1])
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    lines = []
    for (name, lr, m), d in zip(runs, data):
        label = f"{name}, lr {lr:g}" + ("" if d["rule"] == "sgd" else f", momentum {m:g}")
        (line,) = ax.plot([], [], "-o", color=RULE_COLORS[d["rule"]], ms=3, lw=1.2, label=label)
        lines.append((line, d["path"]))
    ax.legend(loc="lower right", fontsize="x-small", frameon=True, framealpha=0.8)
    title = ax.set_title("ravine $0.1x^2 + 2y^2$: step 0")
    fig.tight_layout()

    def update(i):
        for line, path in lines:
            line.set_data(path[: i + 1, 0], path[: i + 1, 1])
        title.set_text(f"ravine $0.1x^2 + 2y^2$: step {i}")
        return [line for line, _ in lines]

    def describe(i):
        where = "; ".join(f"{name}: ({d['path'][i, 0]:.2f}, {d['path'][i, 1]:.2f})"
                          if np.isfinite(d["path"][i]).all() else f"{name}: diverged"
                          for (name, _, _), d in zip(runs, data))
        return f"Optimizers walking down the ravine 0.1x² + 2y² towards (0, 0), step {i} ({where})."

    return plots.animation_html(fig, update, steps + 1, interval=200, describe=describe,
                                label="Animation: " + ", ".join(name for name, _, _ in runs) + " down the ravine")
