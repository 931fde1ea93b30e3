"""The widget of the chapter "Choosing an optimizer".

- :func:`optimizer_lr_widget`: pick an optimizer and a learning rate, see its validation curves for every seed
  and where it sits on its sensitivity curve.

The runs come from :func:`course_lib.training.sensitivity_results`; the chapter's static figures are in
:mod:`course_lib.plots.choosing`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_lib.plots.choosing import COLORS, plain_log
from course_lib.training import History
from course_lib.training.sensitivity import summary
from course_lib.widgets.frames import Control, FrameWidget, frame_widget

__all__ = ["optimizer_lr_widget"]


def optimizer_lr_widget(results: dict[str, list[list[History]]], lrs: Sequence[float],
                        shown_lrs: Sequence[float] | None = None) -> FrameWidget:
    """Optimizer × learning rate: validation loss per epoch for every seed (left) and the final loss against the
    learning rate for every optimizer, the chosen one in colour and the chosen rate marked (right).

    ``results`` come from :func:`sensitivity_results` on the grid ``lrs``; ``shown_lrs`` (default: all) are the
    learning rates the slider offers, a subset of ``lrs``.
    """
    lrs = [float(v) for v in lrs]
    shown = [float(v) for v in (shown_lrs if shown_lrs is not None else lrs)]
    index = {}
    for v in shown:
        matches = [i for i, w in enumerate(lrs) if np.isclose(v, w)]
        if not matches:
            raise ValueError(f"Invalid shown learning rate {v}: not on the grid {lrs}")
        index[v] = matches[0]
    stats = summary(results)
    names = list(results)
    all_losses = np.array([s["mean"] for s in stats.values()])
    floor = max(float(np.nanmin(all_losses)) * 0.5, 1e-4)

    def compute(optimizer, lr):
        runs = [row[index[lr]] for row in results[optimizer]]
        return {"histories": runs,
                "final_loss": float(np.mean([h.valid_loss[-1] for h in runs])),
                "final_accuracy": float(np.mean([h.valid_accuracy[-1] for h in runs]))}

    def draw(fig, optimizer, lr):
        ax1, ax2 = fig.subplots(1, 2)
        r = compute(optimizer, lr)
        for k, h in enumerate(r["histories"]):
            ax1.plot(h.epochs, h.valid_loss, color=COLORS[optimizer], alpha=0.9, linewidth=1.4,
                     label="each seed" if k == 0 else None)
        ax1.set_yscale("log")
        plain_log(ax1, "y")
        ax1.set_ylim(floor, 0.6)
        ax1.set_xlabel("epoch")
        ax1.set_ylabel("validation loss")
        ax1.set_title(f"{optimizer}, lr {lr:g}: loss {r['final_loss']:.4f}, acc {r['final_accuracy']:.4f}",
                      fontsize=9)
        ax1.legend(fontsize=8, loc="lower left")
        for name in names:
            if name != optimizer:
                ax2.plot(lrs, stats[name]["mean"], color="0.8", linewidth=1)
        s = stats[optimizer]
        ax2.plot(lrs, s["mean"], "-o", markersize=3, color=COLORS[optimizer], label=optimizer)
        ax2.fill_between(lrs, s["min"], s["max"], color=COLORS[optimizer], alpha=0.25, linewidth=0)
        ax2.plot([lr], [s["mean"][index[lr]]], "o", markersize=10, markerfacecolor="none",
                 markeredgecolor="crimson", markeredgewidth=2)
        ax2.plot([], [], color="0.8", label="other optimizers")
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        plain_log(ax2)
        ax2.set_ylim(floor, 0.6)
        ax2.set_xlabel("learning rate")
        ax2.set_title("final loss against learning rate", fontsize=9)
        ax2.legend(fontsize=8, loc="lower left")
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.9, wspace=0.3)

    controls = [Control("optimizer", names, kind="dropdown", description="optimizer"),
                Control("lr", shown, description="learning rate", default=shown[len(shown) // 2])]
    def describe(optimizer, lr):
        r = compute(optimizer, lr)
        best = int(np.nanargmin(stats[optimizer]["mean"]))
        return (f"{optimizer} at learning rate {lr:g} on the digits: mean final validation loss "
                f"{r['final_loss']:.4f} and accuracy {r['final_accuracy']:.4f} over {len(r['histories'])} seeds "
                f"(left: the loss per epoch of each seed). Right: its final loss against the learning rate, lowest "
                f"at {lrs[best]:g}, beside the other optimizers in grey.")

    return frame_widget(draw, controls, compute=compute, describe=describe,
                        title="Optimizer × learning rate on the digits (3 seeds)", figsize=(7, 3.2))
