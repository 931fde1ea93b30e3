"""Pictures and the widget of the chapter "SGD from scratch on handwritten digits".

- :func:`show_digits`: a row of 3s and a row of 7s from a :class:`~course_lib.data.Digits`;
- :func:`lr_batch_results` / :func:`lr_batch_widget`: validation curves of the linear model for a grid
  of learning rates × batch sizes (the numbers come from :func:`course_lib.training.train_grid`);
  :func:`lr_batch_table` and :func:`lr_steps_table` print what the widget shows;
- :func:`training_animation`: the weights seen as an image, and the accuracy, epoch after epoch.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from course_lib.training import History, train_grid
from course_lib.widgets.frames import Control, FrameWidget, frame_widget

__all__ = ["show_digits", "lr_batch_results", "lr_batch_widget", "lr_batch_table", "lr_steps_table",
           "training_animation", "DEFAULT_LRS", "DEFAULT_BATCH_SIZES"]

DEFAULT_LRS = (0.01, 0.1, 1.0, 10.0, 100.0)
DEFAULT_BATCH_SIZES = (16, 64, 128, 800)


def show_digits(data, n: int = 8, fig=None):
    """The first ``n`` training images of each digit, one row per digit. Returns the figure."""
    fig = fig or plt.figure(figsize=(n * 0.8, 1.9))
    axes = fig.subplots(2, n)
    for row, label in enumerate((1.0, 0.0)):
        idx = np.flatnonzero(data.train_y[:, 0].numpy() == label)[:n]
        for ax, i in zip(axes[row], idx):
            ax.imshow(data.train_x[i].reshape(data.image_shape).numpy(), cmap="Greys")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            for spine in ax.spines.values():
                spine.set_visible(False)
        axes[row][0].set_ylabel(f"{data.digits[row]}  (y={int(label)})", rotation=0, ha="right", va="center")
    return fig


def lr_batch_results(data, lrs: Sequence[float] = DEFAULT_LRS, batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES,
                     *, epochs: int = 20, seed: int = 0) -> dict[tuple[float, int], History]:
    """``{(lr, batch_size): History}`` for ``nn.Linear(784, 1)`` trained with plain SGD.

    One :func:`~course_lib.training.train_grid` call (a fit run per learning rate) per batch size.
    """
    out = {}
    for bs in batch_sizes:
        for lr, h in zip(lrs, train_grid(data, "SGD", lrs, epochs=epochs, batch_size=bs, seed=seed)):
            out[(lr, bs)] = h
    return out


def _grid_axes(results) -> tuple[list[float], list[int]]:
    if not results:
        raise ValueError("results is empty: pass the dictionary lr_batch_results returns")
    lrs = sorted({float(lr) for lr, _ in results})
    sizes = sorted({int(bs) for _, bs in results})
    missing = [(lr, bs) for lr in lrs for bs in sizes if (lr, bs) not in results]
    if missing:
        raise ValueError(f"results is not a full grid: no run for (lr, batch_size) in {missing[:3]}")
    return lrs, sizes


def _steps_per_epoch(n_train: int, batch_size: int) -> int:
    return -(-n_train // batch_size)


def lr_batch_table(results: dict, n_train: int, *, what: str = "valid_loss", digits: int = 4) -> str:
    """The grid of :func:`lr_batch_results` as text: one row per batch size (with its steps per epoch),
    one column per learning rate, each cell the last epoch's ``what`` (``"valid_loss"`` or
    ``"valid_accuracy"``)."""
    if what not in ("valid_loss", "valid_accuracy"):
        raise ValueError(f"Invalid what: {what!r} (expected 'valid_loss' or 'valid_accuracy')")
    if isinstance(n_train, bool) or not isinstance(n_train, int) or n_train < 1:
        raise ValueError(f"Invalid n_train: {n_train!r} (expected a positive int)")
    lrs, sizes = _grid_axes(results)
    width = digits + 3
    lines = [f"{'batch':>5s} {'steps/epoch':>11s} | " + " ".join(f"{f'lr {lr:g}':>{width}s}" for lr in lrs)]
    for bs in sizes:
        cells = " ".join(f"{getattr(results[(lr, bs)], what)[-1]:{width}.{digits}f}" for lr in lrs)
        lines.append(f"{bs:5d} {_steps_per_epoch(n_train, bs):11d} | {cells}")
    return "\n".join(lines)


def lr_steps_table(results: dict, n_train: int, *, max_lr: float = 1.0) -> str:
    """The runs of :func:`lr_batch_results` with a learning rate up to ``max_lr``, sorted by the learning
    rate times the number of steps taken (steps per epoch × epochs), with their last validation loss."""
    if isinstance(n_train, bool) or not isinstance(n_train, int) or n_train < 1:
        raise ValueError(f"Invalid n_train: {n_train!r} (expected a positive int)")
    lrs, sizes = _grid_axes(results)
    rows = []
    for lr in lrs:
        if lr > max_lr:
            continue
        for bs in sizes:
            h = results[(lr, bs)]
            steps = _steps_per_epoch(n_train, bs) * len(h)
            rows.append((lr * steps, lr, bs, steps, h.valid_loss[-1]))
    if not rows:
        raise ValueError(f"no run has a learning rate <= max_lr={max_lr}")
    lines = [f"{'lr x steps':>10s} {'lr':>6s} {'batch':>5s} {'steps':>6s} {'final loss':>10s}"]
    for product, lr, bs, steps, loss in sorted(rows):
        lines.append(f"{product:10g} {lr:6g} {bs:5d} {steps:6d} {loss:10.4f}")
    return "\n".join(lines)


def lr_batch_widget(data=None, lrs: Sequence[float] = DEFAULT_LRS, batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES,
                    *, epochs: int = 20, seed: int = 0, results=None, n_train: int | None = None) -> FrameWidget:
    """Pick a learning rate and a batch size; see the validation accuracy per epoch and the final loss of every pair.

    Left: validation accuracy against epochs for the chosen pair (bold) and the other learning rates at the
    same batch size (faint). Right: the final validation loss of the whole grid, the chosen pair boxed.
    ``results`` (from :func:`lr_batch_results`) may be passed to skip the training; without ``data``
    the course's digits (:func:`course_lib.data.load_digits`) are used.
    """
    if data is None and results is None:
        from course_lib.data import load_digits

        data = load_digits()
    results = results if results is not None else lr_batch_results(data, lrs, batch_sizes, epochs=epochs, seed=seed)
    n_train = n_train if n_train is not None else (len(data.train_x) if data is not None else None)
    loss_grid = np.array([[results[(lr, bs)].valid_loss[-1] for lr in lrs] for bs in batch_sizes])

    def draw(fig, lr, batch_size):
        ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
        for other in lrs:
            h = results[(other, batch_size)]
            if other != lr:
                ax1.plot(h.epochs, h.valid_accuracy, color="0.75", linewidth=1)
        h = results[(lr, batch_size)]
        ax1.plot(h.epochs, h.valid_accuracy, color="C0", linewidth=2.2, marker="o", markersize=3,
                 label=f"lr {lr:g}, batch {batch_size}")
        ax1.plot([], [], color="0.75", label="other lr, same batch")
        ax1.set_ylim(0.4, 1.0)
        ax1.set_xlabel("epoch")
        ax1.set_ylabel("validation accuracy")
        steps = f", {-(-n_train // batch_size)} steps/epoch" if n_train else ""
        ax1.set_title(f"final accuracy {h.valid_accuracy[-1]:.4f}{steps}", fontsize=9)
        ax1.legend(loc="lower right", fontsize=8)
        ax2.imshow(np.log10(loss_grid), cmap="viridis", aspect="auto")
        ax2.set_xticks(range(len(lrs)), [f"{v:g}" for v in lrs], fontsize=8)
        ax2.set_yticks(range(len(batch_sizes)), [str(b) for b in batch_sizes], fontsize=8)
        ax2.set_xlabel("learning rate")
        ax2.set_ylabel("batch size")
        ax2.grid(False)
        i, j = list(batch_sizes).index(batch_size), list(lrs).index(lr)
        ax2.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="crimson", linewidth=2.5))
        for (r, c), v in np.ndenumerate(loss_grid):
            ax2.text(c, r, f"{v:.3f}", ha="center", va="center", fontsize=8,
                     color="white" if np.log10(v) < np.log10(loss_grid).mean() else "black")
        ax2.set_title("final validation loss (darker: lower)", fontsize=9)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.15, top=0.9, wspace=0.3)

    def compute(lr, batch_size):
        return results[(lr, batch_size)]

    default_lr = 1.0 if 1.0 in lrs else lrs[0]
    default_bs = 128 if 128 in batch_sizes else batch_sizes[0]
    controls = [Control("lr", list(lrs), description="learning rate", default=default_lr),
                Control("batch_size", list(batch_sizes), description="batch size", default=default_bs)]
    def describe(lr, batch_size):
        h = results[(lr, batch_size)]
        best = min(results, key=lambda k: results[k].valid_loss[-1])
        return (f"Plain SGD with learning rate {lr:g} and batch size {batch_size}: validation accuracy "
                f"{h.valid_accuracy[-1]:.4f} and validation loss {h.valid_loss[-1]:.3f} after {len(h)} "
                f"epochs. Right: the final validation loss of every pair, lowest ({results[best].valid_loss[-1]:.3f})"
                f" at learning rate {best[0]:g}, batch size {best[1]}.")

    return frame_widget(draw, controls, compute=compute, describe=describe,
                        title="Learning rate × batch size (plain SGD, 20 epochs)", figsize=(7, 3.2))


def training_animation(snapshots: Sequence[np.ndarray], accuracies: Sequence[float], image_shape=(28, 28),
                       *, xlabel: str = "step", interval: int = 300):
    """Frame ``i``: the weights after step (or epoch) ``i`` drawn as an image (red pushes the score towards "3",
    blue towards "7") beside the validation accuracy so far. ``snapshots[0]`` and ``accuracies[0]`` are before
    training."""
    from course_lib.plots import animation_html

    snaps = [np.asarray(s, dtype=float).reshape(image_shape) for s in snapshots]
    accs = np.asarray(accuracies, dtype=float)
    if len(snaps) != len(accs):
        raise ValueError(f"one accuracy per snapshot: got {len(snaps)} snapshots and {len(accs)} accuracies")
    limit = max(float(np.abs(s).max()) for s in snaps)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.4, 2.9), gridspec_kw={"width_ratios": [1, 1.4]})
    image = ax1.imshow(snaps[0], cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax1.set_xticks([])
    ax1.set_yticks([])
    ax1.grid(False)
    title = ax1.set_title(f"weights, {xlabel} 0", fontsize=9)
    (line,) = ax2.plot([], [], "-o", color="C0", markersize=3)
    ax2.set_xlim(0, len(accs) - 1)
    ax2.set_ylim(min(0.4, float(accs.min()) - 0.02), 1.0)
    ax2.set_xlabel(xlabel)
    ax2.set_ylabel("validation accuracy")
    ax2.set_title("accuracy", fontsize=9)
    fig.tight_layout()

    def update(i):
        image.set_data(snaps[i])
        title.set_text(f"weights, {xlabel} {i}")
        line.set_data(np.arange(i + 1), accs[: i + 1])
        ax2.set_title(f"accuracy {accs[i]:.4f}", fontsize=9)
        return image, line

    def describe(i):
        return (f"The model's weights after {xlabel} {i} drawn as a {image_shape[0]}×{image_shape[1]} image, red "
                f"where a dark pixel pushes the score towards 3, blue towards 7; validation accuracy {accs[i]:.4f}.")

    return animation_html(fig, update, len(snaps), interval=interval, describe=describe,
                          label=f"Animation: the weights and the accuracy, {xlabel} by {xlabel}")
