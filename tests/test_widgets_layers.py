"""course_lib.widgets.frames.LayeredWidget: choices that add up, and what is shown is what one figure would show."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from course_lib.plots import figure_png  # noqa: E402
from course_lib.widgets.frames import Control, Layer, composite, layered_widget  # noqa: E402
from tests.layer_toys import X, axes, background, curve  # noqa: E402


def _widget(**kwargs):
    return layered_widget(
        background, [Control("k", [1, 2, 3])],
        [Layer("red", curve("red", 0.0), [Control("red_a", [1.0, 2.0])],
               describe=lambda k, red_a: f"red, k {k}, a {red_a:g}", compute=lambda k, red_a: k * red_a),
         Layer("blue", curve("blue", 1.0), [Control("blue_a", [0.5, 1.5, 2.5])], on=False, label="Blue")],
        describe=lambda k: f"axes, k {k}", figsize=(3, 2), **kwargs)


@pytest.fixture(scope="module")
def widget():
    return _widget()


def test_frames_add_up_over_the_layers(widget):
    # 3 backgrounds + 3 x 2 red + 3 x 3 blue: a FrameWidget of the same controls would hold 3 x (2 x 2) x (2 x 3)
    assert widget.n_frames == 3 + 6 + 9
    assert [c.name for c in widget.controls] == ["k", "red_on", "red_a", "blue_on", "blue_a"]
    assert widget.values == {"k": 1, "red_on": True, "red_a": 1.0, "blue_on": False, "blue_a": 0.5}
    assert "18 images" in repr(widget)


def test_switches_and_controls_change_what_is_shown(widget):
    widget.set(k=1, red_on=True, red_a=1.0, blue_on=False)
    assert widget.shown_layers == ["red"]
    assert widget.alts == ["axes, k 1", "red, k 1, a 1"]
    widget.set(blue_on=True, blue_a=2.5, k=3)
    assert widget.shown_layers == ["red", "blue"]
    assert widget.alts == ["axes, k 3", "red, k 3, a 1", "Blue: k 3, blue_a 2.5."]  # default: the values named
    assert widget.alt == " ".join(widget.alts)
    assert widget.frame == widget.frame_for(k=3, red_a=1.0, blue_a=2.5, red_on=True, blue_on=True)
    assert widget.result == {"red": 3.0, "blue": None}
    widget.set(red_on=False)
    assert widget.shown_layers == ["blue"] and len(widget.frames) == 2
    assert "red" not in widget.alt and widget.result == {"blue": None}


def test_a_layer_is_transparent_where_it_draws_nothing(widget):
    widget.set(k=2, red_on=True, red_a=2.0)
    layer = np.asarray(Image.open(io.BytesIO(widget.frames[1])).convert("RGBA"))
    background = np.asarray(Image.open(io.BytesIO(widget.frames[0])).convert("RGBA"))
    assert layer.shape == background.shape == (2 * 2 * 72, 2 * 3 * 72, 4)  # drawn at twice the pixels
    assert (layer[..., 3] == 0).mean() > 0.9  # mostly clear
    assert background[..., 3].min() == 255  # the background is opaque
    red = (layer[..., 3] > 200) & (layer[..., 0] > 200) & (layer[..., 2] < 60)
    assert red.sum() > 200  # the curve is there, in red


def test_the_composite_is_what_one_figure_with_every_curve_shows():
    """The independent reference: the background and both curves drawn on one figure, full colour."""
    w = _widget(colors=0, layer_colors=0)
    w.set(k=2, red_on=True, red_a=2.0, blue_on=True, blue_a=1.5)
    fig = plt.figure(figsize=(3, 2), dpi=72)
    ax = axes(fig, False)
    ax.set_title("k = 2")
    ax.plot(X, 2.0 * np.sin(2 * X), color="red", lw=2)
    ax.plot(X, 1.5 * np.sin(2 * X + 1.0), color="blue", lw=2)
    one = np.asarray(Image.open(io.BytesIO(figure_png(fig, dpi=144, colors=0, min_pt=10))).convert("RGB"), dtype=int)
    plt.close(fig)
    shown = np.asarray(Image.open(io.BytesIO(w.frame)).convert("RGB"), dtype=int)
    assert shown.shape == one.shape
    diff = np.abs(shown - one)
    assert diff.mean() < 0.5 and (diff > 40).mean() < 0.002, (diff.mean(), (diff > 40).mean())
    assert w.frame == w.render()  # stored images are what drawing afresh gives


def test_composite_needs_images_of_one_size():
    png = figure_png(plt.figure(figsize=(1, 1)), dpi=20)
    with pytest.raises(ValueError, match="one size"):
        composite([png, figure_png(plt.figure(figsize=(2, 1)), dpi=20)])
    with pytest.raises(ValueError, match="at least one"):
        composite([])
    plt.close("all")


@pytest.mark.parametrize("kwargs, match", [
    (dict(layers=[]), "at least one Layer"),
    (dict(layers=[Layer("a", curve("red", 0)), Layer("a", curve("red", 0))]), "distinct names"),
    (dict(layers=[Layer("k", curve("red", 0), [Control("k_on", [1])])]), "distinct names"),
    (dict(layers=["red"]), "Layer objects"),
    (dict(scale=0), "Invalid scale"),
])
def test_bad_arguments_name_the_parameter(kwargs, match):
    args = dict(draw=background, controls=[Control("k", [1])], layers=[Layer("red", curve("red", 0))])
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        layered_widget(**args)


def test_bad_layers_and_values_are_refused(widget):
    with pytest.raises(ValueError, match="layer's name"):
        Layer("not a name", curve("red", 0))
    with pytest.raises(ValueError, match="Invalid draw"):
        Layer("red", "draw")
    with pytest.raises(ValueError, match="Invalid control name"):
        widget.set(green_on=True)
    with pytest.raises(ValueError, match="Invalid value for red_a"):
        widget.set(red_a=7.0)
