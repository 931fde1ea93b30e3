"""Races on the 2-D surfaces: a surface turned off its axes, and the step from which a run settles.

- :class:`Rotated`: the same surface, turned, so per-coordinate methods lose what the axes gave them;
- :func:`settle_steps`: the first step from which the loss stays within a tolerance;
- :func:`best_steps`: the fastest learning rate of a grid, all run as one batch by
  :func:`course_lib.optim.run_trajectories`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from course_lib import optim
from course_lib.surfaces import Surface

__all__ = ["Rotated", "settle_steps", "best_steps"]


class Rotated(Surface):
    r"""A 2-D surface turned by ``degrees`` about the origin: :math:`g(\mathbf u) = f(R\mathbf u)`.

    Gradient :math:`R^\top \nabla f(R\mathbf u)`, Hessian :math:`R^\top H R`; start and minimum are turned
    with it, so every optimizer faces the same problem, only no longer lined up with the axes (which
    per-coordinate methods such as AdaGrad, RMSProp and Adam can exploit).
    """

    def __init__(self, base: Surface, degrees: float):
        if base.dim != 2:
            raise ValueError(f"Rotated needs a 2-D surface, got dim {base.dim}")
        th = math.radians(float(degrees))
        rot = torch.tensor([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]], dtype=torch.float64)
        object.__setattr__(self, "base", base)
        object.__setattr__(self, "degrees", float(degrees))
        object.__setattr__(self, "rotation", rot)

        def back(p):  # u = R^T p
            return tuple(float(v) for v in rot.T @ torch.tensor(p, dtype=torch.float64))

        corners = torch.tensor([[x, y] for x in base.window[0] for y in base.window[1]], dtype=torch.float64)
        turned = corners @ rot  # rows R^T p
        window = tuple((float(turned[:, i].min()), float(turned[:, i].max())) for i in range(2))
        super().__init__(name=f"{base.name} turned {float(degrees):g}°", dim=2, window=window,
                         start=back(base.start), minimum=None if base.minimum is None else back(base.minimum))

    def _value(self, u):
        return self.base._value(u @ self.rotation.T)

    def _grad(self, u):
        return self.base._grad(u @ self.rotation.T) @ self.rotation

    def _hessian(self, u):
        return self.rotation.T @ self.base._hessian(u @ self.rotation.T) @ self.rotation


def settle_steps(losses: np.ndarray, tol: float, minimum_value: float = 0.0) -> np.ndarray:
    """For each row of ``losses`` ``(runs, steps + 1)``: the first step from which the loss stays within ``tol``
    of ``minimum_value`` to the end (-1 if it never settles; NaN, a diverged run, never counts as within)."""
    losses = np.atleast_2d(np.asarray(losses, dtype=np.float64))
    within = np.abs(np.nan_to_num(losses, nan=np.inf) - minimum_value) <= tol
    # stays[i, t]: within from t to the end
    stays = np.flip(np.logical_and.accumulate(np.flip(within, axis=1), axis=1), axis=1)
    first = stays.argmax(axis=1)
    return np.where(stays.any(axis=1), first, -1)


def best_steps(surface, rule: str, lrs: Sequence[float], *, steps: int, tol: float, start=None,
               **fixed: Any) -> dict[str, Any]:
    """Run ``rule`` on ``surface`` for every learning rate of ``lrs`` (one batch of runs) and report the fastest.

    Returns ``{"steps": s, "lr": lr, "per_lr": array, "runs": Trajectories}`` where ``per_lr[i]`` is the step
    from which the loss stays within ``tol`` of the surface's minimum value with ``lrs[i]`` (see
    :func:`settle_steps`; -1 if never within ``steps``), ``s`` the smallest of them and ``lr`` its learning rate
    (-1 and None when no learning rate gets there).
    """
    starts = None if start is None else [start]
    runs = optim.run_trajectories(surface, rule, starts, steps, grid={"lr": list(lrs)}, **fixed)
    per_lr = settle_steps(runs.losses, tol, surface.minimum_value)
    ok = per_lr >= 0
    if not ok.any():
        return {"steps": -1, "lr": None, "per_lr": per_lr, "runs": runs}
    i = int(np.argmin(np.where(ok, per_lr, np.iinfo(np.int64).max)))
    return {"steps": int(per_lr[i]), "lr": float(lrs[i]), "per_lr": per_lr, "runs": runs}
