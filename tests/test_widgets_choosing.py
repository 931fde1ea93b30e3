"""The widget of the chapter "Choosing an optimizer", and the learning-rate grid it reads."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import training
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
    return training.sensitivity_results(data, LRS, optimizers=NAMES, seeds=(0, 1), epochs=3, batch_size=50)


@pytest.fixture(scope="module")
def widget(results):
    return cw.optimizer_lr_widget(results, LRS)


def test_results_equal_separate_runs(results, data):
    for name in NAMES:
        for seed in (0, 1):
            for lr, h in zip(LRS, results[name][seed]):
                ref = training.train_run(data, name, lr, epochs=3, batch_size=50, seed=seed)
                assert h.valid_loss == ref.valid_loss and h.valid_accuracy == ref.valid_accuracy


def test_summary_is_mean_and_spread_over_seeds(results):
    s = training.summary(results)["Adam"]
    finals = np.array([[h.valid_loss[-1] for h in row] for row in results["Adam"]])
    np.testing.assert_allclose(s["mean"], finals.mean(0))
    np.testing.assert_allclose(s["std"], finals.std(0, ddof=1))
    np.testing.assert_allclose(s["min"], finals.min(0))
    acc = training.summary(results, "valid_accuracy")["SGD"]["max"]
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
