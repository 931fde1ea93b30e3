"""Drawing what the numerical modules compute. Every function takes ``ax=None`` and returns the Axes.

Nothing here computes an optimizer step: the trajectories come from
:func:`course_lib.optim.run_trajectories`, the surfaces from :mod:`course_lib.surfaces`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["contour", "curve", "paths", "path_1d", "loss_curves", "figure_png", "floor_fonts", "animation_html",
           "COLORS", "MIN_TEXT_PX"]

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


#: The smallest text a frame shows, in CSS pixels, as displayed at full size: 10 px.
MIN_TEXT_PX = 10


def floor_fonts(fig, min_pt: float) -> None:
    """Raise every text of ``fig`` (titles, labels, legends, tick labels, annotations) to at least ``min_pt``.

    Needs no drawing: tick labels, made at draw time, are raised through their axis's tick parameters.
    """
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            # ticks made later copy the first one's label properties: raising the first raises them all
            for which, ticks in (("major", axis.majorTicks), ("minor", axis.minorTicks)):
                if min(ticks[0].label1.get_fontsize(), ticks[0].label2.get_fontsize()) < min_pt:
                    axis.set_tick_params(which=which, labelsize=min_pt)
    for text in _texts(fig):
        if text is not None and text.get_text() and text.get_fontsize() < min_pt:
            text.set_fontsize(min_pt)


def _texts(fig) -> list:
    """The figure's texts but its tick labels: titles, axis labels, offsets, annotations, legends (a walk
    over every artist with ``findobj`` cost a fifth of a frame's drawing time)."""
    texts = [*fig.texts, getattr(fig, "_suptitle", None), getattr(fig, "_supxlabel", None),
             getattr(fig, "_supylabel", None)]
    legends = list(fig.legends)
    for ax in fig.axes:
        texts += [ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None),
                  ax.xaxis.label, ax.yaxis.label, ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text(), *ax.texts]
        if ax.get_legend() is not None:
            legends.append(ax.get_legend())
    for legend in legends:
        texts += [*legend.get_texts(), legend.get_title()]
    return texts


def figure_png(fig, dpi: float = 72, colors: int = 256, *, min_pt: float | None = None,
               transparent: bool = False) -> bytes:
    """The figure drawn at ``dpi`` as a small, deterministic PNG: palette-quantised to ``colors`` colours
    (0 keeps full colour), no metadata. ``min_pt``: every text raised to at least that size first.
    ``transparent``: keep the alpha channel (a palette with transparency), for a figure whose patches were
    made transparent, to be laid over another image."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    if not hasattr(fig.canvas, "buffer_rgba"):  # a bare matplotlib.figure.Figure
        FigureCanvasAgg(fig)
    if min_pt:
        floor_fonts(fig, min_pt)
    fig.set_dpi(dpi)
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    image = Image.fromarray(np.ascontiguousarray(rgba if transparent else rgba[..., :3]))
    if colors:  # FASTOCTREE is Pillow's quantizer that keeps an alpha channel
        image = image.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    image.save(buf, format="png", compress_level=9)
    return buf.getvalue()


# The player: plain buttons whose characters every font has (no icon font, nothing from outside), a
# labelled range input that announces "frame 3 of 21", and an image whose alt text follows the frame.
_PLAYER_STYLE = """<style>
.descent-anim {display: inline-block; max-width: 100%; text-align: center}
.descent-anim img {max-width: 100%; height: auto}
.descent-anim .descent-anim-controls {display: flex; flex-wrap: wrap; justify-content: center;
  align-items: center; gap: 4px; margin: 4px 0}
.descent-anim button {min-width: 2.2em; min-height: 2em; padding: 0 6px; font: inherit; color: inherit;
  background: transparent; border: 1px solid currentColor; border-radius: 4px; cursor: pointer}
.descent-anim label {display: inline-flex; align-items: center; gap: 4px; max-width: 100%}
.descent-anim input[type=range] {width: 12em; max-width: 60vw}
.descent-anim button:focus-visible, .descent-anim input:focus-visible {outline: 3px solid #f0a000;
  outline-offset: 2px}
</style>"""

_PLAYER = """<div class="animation descent-anim" id="{id}" role="group" aria-label="{label}">
<img src="{first}" alt="{alt0}" width="{width}" height="{height}">
<div class="descent-anim-controls">
<button type="button" title="First frame" aria-label="First frame" data-do="first">&laquo;</button>
<button type="button" title="Previous frame" aria-label="Previous frame" data-do="prev">&lsaquo;</button>
<button type="button" title="Play" aria-label="Play" data-do="play">&#9654;</button>
<button type="button" title="Pause" aria-label="Pause" data-do="pause">&#8214;</button>
<button type="button" title="Next frame" aria-label="Next frame" data-do="next">&rsaquo;</button>
<button type="button" title="Last frame" aria-label="Last frame" data-do="last">&raquo;</button>
<label>frame <input type="range" min="0" max="{last}" step="1" value="0"
 aria-valuetext="frame 1 of {n}"></label>
</div>
</div>
<script>
(function () {{
  var root = document.getElementById("{id}"), img = root.querySelector("img"),
      range = root.querySelector("input"), timer = null, i = 0, loop = {loop};
  var frames = [img.getAttribute("src")], alts = {alts};
{frames}
  function show(k) {{
    i = Math.max(0, Math.min(frames.length - 1, k));
    img.src = frames[i]; img.alt = alts[i]; range.value = i;
    range.setAttribute("aria-valuetext", "frame " + (i + 1) + " of " + frames.length);
  }}
  function pause() {{ if (timer) {{ clearInterval(timer); timer = null; }} }}
  function play() {{
    pause();
    if (i === frames.length - 1) show(0);
    timer = setInterval(function () {{
      if (i < frames.length - 1) show(i + 1); else if (loop) show(0); else pause();
    }}, {interval});
  }}
  var act = {{first: function () {{ pause(); show(0); }}, prev: function () {{ pause(); show(i - 1); }},
             next: function () {{ pause(); show(i + 1); }}, last: function () {{ pause(); show(frames.length - 1); }},
             play: play, pause: pause}};
  root.querySelectorAll("button").forEach(function (b) {{
    b.addEventListener("click", act[b.getAttribute("data-do")]);
  }});
  range.addEventListener("input", function () {{ pause(); show(parseInt(range.value, 10)); }});
}})();
</script>"""


def animation_html(fig, update: Callable[[int], object], frames: int, *, interval: int = 120,
                   dpi: float = 72, default_mode: str = "once", colors: int = 64, scale: int = 2,
                   describe: Callable[[int], str] | None = None, label: str | None = None):
    """An animation as HTML + JavaScript that plays in the page with no kernel (Jupyter, Colab, the website).

    ``update(i)`` redraws frame ``i`` on ``fig``; each frame is drawn at ``scale`` times ``dpi`` and
    shown ``dpi`` CSS pixels per inch, never wider than its column, as a palette PNG of ``colors``
    colours (0: full colour), every text at least :data:`MIN_TEXT_PX` pixels tall. ``describe(i)``
    says in words what frame ``i`` shows: the image's alt text, which follows the frame; ``label``
    names the whole animation (default: the first frame's description). ``default_mode``: "once"
    stops at the last frame, "loop" starts again.
    The player's element id is a hash of its frames, so re-executing gives identical bytes.
    Returns an ``IPython.display.HTML`` object; the figure is closed.
    """
    import json

    from IPython.display import HTML

    if not isinstance(frames, int) or frames < 1:
        raise ValueError(f"Invalid frames: {frames!r} (expected an int >= 1)")
    if default_mode not in ("once", "loop"):
        raise ValueError(f"Invalid default_mode: {default_mode!r} (expected 'once' or 'loop')")
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"Invalid scale: {scale!r} (expected an int >= 1)")
    pngs, alts = [], []
    try:
        for i in range(frames):
            update(i)
            pngs.append(figure_png(fig, dpi=dpi * scale, colors=colors, min_pt=MIN_TEXT_PX * 72 / dpi))
            alts.append(describe(i) if describe is not None else f"frame {i + 1} of {frames}")
            if not isinstance(alts[-1], str) or not alts[-1].strip():
                raise ValueError(f"describe({i}) returned {alts[-1]!r}: expected a sentence saying what it shows")
    finally:
        plt.close(fig)
    from PIL import Image

    width, height = Image.open(io.BytesIO(pngs[0])).size
    uris = ["data:image/png;base64," + base64.b64encode(p).decode() for p in pngs]
    digest = hashlib.sha1("".join(uris + alts).encode()).hexdigest()[:16]
    text = _PLAYER.format(
        id=f"descent-anim-{digest}", label=html.escape(label or alts[0]), first=uris[0], alt0=html.escape(alts[0]),
        width=round(width / scale), height=round(height / scale), last=frames - 1, n=frames,
        alts=json.dumps(alts, ensure_ascii=False).replace("</", "<\\/"),
        loop="true" if default_mode == "loop" else "false",
        frames="\n".join(f'  frames[{i}] = "{u}";' for i, u in enumerate(uris) if i), interval=int(interval))
    return HTML(_PLAYER_STYLE + "\n" + text)
