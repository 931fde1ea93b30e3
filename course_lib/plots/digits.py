"""The static figures of the chapter *SGD from scratch on handwritten digits*.

- :func:`accuracy_and_loss`: validation accuracy per epoch for some runs beside a loss per epoch for
  others, the two panels every training comparison of the chapter shows.

Nothing here trains a model: the numbers come from :mod:`course_lib.training` histories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["accuracy_and_loss"]


def _curves(curves: Mapping[str, Sequence[float]], name: str) -> dict[str, np.ndarray]:
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(f"{name} must be a non-empty mapping of label -> values per epoch")
    out = {}
    for label, values in curves.items():
        arr = np.asarray(values, dtype=float).ravel()
        if arr.size == 0:
            raise ValueError(f"{name}[{label!r}] is empty")
        out[str(label)] = arr
    return out


def _draw(ax, curves: dict[str, np.ndarray], markers: bool) -> None:
    for label, ys in curves.items():
        ax.plot(np.arange(1, len(ys) + 1), ys, "-o" if markers else "-", markersize=3, label=label)
    ax.set_xlabel("epoch")
    ax.legend(fontsize="small")


def accuracy_and_loss(accuracies: Mapping[str, Sequence[float]], losses: Mapping[str, Sequence[float]], *,
                      accuracy_title: str = "Accuracy per epoch", loss_title: str = "Loss per epoch",
                      loss_label: str = "loss", log_loss: bool = False, accuracy_ylim=None, figsize=(8.0, 3.2)):
    """Left: each curve of ``accuracies`` (label -> validation accuracy after epochs 1, 2, …) with markers;
    right: each curve of ``losses``, on a log scale with ``log_loss``. Returns the figure."""
    accuracies, losses = _curves(accuracies, "accuracies"), _curves(losses, "losses")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    _draw(ax1, accuracies, markers=True)
    ax1.set_ylabel("validation accuracy")
    ax1.set_title(accuracy_title)
    if accuracy_ylim is not None:
        ax1.set_ylim(*accuracy_ylim)
    _draw(ax2, losses, markers=False)
    if log_loss:
        ax2.set_yscale("log")
    ax2.set_ylabel(loss_label)
    ax2.set_title(loss_title)
    fig.tight_layout()
    return fig
