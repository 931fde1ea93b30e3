"""The widget and pictures of the digits chapter: what they compute and what they show."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib import training
from course_lib.data import load_digits
from course_lib.widgets import digits as dw

LRS = (0.1, 1.0)
BATCH_SIZES = (64, 800)


@pytest.fixture(scope="module")
def data():
    return load_digits()


@pytest.fixture(scope="module")
def widget(data):
    return dw.lr_batch_widget(data, LRS, BATCH_SIZES, epochs=5)


def _reference(data, lr, batch_size, epochs=5, seed=0):
    """A plain loop, independent of fit and train_grid: nn.Linear, p -= lr * grad, full-set accuracy."""
    model = training.make_model(seed=seed)
    g = torch.Generator().manual_seed(seed)
    x, y = data.train_x, data.train_y
    accs, losses = [], []
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch_size):
            idx = order[i:i + batch_size]
            p = torch.sigmoid(model(x[idx]))
            loss = torch.where(y[idx] == 1, 1 - p, p).mean()
            model.zero_grad()
            loss.backward()
            with torch.no_grad():
                for q in model.parameters():
                    q -= lr * q.grad
        with torch.no_grad():
            z = model(data.valid_x)
            accs.append(float(((z > 0) == (data.valid_y == 1)).float().mean()))
            pv = torch.sigmoid(z)
            losses.append(float(torch.where(data.valid_y == 1, 1 - pv, pv).mean()))
    return accs, losses


def test_widget_controls_and_results_match_a_plain_loop(widget, data):
    assert widget.n_frames == len(LRS) * len(BATCH_SIZES)
    assert widget.values == {"lr": 1.0, "batch_size": 64}  # defaults: lr 1, first batch size (no 128 here)
    for lr, bs in [(0.1, 800), (1.0, 64)]:
        widget.set(lr=lr, batch_size=bs)
        accs, losses = _reference(data, lr, bs)
        h = widget.result
        np.testing.assert_allclose(h.valid_loss, losses, rtol=1e-4)
        assert h.valid_accuracy == pytest.approx(accs, abs=0.0051)  # at most one image of 200 apart
        assert widget.frame == widget.frame_for(lr=lr, batch_size=bs)


def test_frames_differ_and_show_what_draw_makes(widget):
    frames = {widget.frame_for(lr=lr, batch_size=bs) for lr in LRS for bs in BATCH_SIZES}
    assert len(frames) == len(LRS) * len(BATCH_SIZES)
    widget.set(lr=0.1, batch_size=64)
    assert widget.frame == widget.render(**widget.values)
    assert widget.frame[:8] == b"\x89PNG\r\n\x1a\n"


def test_full_batch_small_lr_is_the_slowest(widget):
    final = {(lr, bs): widget.compute_fn(lr, bs).valid_loss[-1] for lr in LRS for bs in BATCH_SIZES}
    assert max(final, key=final.get) == (0.1, 800)


def test_widget_is_small(widget):
    assert widget.nbytes < 60_000 * widget.n_frames


def test_show_digits_draws_two_rows(data):
    import matplotlib.pyplot as plt

    fig = dw.show_digits(data, n=3)
    assert len(fig.axes) == 6
    shown = fig.axes[0].images[0].get_array()
    assert np.allclose(shown, data.train_x[0].reshape(28, 28).numpy())
    plt.close(fig)


def test_training_animation_has_one_frame_per_snapshot():
    snaps = [np.full(784, v) for v in (0.0, 0.5, -1.0)]
    html = dw.training_animation(snaps, [0.5, 0.7, 0.9]).data
    assert html.count("data:image/png;base64") == 3
    assert html == dw.training_animation(snaps, [0.5, 0.7, 0.9]).data  # deterministic
    with pytest.raises(ValueError, match="one accuracy per snapshot"):
        dw.training_animation(snaps, [0.5])


# --- the tables the chapter prints beside the widget ----------------------------------------------------


def _fake_grid():
    """A 2 x 2 grid of histories with known last values (loss = lr * 10 + bs / 1000, accuracy = 1 - loss)."""
    out = {}
    for lr in (0.1, 1.0):
        for bs in (64, 800):
            loss = lr * 10 + bs / 1000
            out[(lr, bs)] = training.History([9.0, 9.0], [9.0, loss], [0.0, 1 - loss], [lr, lr])
    return out


def test_lr_batch_table_rows_are_batch_sizes_and_columns_learning_rates():
    table = dw.lr_batch_table(_fake_grid(), 800).splitlines()
    assert table[0].split() == ["batch", "steps/epoch", "|", "lr", "0.1", "lr", "1"]
    assert table[1].split() == ["64", "13", "|", "1.0640", "10.0640"]  # ceil(800 / 64) = 13 steps
    assert table[2].split() == ["800", "1", "|", "1.8000", "10.8000"]
    acc = dw.lr_batch_table(_fake_grid(), 800, what="valid_accuracy", digits=2).splitlines()
    assert acc[1].split()[-2:] == ["-0.06", "-9.06"]


def test_lr_steps_table_sorts_by_lr_times_steps_taken():
    rows = [line.split() for line in dw.lr_steps_table(_fake_grid(), 800, max_lr=0.5).splitlines()[1:]]
    # lr 0.1: 1 step/epoch x 2 epochs -> 0.2; 13 x 2 -> 2.6
    assert rows == [["0.2", "0.1", "800", "2", "1.8000"], ["2.6", "0.1", "64", "26", "1.0640"]]


def test_the_chapter_grid_tables_agree_with_the_widget_results(widget, data):
    results = dw.lr_batch_results(data, LRS, BATCH_SIZES, epochs=5)
    table = dw.lr_batch_table(results, len(data.train_x)).splitlines()
    for row, bs in zip(table[1:], BATCH_SIZES):
        cells = [float(v) for v in row.split("|")[1].split()]
        assert cells == [round(widget.set(lr=lr, batch_size=bs).result.valid_loss[-1], 4) for lr in LRS]


@pytest.mark.parametrize("call, match", [
    (lambda: dw.lr_batch_table({}, 800), "empty"),
    (lambda: dw.lr_batch_table({(0.1, 64): None, (1.0, 800): None}, 800), "full grid"),
    (lambda: dw.lr_batch_table(_fake_grid(), 0), "n_train"),
    (lambda: dw.lr_batch_table(_fake_grid(), 800, what="loss"), "what"),
    (lambda: dw.lr_steps_table(_fake_grid(), 800, max_lr=0.01), "max_lr"),
])
def test_table_arguments_are_checked(call, match):
    with pytest.raises(ValueError, match=match):
        call()
