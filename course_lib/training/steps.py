r"""The seven steps of SGD on the digits, each a few lines: batches, parameters, loss, metric, one epoch.

- :class:`DataLoader`: ``torch.utils.data.DataLoader`` over a ``TensorDataset``, shuffled by its own
  seeded generator;
- :func:`init_params`: :math:`\mathcal N(0, \text{std}^2)` parameters that record gradients;
- :func:`mnist_loss`: :math:`\frac1n\sum_i \bigl(1 - \sigma(z_i)\bigr)` for 3s and :math:`\sigma(z_i)` for 7s;
- :func:`batch_accuracy`, :func:`evaluate`, :func:`validate_epoch`, :func:`train_epoch`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.utils import data as tud

from course_lib.validation import check_int

__all__ = ["DataLoader", "init_params", "mnist_loss", "batch_accuracy", "evaluate", "validate_epoch",
           "train_epoch"]


class DataLoader(tud.DataLoader):
    """Mini-batches ``(xb, yb)`` of the tensors ``(x, y)``, in order or shuffled: torch's ``DataLoader``.

    It is ``torch.utils.data.DataLoader(TensorDataset(x, y), sampler=<batches of indices>, batch_size=None)``:
    each batch is one indexing ``x[idx], y[idx]`` with a tensor of indices (no per-sample collation, no list
    of Python ints to convert). With ``shuffle=True`` every pass over the data draws a fresh
    ``torch.randperm(n, generator=...)`` from a ``torch.Generator`` seeded once with ``seed`` and cuts it into
    batches: the same order as torch's ``SubsetRandomSampler`` over all indices with that generator, so the
    epochs are the same on every run and the global random state is left alone. (torch's ``RandomSampler``
    would draw a second, unused permutation at the end of every epoch, so its epochs after the first differ
    from one ``randperm`` per epoch.) The last batch may be smaller.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int = 128, *, shuffle: bool = False,
                 seed: int = 0):
        if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
            raise TypeError(f"x and y must be tensors, got {type(x).__name__} and {type(y).__name__}")
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
        if len(x) == 0:
            raise ValueError("the data set is empty")
        batch_size = check_int(batch_size, "batch_size", 1)
        seed = check_int(seed, "seed", 0)
        dataset = tud.TensorDataset(x, y)
        order = _IndexBatches(len(x), batch_size, torch.Generator().manual_seed(seed) if shuffle else None)
        # The loader's own generator only feeds the seed torch draws for workers at every new pass; without
        # it that draw would come from (and move) the global generator.
        super().__init__(dataset, sampler=order, batch_size=None, generator=torch.Generator().manual_seed(seed))
        self.shuffle, self.seed = bool(shuffle), seed

    @property
    def n(self) -> int:
        """The number of samples."""
        return len(self.dataset)

    def __repr__(self) -> str:
        return (f"DataLoader({self.n} samples, batch_size={self.sampler.batch_size}, {len(self)} batches, "
                f"shuffle={self.shuffle})")


class _IndexBatches(tud.Sampler):
    """The batches of one pass as tensors of indices: ``randperm(n, generator)`` (or ``arange(n)`` without a
    generator) cut into pieces of ``batch_size``. Indexing with a tensor costs a few microseconds where a list of
    128 Python ints costs a conversion of about half a millisecond."""

    def __init__(self, n: int, batch_size: int, generator: torch.Generator | None):
        self.n, self.batch_size, self.generator = n, batch_size, generator

    def __iter__(self):
        if self.generator is None:
            order = torch.arange(self.n)
        else:
            order = torch.randperm(self.n, generator=self.generator)
        return iter(order.split(self.batch_size))

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)


def as_loader(data, batch_size: int, shuffle: bool, seed: int) -> tud.DataLoader:
    """``data`` if it is a torch ``DataLoader`` (ours or any), else a :class:`DataLoader` of the pair ``(x, y)``."""
    if isinstance(data, tud.DataLoader):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return DataLoader(data[0], data[1], batch_size, shuffle=shuffle, seed=seed)
    raise TypeError(f"expected a DataLoader or a pair (x, y) of tensors, got {type(data).__name__}")


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
    loader = as_loader(data, batch_size, False, 0)
    loss_sum = correct = 0.0
    for xb, yb in loader:
        preds = model(xb)
        loss_sum += float(loss_func(preds, yb)) * len(xb)
        correct += float(batch_accuracy(preds, yb)) * len(xb)
    n = len(loader.dataset)
    return loss_sum / n, correct / n


def validate_epoch(model, valid, batch_size: int = 256) -> float:
    """The validation accuracy over every image (a batch of 72 counts 72/200, not 1/2), rounded to 4 places."""
    return round(evaluate(model, valid, batch_size=batch_size)[1], 4)


def train_epoch(model, train: tud.DataLoader, opt, loss_func=mnist_loss) -> float:
    """Steps 2 to 5 for every mini-batch of one epoch; returns the mean training loss over the samples."""
    total = 0.0
    for xb, yb in train:
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        total += float(loss.detach()) * len(xb)
    return total / len(train.dataset)
