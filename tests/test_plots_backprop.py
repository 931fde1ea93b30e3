"""course_lib.plots.backprop: the chapter's figures draw exactly the numbers they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import backprop as bp  # noqa: E402
from course_lib.plots import backprop as pb  # noqa: E402


def test_gradient_check_errors_draws_one_bar_per_parameter_and_kind():
    central = np.logspace(-10, -7, 10)
    one_sided = np.logspace(-9, -6, 10)
    fig, ax = plt.subplots()
    assert pb.gradient_check_errors(bp.PARAM_NAMES, central, one_sided, ax) is ax
    heights = [p.get_height() for p in ax.patches]
    assert np.allclose(heights, list(central) + list(one_sided))
    assert ax.get_yscale() == "log" and [t.get_text() for t in ax.get_xticklabels()] == list(bp.PARAM_NAMES)
    assert ax.get_ylim()[1] == pytest.approx(3e-6)
    fig.canvas.draw()  # every label renders (mathtext included)
    plt.close(fig)


def test_errors_against_eps_draws_both_lines():
    eps = np.logspace(-12, -1, 5)
    fig, ax = plt.subplots()
    pb.errors_against_eps(eps, eps**2, eps, ax)
    (c, o) = ax.get_lines()
    assert np.allclose(c.get_xdata(), eps) and np.allclose(c.get_ydata(), eps**2) and np.allclose(o.get_ydata(), eps)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert list(ax.get_xticks()) == pytest.approx([1e-12, 1e-9, 1e-6, 1e-3])  # every third decade: legible
    fig.canvas.draw()
    plt.close(fig)


def test_gradient_norms_one_line_per_activation():
    runs = {a: bp.depth_gradients(a, depth=4, width=8, batch=4).grad_norms for a in ("sigmoid", "relu")}
    fig, ax = plt.subplots()
    pb.gradient_norms(runs, ax)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["sigmoid", "relu"]
    assert np.allclose(lines[0].get_ydata(), runs["sigmoid"]) and list(lines[0].get_xdata()) == [1, 2, 3, 4]
    assert "4-layer" in ax.get_title()
    fig.canvas.draw()
    plt.close(fig)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="same length"):
        pb.gradient_check_errors(["a", "b"], [1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="norms"):
        pb.gradient_norms({})
    plt.close("all")
