r"""The course's own small training loop: the seven steps of SGD, wrapped once (no fastai).

- :class:`DataLoader`: mini-batches of ``(x, y)``, shuffled by its own seeded generator;
- :func:`init_params`: :math:`\mathcal N(0, \text{std}^2)` parameters that record gradients;
- :func:`mnist_loss`: :math:`\frac1n\sum_i \bigl(1 - \sigma(z_i)\bigr)` for 3s and :math:`\sigma(z_i)` for 7s;
- :func:`batch_accuracy`, :func:`evaluate`, :func:`validate_epoch`, :func:`train_epoch`;
- :func:`fit` (and the thin :class:`Learner` around it): epochs of training plus validation,
  an optional learning-rate schedule, an optional progress bar, and a :class:`History`;
- for comparing optimizers: :data:`OPTIMIZERS`, :func:`make_model`, :func:`train_run`,
  :func:`sweep`, the schedules :func:`constant_lr`, :func:`step_decay`, :func:`inverse_time_decay`,
  and :func:`best_steps` on the 2-D surfaces.

Everything is deterministic for a given ``seed`` on one thread. This module imports neither
matplotlib nor ipywidgets.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from course_lib import optim
from course_lib.surfaces import Surface
from course_lib.validation import check_int

__all__ = [
    "DataLoader", "init_params", "mnist_loss", "batch_accuracy", "evaluate", "validate_epoch",
    "train_epoch", "History", "fit", "Learner", "progress_bar",
    "constant_lr", "step_decay", "inverse_time_decay",
    "OPTIMIZERS", "RULE_NAMES", "make_model", "train_run", "sweep", "train_grid",
    "settle_steps", "best_steps", "Rotated",
]



# --------------------------------------------------------------------------- data


class DataLoader:
    """Mini-batches ``(xb, yb)`` of a data set ``(x, y)``, in order or shuffled.

    With ``shuffle=True`` every pass over the data draws a fresh permutation from a
    ``torch.Generator`` seeded once with ``seed``, so the sequence of epochs is the same on
    every run and the global random state is left alone. The last batch may be smaller.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int = 128, *, shuffle: bool = False,
                 seed: int = 0):
        if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
            raise TypeError("x and y must be tensors")
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
        if len(x) == 0:
            raise ValueError("the data set is empty")
        self.x, self.y = x, y
        self.batch_size = check_int(batch_size, "batch_size", 1)
        self.shuffle = bool(shuffle)
        self.seed = check_int(seed, "seed", 0)
        self.generator = torch.Generator().manual_seed(self.seed)

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    @property
    def n(self) -> int:
        """The number of samples."""
        return len(self.x)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if self.shuffle:
            order = torch.randperm(len(self.x), generator=self.generator)
            for i in range(0, len(order), self.batch_size):
                idx = order[i:i + self.batch_size]
                yield self.x[idx], self.y[idx]
        else:
            for i in range(0, len(self.x), self.batch_size):
                yield self.x[i:i + self.batch_size], self.y[i:i + self.batch_size]

    def __repr__(self) -> str:
        return (f"DataLoader({self.n} samples, batch_size={self.batch_size}, {len(self)} batches, "
                f"shuffle={self.shuffle})")


def _loader(data, batch_size: int, shuffle: bool, seed: int) -> DataLoader:
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return DataLoader(data[0], data[1], batch_size, shuffle=shuffle, seed=seed)
    raise TypeError(f"expected a DataLoader or a pair (x, y) of tensors, got {type(data).__name__}")


# --------------------------------------------------------------------------- the seven steps


def init_params(size, std: float = 1.0, *, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Step 1: a tensor of shape ``size`` drawn from :math:`\mathcal N(0, \text{std}^2)` that records gradients."""
    return (torch.randn(size, generator=generator) * std).requires_grad_()


def mnist_loss(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""The chapter's loss on raw scores :math:`z` (logits) and 0/1 targets :math:`y`:

    .. math:: \ell = \frac1n \sum_{i=1}^n \begin{cases} 1 - \sigma(z_i) & y_i = 1 \\ \sigma(z_i) & y_i = 0\end{cases}

    the mean distance between the predicted probability of "3" and the truth. Shapes must match.
    """
    if predictions.shape != targets.shape:
        raise ValueError(f"predictions and targets must have the same shape, got {tuple(predictions.shape)} "
                         f"and {tuple(targets.shape)}")
    p = predictions.sigmoid()
    return torch.where(targets == 1, 1 - p, p).mean()


def batch_accuracy(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""The fraction of right answers: a score means "3" when :math:`\sigma(z) > 0.5` (that is, :math:`z > 0`)."""
    if predictions.shape != targets.shape:
        raise ValueError(f"predictions and targets must have the same shape, got {tuple(predictions.shape)} "
                         f"and {tuple(targets.shape)}")
    correct = (predictions.sigmoid() > 0.5) == (targets == 1)
    return correct.float().mean()


@torch.no_grad()
def evaluate(model: Callable[[torch.Tensor], torch.Tensor], data, loss_func=mnist_loss,
             batch_size: int = 256) -> tuple[float, float]:
    """``(loss, accuracy)`` of ``model`` over a whole data set, each batch weighted by its size."""
    loader = _loader(data, batch_size, False, 0)
    loss_sum = correct = 0.0
    for xb, yb in loader:
        preds = model(xb)
        loss_sum += float(loss_func(preds, yb)) * len(xb)
        correct += float(batch_accuracy(preds, yb)) * len(xb)
    return loss_sum / loader.n, correct / loader.n


def validate_epoch(model, valid, batch_size: int = 256) -> float:
    """The validation accuracy over every image (a batch of 72 counts 72/200, not 1/2), rounded to 4 places."""
    return round(evaluate(model, valid, batch_size=batch_size)[1], 4)


def train_epoch(model, train: DataLoader, opt, loss_func=mnist_loss) -> float:
    """Steps 2 to 5 for every mini-batch of one epoch; returns the mean training loss over the samples."""
    total = 0.0
    for xb, yb in train:
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        total += float(loss.detach()) * len(xb)
    return total / train.n


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


# --------------------------------------------------------------------------- schedules


def constant_lr() -> Callable[[int], float]:
    """The learning-rate factor 1 at every epoch."""
    return lambda epoch: 1.0


def step_decay(step_size: int, gamma: float = 0.1) -> Callable[[int], float]:
    r"""Multiply the learning rate by ``gamma`` every ``step_size`` epochs: :math:`\gamma^{\lfloor e/s\rfloor}`
    (``torch.optim.lr_scheduler.StepLR``)."""
    step_size = check_int(step_size, "step_size", 1)
    if not 0 < gamma <= 1:
        raise ValueError(f"Invalid gamma: {gamma} (expected 0 < gamma <= 1)")
    return lambda epoch: gamma ** (epoch // step_size)


def inverse_time_decay(k: float) -> Callable[[int], float]:
    r"""The factor :math:`1/(1 + k e)` at epoch :math:`e` (0-based): the ":math:`1/t`" decay."""
    if not k >= 0:
        raise ValueError(f"Invalid k: {k} (expected k >= 0)")
    return lambda epoch: 1.0 / (1.0 + k * epoch)


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
        loss_func=mnist_loss, seed: int = 0, schedule: Callable[[int], float] | None = None,
        progress: bool = False, progress_file=None) -> History:
    r"""Train ``model`` with ``opt`` for ``epochs`` epochs, validating after each; return a :class:`History`.

    ``train`` and ``valid`` are :class:`DataLoader`\ s or ``(x, y)`` pairs (then batched by
    ``batch_size``, the training set shuffled with ``seed``). ``schedule(epoch)`` (0-based), if given,
    multiplies every group's initial learning rate at the start of each epoch, as
    ``torch.optim.lr_scheduler.LambdaLR`` does. ``progress=True`` draws a :func:`progress_bar`.
    """
    epochs = check_int(epochs, "epochs", 0)
    batch_size = check_int(batch_size, "batch_size", 1)
    train_dl = _loader(train, batch_size, True, seed)
    valid_dl = _loader(valid, max(batch_size, 256), False, 0)
    base_lrs = [group["lr"] for group in opt.param_groups]
    history = History()
    bar = progress_bar(epochs, file=progress_file) if progress else None
    try:
        for epoch in range(epochs):
            if schedule is not None:
                for group, base in zip(opt.param_groups, base_lrs):
                    group["lr"] = base * schedule(epoch)
            history.lr.append(float(opt.param_groups[0]["lr"]))
            history.train_loss.append(train_epoch(model, train_dl, opt, loss_func))
            loss, acc = evaluate(model, valid_dl, loss_func)
            history.valid_loss.append(loss)
            history.valid_accuracy.append(acc)
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
        self.train = _loader(train, batch_size, True, seed)
        self.valid = _loader(valid, max(batch_size, 256), False, 0)
        self.opt = None
        self.history = History()

    def fit(self, epochs: int, lr: float, **kwargs) -> History:
        """Make the optimizer ``opt_func(model.parameters(), lr=lr)`` and train; histories accumulate."""
        self.opt = self.opt_func(self.model.parameters(), lr=lr)
        h = fit(self.model, self.opt, self.train, self.valid, epochs, loss_func=self.loss_func, **kwargs)
        for name in ("train_loss", "valid_loss", "valid_accuracy", "lr"):
            getattr(self.history, name).extend(getattr(h, name))
        return h


# --------------------------------------------------------------------------- comparing optimizers

#: The optimizers compared in the course, each as ``factory(params, lr)``: the other
#: hyper-parameters are ``torch.optim``'s defaults (momentum 0.9 for the two momentum methods).
OPTIMIZERS: dict[str, Callable[[Iterable[torch.Tensor], float], optim.Optimizer]] = {
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
              batch_size: int = 128, seed: int = 0, schedule=None) -> History:
    """One seeded run on a :class:`~course_lib.data.Digits`: a fresh :func:`make_model` (init from ``seed``),
    the optimizer (a name of :data:`OPTIMIZERS` or a factory), the training set shuffled from ``seed``."""
    factory = OPTIMIZERS[optimizer] if isinstance(optimizer, str) else optimizer
    model = make_model(hidden, seed, n_in=data.train_x.shape[1])
    opt = factory(model.parameters(), lr)
    return fit(model, opt, (data.train_x, data.train_y), (data.valid_x, data.valid_y), epochs, batch_size,
               seed=seed, schedule=schedule)


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


def _grid_params(model: nn.Module, k: int) -> list[torch.Tensor]:
    """``k`` copies of the weights of ``model`` (a ``Linear``, or ``Linear → ReLU → Linear``), stacked on axis 1.

    First layer: weight ``(in, k, out)`` and bias ``(1, k, out)``, so that one matrix product serves all the
    nets; output layer (if any): weight ``(1, k, hidden)`` and bias ``(1, k, 1)``.
    """
    layers = [m for m in (model if isinstance(model, nn.Sequential) else [model]) if isinstance(m, nn.Linear)]
    first = layers[0]
    out = [first.weight.detach().T.unsqueeze(1).expand(-1, k, -1).clone(),
           first.bias.detach().reshape(1, 1, -1).expand(-1, k, -1).clone()]
    if len(layers) == 2:
        second = layers[1]
        out += [second.weight.detach().reshape(1, 1, -1).expand(-1, k, -1).clone(),
                second.bias.detach().reshape(1, 1, 1).expand(-1, k, -1).clone()]
    return [p.requires_grad_() for p in out]


def _grid_logits(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """``(n, k)`` scores of the ``k`` stacked nets on ``x`` ``(n, in)``."""
    w1, b1 = params[0], params[1]
    d, k, h = w1.shape
    z = (x @ w1.reshape(d, k * h)).reshape(-1, k, h) + b1
    if len(params) == 2:
        return z[..., 0]
    w2, b2 = params[2], params[3]
    return ((z.relu() * w2).sum(-1, keepdim=True) + b2)[..., 0]


def train_grid(data, optimizer: str | Callable, lrs: Sequence[float], *, hidden: int = 0, epochs: int = 20,
               batch_size: int = 128, seed: int = 0, schedule=None) -> list[History]:
    """:func:`train_run` for many learning rates at once: one batch of ``len(lrs)`` identical nets.

    Every net starts from the same :func:`make_model` ``(hidden, seed)`` weights and sees the same
    mini-batches; the optimizer's own update rule (from :data:`OPTIMIZERS`) runs once per step on
    the stacked weights with a per-net learning-rate tensor. The nets never interact, so each
    history equals its :func:`train_run` up to float32 rounding of the batched products.
    """
    epochs = check_int(epochs, "epochs", 0)
    factory = OPTIMIZERS[optimizer] if isinstance(optimizer, str) else optimizer
    lrs = [float(lr) for lr in lrs]
    if not lrs or any(not lr >= 0 for lr in lrs):
        raise ValueError(f"Invalid lrs: {lrs} (expected a non-empty list of learning rates >= 0)")
    k = len(lrs)
    params = _grid_params(make_model(hidden, seed, n_in=data.train_x.shape[1]), k)
    template = factory([torch.zeros(1, requires_grad=True)], 1.0)
    rule, hyper = type(template).rule, template.hyper(template.param_groups[0])
    lr_col = torch.tensor(lrs, dtype=torch.float32)
    states: list[dict] = [{} for _ in params]
    train = DataLoader(data.train_x, data.train_y, batch_size, shuffle=True, seed=seed)
    vx, vy = data.valid_x, data.valid_y
    histories = [History() for _ in lrs]
    for epoch in range(epochs):
        factor = 1.0 if schedule is None else schedule(epoch)
        lr_now = lr_col * factor
        sums = torch.zeros(k, dtype=torch.float64)
        for xb, yb in train:
            p = _grid_logits(params, xb).sigmoid()
            per_net = torch.where(yb == 1, 1 - p, p).mean(dim=0)
            per_net.sum().backward()
            with torch.no_grad():
                for param, state in zip(params, states):
                    rule(param, param.grad, state, **{**hyper, "lr": lr_now.reshape(1, k, 1)})
                    param.grad = None
            sums += per_net.detach().double() * len(xb)
        with torch.no_grad():
            z = _grid_logits(params, vx)
            pv = z.sigmoid()
            vloss = torch.where(vy == 1, 1 - pv, pv).mean(dim=0)
            vacc = ((pv > 0.5) == (vy == 1)).float().mean(dim=0)
        for i, h in enumerate(histories):
            h.lr.append(lrs[i] * factor)
            h.train_loss.append(float(sums[i]) / train.n)
            h.valid_loss.append(float(vloss[i]))
            h.valid_accuracy.append(float(vacc[i]))
    return histories


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
