"""Reproducible runs: one call at the top of every notebook."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

DEFAULT_SEED = 0


def setup(seed: int = DEFAULT_SEED, threads: int = 1, precision: int = 4) -> None:
    """Make the rest of a notebook reproducible and its printed numbers stable.

    Seeds Python's ``random``, NumPy's global generator and torch; pins torch to
    ``threads`` threads (results of reductions change with the thread count);
    sets the print precision of NumPy and torch; and gives matplotlib the course's
    figure defaults. In a notebook, figures are shown sharp on high-DPI screens: drawn at
    twice their pixels, shown at their size, as palette PNGs (light pages), with no text
    under 10 pixels (:func:`retina_png`). Returns nothing, so it prints nothing as a cell's
    last line.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"Invalid seed: {seed!r} (expected a non-negative int)")
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"Invalid threads: {threads!r} (expected an int >= 1)")
    if not isinstance(precision, int) or precision < 0:
        raise ValueError(f"Invalid precision: {precision!r} (expected a non-negative int)")
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the legacy global generator, for readers' own np.random calls
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    np.set_printoptions(precision=precision, suppress=True)
    torch.set_printoptions(precision=precision, sci_mode=False)

    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
        }
    )
    _show_figures_sharp()


def retina_png(fig, colors: int = 256):
    """A figure as a notebook shows it after :func:`setup`: ``(png, {"width", "height"})``, drawn at twice
    ``figure.dpi`` and shown at its size (IPython's "retina" format), every text raised to 10 pixels as
    shown, palette-quantised to ``colors`` colours. ``None`` for an empty figure, as IPython does."""
    import io

    from PIL import Image

    from course_lib.plots import MIN_TEXT_PX, floor_fonts

    if not fig.axes and not fig.lines and not fig.texts:
        return None
    floor_fonts(fig, MIN_TEXT_PX * 72 / fig.dpi)
    buf = io.BytesIO()
    fig.canvas.print_figure(buf, format="png", dpi=2 * fig.dpi, bbox_inches="tight",
                            facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor())
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    width, height = image.size
    if colors:
        image = image.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="png", compress_level=9)
    return out.getvalue(), {"width": width // 2, "height": height // 2}


def _show_figures_sharp() -> None:
    """In IPython, show matplotlib figures with :func:`retina_png` (outside IPython: nothing)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # load the backend now: the inline backend sets its own PNG formatter when it loads
    plt.switch_backend(mpl.get_backend())

    shell.display_formatter.formatters["image/png"].for_type(Figure, retina_png)
