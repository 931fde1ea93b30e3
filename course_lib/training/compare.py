"""Comparing optimizers on the digits: the nine contestants, seeded models, one run, and grids of runs.

Every run is :func:`~course_lib.training.fit` on a fresh :func:`make_model`: a grid of learning rates or
seeds is that same run repeated, so any number in it can be reproduced with one :func:`train_run`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import torch
from torch import nn

from course_lib import optim
from course_lib.training.fit import History, fit
from course_lib.validation import check_int

__all__ = ["OPTIMIZERS", "RULE_NAMES", "make_model", "train_run", "sweep", "train_grid"]

#: The optimizers compared in the course, each as ``factory(params, lr)``: the other
#: hyper-parameters are ``torch.optim``'s defaults (momentum 0.9 for the two momentum methods).
OPTIMIZERS: dict[str, Callable[[Iterable[torch.Tensor], float], torch.optim.Optimizer]] = {
    "SGD": lambda params, lr: optim.SGD(params, lr=lr),
    "Momentum": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9),
    "Nesterov": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
    "AdaGrad": lambda params, lr: optim.Adagrad(params, lr=lr),
    "RMSProp": lambda params, lr: optim.RMSprop(params, lr=lr),
    "Adadelta": lambda params, lr: optim.Adadelta(params, lr=lr),
    "Adam": lambda params, lr: optim.Adam(params, lr=lr),
    "AMSGrad": lambda params, lr: optim.Adam(params, lr=lr, amsgrad=True),
    "AdamW": lambda params, lr: optim.AdamW(params, lr=lr),
}

#: The rule names of :func:`course_lib.optim.run_trajectories` for the same optimizers.
RULE_NAMES = {"SGD": "sgd", "Momentum": "momentum", "Nesterov": "nesterov", "AdaGrad": "adagrad",
              "RMSProp": "rmsprop", "Adadelta": "adadelta", "Adam": "adam", "AMSGrad": "amsgrad",
              "AdamW": "adamw"}


def make_model(hidden: int = 0, seed: int = 0, n_in: int = 28 * 28) -> nn.Module:
    """``nn.Linear(n_in, 1)``, or with ``hidden > 0`` the net ``Linear(n_in, hidden) → ReLU → Linear(hidden, 1)``,
    initialised by torch's default rule from ``seed`` (the global random state is left as it was)."""
    hidden = check_int(hidden, "hidden", 0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(check_int(seed, "seed", 0))
        if hidden == 0:
            return nn.Linear(n_in, 1)
        return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def train_run(data, optimizer: str | Callable, lr: float, *, hidden: int = 0, epochs: int = 20,
              batch_size: int = 128, seed: int = 0, scheduler=None, schedule=None) -> History:
    """One seeded run on a :class:`~course_lib.data.Digits`: a fresh :func:`make_model` (init from ``seed``),
    the optimizer (a name of :data:`OPTIMIZERS` or a factory ``(params, lr)``), the training set shuffled
    from ``seed``, :func:`~course_lib.training.fit` with the ``scheduler`` or ``schedule`` given."""
    factory = OPTIMIZERS[optimizer] if isinstance(optimizer, str) else optimizer
    model = make_model(hidden, seed, n_in=data.train_x.shape[1])
    opt = factory(model.parameters(), lr)
    return fit(model, opt, (data.train_x, data.train_y), (data.valid_x, data.valid_y), epochs, batch_size,
               seed=seed, scheduler=scheduler, schedule=schedule)


def sweep(data, optimizers: Sequence[str] | Mapping[str, Callable], lrs: Sequence[float], *,
          batch_sizes: Sequence[int] = (128,), seeds: Sequence[int] = (0,), **kwargs) -> dict[tuple, History]:
    """:func:`train_run` for every optimizer × lr × batch size × seed: ``{(name, lr, batch_size, seed): History}``."""
    items = optimizers.items() if isinstance(optimizers, Mapping) else [(n, n) for n in optimizers]
    out = {}
    for name, opt in items:
        for lr in lrs:
            for bs in batch_sizes:
                for seed in seeds:
                    out[(name, lr, bs, seed)] = train_run(data, opt, lr, batch_size=bs, seed=seed, **kwargs)
    return out


def train_grid(data, optimizer: str | Callable, lrs: Sequence[float], *, hidden: int = 0, epochs: int = 20,
               batch_size: int = 128, seed: int = 0, scheduler=None, schedule=None) -> list[History]:
    """:func:`train_run` for each learning rate of ``lrs``, in order: ``[train_run(..., lr, ...) for lr in lrs]``.

    Every run starts from the same :func:`make_model` ``(hidden, seed)`` weights and sees the same
    mini-batches, through exactly the code path of :func:`train_run`, so each history is the one
    :func:`train_run` (and :func:`~course_lib.training.fit`) gives for that learning rate, to the last bit.
    """
    epochs = check_int(epochs, "epochs", 0)
    lrs = [float(lr) for lr in lrs]
    if not lrs or any(not lr >= 0 for lr in lrs):
        raise ValueError(f"Invalid lrs: {lrs} (expected a non-empty list of learning rates >= 0)")
    return [train_run(data, optimizer, lr, hidden=hidden, epochs=epochs, batch_size=batch_size, seed=seed,
                      scheduler=scheduler, schedule=schedule) for lr in lrs]
