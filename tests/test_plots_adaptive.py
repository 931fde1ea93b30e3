"""course_lib.plots.adaptive: the chapter's figures draw what they are given, and the race's layers line up."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.plots import adaptive as ap  # noqa: E402
from course_lib.surfaces import Ravine  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_adagrad_vs_rmsprop_draws_both_and_the_reference_line():
    t = np.arange(1, 101)
    fig = ap.adagrad_vs_rmsprop(-100 + t * 0.1, 0.1 / np.sqrt(t), -100 / t, 0.01 * t, x0=-100, lr=1.0, alpha=0.9)
    left, right = fig.axes
    assert left.get_xscale() == right.get_yscale() == "log"
    np.testing.assert_allclose(left.lines[0].get_ydata(), np.abs(-100 + t * 0.1))
    np.testing.assert_allclose(right.lines[2].get_ydata(), 0.1 / np.sqrt(t))  # the dotted 1/sqrt(t) from rate 1
    assert "x_0 = -100" in left.get_title() and r"\eta = 1" in left.get_title()
    with pytest.raises(ValueError, match="one length"):
        ap.adagrad_vs_rmsprop([1, 2], [1], [1, 2], [1, 2], x0=1, lr=1, alpha=0.9)


def test_rmsprop_cycle_marks_the_edge_of_stability():
    fig = ap.rmsprop_cycle(np.array([1.0, -1e-300, 0.0]), np.array([0.5, 1.5, 2.0]), title="t")
    left, right = fig.axes
    assert left.get_yscale() == "log"
    assert min(left.lines[0].get_ydata()) >= 1e-300  # zeros are drawn at the floor, not dropped
    assert any(np.allclose(line.get_ydata(), 2) for line in right.lines[1:])


def test_amsgrad_rates_one_line_per_curve_and_refuses_none():
    fig = ap.amsgrad_rates({"a": [1, 2, 3], "b": [3, 3, 3]}, title="x")
    assert [line.get_label() for line in fig.axes[0].lines] == ["a", "b"]
    with pytest.raises(ValueError, match="no curves"):
        ap.amsgrad_rates({}, title="x")


def test_race_overview_one_column_per_surface():
    s = Ravine()
    path = np.array([s.start, (0.0, 0.0)])
    runs = {"sgd": {"path": path, "gap": np.array([10.0, 0.0])}}
    fig = ap.race_overview({"ravine": (s, runs), "again": (s, runs)}, {"sgd": "SGD"}, {"sgd": "grey"})
    assert len(fig.axes) == 4
    assert fig.axes[2].get_ylim() == (ap.GAP_FLOOR, ap.GAP_CEILING)  # the bottom row's gap axis
    with pytest.raises(ValueError, match="no surfaces"):
        ap.race_overview({}, {}, {})


def test_a_layer_sits_exactly_on_the_background():
    s = Ravine()
    back, layer = plt.figure(figsize=(8.5, 3.4)), plt.figure(figsize=(8.5, 3.4))
    ap.draw_race_background(back, s, 200, title="ravine")
    run = {"path": np.array([s.start, (-1.0, 0.5), (0.0, 0.0)]), "gap": np.array([10.5, 0.6, 0.0]),
           "diverged": False}
    ap.draw_race_layer(layer, s, 200, run, slot=3, color="red", lines=("SGD  η 0.4", "< 1e-6 from step 2"))
    for a, b in zip(back.axes, layer.axes):
        np.testing.assert_allclose(a.get_position().bounds, b.get_position().bounds)
        assert a.get_xlim() == b.get_xlim() and a.get_ylim() == b.get_ylim() and a.get_yscale() == b.get_yscale()
        assert not b.axison and a.axison
    texts = [t.get_text() for t in layer.texts]
    assert texts == ["SGD  η 0.4", "< 1e-6 from step 2"]
    with pytest.raises(ValueError, match="Invalid slot"):
        ap.draw_race_layer(layer, s, 200, run, slot=ap.SLOTS, color="red", lines=("a", "b"))
