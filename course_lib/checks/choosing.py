"""Checks for the exercises of "Choosing an optimizer". They never print the answer."""

from __future__ import annotations

import numpy as np
import torch

from course_lib.checks.core import AnswerError, ExerciseNotDone, as_array, as_int, exercise_check, report
from course_lib.checks.registry import exercise
from course_lib.surfaces import Ravine
from course_lib.training import RULE_NAMES, best_steps, settle_steps

__all__ = ["check_settle_steps", "check_step_lr", "check_steep_ravine", "STEEP_RAVINE"]

#: The set-up of the steep-ravine exercise (from the registry): the surface, the optimizers, the grid, the
#: budget, the tolerance.
STEEP_RAVINE = exercise("choosing-steep-ravine").inputs


def _first_hit(losses, tol):
    within = np.abs(np.nan_to_num(losses, nan=np.inf)) <= tol
    return np.where(within.any(axis=1), within.argmax(axis=1), -1)


def _run(fn, name: str, on: str, *args):
    if not callable(fn):
        raise AnswerError(f"`{name}` should be a function, got a {type(fn).__name__}")
    try:
        return fn(*args)
    except ExerciseNotDone:
        raise
    except Exception as err:  # noqa: BLE001 - a student's function may raise anything
        raise AnswerError(f"your `{name}` raised {type(err).__name__} on {on}: {err}") from None


@exercise_check("choosing-settle-steps")
def check_settle_steps(fn):
    """``fn(losses, tol)``: for each row, the first step from which the loss stays within ``tol`` of 0."""
    losses = np.array([
        [4.0, 1.0, 0.05, 0.002, 0.0005, 0.0001, 0.00002],    # settles at 3
        [4.0, 0.0005, 0.3, 0.1, 0.0008, 0.0004, 0.0002],     # touches at 1, leaves, settles at 4
        [4.0, 3.0, 2.0, 1.0, 0.5, 0.2, 0.1],                 # never
        [4.0, 0.0004, 0.0002, np.nan, np.nan, np.nan, np.nan],  # touches, then diverges
        [0.0001] * 7,                                        # from the start
    ])
    tol = 1e-3
    expected = settle_steps(losses, tol)
    out = _run(fn, "steps_to_settle", "losses of shape (5, 7) with tol = 0.001 (NaN rows included)",
               losses.copy(), tol)
    got = as_array(out, "the steps your function returns").ravel()
    if not np.all(got == np.round(got)):
        raise AnswerError("the steps your function returns should be whole numbers")
    got = got.astype(int)
    if got.shape != expected.shape:
        return report([f"return one step per row: {len(expected)} numbers for {len(expected)} runs"], "")
    problems = []
    if not np.array_equal(got, expected):
        first = _first_hit(losses, tol)
        if np.array_equal(got, first) or (got[1] == first[1] and got[1] != expected[1]):
            problems.append("you report when a run first touches the tolerance; a run can touch it and leave "
                            "again: count from where it stays within it to the end")
        elif got[2] != expected[2]:
            problems.append("a run that never gets within the tolerance should give -1")
        elif got[3] != expected[3]:
            problems.append("a run that diverges (NaN losses) has not settled: NaN must never count as within")
        elif np.array_equal(got[expected >= 0], expected[expected >= 0] + 1):
            problems.append("off by one: the step index starts at 0 (the starting point)")
        else:
            problems.append("some rows are not right yet")
    return report(problems, "settle steps are right: touching the tolerance is not enough, staying is")


@exercise_check("choosing-step-lr")
def check_step_lr(fn):
    """``fn(lr0, epoch, step_size, gamma)``: the learning rate of ``torch.optim.lr_scheduler.StepLR`` at ``epoch``."""
    lr0, step_size, gamma = 0.8, 4, 0.5
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma)
    expected = []
    for _ in range(12):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    got = [float(as_array(_run(fn, "step_lr", f"(lr0 = {lr0}, epoch = {e}, step_size = {step_size}, gamma = {gamma})",
                               lr0, e, step_size, gamma), "step_lr's result", shape=(1,))[0]) for e in range(12)]
    problems = []
    if not np.allclose(got, expected, rtol=1e-9):
        if np.allclose(got, [lr0 * gamma ** ((e + 1) // step_size) for e in range(12)]):
            problems.append("the first drop comes one epoch early: epochs are counted from 0")
        elif np.allclose(got, [lr0 * gamma**e for e in range(12)]):
            problems.append("your rate drops every epoch: it should stay flat for step_size epochs, then drop")
        elif np.allclose(got, [gamma ** (e // step_size) for e in range(12)]):
            problems.append("you return the factor only: multiply it by the initial learning rate")
        elif np.allclose(got, [lr0 * gamma * (e // step_size) for e in range(12)]):
            problems.append("the drops multiply: use a power of gamma, not a product with the number of drops")
        else:
            problems.append("your schedule differs from StepLR's at some epochs")
    return report(problems, "the same learning rates as torch's StepLR")


def _expected_steep(kappa: float | None = None, settle: bool = True) -> dict[str, int]:
    cfg = STEEP_RAVINE
    surface = Ravine(kappa=cfg["kappa"] if kappa is None else kappa)
    out = {}
    for name in cfg["optimizers"]:
        r = best_steps(surface, RULE_NAMES[name], cfg["lrs"], steps=cfg["steps"], tol=cfg["tol"])
        if settle:
            out[name] = r["steps"]
        else:
            hits = r["runs"].steps_to(cfg["tol"], 0.0)
            ok = hits >= 0
            out[name] = int(hits[ok].min()) if ok.any() else -1
    return out


@exercise_check("choosing-steep-ravine")
def check_steep_ravine(answer: dict):
    """``answer``: ``{optimizer: best settle steps}`` on ``Ravine(kappa=…)``, set up as :data:`STEEP_RAVINE` says."""
    if not isinstance(answer, dict):
        return report([f"`steep` should be a dict {{optimizer name: steps}}, got {type(answer).__name__}"], "")
    missing = [n for n in STEEP_RAVINE["optimizers"] if n not in answer]
    if missing:
        return report([f"give a number of steps for {', '.join(missing)}"], "")
    got = {n: as_int(answer[n], f"steep[{n!r}]") for n in STEEP_RAVINE["optimizers"]}
    expected = _expected_steep()
    if got == expected:
        return report([], "right: those are the best settle steps on the steep ravine")
    if got == _expected_steep(kappa=20.0):
        return report([f"these are the numbers of the ravine with kappa = 20: make it steeper "
                       f"(kappa = {STEEP_RAVINE['kappa']:g})"], "")
    if got == _expected_steep(settle=False):
        return report(["you counted the first touch of the tolerance: count from where the loss stays within it"], "")
    wrong = [n for n in got if got[n] != expected[n]]
    return report([f"not right yet for {', '.join(wrong)}: take the best over the whole grid of learning rates, "
                   "with the chapter's budget and tolerance"], "")
