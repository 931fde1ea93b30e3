"""course_lib.plots: the JavaScript animations that play on the website with no kernel."""

from __future__ import annotations

import base64
import io
import json
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from course_lib.plots import animation_html  # noqa: E402


def _animation(colors=256, frames=4, describe=None):
    fig, ax = plt.subplots(figsize=(3, 2))
    (line,) = ax.plot([], [])
    ax.set_xlim(0, frames)
    ax.set_ylim(-1, 1)

    def update(i):
        line.set_data(np.arange(i + 1), np.sin(np.arange(i + 1)))

    return animation_html(fig, update, frames, dpi=50, colors=colors, describe=describe).data


def _frames(html):
    return [base64.b64decode(b) for b in re.findall(r'"data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_animation_is_deterministic_and_self_contained():
    a, b = _animation(), _animation()
    assert a == b
    assert "http" not in a.replace("http://www.w3.org", "")  # no CDN stylesheet, no outside request
    assert 'title="Next frame"' in a


def test_frames_are_palette_pngs_at_twice_the_pixels_they_are_shown_with():
    html = _animation()
    frames = _frames(html)
    assert len(frames) == 4
    images = [Image.open(io.BytesIO(f)) for f in frames]
    assert all(im.mode == "P" for im in images)
    assert all(im.size == (300, 200) for im in images)  # 3 x 2 inches at dpi 50, drawn at 2x
    assert 'width="150" height="100"' in html  # shown at 1x
    assert len({f for f in frames}) > 1  # the frames differ


def test_every_frame_has_its_alt_text_and_the_player_is_accessible():
    html = _animation(describe=lambda i: f"a sine curve drawn up to x = {i}")
    assert 'alt="a sine curve drawn up to x = 0"' in html
    alts = json.loads(re.search(r"alts = (\[.*?\]);", html).group(1))
    assert alts == [f"a sine curve drawn up to x = {i}" for i in range(4)]
    assert re.search(r'<label>frame <input type="range"[^>]*aria-valuetext="frame 1 of 4"', html)
    for name in ("First frame", "Previous frame", "Play", "Pause", "Next frame", "Last frame"):
        assert f'aria-label="{name}"' in html
    assert "\u23ee" not in html and "\u23ed" not in html  # glyphs many fonts lack
    assert "374px" not in html and "max-width: 100%" in html  # nothing wider than a phone's column
    assert 'alt="frame 1 of 4"' in _animation()  # without describe: still an alt text


def test_describe_must_say_something():
    with pytest.raises(ValueError, match="describe"):
        _animation(describe=lambda i: "")


def test_every_text_is_at_least_10_pixels_as_shown():
    from course_lib.plots import floor_fonts

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(fontsize="xx-small")
    ax.set_title("tiny", fontsize=5)
    ax.tick_params(labelsize=4)
    ax.set_yticks([0, 0.5, 1], ["low", "mid", "high"], fontsize=5)
    ax.annotate("a note", (0.5, 0.5), fontsize=3)
    ax.set_xlabel("x", fontsize=6)
    floor_fonts(fig, 9)
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    assert sizes and min(sizes) >= 9
    plt.close(fig)


def test_palette_frames_are_smaller_than_matplotlibs():
    assert len(_animation(colors=256)) < len(_animation(colors=0))


def test_frames_must_be_a_positive_int():
    fig = plt.figure()
    with pytest.raises(ValueError, match="frames"):
        animation_html(fig, lambda i: None, 0)
