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
    figure defaults. Returns nothing, so it prints nothing as a cell's last line.
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
