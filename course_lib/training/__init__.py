r"""The course's own small training loop: the seven steps of SGD, wrapped once (no fastai), on torch's parts.

- :mod:`~course_lib.training.steps`: :class:`DataLoader` (torch's ``DataLoader`` over a ``TensorDataset``,
  shuffled by its own seeded generator), :func:`init_params`, :func:`mnist_loss`, :func:`batch_accuracy`,
  :func:`evaluate`, :func:`validate_epoch`, :func:`train_epoch`;
- :mod:`~course_lib.training.fit`: :func:`fit` (and the thin :class:`Learner` around it): epochs of
  training plus validation, a ``torch.optim.lr_scheduler`` scheduler (:func:`step_decay`,
  :func:`inverse_time_decay` and :func:`constant_lr` make torch's), a progress bar, a :class:`History`;
- :mod:`~course_lib.training.compare`: comparing optimizers, :data:`OPTIMIZERS`, :func:`make_model`,
  :func:`train_run`, :func:`sweep`, :func:`train_grid`;
- :mod:`~course_lib.training.sensitivity`: learning-rate sensitivity, :func:`sensitivity_results`,
  :func:`summary`, :func:`tolerance_band`, :func:`default_lr`, :func:`sensitivity_table`;
- :mod:`~course_lib.training.race`: on the 2-D surfaces, :class:`Rotated`, :func:`settle_steps`,
  :func:`best_steps`.

Everything is deterministic for a given ``seed`` on one thread and leaves the global random state alone.
This package imports neither matplotlib nor ipywidgets.
"""

from course_lib.training.compare import OPTIMIZERS, RULE_NAMES, make_model, sweep, train_grid, train_run
from course_lib.training.fit import (
    History,
    Learner,
    constant_lr,
    fit,
    inverse_time_decay,
    make_scheduler,
    progress_bar,
    step_decay,
)
from course_lib.training.race import Rotated, best_steps, settle_steps
from course_lib.training.sensitivity import (
    default_lr,
    format_sensitivity_table,
    sensitivity_results,
    sensitivity_table,
    summary,
    tolerance_band,
)
from course_lib.training.steps import (
    DataLoader,
    batch_accuracy,
    evaluate,
    init_params,
    mnist_loss,
    train_epoch,
    validate_epoch,
)

__all__ = [
    "DataLoader", "init_params", "mnist_loss", "batch_accuracy", "evaluate", "validate_epoch",
    "train_epoch", "History", "fit", "Learner", "progress_bar", "make_scheduler",
    "constant_lr", "step_decay", "inverse_time_decay",
    "OPTIMIZERS", "RULE_NAMES", "make_model", "train_run", "sweep", "train_grid",
    "settle_steps", "best_steps", "Rotated",
    "sensitivity_results", "summary", "tolerance_band", "default_lr", "sensitivity_table",
    "format_sensitivity_table",
]
