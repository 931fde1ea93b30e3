"""Many trajectories at once on a 2-D (or 1-D) surface: every start point and every hyper-parameter setting
in one batch of tensors, each step one call of the same update rule the optimizer classes use.

A hyper-parameter that varies between runs becomes a ``(runs, 1)`` tensor broadcast against the
``(runs, dim)`` positions (see :mod:`course_lib.optim.rules` for that mode).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from course_lib.optim.rules import adadelta_update, adagrad_update, adam_update, rmsprop_update, sgd_update

__all__ = ["RULES", "Trajectories", "run_trajectories"]

RULES: dict[str, Callable[..., None]] = {
    "sgd": sgd_update,
    "momentum": sgd_update,
    "nesterov": sgd_update,
    "adagrad": adagrad_update,
    "rmsprop": rmsprop_update,
    "adadelta": adadelta_update,
    "adam": adam_update,
    "amsgrad": adam_update,
    "adamw": adam_update,
}
_RULE_DEFAULTS: dict[str, dict[str, Any]] = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9, "nesterov": True},
    "adagrad": {},
    "rmsprop": {},
    "adadelta": {},
    "adam": {},
    "amsgrad": {"amsgrad": True},
    "adamw": {"decoupled_weight_decay": True, "weight_decay": 1e-2},
}
_TENSOR_HYPERS = {"lr", "momentum", "dampening", "weight_decay", "lr_decay", "eps", "alpha", "rho"}


@dataclass
class Trajectories:
    """The result of :func:`run_trajectories`, one row per run (every start × every setting).

    ``paths``: ``(runs, steps + 1, dim)`` positions, NaN after a run diverged;
    ``losses``: ``(runs, steps + 1)`` surface values, NaN after divergence;
    ``diverged``: ``(runs,)`` bool; ``diverged_at``: the step it was detected at, or -1;
    ``settings``: the hyper-parameters of each run; ``starts``: its start point.
    """

    paths: np.ndarray
    losses: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    settings: list[dict[str, Any]]
    starts: np.ndarray
    rule: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.paths)

    def final(self) -> np.ndarray:
        """The last position of each run (NaN rows for diverged runs)."""
        return self.paths[:, -1]

    def steps_to(self, tol: float, minimum_value: float = 0.0) -> np.ndarray:
        """The first step at which each run's loss is within ``tol`` of ``minimum_value`` (-1 if never)."""
        hit = np.abs(np.nan_to_num(self.losses, nan=np.inf) - minimum_value) <= tol
        first = hit.argmax(axis=1)
        return np.where(hit.any(axis=1), first, -1)


def _grid(grid: Mapping[str, Sequence[Any]] | None) -> list[dict[str, Any]]:
    if not grid:
        return [{}]
    names = list(grid)
    for name in names:
        values = grid[name]
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(f"grid[{name!r}] must be a sequence of values, got {values!r}")
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(grid[n]) for n in names))]


def run_trajectories(surface, rule: str = "sgd", starts=None, steps: int = 100, *,
                     grid: Mapping[str, Sequence[Any]] | None = None, limit: float = 1e6,
                     **hyper: Any) -> Trajectories:
    """Run an update rule on ``surface`` from many starts with many hyper-parameter settings at once.

    ``rule`` names an entry of :data:`RULES` ("sgd", "momentum", "nesterov", "adagrad", "rmsprop",
    "adadelta", "adam", "amsgrad", "adamw"); ``starts`` is ``(k, dim)`` (default: the surface's
    ``start``); ``grid`` maps hyper-parameter names to lists of values whose Cartesian product is run,
    every setting from every start, as one batch of tensors; other keyword arguments are fixed
    hyper-parameters. A run whose loss or position leaves ``[-limit, limit]`` (or stops being finite)
    is marked diverged and frozen: no NaN warning, no overflow.
    """
    if rule not in RULES:
        raise ValueError(f"Invalid rule: {rule!r} (expected one of {sorted(RULES)})")
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"Invalid steps: {steps!r} (expected an int >= 0)")
    if not limit > 0:
        raise ValueError(f"Invalid limit: {limit!r} (expected > 0)")
    if starts is None:
        starts = [surface.start]
    starts_arr = np.asarray(starts, dtype=np.float64)
    if starts_arr.ndim == 1 and surface.dim == 1:
        starts_arr = starts_arr[:, None]
    if starts_arr.ndim != 2 or starts_arr.shape[1] != surface.dim:
        raise ValueError(f"starts must have shape (k, {surface.dim}) with a last axis of length {surface.dim}, "
                         f"got shape {starts_arr.shape}")
    starts_t = torch.as_tensor(starts_arr)
    settings_list = _grid(grid)
    base = {**_RULE_DEFAULTS[rule], **hyper}
    settings = [{**base, **s} for s in settings_list for _ in range(len(starts_t))]
    n_runs = len(settings)
    if "lr" not in base and "lr" not in (grid or {}) and rule != "adadelta":
        raise ValueError(f"run_trajectories needs a learning rate lr for rule {rule!r}")

    kwargs: dict[str, Any] = {}
    for name in settings[0]:
        values = [s[name] for s in settings]
        if name == "betas":
            b1 = torch.tensor([float(b[0]) for b in values], dtype=torch.float64).reshape(-1, 1)
            b2 = torch.tensor([float(b[1]) for b in values], dtype=torch.float64).reshape(-1, 1)
            kwargs[name] = (b1, b2)
        elif name in _TENSOR_HYPERS:
            kwargs[name] = torch.tensor([float(v) for v in values], dtype=torch.float64).reshape(-1, 1)
        else:
            if len({repr(v) for v in values}) > 1:
                raise ValueError(f"{name} cannot vary within one run_trajectories call (got {set(values)})")
            kwargs[name] = values[0]
    _validate_runner_kwargs(kwargs)

    pos = starts_t.repeat(len(settings_list), 1).clone()
    paths = torch.full((steps + 1, n_runs, surface.dim), float("nan"), dtype=torch.float64)
    losses = torch.full((steps + 1, n_runs), float("nan"), dtype=torch.float64)
    alive = torch.ones(n_runs, dtype=torch.bool)
    diverged_at = torch.full((n_runs,), -1, dtype=torch.long)
    state: dict = {}
    update = RULES[rule]
    with torch.no_grad():
        value = surface.value(pos)
        paths[0], losses[0] = pos, value
        frozen = pos.clone()
        for t in range(1, steps + 1):
            grad = surface.grad(pos)
            update(pos, grad, state, **kwargs)
            value = surface.value(pos)
            ok = (torch.isfinite(value) & (value.abs() <= limit)
                  & torch.isfinite(pos).all(dim=1) & (pos.abs() <= limit).all(dim=1))
            bad = alive & ~ok
            if bool(bad.any()):
                diverged_at[bad] = t
                alive &= ~bad
                frozen = torch.where(alive[:, None], frozen, paths[t - 1])
            if not bool(alive.all()):
                # Diverged runs stay frozen where they were last finite: no overflow, no NaN warning.
                pos.copy_(torch.where(alive[:, None], pos, frozen))
                for buf in state.values():
                    if isinstance(buf, torch.Tensor) and buf.shape == pos.shape:
                        buf.copy_(torch.where(alive[:, None], buf, torch.zeros_like(buf)))
            paths[t] = torch.where(alive[:, None], pos, torch.full_like(pos, float("nan")))
            losses[t] = torch.where(alive, value, torch.full_like(value, float("nan")))
    return Trajectories(
        paths=paths.permute(1, 0, 2).numpy().copy(),
        losses=losses.T.numpy().copy(),
        diverged=(diverged_at >= 0).numpy(),
        diverged_at=diverged_at.numpy(),
        settings=settings,
        starts=starts_t.repeat(len(settings_list), 1).numpy(),
        rule=rule,
    )


def _validate_runner_kwargs(kwargs: dict[str, Any]) -> None:
    for name, value in kwargs.items():
        tensors = value if isinstance(value, tuple) else (value,)
        for i, v in enumerate(tensors):
            if isinstance(v, torch.Tensor):
                label = f"{name}[{i}]" if isinstance(value, tuple) else name
                if not bool(torch.all(v >= 0)):  # NaN fails too
                    raise ValueError(f"Invalid {label}: {v.flatten().tolist()} ({label} must be >= 0)")
                if name in ("betas", "momentum", "rho", "alpha") and not bool(torch.all(v <= 1)):
                    raise ValueError(f"Invalid {label}: {v.flatten().tolist()} ({label} must be <= 1)")
