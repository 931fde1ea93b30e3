"""course_lib.plots.digits: the chapter's two-panel figure draws exactly the curves it is given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.plots import digits as P  # noqa: E402


def test_accuracy_and_loss_draws_every_curve_against_epochs_from_one():
    acc = {"a": [0.5, 0.7, 0.9], "b": [0.6, 0.6, 0.8]}
    loss = {"train": [0.3, 0.2, 0.1]}
    fig = P.accuracy_and_loss(acc, loss, loss_title="L", loss_label="mnist_loss", log_loss=True,
                              accuracy_ylim=(0.4, 1.0))
    ax1, ax2 = fig.axes
    for line, (label, ys) in zip(ax1.get_lines(), acc.items()):
        assert line.get_label() == label
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(line.get_ydata(), ys)
    assert ax2.get_lines()[0].get_label() == "train" and ax2.get_yscale() == "log"
    assert ax1.get_ylim() == (0.4, 1.0) and ax2.get_title() == "L" and ax2.get_ylabel() == "mnist_loss"
    plt.close(fig)


@pytest.mark.parametrize("acc, loss, match", [({}, {"x": [1]}, "accuracies"), ({"x": [1]}, {"y": []}, "losses"),
                                              ([0.5], {"x": [1]}, "accuracies")])
def test_bad_curves_are_refused_with_the_argument_named(acc, loss, match):
    with pytest.raises(ValueError, match=match):
        P.accuracy_and_loss(acc, loss)
