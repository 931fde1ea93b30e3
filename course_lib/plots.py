"""Drawing what the numerical modules compute. Every function takes ``ax=None`` and returns the Axes.

Nothing here computes an optimizer step: the trajectories come from
:func:`course_lib.optim.run_trajectories`, the surfaces from :mod:`course_lib.surfaces`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["contour", "curve", "paths", "path_1d", "loss_curves", "animation_html", "COLORS"]

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def _ax(ax):
    return plt.gca() if ax is None else ax


def contour(surface, ax=None, *, levels: int | Sequence[float] = 30, n: int = 160, log: bool = False,
            filled: bool = False, mark_minimum: bool = True):
    """Contour lines of a 2-D surface over its window, with its minimum marked."""
    ax = _ax(ax)
    X, Y, Z = surface.grid(n)
    if log:
        Z = np.log1p(Z - np.nanmin(Z))
    if filled:
        ax.contourf(X, Y, Z, levels=levels, cmap="viridis")
    else:
        ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.8)
    if mark_minimum and surface.minimum is not None:
        ax.plot(*surface.minimum, marker="*", color="crimson", markersize=12, linestyle="none", label="minimum")
    ax.set_xlim(*surface.window[0])
    ax.set_ylim(*surface.window[1])
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.set_title(surface.name)
    return ax


def curve(surface, ax=None, *, n: int = 400, label: str | None = None):
    """A 1-D surface drawn over its window."""
    ax = _ax(ax)
    xs, ys = surface.grid(n)
    ax.plot(xs, ys, color="0.3", label=label or f"$f(x)$: {surface.name}")
    ax.set_xlim(*surface.window[0])
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    return ax


def paths(trajectories, ax=None, *, labels: Sequence[str] | None = None, rows: Sequence[int] | None = None,
          colors: Sequence[str] | None = None, markersize: float = 3.0, upto: int | None = None):
    """Trajectories of :func:`~course_lib.optim.run_trajectories` drawn on a 2-D plane.

    Diverged runs end with a cross where they were last finite.
    """
    ax = _ax(ax)
    rows = range(len(trajectories)) if rows is None else rows
    for k, i in enumerate(rows):
        p = trajectories.paths[i, : None if upto is None else upto + 1]
        color = (colors or COLORS)[k % len(colors or COLORS)]
        label = labels[k] if labels is not None else None
        ax.plot(p[:, 0], p[:, 1], "-o", color=color, markersize=markersize, linewidth=1.2, label=label)
        finite = p[np.isfinite(p).all(axis=1)]
        if trajectories.diverged[i] and len(finite):
            ax.plot(*finite[-1], "x", color=color, markersize=10, markeredgewidth=2)
    if labels is not None:
        ax.legend(loc="best", fontsize="small")
    return ax


def path_1d(surface, xs, ax=None, *, color: str | None = None, label: str | None = None, markersize: float = 5):
    """Iterates ``xs`` of a 1-D descent drawn as points on the curve, joined in order."""
    ax = _ax(ax)
    xs = np.asarray(xs, dtype=float).ravel()
    xs = xs[np.isfinite(xs)]
    ys = surface.value(xs[:, None]).numpy()
    ax.plot(xs, ys, "-o", color=color, markersize=markersize, linewidth=1, label=label, alpha=0.85)
    return ax


def loss_curves(curves: dict[str, Sequence[float]], ax=None, *, log: bool = True, xlabel: str = "step",
                ylabel: str = "loss", title: str | None = None):
    """Loss against steps for several runs, one labelled line each (log scale by default)."""
    ax = _ax(ax)
    for k, (label, ys) in enumerate(curves.items()):
        ys = np.asarray(ys, dtype=float)
        ax.plot(np.arange(len(ys)), ys, label=label, color=COLORS[k % len(COLORS)])
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


_ANIM_ID = re.compile(r"_anim_img([0-9a-f]{32})")
# matplotlib breaks a frame's base64 into lines ending in a backslash (a JavaScript line continuation)
_PNG_FRAME = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)")


# matplotlib's player links Font Awesome 4 from a CDN for its button icons; the course's pages load
# nothing from outside, so the icons become plain characters that every font has.
_FA_LINK = re.compile(r"<link[^>]*font-awesome[^>]*>\s*")
_ICONS = {
    "fa fa-minus": "\u2212", "fa fa-plus": "+", "fa fa-pause": "\u2016",
    "fa fa-play": "\u25b6", "fa fa-play fa-flip-horizontal": "\u25c0",
    "fa fa-fast-backward": "\u23ee", "fa fa-fast-forward": "\u23ed",
    "fa fa-step-backward": "\u25c1\u2223", "fa fa-step-forward": "\u2223\u25b7",
}


def _plain_icons(html: str) -> str:
    html = _FA_LINK.sub("", html)
    for cls, text in _ICONS.items():
        html = html.replace(f'<i class="{cls}"></i>', f'<span aria-hidden="true">{text}</span>')
    return html


def _palette_png(b64: str, colors: int) -> str:
    """A base64 PNG frame re-encoded with a palette of ``colors`` colours (a third of the bytes or less)."""
    import base64
    import io

    from PIL import Image

    raw = base64.b64decode(b64.replace("\\", "").replace("\n", ""))
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    image = image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    image.save(buf, format="png", optimize=True)
    return base64.b64encode(buf.getvalue()).decode()


def animation_html(fig, update: Callable[[int], object], frames: int, *, interval: int = 120,
                   dpi: int = 60, default_mode: str = "once", colors: int = 256):
    """A matplotlib animation as HTML + JavaScript that plays in the page with no kernel.

    ``update(i)`` redraws frame ``i`` on ``fig``. PNG frames are re-encoded with a palette of
    ``colors`` colours (0 keeps them as matplotlib wrote them), which keeps pages light; the
    player's buttons show plain characters instead of icons from a CDN. The
    animation's element ids, random in matplotlib, are replaced by a hash of its frames so
    re-executing gives identical bytes. Returns an ``IPython.display.HTML`` object; the figure
    is closed.
    """
    from IPython.display import HTML
    from matplotlib.animation import FuncAnimation

    if not isinstance(frames, int) or frames < 1:
        raise ValueError(f"Invalid frames: {frames!r} (expected an int >= 1)")
    import matplotlib as mpl

    fig.set_dpi(dpi)
    anim = FuncAnimation(fig, update, frames=frames, interval=interval, blit=False)
    with mpl.rc_context({"savefig.dpi": dpi}):  # the writer saves frames at savefig.dpi, not the figure's
        html = anim.to_jshtml(default_mode=default_mode)
    plt.close(fig)
    html = _plain_icons(html)
    if colors:
        html = _PNG_FRAME.sub(lambda m: "data:image/png;base64," + _palette_png(m.group(1), colors), html)
    match = _ANIM_ID.search(html)
    if match:
        digest = hashlib.sha1(html.replace(match.group(1), "").encode()).hexdigest()[:32]
        html = html.replace(match.group(1), digest)
    return HTML(html)
