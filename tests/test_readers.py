"""Every reader can read it (issue 13): frames and animations say what they show, text is large enough,
figures are sharp on high-DPI screens, and nothing is wider than its column.

The browser checks of the built site are in test_browser.py; these check the mechanism itself.
"""

from __future__ import annotations

import base64
import html
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from course_lib.plots import MIN_TEXT_PX, figure_png  # noqa: E402
from course_lib.repro import retina_png  # noqa: E402
from course_lib.widgets.frames import Control, FrameWidget, frame_img  # noqa: E402


def _line(fig, slope):
    ax = fig.subplots()
    ax.plot([0, 1], [0, slope], label=f"slope {slope}")
    ax.legend(fontsize="xx-small")  # 5.8 pt: too small to read, raised by the frame mechanism
    ax.set_title("a line", fontsize=6)


def _widget(**kw):
    return FrameWidget(_line, [Control("slope", [1.0, 2.0, 3.0], description="slope a")],
                       compute=lambda slope: {"end": slope}, figsize=(2.5, 2.0), **kw)


def test_frames_are_drawn_at_twice_the_pixels_they_are_shown_with():
    w = _widget(dpi=80)
    png = Image.open(io.BytesIO(w.frame))
    assert png.size == (400, 320)  # 2.5 x 2 inches at 80 CSS px per inch, drawn at 2x
    assert png.mode == "P"
    assert 'width="200" height="160"' in w.shown.value and "max-width:100%" in w.shown.value


def test_the_alt_text_follows_the_frame_and_says_what_it_shows():
    w = _widget(describe=lambda slope: f"a line rising {slope:g} over one unit")
    assert w.alt == "a line rising 1 over one unit"
    w.set(slope=3.0)
    assert w.alt == "a line rising 3 over one unit" == w.alt_for(slope=3.0)
    assert w.frame == w.frame_for(slope=3.0)
    assert 'alt="a line rising 3 over one unit"' in w.shown.value


def test_without_describe_the_alt_text_names_the_control_values():
    w = _widget(title="Lines")
    assert w.alt == "Lines: slope a 1."


def test_alt_text_is_escaped():
    png = figure_png(plt.figure(figsize=(1, 1)), dpi=20)
    tag = frame_img(png, 'x < 1 & "y"')
    assert 'alt="x &lt; 1 &amp; &quot;y&quot;"' in tag
    assert html.unescape(re.search(r' alt="([^"]*)"', tag).group(1)) == 'x < 1 & "y"'
    plt.close("all")


@pytest.mark.parametrize("bad, match", [
    ({"describe": lambda slope: ""}, "describe"),
    ({"describe": "a line"}, "describe"),
    ({"scale": 0}, "scale"),
    ({"dpi": -1}, "dpi"),
])
def test_bad_arguments_name_the_parameter(bad, match):
    with pytest.raises(ValueError, match=match):
        _widget(**bad)


def test_every_text_of_a_frame_is_at_least_10_pixels_as_shown():
    drawn = []

    def draw(fig, slope):
        _line(fig, slope)
        drawn.append(fig)

    FrameWidget(draw, [Control("slope", [1.0])], figsize=(2.5, 2.0), dpi=80)
    fig = drawn[0]
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text()]
    assert min(sizes) * 80 / 72 >= MIN_TEXT_PX - 1e-9  # points at 80 CSS px per inch, in pixels


def test_static_figures_are_retina_palette_pngs_shown_at_their_size():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(fontsize="x-small")
    png, meta = retina_png(fig)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P"
    assert (meta["width"], meta["height"]) == (image.size[0] // 2, image.size[1] // 2)
    assert 250 < meta["width"] <= 320  # about 4 inches at 80 px per inch (tight bounding box)
    assert min(t.get_fontsize() for t in fig.findobj(Text) if t.get_text()) * 80 / 72 >= MIN_TEXT_PX - 1e-9
    plt.close(fig)
    assert retina_png(plt.figure()) is None  # an empty figure shows nothing, as in IPython
    plt.close("all")


def test_setup_makes_a_notebook_show_figures_sharp():
    from IPython.core.interactiveshell import InteractiveShell

    from course_lib import setup

    shell = InteractiveShell.instance()
    try:
        setup()
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1])
        data, meta = shell.display_formatter.format(fig)
        png = Image.open(io.BytesIO(data["image/png"] if isinstance(data["image/png"], bytes)
                                    else base64.b64decode(data["image/png"])))
        assert meta["image/png"]["width"] == png.size[0] // 2
        plt.close(fig)
    finally:
        InteractiveShell.clear_instance()


# --- the course's widgets and animations say what each frame shows ------------------------------------


def test_gradient_descent_frames_say_what_the_iterates_do():
    from course_lib.widgets import gd

    w = gd.lr_widget(lrs=(0.2, 0.9, 1.1), starts=(-1.0,), steps=4)
    for lr in (0.2, 0.9, 1.1):
        alt = w.alt_for(lr=lr, start=-1.0)
        assert f"learning rate {lr:g}" in alt and f"{1 - 2 * lr:+.2f}" in alt  # the factor, in closed form
        x4 = -1.0 * (1 - 2 * lr) ** 4
        assert f"x = {x4:.3g}" in alt  # after 4 steps: x0 (1 - 2 lr)^4
    assert "creep" in w.alt_for(lr=0.2) and "overshoot" in w.alt_for(lr=0.9) and "diverge" in w.alt_for(lr=1.1)


def test_ema_frames_give_the_window_in_closed_form():
    from course_lib.widgets import ema

    w = ema.beta_slider(betas=(0.5, 0.9))
    for beta in (0.5, 0.9):
        assert f"{1 / (1 - beta):.3g} days" in w.alt_for(beta=beta)
        assert f"{1 - beta:.2f} for today" in w.alt_for(beta=beta)


def test_outlier_frames_give_both_slopes():
    from course_lib import fitting
    from course_lib.widgets import losses

    w = losses.outlier_widget(sizes=(0.0, 20.0))
    x, y = losses.outlier_data()
    y_out = y.copy()
    y_out[8] += 20.0
    mse_slope = np.polyfit(x, y_out, 1)[0]  # least squares, independently
    alt = w.alt_for(size=20.0)
    assert f"MSE line's slope is {mse_slope:.2f}" in alt
    assert f"MAE line's {fitting.least_absolute_line(x, y_out)[1]:.2f}" in alt


def test_animation_frames_say_what_they_show():
    from course_lib.widgets import gd

    page = gd.parabola_animation(lr=0.9, steps=3).data
    alts = re.search(r"alts = (\[.*?\]);", page).group(1)
    for k in range(4):
        assert f"after {k} step" in alts
    assert f"x = {-1.0 * (1 - 2 * 0.9) ** 3:.3g}" in alts


# --- static figures: real alt text, given in the cell's metadata --------------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def _figure_cells():
    import nbformat

    from tools.toc import toc_notebooks

    for path in toc_notebooks(ROOT):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
                yield path.name, cell


def figure_alt(cell) -> str | None:
    """The alt text a figure cell gives its image: myst-nb's cell metadata ``mystnb: image: alt:``."""
    return ((cell.metadata.get("mystnb") or {}).get("image") or {}).get("alt")


def test_every_static_figure_has_real_alt_text():
    """A figure's alt text is what a screen reader reads: not empty, not a file path, a sentence.

    The chapters give it in the cell's metadata (``{"mystnb": {"image": {"alt": "..."}}}``), which
    myst-nb puts on the website's ``<img>``; without it the alt text is the image's file path.
    """
    cells = list(_figure_cells())
    assert len(cells) >= 20, "the chapters' figures were not found"
    bad, missing = [], []
    for name, cell in cells:
        alt = figure_alt(cell)
        first = cell.source.strip().splitlines()[0][:60]
        if alt is None:
            missing.append(f"{name} cell {cell.id} ({first})")
        elif not alt.strip() or re.search(r"\.(png|jpe?g|svg)\b|/_images/", alt) or len(alt.split()) < 5:
            bad.append(f"{name} cell {cell.id}: {alt!r}")
    assert bad == [], "alt texts that do not say what the figure shows:\n" + "\n".join(bad)
    assert missing == [], ("figures without alt text (the website's alt text would be the file path):\n"
                           + "\n".join(missing))
