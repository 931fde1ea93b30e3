r"""The optimizer race of the chapter on adaptive learning rates (``book/06_adaptive.ipynb``).

- :func:`tune`: an optimizer's learning rate (and its :math:`\beta`: momentum's, Adam's :math:`\beta_1`) tuned on
  a grid for one surface: the fewest steps until the gap to the minimum stays below :data:`TOL`, among the
  runs that stay inside the plotted window;
- :func:`race_run`: one optimizer at a multiple of its tuned rate: path, loss, gap, the step it settles;
- :func:`optimizer_race`: the widget: a surface, and one layer per optimizer, each with its own on/off
  switch, learning rate and (momentum, Adam, AMSGrad) :math:`\beta`, laid over one background
  (:class:`course_lib.widgets.frames.LayeredWidget`: the choices add up instead of multiplying);
- :func:`race_animation`: one race as a JavaScript animation that plays with no kernel.

Every run is :func:`course_lib.optim.run_trajectories` (torch's update rules), a whole grid of learning
rates in one batch; :func:`course_lib.training.settle_steps` scores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np

from course_lib.optim import Trajectories, run_trajectories
from course_lib.plots import animation_html, contour
from course_lib.plots.adaptive import SLOTS, draw_race_background, draw_race_layer
from course_lib.surfaces import Ravine, Rosenbrock, Saddle
from course_lib.training import settle_steps
from course_lib.widgets.frames import Control, Layer, LayeredWidget, layered_widget

__all__ = [
    "RACE_SURFACES", "RACE_STEPS", "RACE_RULES", "WIDGET_RULES", "FORMULAS", "NAMES", "COLOR", "TOL",
    "TUNE_LRS", "BETAS", "LR_SCALES", "BETA_NAME", "inside_window", "tune", "race_run", "describe_run",
    "optimizer_race", "race_animation",
]

#: The three surfaces of the race.
RACE_SURFACES = {"ravine": Ravine(), "Rosenbrock": Rosenbrock(), "saddle": Saddle()}
#: Their formulas, for titles and alt texts.
FORMULAS = {"ravine": "0.1x² + 2y²", "Rosenbrock": "(1 − x)² + 100(y − x²)²", "saddle": "x² − y² + y⁴/2"}
#: Steps of a race on each surface (the banana valley is long).
RACE_STEPS = {"ravine": 200, "Rosenbrock": 1000, "saddle": 200}
#: The optimizers of the race, in the order of their rows.
RACE_RULES = ("sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam", "amsgrad")
#: The optimizers of the race widget (AMSGrad follows Adam closely on these surfaces: the table shows it).
WIDGET_RULES = ("sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam")
#: Display names and colours, one per optimizer, the same in every figure.
NAMES = {"sgd": "SGD", "momentum": "momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
         "rmsprop": "RMSProp", "adadelta": "Adadelta", "adam": "Adam", "amsgrad": "AMSGrad"}
COLOR = {"sgd": "#7f7f7f", "momentum": "#1f77b4", "nesterov": "#17becf", "adagrad": "#2ca02c",
         "rmsprop": "#ff7f0e", "adadelta": "#8c564b", "adam": "#d62728", "amsgrad": "#9467bd"}
COLOR_NAMES = {"sgd": "grey", "momentum": "blue", "nesterov": "cyan", "adagrad": "green", "rmsprop": "orange",
               "adadelta": "brown", "adam": "red", "amsgrad": "purple"}
#: A run has arrived when the gap f - min f stays below this to the end of the run.
TOL = 1e-6
#: The learning rates tuned over: 49 rates from 1e-4 to 1e2, a factor 10^(1/8) = 1.33 apart.
TUNE_LRS = tuple(float(10 ** (k / 8)) for k in range(-32, 17))
#: The values of beta tuned over, and offered by the widget: momentum's beta, Adam's and AMSGrad's beta_1.
BETAS = (0.2, 0.4, 0.6, 0.9, 0.95)
#: Which optimizers have a beta, and what it is called.
BETA_NAME = {"momentum": "β", "nesterov": "β", "adam": "β₁", "amsgrad": "β₁"}
#: The widget's learning rates: multiples of the tuned rate.
LR_SCALES = (0.25, 0.5, 1.0, 2.0, 4.0)


def _surface(name: str):
    if name not in RACE_SURFACES:
        raise ValueError(f"Invalid surface: {name!r} (expected one of {list(RACE_SURFACES)})")
    return RACE_SURFACES[name]


def _hyper(rule: str, beta: float | None) -> dict:
    if rule not in NAMES:
        raise ValueError(f"Invalid rule: {rule!r} (expected one of {list(NAMES)})")
    if rule not in BETA_NAME:
        if beta is not None:
            raise ValueError(f"Invalid beta for {rule}: {beta!r} ({NAMES[rule]} has no beta)")
        return {}
    if beta is None:
        raise ValueError(f"{NAMES[rule]} needs a beta (one of {BETAS})")
    return {"momentum": float(beta)} if rule in ("momentum", "nesterov") else {"betas": (float(beta), 0.999)}


def inside_window(paths: np.ndarray, window) -> np.ndarray:
    """For each run of ``paths`` ``(runs, steps + 1, 2)``: whether every point is finite and inside ``window``."""
    paths = np.asarray(paths, dtype=np.float64)
    (x0, x1), (y0, y1) = window
    with np.errstate(invalid="ignore"):
        ok = (paths[..., 0] >= x0) & (paths[..., 0] <= x1) & (paths[..., 1] >= y0) & (paths[..., 1] <= y1)
    return ok.all(axis=1)


@lru_cache(maxsize=256)
def _runs(surface: str, rule: str, lrs: tuple, beta: float | None, steps: int) -> Trajectories:
    return run_trajectories(_surface(surface), rule, steps=steps, grid={"lr": list(lrs)}, **_hyper(rule, beta))


def _steps(surface: str, steps: int | None) -> int:
    _surface(surface)
    return RACE_STEPS[surface] if steps is None else int(steps)


@lru_cache(maxsize=256)
def _tune_one(surface: str, rule: str, beta: float | None, steps: int) -> dict:
    s = _surface(surface)
    runs = _runs(surface, rule, TUNE_LRS, beta, steps)
    low = s.minimum_value
    settle = settle_steps(runs.losses, TOL, low)
    inside = inside_window(runs.paths, s.window)
    final = np.where(inside, np.nan_to_num(runs.losses[:, -1] - low, nan=np.inf), np.inf)
    ok = (settle >= 0) & inside
    if ok.any():
        i = int(np.argmin(np.where(ok, settle, np.iinfo(np.int64).max)))
    else:
        i = int(np.argmin(final))
    return {"rule": rule, "lr": TUNE_LRS[i], "beta": beta, "steps": int(settle[i]) if ok[i] else -1,
            "final_gap": float(runs.losses[i, -1] - low)}


def tune(surface: str, rule: str, beta: float | None = None, steps: int | None = None) -> dict:
    r"""The best learning rate of :data:`TUNE_LRS` for ``rule`` on ``surface`` (and the best :math:`\beta` of
    :data:`BETAS` unless ``beta`` is given, for the optimizers that have one).

    Best: the fewest steps until the gap :math:`f - \min f` stays below :data:`TOL` to the end of the run
    (:func:`course_lib.training.settle_steps`), among the runs that stay inside the surface's plotted window
    (a first step that throws the point far away is not a strategy); if none gets there, the lowest final gap.
    Ties go to the smaller rate, then the smaller beta. Returns ``{"rule", "lr", "beta", "steps" (-1: never),
    "final_gap"}``.
    """
    steps = _steps(surface, steps)
    if rule in BETA_NAME and beta is None:
        best = [_tune_one(surface, rule, float(b), steps) for b in BETAS]
        return dict(min(best, key=lambda r: (r["steps"] < 0, r["steps"] if r["steps"] >= 0 else r["final_gap"])))
    _hyper(rule, beta)  # a clear error for an unknown rule, or a beta where there is none
    return dict(_tune_one(surface, rule, None if beta is None else float(beta), steps))


def race_run(surface: str, rule: str, scale: float = 1.0, beta: float | None = None,
             steps: int | None = None) -> dict:
    r"""``rule`` on ``surface`` at ``scale`` times its tuned learning rate (tuned for this ``beta``).

    ``beta`` defaults to the best one (:func:`tune`). Returns ``lr``, ``beta``, ``scale``, ``path``
    ``(steps + 1, 2)``, ``loss`` and ``gap`` ``(steps + 1,)`` (NaN after a divergence), ``diverged``,
    ``diverged_at`` (-1: never), ``inside`` (never left the window), ``settle`` (the step from which the gap
    stays below :data:`TOL`, -1: never) and ``final_gap``. The runs of every scale of :data:`LR_SCALES` are one
    cached batch.
    """
    steps = _steps(surface, steps)
    s = _surface(surface)
    if rule in BETA_NAME and beta is None:
        beta = tune(surface, rule, steps=steps)["beta"]
    base = tune(surface, rule, beta, steps)["lr"]
    scales = LR_SCALES if any(np.isclose(scale, x) for x in LR_SCALES) else (float(scale),)
    row = int(np.argmin([abs(scale - x) for x in scales]))
    runs = _runs(surface, rule, tuple(base * x for x in scales), None if beta is None else float(beta), steps)
    low = s.minimum_value
    gap = runs.losses[row] - low
    return {"rule": rule, "lr": runs.settings[row]["lr"], "beta": beta, "scale": float(scale),
            "path": runs.paths[row].copy(), "loss": runs.losses[row].copy(), "gap": gap,
            "diverged": bool(runs.diverged[row]), "diverged_at": int(runs.diverged_at[row]),
            "inside": bool(inside_window(runs.paths[row:row + 1], s.window)[0]),
            "settle": int(settle_steps(runs.losses[row:row + 1], TOL, low)[0]), "final_gap": float(gap[-1])}


def _setting(r: dict) -> str:
    beta = "" if r["beta"] is None else f", {BETA_NAME[r['rule']]} {r['beta']:g}"
    return f"η {r['lr']:.3g}{beta}"


def _outcome(r: dict) -> str:
    if r["diverged"]:
        return f"diverges at step {r['diverged_at']}"
    left = "" if r["inside"] else "leaves the window, then "
    if r["settle"] >= 0:
        return f"{left}stays below 1e-6 from step {r['settle']}"
    gap = r["final_gap"]
    return f"{left}ends {gap:.1e} above the minimum" if gap > 0 else f"{left}ends at the minimum"


def describe_run(r: dict, surface: str) -> str:
    """In words, one optimizer's layer of the race: its setting and what its run does (the layer's alt text)."""
    steps = len(r["gap"]) - 1
    beta = "" if r["beta"] is None else f", {BETA_NAME[r['rule']]} = {r['beta']:g}"
    times = "its tuned rate" if r["scale"] == 1 else f"{r['scale']:g} × its tuned rate"
    path = r["path"][np.isfinite(r["path"]).all(axis=1)][-1]
    return (f"{NAMES[r['rule']]} on the {surface}, learning rate {r['lr']:.3g} ({times}{beta}), "
            f"{COLOR_NAMES[r['rule']]}: the gap to the minimum {_outcome(r)} (of {steps} steps); "
            f"its path ends at ({path[0]:.2f}, {path[1]:.2f}).")


def _lines(r: dict) -> tuple[str, str]:
    if r["diverged"]:
        second = f"diverges at step {r['diverged_at']}"
    elif r["settle"] >= 0:
        second = f"< 1e-6 from step {r['settle']}"
    else:
        second = f"gap {r['final_gap']:.1e} at the end"
    if not r["inside"] and not r["diverged"]:
        second += " (left)"
    return f"{NAMES[r['rule']]}  {_setting(r)}", second


def _background(fig, surface: str, steps: int | None = None) -> None:
    draw_race_background(fig, _surface(surface), _steps(surface, steps),
                         title=f"{surface}: f = {FORMULAS[surface]}, {_steps(surface, steps)} steps",
                         log=surface == "Rosenbrock")


def _describe_background(surface: str, steps: int | None = None) -> str:
    s = _surface(surface)
    start = ", ".join(f"{v:g}" for v in s.start)
    low = ", ".join(f"{v:g}" for v in s.minimum)
    return (f"Optimizer race on the {surface} f = {FORMULAS[surface]}, {_steps(surface, steps)} steps. Left: its "
            f"contour lines, the start at ({start}) and the minimum at ({low}); right: axes for the gap f − min f "
            f"against the step, log scale from 1e-12 to 100, with a dashed line at 1e-6. Each optimizer switched "
            f"on adds its path, its gap curve and a line of text.")


def _layer(rule: str, slot: int, on: bool, steps: int | None, default_beta: float) -> Layer:
    controls = [Control(f"{rule}_lr", list(LR_SCALES), description=f"{NAMES[rule]} lr ×", default=1.0)]
    if rule in BETA_NAME:
        controls.append(Control(f"{rule}_beta", list(BETAS), description=f"{NAMES[rule]} {BETA_NAME[rule]}",
                                default=default_beta))

    def run(surface, **own):
        return race_run(surface, rule, own[f"{rule}_lr"], own.get(f"{rule}_beta"), steps)

    def draw(fig, surface, **own):
        r = run(surface, **own)
        draw_race_layer(fig, _surface(surface), _steps(surface, steps), r, slot=slot, color=COLOR[rule],
                        lines=_lines(r))

    return Layer(rule, draw, controls, describe=lambda surface, **own: describe_run(run(surface, **own), surface),
                 compute=run, label=NAMES[rule], on=on)


def optimizer_race(surfaces: Sequence[str] = tuple(RACE_SURFACES), rules: Sequence[str] = WIDGET_RULES, *,
                   on: Sequence[str] = ("momentum", "rmsprop", "adam"), beta: float = 0.9,
                   steps: int | None = None, figsize=(8.5, 3.4), dpi: float = 72) -> LayeredWidget:
    r"""The race: pick a surface; switch each optimizer on or off, set its learning rate (a multiple of the rate
    tuned for that surface and :math:`\beta`) and, for momentum, Adam and AMSGrad, :math:`\beta`
    (``beta`` at first). ``w.result``: :func:`race_run` of each optimizer switched on."""
    rules = list(rules)
    if not rules or len(rules) > SLOTS:
        raise ValueError(f"Invalid rules: {rules!r} (expected 1 to {SLOTS} optimizers)")
    for name in surfaces:
        _surface(name)
    for rule in rules:
        if rule not in NAMES:
            raise ValueError(f"Invalid rule: {rule!r} (expected one of {list(NAMES)})")
    if beta not in BETAS:
        raise ValueError(f"Invalid beta: {beta!r} (expected one of {BETAS})")
    layers = [_layer(rule, slot, rule in on, steps, beta) for slot, rule in enumerate(rules)]
    return layered_widget(
        lambda fig, surface: _background(fig, surface, steps),
        [Control("surface", list(surfaces), kind="dropdown")], layers,
        describe=lambda surface: _describe_background(surface, steps),
        title="Optimizer race", figsize=figsize, dpi=dpi)


def race_animation(surface: str = "saddle", rules: Sequence[str] = ("sgd", "momentum", "rmsprop", "adam"),
                   frames: int = 20, steps: int | None = None, figsize=(5, 3.4), dpi: float = 72):
    """The race of ``rules`` on ``surface`` at their tuned settings as a JavaScript animation: ``frames``
    snapshots of the paths."""
    steps = _steps(surface, steps)
    result = {rule: race_run(surface, rule, 1.0, None, steps) for rule in rules}
    fig, ax = plt.subplots(figsize=figsize)
    contour(_surface(surface), ax, levels=20, n=100, log=surface == "Rosenbrock")
    lines, dots = {}, {}
    for rule in rules:
        (lines[rule],) = ax.plot([], [], "-", color=COLOR[rule], linewidth=1.5,
                                 label=f"{NAMES[rule]} ({_setting(result[rule])})")
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

    def describe(i):
        k = int(marks[i])
        where = "; ".join(f"{NAMES[rule]} ({_setting(r)}) at ({r['path'][k, 0]:.2f}, {r['path'][k, 1]:.2f}), "
                          f"gap {r['gap'][k]:.1e}" for rule, r in result.items())
        return f"Optimizer race on the {surface} at tuned settings, step {k} of {steps}: {where}."

    fig.tight_layout()
    return animation_html(fig, update, frames, interval=150, dpi=dpi, describe=describe,
                          label=f"Animation: the optimizer race on the {surface} surface")
