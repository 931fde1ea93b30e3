r"""The static figures of the chapter *Loss functions*: what the chapter computes, drawn.

- :func:`naive_vs_stable`: two ways of computing a loss of one logit (say, ``BCELoss(sigmoid(z))``
  and ``BCEWithLogitsLoss(z)``), their values (left) and their derivatives with respect to the
  logit (right), against the logit.

Nothing here computes a loss: the values come from torch or :mod:`course_lib.losses`. Every function
returns its figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["naive_vs_stable"]


def _flat(values, name: str) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    return arr


def naive_vs_stable(z, losses: Sequence, grads: Sequence, *, labels: Sequence[str] = ("naive", "stable"),
                    target: float = 0.0, dtype: str = "float32", grad_ylim=(-0.1, 1.2), figsize=(7, 3.2)):
    r"""Two computations of a loss of one logit against the logit ``z``: ``losses = (naive, stable)``
    their values (left), ``grads = (naive, stable)`` their derivatives :math:`\partial\ell/\partial z`
    (right); the first drawn solid, the second dashed. Arrays, lists or tensors of the length of ``z``."""
    zs = _flat(z, "z")
    if len(losses) != 2 or len(grads) != 2 or len(labels) != 2:
        raise ValueError("naive_vs_stable: give two losses, two gradients and two labels")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    for ax, curves in ((ax1, losses), (ax2, grads)):
        for values, label, color, style in zip(curves, labels, ("crimson", "0.2"), ("-", "--")):
            values = _flat(values, label)
            if values.shape != zs.shape:
                raise ValueError(f"{label}: {values.size} values for {zs.size} logits")
            ax.plot(zs, values, color=color, ls=style, label=label)
        ax.set_xlabel(f"logit $z$ (target {target:g})")
        ax.legend(fontsize="small")
    ax1.set_ylabel("loss")
    ax1.set_title(f"loss, {dtype}")
    ax2.set_ylabel(r"$\partial \ell / \partial z$")
    ax2.set_title(f"gradient, {dtype}")
    ax2.set_ylim(*grad_ylim)
    fig.tight_layout()
    return fig
