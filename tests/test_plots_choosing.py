"""course_lib.plots.choosing: the chapter's static figures draw exactly the runs they are given, within the
column's 8.5 inches."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import training  # noqa: E402
from course_lib.plots import choosing as pc  # noqa: E402
from course_lib.surfaces import Ravine, Rosenbrock, Saddle  # noqa: E402
from course_lib.training.fit import History  # noqa: E402

LRS = [0.03, 0.3]


def _h(losses):
    return History(train_loss=list(losses), valid_loss=list(losses), valid_accuracy=[0.9] * len(losses),
                   lr=[0.1] * len(losses))


@pytest.fixture(scope="module")
def race():
    surfaces = {"ravine": (Ravine(), 60), "Rosenbrock": (Rosenbrock(), 60), "saddle": (Saddle(), 60)}
    runs = {(s, n): training.best_steps(surf, training.RULE_NAMES[n], LRS, steps=steps, tol=1e-3)
            for s, (surf, steps) in surfaces.items() for n in ("SGD", "Adam")}
    return surfaces, runs


def test_race_paths_draw_each_best_run_two_panels_a_row(race):
    surfaces, runs = race
    fig = pc.race_paths_plot(surfaces, runs, LRS, ("SGD", "Adam"), title="the race")
    assert fig.get_figwidth() <= 8.5
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["ravine", "Rosenbrock", "saddle"]
    assert len(fig.axes) == 4 and fig.get_suptitle() == "the race" and len(fig.legends) == 1
    for ax, s in zip(visible, surfaces):
        lines = [ln for ln in ax.get_lines() if ln.get_color() in (pc.COLORS["SGD"], pc.COLORS["Adam"])]
        expected = []
        for n in ("SGD", "Adam"):
            r = runs[(s, n)]
            if r["lr"] is not None:
                expected.append(r["runs"].paths[LRS.index(r["lr"]), :, 0])
        drawn = [ln.get_xdata() for ln in lines if len(ln.get_xdata()) > 1]
        assert len(drawn) == len(expected)
        for a, b in zip(drawn, expected):
            np.testing.assert_array_equal(a, b)
    plt.close(fig)


def test_race_paths_refuse_a_best_rate_off_the_grid(race):
    surfaces, runs = race
    with pytest.raises(ValueError, match="not on the grid"):
        pc.race_paths_plot(surfaces, runs, [0.01, 0.1], ("SGD", "Adam"))
    with pytest.raises(ValueError, match="no surfaces"):
        pc.race_paths_plot({}, runs, LRS, ("SGD",))


def test_sensitivity_plot_draws_the_mean_and_the_seed_band():
    results = {"SGD": [[_h([1, 0.3]), _h([1, 0.1])], [_h([1, 0.5]), _h([1, 0.2])]],
               "Adam": [[_h([1, 0.05]), _h([1, 0.4])], [_h([1, 0.07]), _h([1, 0.6])]]}
    fig = pc.sensitivity_plot(results, LRS, title="t")
    assert fig.get_figwidth() <= 8.5 and len(fig.axes) == len(pc.FAMILIES)
    lines = {ln.get_label(): ln for ax in fig.axes for ln in ax.get_lines()}
    np.testing.assert_allclose(lines["SGD"].get_ydata(), [0.4, 0.15])
    np.testing.assert_allclose(lines["Adam"].get_ydata(), [0.06, 0.5])
    labels = {t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()}
    assert labels == {"SGD", "Adam"}
    plt.close(fig)


def test_schedule_curves_draw_the_mean_over_seeds_per_schedule():
    runs = {("SGD", "constant"): [_h([0.3, 0.2, 0.1]), _h([0.5, 0.2, 0.3])],
            ("SGD", "step"): [_h([0.3, 0.1, 0.05])],
            ("Adam", "constant"): [_h([0.2, 0.1, 0.1])]}
    lrs = {("SGD", "constant"): 10.0, ("SGD", "step"): 31.6, ("Adam", "constant"): 0.0316}
    fig = pc.schedule_curves_plot(runs, lrs, title="schedules")
    assert fig.get_figwidth() <= 8.5 and fig.axes[0].get_title() == "SGD"
    sgd = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    assert set(sgd) == {"constant, lr 10", "step, lr 31.6"}
    np.testing.assert_allclose(sgd["constant, lr 10"].get_ydata(), [0.4, 0.2, 0.2])
    np.testing.assert_array_equal(sgd["constant, lr 10"].get_xdata(), [1, 2, 3])
    assert fig.axes[1].get_title() == "Adam, lr 0.0316"  # one rate: in the title, not the legend
    assert [ln.get_label() for ln in fig.axes[1].get_lines()] == ["constant"]
    plt.close(fig)
    with pytest.raises(ValueError, match="no runs"):
        pc.schedule_curves_plot({}, {})


def test_every_optimizer_has_a_colour_and_a_family():
    assert set(pc.COLORS) == set(training.OPTIMIZERS)
    assert sorted(n for names in pc.FAMILIES.values() for n in names) == sorted(training.OPTIMIZERS)
