"""course_lib.plots: the JavaScript animations that play on the website with no kernel."""

from __future__ import annotations

import base64
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from course_lib.plots import animation_html  # noqa: E402


def _animation(colors=256, frames=4):
    fig, ax = plt.subplots(figsize=(3, 2))
    (line,) = ax.plot([], [])
    ax.set_xlim(0, frames)
    ax.set_ylim(-1, 1)

    def update(i):
        line.set_data(np.arange(i + 1), np.sin(np.arange(i + 1)))

    return animation_html(fig, update, frames, dpi=50, colors=colors).data


def _frames(html):
    return [base64.b64decode(b.replace("\\", "").replace("\n", ""))
            for b in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)", html)]


def test_animation_is_deterministic_and_self_contained():
    a, b = _animation(), _animation()
    assert a == b
    assert "http" not in a.replace("http://www.w3.org", "")  # no CDN stylesheet, no outside request
    assert 'button title="Next frame"' in a or 'title="Next frame"' in a


def test_frames_are_palette_pngs_of_the_requested_size():
    frames = _frames(_animation())
    assert len(frames) == 4
    images = [Image.open(io.BytesIO(f)) for f in frames]
    assert all(im.mode == "P" for im in images)
    assert all(im.size == (150, 100) for im in images)  # 3 x 2 inches at dpi 50
    assert len({f for f in frames}) > 1  # the frames differ


def test_palette_frames_are_smaller_than_matplotlibs():
    assert len(_animation(colors=256)) < len(_animation(colors=0))


def test_frames_must_be_a_positive_int():
    fig = plt.figure()
    with pytest.raises(ValueError, match="frames"):
        animation_html(fig, lambda i: None, 0)
