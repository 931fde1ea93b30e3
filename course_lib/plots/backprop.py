"""Figures of the chapter on backpropagation (``book/03_backpropagation.ipynb``).

Each function draws numbers the chapter computed (it computes nothing itself), takes ``ax=None``
and returns the Axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from course_lib.plots import _ax

__all__ = ["plain_log", "gradient_check_errors", "errors_against_eps", "gradient_norms"]


def plain_log(axis) -> None:
    """Decade ticks labelled "1e-03" in plain text on a log-scale axis, no minor ticks.

    Matplotlib's default log ticks are typeset with mathtext, minor ones included, which makes
    a frame several times slower to draw.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    axis.set_major_locator(LogLocator(base=10, numticks=12))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}" if v >= 1 else f"{v:.0e}"))
    axis.set_minor_locator(NullLocator())


def _check_same_length(**series) -> None:
    lengths = {name: len(values) for name, values in series.items()}
    if len(set(lengths.values())) != 1:
        sizes = ", ".join(f"{k}: {v}" for k, v in lengths.items())
        raise ValueError(f"expected series of the same length, got {sizes}")


def _decades(values: Sequence[float], step: int = 3) -> list[float]:
    """Every ``step``-th power of ten inside the range of ``values`` (positive): few, legible ticks."""
    logs = np.log10([v for v in values if v > 0])
    return [10.0**k for k in range(int(np.ceil(logs.min())), int(np.floor(logs.max())) + 1, step)]


def gradient_check_errors(names: Sequence[str], central: Sequence[float], one_sided: Sequence[float], ax=None,
                          *, eps_label: str = r"$\epsilon = 10^{-6}$"):
    """Two bars per parameter: the relative error of the central and of the one-sided difference (log scale)."""
    _check_same_length(names=names, central=central, one_sided=one_sided)
    ax = _ax(ax)
    positions = np.arange(len(names))
    ax.bar(positions - 0.2, central, width=0.4, label="central")
    ax.bar(positions + 0.2, one_sided, width=0.4, label="one-sided")
    ax.set_yscale("log")
    plain_log(ax.yaxis)
    ax.set_xticks(positions, list(names))
    ax.set_ylabel("relative error")
    ax.set_title(f"every parameter, {eps_label}")
    ax.set_ylim(top=3 * max(max(central), max(one_sided)))
    ax.legend(loc="upper left", ncol=2, fontsize="small")
    return ax


def errors_against_eps(eps: Sequence[float], central: Sequence[float], one_sided: Sequence[float], ax=None,
                       *, name: str = r"$\partial \mathcal{L}/\partial w_5$"):
    """The relative error of both differences against the step ``eps`` (log-log)."""
    _check_same_length(eps=eps, central=central, one_sided=one_sided)
    ax = _ax(ax)
    ax.loglog(eps, central, label="central")
    ax.loglog(eps, one_sided, label="one-sided")
    plain_log(ax.xaxis)
    plain_log(ax.yaxis)
    ax.set_xticks(_decades(eps))
    ax.set_yticks(_decades(list(central) + list(one_sided)))
    ax.set_xlabel(r"$\epsilon$")
    ax.set_ylabel("relative error")
    ax.set_title(f"{name} against $\\epsilon$")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def gradient_norms(norms: Mapping[str, Sequence[float]], ax=None):
    """Per-layer gradient norms, one line per activation, layer 1 (next to the input) on the left (log scale)."""
    if not norms:
        raise ValueError("norms is empty: expected {activation: per-layer norms}")
    ax = _ax(ax)
    for name, values in norms.items():
        ax.semilogy(np.arange(1, len(values) + 1), values, "-o", markersize=4, label=name)
    depth = max(len(v) for v in norms.values())
    ax.set_xticks(np.arange(1, depth + 1))
    plain_log(ax.yaxis)
    ax.set_xlabel("layer $l$ (1 = next to the input)")
    ax.set_ylabel(r"$\|\partial \mathcal{L} / \partial W^l\|$")
    ax.set_title(f"Gradient norms of a {depth}-layer network at initialisation")
    ax.legend(fontsize="small")
    return ax
