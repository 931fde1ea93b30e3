"""The widget and pictures of the chapter "Choosing an optimizer"."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib import training
from course_lib.surfaces import Ravine, Saddle
from course_lib.widgets import choosing as cw

LRS = [0.01, 0.1, 1.0]
NAMES = ("SGD", "Adam")


@pytest.fixture(scope="module")
def data():
    """A small two-class problem shaped like the digits (fast)."""
    import torch

    g = torch.Generator().manual_seed(2)
    x = torch.rand(200, 784, generator=g)
    w = torch.randn(784, 1, generator=g)
    y = ((x - 0.5) @ w > 0).float()

    class D:
        train_x, train_y, valid_x, valid_y = x[:150], y[:150], x[150:], y[150:]

    return D


@pytest.fixture(scope="module")
def results(data):
    return cw.sensitivity_results(data, LRS, optimizers=NAMES, seeds=(0, 1), epochs=3, batch_size=50)


@pytest.fixture(scope="module")
def widget(results):
    return cw.optimizer_lr_widget(results, LRS)


def test_results_equal_separate_runs(results, data):
    for name in NAMES:
        for seed in (0, 1):
            for lr, h in zip(LRS, results[name][seed]):
                ref = training.train_run(data, name, lr, epochs=3, batch_size=50, seed=seed)
                np.testing.assert_allclose(h.valid_loss, ref.valid_loss, rtol=1e-4, atol=1e-6)


def test_summary_is_mean_and_spread_over_seeds(results):
    s = cw.summary(results)["Adam"]
    finals = np.array([[h.valid_loss[-1] for h in row] for row in results["Adam"]])
    np.testing.assert_allclose(s["mean"], finals.mean(0))
    np.testing.assert_allclose(s["std"], finals.std(0))
    np.testing.assert_allclose(s["min"], finals.min(0))
    acc = cw.summary(results, "valid_accuracy")["SGD"]["max"]
    assert acc.shape == (3,) and np.all((0 <= acc) & (acc <= 1))


def test_widget_result_follows_the_controls(widget, results):
    assert widget.n_frames == len(NAMES) * len(LRS)
    for name, lr in [("SGD", 1.0), ("Adam", 0.01)]:
        widget.set(optimizer=name, lr=lr)
        r = widget.result
        i = LRS.index(lr)
        expected = np.mean([row[i].valid_loss[-1] for row in results[name]])
        assert r["final_loss"] == pytest.approx(expected)
        assert [h.valid_loss for h in r["histories"]] == [row[i].valid_loss for row in results[name]]
        assert widget.frame == widget.frame_for(optimizer=name, lr=lr)


def test_widget_frames_differ_and_are_what_draw_makes(widget):
    frames = {widget.frame_for(optimizer=n, lr=lr) for n in NAMES for lr in LRS}
    assert len(frames) == len(NAMES) * len(LRS)
    widget.set(optimizer="SGD", lr=0.1)
    assert widget.frame == widget.render(**widget.values)
    assert widget.nbytes < 60_000 * widget.n_frames


def test_widget_rejects_learning_rates_off_the_grid(results):
    with pytest.raises(ValueError, match="not on the grid"):
        cw.optimizer_lr_widget(results, LRS, shown_lrs=[0.5])


def test_plots_draw_every_optimizer(results):
    fig = cw.sensitivity_plot(results, LRS)
    labels = {t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()}
    assert labels == set(NAMES)
    plt.close(fig)
    surfaces = {"ravine": (Ravine(), 60), "saddle": (Saddle(), 60)}
    race = {(s, n): training.best_steps(surf, training.RULE_NAMES[n], [0.03, 0.3], steps=steps, tol=1e-3)
            for s, (surf, steps) in surfaces.items() for n in NAMES}
    fig = cw.race_paths_plot(surfaces, race, [0.03, 0.3], NAMES, title="the race")
    assert len(fig.axes) == 2 and len(fig.legends) == 1
    assert [ax.get_title() for ax in fig.axes] == ["ravine", "saddle"]
    assert fig.get_suptitle() == "the race"
    plt.close(fig)


def test_every_optimizer_has_a_colour_and_a_family():
    assert set(cw.COLORS) == set(training.OPTIMIZERS)
    assert sorted(n for names in cw.FAMILIES.values() for n in names) == sorted(training.OPTIMIZERS)
