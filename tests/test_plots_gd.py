"""course_lib.plots.gd: chapter 1's figures draw exactly the runs and the cost they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import gd  # noqa: E402
from course_lib.data import noisy_line  # noqa: E402
from course_lib.plots import gd as P  # noqa: E402
from course_lib.surfaces import LinearRegressionMSE  # noqa: E402


@pytest.fixture(scope="module")
def line():
    x, y = noisy_line()
    return x, y, LinearRegressionMSE(x, y)


def plain_mse(t0, t1, x, y):
    """The cost by a plain loop over the samples (the reference)."""
    return sum((t0 + t1 * xi - yi) ** 2 for xi, yi in zip(x, y)) / len(x)


def test_cost_contour_draws_the_excess_cost_and_stars_the_least_squares_line(line):
    x, y, surface = line
    fig, ax = plt.subplots()
    assert P.cost_contour(ax, surface, n=20) is ax
    star = ax.lines[0]
    np.testing.assert_allclose(star.get_xydata()[0], np.polyfit(x, y, 1)[::-1], rtol=1e-10)
    t0, t1, z = P._grid(surface, P.REG_WINDOW, 20)
    assert z[3, 7] == pytest.approx(plain_mse(t0[3, 7], t1[3, 7], x, y), rel=1e-12)
    assert ax.get_xlim() == P.REG_WINDOW[0] and ax.get_ylim() == P.REG_WINDOW[1]
    plt.close(fig)


def test_cost_surface_has_a_3d_surface_and_labelled_contours(line):
    x, y, surface = line
    fig = P.cost_surface(surface, (5, 2), truth=(5, 2), n=11)
    ax3d, ax = fig.axes
    assert ax3d.name == "3d" and ax3d.get_zlabel() == "$L$"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["least squares", "true line (5, 2)"]
    assert ax.texts  # the contour labels
    plt.close(fig)
    with pytest.raises(ValueError, match="half_width"):
        P.cost_surface(surface, (5, 2), half_width=0)


def test_descent_runs_plots_each_path_and_its_excess_loss(line):
    x, y, surface = line
    runs = {"plain": gd.descend(surface, (0, 0), lr=0.01, tol=1e-3),
            "momentum": gd.descend(surface, (0, 0), lr=0.01, momentum=0.9, tol=1e-3)}
    fig = P.descent_runs(surface, runs, tol=1e-3)
    ax1, ax2 = fig.axes
    for k, run in enumerate(runs.values()):
        path_line = ax1.lines[1 + k]  # after the star
        np.testing.assert_array_equal(path_line.get_xydata(), run.path)
        want = [plain_mse(*p, x, y) - surface.minimum_value for p in run.path]
        np.testing.assert_allclose(ax2.lines[k].get_ydata(), want, rtol=1e-9, atol=1e-12)
    legend = ax2.get_legend().get_texts()[0].get_text()
    assert ax2.get_yscale() == "log" and f"{runs['plain'].iterations} iterations" in legend
    plt.close(fig)
    with pytest.raises(ValueError, match="no runs"):
        P.descent_runs(surface, {}, tol=1e-3)


def test_batch_runs_plots_losses_per_epoch_and_per_update():
    x, y = noisy_line(n=32, seed=0)
    surface = LinearRegressionMSE(x, y)
    runs = {f"B = {b}": gd.minibatch_gd(x, y, lr=0.01, batch_size=b, epochs=3) for b in (1, 32)}
    fig = P.batch_runs(runs, surface.minimum_value)
    ax1, ax2 = fig.axes
    for k, run in enumerate(runs.values()):
        want = [plain_mse(*run.path[(e * run.updates_per_epoch)], x, y) - surface.minimum_value for e in range(4)]
        np.testing.assert_allclose(ax1.lines[k].get_ydata(), want, rtol=1e-9)
        assert len(ax2.lines[k].get_xdata()) == 1 + 3 * run.updates_per_epoch
    assert ax1.get_yscale() == "log" and ax2.get_xscale() == "log"
    plt.close(fig)
