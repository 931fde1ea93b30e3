"""Drawings for the toy layered widgets of the LayeredWidget tests (pytest and browser): shared axes, a
background titled with its frequency, and a transparent sine layer per colour."""

from __future__ import annotations

import numpy as np

X = np.linspace(0, 4, 80)


def axes(fig, off):
    ax = fig.add_axes([0.1, 0.15, 0.85, 0.75])
    ax.set_xlim(0, 4)
    ax.set_ylim(-3, 3)
    if off:
        ax.set_axis_off()
    return ax


def background(fig, k):
    axes(fig, False).set_title(f"k = {k}")


def curve(color, phase, lw=2):
    """A layer's drawing: its own control (the amplitude) times sin(k x + phase)."""
    def draw(fig, k, **own):
        axes(fig, True).plot(X, next(iter(own.values())) * np.sin(k * X + phase), color=color, lw=lw)
    return draw
