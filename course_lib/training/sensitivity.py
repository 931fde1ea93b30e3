r"""Learning-rate sensitivity on the digits: every optimizer over a grid of learning rates and seeds, and
the numbers chapter 8 reads off it.

- :func:`sensitivity_results`: ``{name: [[History per lr] per seed]}``, each run one
  :func:`~course_lib.training.train_run` (so any entry is reproduced by :func:`~course_lib.training.fit`);
- :func:`summary`: mean, sample standard deviation, min and max over the seeds of a final metric;
- :func:`tolerance_band`: the contiguous band of grid rates around the best whose loss is within a factor
  of the best, and its width in decades;
- :func:`default_lr`: ``torch.optim``'s default learning rate of each optimizer;
- :func:`sensitivity_table` and :func:`format_sensitivity_table`: one row per optimizer.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence

import numpy as np
import torch

from course_lib.training.compare import OPTIMIZERS, train_grid
from course_lib.training.fit import History

__all__ = ["sensitivity_results", "summary", "tolerance_band", "default_lr", "sensitivity_table",
           "format_sensitivity_table"]


def sensitivity_results(data, lrs: Sequence[float], *, optimizers: Sequence[str] = tuple(OPTIMIZERS),
                        seeds: Sequence[int] = (0, 1, 2), **kwargs) -> dict[str, list[list[History]]]:
    """``{name: [[History per lr] per seed]}``: each optimizer trained at every learning rate from every seed
    (``kwargs`` go to :func:`~course_lib.training.train_grid`: ``hidden``, ``epochs``, ``scheduler``, ...)."""
    unknown = [n for n in optimizers if n not in OPTIMIZERS]
    if unknown:
        raise ValueError(f"Invalid optimizers: {unknown} (expected names of training.OPTIMIZERS)")
    if not len(seeds):
        raise ValueError("Invalid seeds: expected at least one seed")
    return {name: [train_grid(data, name, lrs, seed=s, **kwargs) for s in seeds] for name in optimizers}


def summary(results: dict[str, list[list[History]]], key: str = "valid_loss") -> dict[str, dict[str, np.ndarray]]:
    """For each optimizer: ``mean``, ``std`` (the sample standard deviation over the seeds, ``ddof=1``; 0 for one
    seed), ``min`` and ``max`` of the final ``key`` at each learning rate, arrays of shape ``(n_lrs,)``."""
    out = {}
    for name, per_seed in results.items():
        values = np.array([[getattr(h, key)[-1] for h in row] for row in per_seed], dtype=float)
        std = values.std(0, ddof=1) if len(values) > 1 else np.zeros(values.shape[1])
        out[name] = {"mean": values.mean(0), "std": std, "min": values.min(0), "max": values.max(0)}
    return out


def tolerance_band(losses: Sequence[float], lrs: Sequence[float], factor: float = 2.0) -> dict:
    r"""The band of learning rates around the best whose loss stays within ``factor`` times the best.

    ``losses[i]`` is the (mean) loss at ``lrs[i]``, the rates increasing. The band is the **contiguous** run of
    grid points around the lowest loss with ``loss <= factor * best`` (NaN, a diverged run, is outside); its
    width is :math:`\log_{10}(\text{hi}/\text{lo})` decades, so a band of :math:`k` points half a decade
    apart spans :math:`(k-1)/2` decades and a lone best point spans 0. Returns
    ``{"best": i, "lo": lo, "hi": hi, "decades": width, "at_edge": bool}``, ``at_edge`` when the band
    reaches the end of the grid (the true band may be wider).
    """
    losses = np.asarray(losses, dtype=float).ravel()
    lrs = np.asarray(lrs, dtype=float).ravel()
    if losses.shape != lrs.shape or losses.size == 0:
        raise ValueError(f"losses and lrs must have the same non-zero length, got {losses.size} and {lrs.size}")
    if not np.all(lrs > 0) or not np.all(np.diff(lrs) > 0):
        raise ValueError("Invalid lrs: expected positive learning rates in increasing order")
    if not factor >= 1:
        raise ValueError(f"Invalid factor: {factor} (expected factor >= 1)")
    finite = np.where(np.isnan(losses), np.inf, losses)
    if not np.isfinite(finite).any():
        raise ValueError("every loss is NaN or infinite: no best learning rate")
    best = int(np.argmin(finite))
    inside = finite <= factor * finite[best]
    lo = best
    while lo > 0 and inside[lo - 1]:
        lo -= 1
    hi = best
    while hi < len(lrs) - 1 and inside[hi + 1]:
        hi += 1
    return {"best": best, "lo": float(lrs[lo]), "hi": float(lrs[hi]),
            "decades": float(math.log10(lrs[hi] / lrs[lo])), "at_edge": lo == 0 or hi == len(lrs) - 1}


def default_lr(name: str) -> float:
    """``torch.optim``'s default ``lr`` for the optimizer ``name`` of :data:`~course_lib.training.OPTIMIZERS`
    (read from the signature of the class it builds)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"Invalid optimizer name: {name!r} (expected one of {', '.join(OPTIMIZERS)})")
    opt = OPTIMIZERS[name]([torch.zeros(1, requires_grad=True)], 1.0)
    return float(inspect.signature(type(opt)).parameters["lr"].default)


def sensitivity_table(results: dict[str, list[list[History]]], lrs: Sequence[float], *,
                      factor: float = 2.0) -> dict[str, dict]:
    """One row per optimizer of ``results`` (from :func:`sensitivity_results` on the grid ``lrs``).

    ``default_lr`` and ``default`` (the mean final validation loss there, NaN when it is not on the grid),
    ``best_lr``, ``best`` (the lowest mean), ``std`` (its sample standard deviation over the seeds), ``acc``
    (the mean final validation accuracy there) and ``band``, :func:`tolerance_band` of the mean losses.
    """
    lrs = [float(v) for v in lrs]
    loss, acc = summary(results, "valid_loss"), summary(results, "valid_accuracy")
    rows = {}
    for name in results:
        m = loss[name]["mean"]
        band = tolerance_band(m, lrs, factor)
        i = band["best"]
        d_lr = default_lr(name)
        d = [j for j, v in enumerate(lrs) if math.isclose(v, d_lr, rel_tol=1e-9)]
        rows[name] = {"default_lr": d_lr, "default": float(m[d[0]]) if d else float("nan"), "best_lr": lrs[i],
                      "best": float(m[i]), "std": float(loss[name]["std"][i]),
                      "acc": float(acc[name]["mean"][i]), "band": band}
    return rows


def format_sensitivity_table(rows: dict[str, dict], factor: float = 2.0) -> str:
    """The rows of :func:`sensitivity_table` as a text table, losses to 4 decimals; ``*`` marks a band that
    reaches the end of the grid."""
    head = (f"{'optimizer':10s} {'default lr':>10s} {'loss there':>10s} {'best lr':>8s} {'best loss ± std':>16s} "
            f"{'acc':>6s}   within {factor:g}× best")
    lines = [head]
    for name, r in rows.items():
        b = r["band"]
        band = f"{b['lo']:.3g} to {b['hi']:.3g} ({b['decades']:.1f} dec){'*' if b['at_edge'] else ''}"
        lines.append(f"{name:10s} {r['default_lr']:>10g} {r['default']:>10.4f} {r['best_lr']:>8.3g} "
                     f"{r['best']:>8.4f} ± {r['std']:.4f} {r['acc']:>6.4f}   {band}")
    return "\n".join(lines)
