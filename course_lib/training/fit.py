r"""The course's small training loop: :func:`fit` (and the thin :class:`Learner` around it), a
:class:`History` of what it measured, a :func:`progress_bar` whose text never depends on time, and
learning-rate schedules, which are ``torch.optim.lr_scheduler``'s own.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.optim import lr_scheduler

from course_lib import optim
from course_lib.training.steps import as_loader, evaluate, mnist_loss, train_epoch
from course_lib.validation import check_int

__all__ = ["History", "fit", "Learner", "progress_bar", "constant_lr", "step_decay", "inverse_time_decay",
           "make_scheduler"]


# --------------------------------------------------------------------------- progress bar


def progress_bar(total: int, *, file=None, desc: str = "training", unit: str = "epoch"):
    """A ``tqdm`` bar whose text never depends on time: no elapsed time or rate in it, redrawn at every update.

    It writes to ``file`` (default ``sys.stdout``) with carriage returns; a notebook shows the last
    state, and two runs write exactly the same characters.
    """
    from tqdm.std import tqdm

    class _Bar(tqdm):
        monitor_interval = 0  # no monitor thread: it could change miniters on a slow machine

    return _Bar(total=total, file=sys.stdout if file is None else file, desc=desc, unit=unit, ncols=80,
                dynamic_ncols=False, mininterval=0, miniters=1, maxinterval=float("inf"), smoothing=0,
                ascii=False, bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {unit}s{postfix}")


# --------------------------------------------------------------------------- schedules: torch's


def constant_lr():
    """A scheduler factory that keeps the learning rate: ``LambdaLR`` with the factor 1 at every epoch."""
    return functools.partial(lr_scheduler.LambdaLR, lr_lambda=_one)


def _one(epoch: int) -> float:
    return 1.0


def step_decay(step_size: int, gamma: float = 0.1):
    r"""A scheduler factory: ``torch.optim.lr_scheduler.StepLR(opt, step_size, gamma)``, the learning rate
    times :math:`\gamma^{\lfloor e/s\rfloor}` at epoch :math:`e` (0-based)."""
    step_size = check_int(step_size, "step_size", 1)
    if not 0 < gamma <= 1:
        raise ValueError(f"Invalid gamma: {gamma} (expected 0 < gamma <= 1)")
    return functools.partial(lr_scheduler.StepLR, step_size=step_size, gamma=gamma)


def inverse_time_decay(k: float):
    r"""A scheduler factory: ``torch.optim.lr_scheduler.LambdaLR`` with the factor :math:`1/(1 + k e)` at
    epoch :math:`e` (0-based), the ":math:`1/t`" decay."""
    if not k >= 0:
        raise ValueError(f"Invalid k: {k} (expected k >= 0)")
    return functools.partial(lr_scheduler.LambdaLR, lr_lambda=functools.partial(_inverse_time, k=float(k)))


def _inverse_time(epoch: int, k: float) -> float:
    return 1.0 / (1.0 + k * epoch)


def _is_scheduler_factory(obj) -> bool:
    """A scheduler class, or a ``functools.partial`` of one (what :func:`step_decay` and co. return)."""
    func = obj.func if isinstance(obj, functools.partial) else obj
    return isinstance(func, type) and issubclass(func, lr_scheduler.LRScheduler)


def make_scheduler(opt, scheduler=None, schedule: Callable[[int], float] | None = None):
    """The ``torch.optim.lr_scheduler`` scheduler that :func:`fit` steps once per epoch, or ``None``.

    ``scheduler``: a scheduler already attached to ``opt``, or a factory called with ``opt`` (a scheduler
    class, a ``functools.partial`` of one, any function ``opt -> scheduler``). ``schedule``: a function of
    the 0-based epoch giving the factor of the initial learning rate, which becomes
    ``LambdaLR(opt, schedule)``; for the chapters' sake it may also be a factory from :func:`step_decay`,
    :func:`inverse_time_decay` or :func:`constant_lr`. At most one of the two.
    """
    if scheduler is not None and schedule is not None:
        raise ValueError("give a scheduler or a schedule, not both")
    if schedule is not None:
        if isinstance(schedule, lr_scheduler.LRScheduler) or _is_scheduler_factory(schedule):
            scheduler = schedule
        elif callable(schedule):
            return lr_scheduler.LambdaLR(opt, schedule)
        else:
            raise TypeError(f"schedule must be a function of the epoch, got {type(schedule).__name__}")
    if scheduler is None:
        return None
    if not isinstance(scheduler, lr_scheduler.LRScheduler):
        if not callable(scheduler):
            raise TypeError(f"scheduler must be an LRScheduler or a factory of one, got {type(scheduler).__name__}")
        scheduler = scheduler(opt)
        if not isinstance(scheduler, lr_scheduler.LRScheduler):
            raise TypeError(f"the scheduler factory returned {type(scheduler).__name__}, not an LRScheduler")
    if scheduler.optimizer is not opt:
        raise ValueError("the scheduler is attached to another optimizer than the one being trained")
    return scheduler


# --------------------------------------------------------------------------- fit


@dataclass
class History:
    """What :func:`fit` measured after each epoch (one entry per epoch, epoch 1 first)."""

    train_loss: list[float] = field(default_factory=list)
    valid_loss: list[float] = field(default_factory=list)
    valid_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.valid_accuracy)

    @property
    def epochs(self) -> list[int]:
        return list(range(1, len(self) + 1))

    def rows(self) -> list[dict[str, float]]:
        return [dict(epoch=e, train_loss=a, valid_loss=b, valid_accuracy=c, lr=d)
                for e, a, b, c, d in zip(self.epochs, self.train_loss, self.valid_loss, self.valid_accuracy,
                                         self.lr)]

    def format(self, digits: int = 4) -> str:
        """The history as a small text table, numbers at ``digits`` decimal places."""
        head = f"{'epoch':>5}  {'train loss':>10}  {'valid loss':>10}  {'valid acc':>9}"
        lines = [head]
        for r in self.rows():
            lines.append(f"{r['epoch']:>5}  {r['train_loss']:>10.{digits}f}  {r['valid_loss']:>10.{digits}f}  "
                         f"{r['valid_accuracy']:>9.{digits}f}")
        return "\n".join(lines)


def fit(model: nn.Module | Callable, opt, train, valid, epochs: int, batch_size: int = 128, *,
        loss_func=mnist_loss, seed: int = 0, scheduler=None, schedule: Callable[[int], float] | None = None,
        progress: bool = False, progress_file=None) -> History:
    r"""Train ``model`` with ``opt`` for ``epochs`` epochs, validating after each; return a :class:`History`.

    ``train`` and ``valid`` are torch ``DataLoader``\ s (see :class:`~course_lib.training.DataLoader`) or
    ``(x, y)`` pairs (then batched by ``batch_size``, the training set shuffled with ``seed``). A
    learning-rate ``scheduler`` from ``torch.optim.lr_scheduler`` (or a factory of one, called with
    ``opt``), or a ``schedule`` (a function of the 0-based epoch giving the factor, run as torch's
    ``LambdaLR``), is stepped once at the end of every epoch (see :func:`make_scheduler`).
    ``History.lr`` records the first group's learning rate during each epoch. ``progress=True`` draws a
    :func:`progress_bar`.
    """
    epochs = check_int(epochs, "epochs", 0)
    batch_size = check_int(batch_size, "batch_size", 1)
    train_dl = as_loader(train, batch_size, True, seed)
    valid_dl = as_loader(valid, max(batch_size, 256), False, 0)
    sched = make_scheduler(opt, scheduler, schedule)
    history = History()
    bar = progress_bar(epochs, file=progress_file) if progress else None
    try:
        for _ in range(epochs):
            history.lr.append(float(opt.param_groups[0]["lr"]))
            history.train_loss.append(train_epoch(model, train_dl, opt, loss_func))
            loss, acc = evaluate(model, valid_dl, loss_func)
            history.valid_loss.append(loss)
            history.valid_accuracy.append(acc)
            if sched is not None:
                sched.step()
            if bar is not None:
                bar.set_postfix_str(f"valid acc {acc:.4f}", refresh=False)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return history


class Learner:
    """A model, its data, a loss and an optimizer class together: ``Learner(...).fit(epochs, lr)``.

    The course's stand-in for fastai's ``Learner``; it only calls :func:`fit`.
    """

    def __init__(self, model: nn.Module, train, valid, *, opt_func=optim.SGD, loss_func=mnist_loss,
                 batch_size: int = 128, seed: int = 0):
        self.model, self.opt_func, self.loss_func = model, opt_func, loss_func
        self.train = as_loader(train, batch_size, True, seed)
        self.valid = as_loader(valid, max(batch_size, 256), False, 0)
        self.opt: torch.optim.Optimizer | None = None
        self.history = History()

    def fit(self, epochs: int, lr: float, **kwargs) -> History:
        """Make the optimizer ``opt_func(model.parameters(), lr=lr)`` and train; histories accumulate."""
        self.opt = self.opt_func(self.model.parameters(), lr=lr)
        h = fit(self.model, self.opt, self.train, self.valid, epochs, loss_func=self.loss_func, **kwargs)
        for name in ("train_loss", "valid_loss", "valid_accuracy", "lr"):
            getattr(self.history, name).extend(getattr(h, name))
        return h
