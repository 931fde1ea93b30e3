r"""Optimizers from scratch, each the twin of its ``torch.optim`` class, to the last bit.

Three parts, one concern each:

- :mod:`~course_lib.optim.rules`: every update rule written once, as a function of
  ``(param, grad, state)`` and keyword-only hyper-parameters (:func:`sgd_update`, :func:`adagrad_update`,
  :func:`rmsprop_update`, :func:`adadelta_update`, :func:`adam_update`). Each updates ``param`` and
  ``state`` in place with torch's single-tensor operations in torch's order, so its result is torch's
  in float64, float32, float16 and bfloat16, with complex parameters and (SGD, AdaGrad) sparse gradients;
- :mod:`~course_lib.optim.optimizers`: :class:`SGD`, :class:`Adagrad`, :class:`RMSprop`,
  :class:`Adadelta`, :class:`Adam`, :class:`AdamW`, real ``torch.optim.Optimizer`` subclasses with
  torch's arguments and defaults, state under torch's names and types (``state_dict()`` loads both
  ways), so that ``torch.optim.lr_scheduler`` drives them; their ``step`` calls the rule;
- :mod:`~course_lib.optim.runner`: :func:`run_trajectories`, many start points and hyper-parameter
  settings on a 2-D surface at once, where a hyper-parameter may be a ``(runs, 1)`` tensor.

Nothing here calls torch's optimizer arithmetic; the tests prove the results equal to it.
"""

from course_lib.optim.optimizers import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop
from course_lib.optim.rules import (
    Hyper,
    adadelta_update,
    adagrad_update,
    adam_update,
    rmsprop_update,
    sgd_update,
)
from course_lib.optim.runner import RULES, Trajectories, run_trajectories

__all__ = [
    "sgd_update", "adagrad_update", "rmsprop_update", "adadelta_update", "adam_update", "Hyper",
    "Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW",
    "RULES", "Trajectories", "run_trajectories",
]
