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
