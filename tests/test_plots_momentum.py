"""course_lib.plots.momentum: the chapter's static figures draw exactly the runs they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import rates  # noqa: E402
from course_lib.optim import run_trajectories  # noqa: E402
from course_lib.plots import momentum as P  # noqa: E402
from course_lib.surfaces import PittedCurve, Ravine  # noqa: E402


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_pitted_runs_draws_each_run_on_the_curve_and_against_steps():
    surface = PittedCurve()
    res = run_trajectories(surface, "momentum", [[-5.0]], 80, grid={"momentum": [0.0, 0.9]}, lr=0.1)
    runs = [("gd", res.paths[0, :, 0], P.BLUE), ("heavy", res.paths[1, :, 0], P.RED, "--")]
    fig = P.pitted_runs(surface, runs, shown=30)
    ax1, ax2 = fig.axes
    on_curve, against = _lines(ax1), _lines(ax2)
    for label, xs, *_ in runs:
        np.testing.assert_array_equal(on_curve[label].get_xdata(), xs[:31])
        np.testing.assert_allclose(on_curve[label].get_ydata(), surface.value(xs[:31, None]).numpy())
        np.testing.assert_array_equal(against[label].get_ydata(), xs)
    assert against["heavy"].get_linestyle() == "--"
    assert ax1.get_title() == "the first 30 iterates on the curve" and ax2.get_xlabel() == "step"
    plt.close(fig)


def test_ravine_runs_draws_paths_on_the_map_and_losses():
    surface = Ravine()
    ok = run_trajectories(surface, "momentum", None, 60, lr=0.4, momentum=0.7)
    bad = run_trajectories(surface, "sgd", None, 60, lr=0.6)
    fig = P.ravine_runs(surface, [("ok", ok.paths[0], ok.losses[0], P.RED),
                                  ("bad", bad.paths[0], bad.losses[0], P.BLUE, False)], shown=20)
    ax1, ax2 = fig.axes
    on_map, losses = _lines(ax1), _lines(ax2)
    np.testing.assert_array_equal(on_map["ok"].get_xdata(), ok.paths[0, :21, 0])
    assert "bad" not in on_map and losses["bad"].get_linestyle() == ":"
    np.testing.assert_array_equal(losses["ok"].get_ydata(), ok.losses[0])
    assert ax2.get_yscale() == "log"
    plt.close(fig)


def test_conditioning_costs_lines_are_the_formulas_and_dots_the_runs():
    fig = P.conditioning_costs([(100.0, 0.98, 0.82)], kappas=[10.0, 100.0])
    ax = fig.axes[0]
    lines = ax.get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), rates.steps_per_digit(np.array([9 / 11, 99 / 101])))
    root = np.sqrt([10.0, 100.0])
    np.testing.assert_allclose(lines[1].get_ydata(), rates.steps_per_digit((root - 1) / (root + 1)))
    assert lines[2].get_ydata()[0] == pytest.approx(rates.steps_per_digit(0.98))
    assert lines[3].get_ydata()[0] == pytest.approx(rates.steps_per_digit(0.82))
    plt.close(fig)


@pytest.mark.parametrize("call", [
    lambda: P.pitted_runs(PittedCurve(), []),
    lambda: P.ravine_runs(Ravine(), [("a", [[0, 0]], [1.0])]),
    lambda: P.conditioning_costs([(10.0, 0.5)]),
])
def test_bad_runs_are_refused_with_the_function_named(call):
    with pytest.raises(ValueError, match="pitted_runs|ravine_runs|conditioning_costs"):
        call()
