r"""Every exercise of the course, in one place: its chapter, level, points, check, answers and numbers.

This table is the one place to change an exercise's numbers (``inputs``): the statement shows them
through :func:`exercise_inputs` (a visible code cell right after it), the official solution reads
them from there, the check and the tests read them from here. Edit a number here, run
``make notebooks``, and the chapter, its check and its tests follow.

Fields of :class:`Exercise`:

- ``label``: the exercise's label (cell metadata ``exercise.label`` in the notebook, ``{ref}`` target);
- ``chapter``: the chapter number (``book/NN_*.ipynb``);
- ``level``: ``"check"`` (minutes: a number or a short answer), ``"written"`` (a short written answer),
  ``"practice"`` (a short piece of code or a derivation) or ``"project"`` (an open investigation);
- ``points``: what a grader gives for it (1 for a check or written answer, 2 for practice, 3 for a project);
- ``check``: ``"module.function"`` in :mod:`course_lib.checks`, or ``None`` when no automatic check exists
  (then the exercise is graded by hand, and the instructors' page says so);
- ``answers``: the names the student defines, in the order the check takes them (the student edition's
  placeholders name exactly these);
- ``written``: whether the exercise also asks a question answered in words (the student edition gives
  it a Markdown answer cell);
- ``inputs``: the exercise's numbers; ``symbols``: how :func:`exercise_inputs` typesets their names.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["Exercise", "EXERCISES", "LEVELS", "exercise", "exercise_inputs", "check_function", "ExerciseInputs"]

#: the levels, easiest first, with their default points
LEVELS = {"check": 1.0, "written": 1.0, "practice": 2.0, "project": 3.0}


@dataclasses.dataclass(frozen=True)
class Exercise:
    label: str
    chapter: int
    level: str
    check: str | None = None
    answers: tuple[str, ...] = ()
    written: bool = False
    inputs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    symbols: Mapping[str, str] = dataclasses.field(default_factory=dict)
    points: float | None = None

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"exercise {self.label}: level must be one of {sorted(LEVELS)}, got {self.level!r}")
        if self.points is None:
            object.__setattr__(self, "points", LEVELS[self.level])
        object.__setattr__(self, "inputs", MappingProxyType(dict(self.inputs)))
        object.__setattr__(self, "symbols", MappingProxyType(dict(self.symbols)))

    @property
    def checked(self) -> bool:
        """Whether an automatic check exists."""
        return self.check is not None


def _table(*exercises: Exercise) -> Mapping[str, Exercise]:
    table: dict[str, Exercise] = {}
    for ex in exercises:
        if ex.label in table:
            raise ValueError(f"exercise label {ex.label} is used twice")
        table[ex.label] = ex
    return MappingProxyType(table)


_ETA = {"lr": r"\eta", "mu": r"\mu", "beta": r"\beta", "kappa": r"\kappa", "momentum": r"\beta"}

EXERCISES: Mapping[str, Exercise] = _table(
    # 1. Gradient descent
    Exercise("gd-why-not-solve", 1, "written", written=True),
    Exercise("gd-lr-too-large", 1, "check", "gd.check_lr_steps", ("steps_needed",), written=True,
             inputs={"lrs": (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99), "start": 1.0, "tol": 1e-6},
             symbols={"lrs": r"\eta", "start": "x_0", "tol": r"\delta"}),
    Exercise("gd-mse-gradient", 1, "practice", "gd.check_mse_gradient", ("mse_gradient",)),
    Exercise("gd-largest-lr", 1, "practice", "gd.check_largest_stable_lr", ("eta_star",),
             inputs={"kappa": 50.0}, symbols={"kappa": r"\kappa"}),
    Exercise("gd-minibatch", 1, "practice", "gd.check_minibatch_epoch", ("minibatch_epoch",)),
    Exercise("gd-best-momentum", 1, "project", "gd.check_best_momentum", ("best_momentum",), written=True,
             inputs={"momenta": (0.0, 0.5, 0.7, 0.8, 0.9, 0.95), "lr": 0.02, "tol": 1e-5},
             symbols={"momenta": r"\beta", "lr": r"\eta", "tol": r"\delta"}),
    Exercise("gd-newton-saddle", 1, "practice", "gd.check_newton_saddle", ("y_star",), written=True),
    # 2. Loss functions
    Exercise("loss-bce-logit-grad", 2, "practice", "losses.check_bce_logit_grad", ("bce_logit_grad",),
             written=True),
    Exercise("loss-stable-ce", 2, "practice", "losses.check_stable_cross_entropy", ("my_cross_entropy",),
             written=True),
    Exercise("loss-huber-smoothl1", 2, "check", "losses.check_huber_smoothl1", ("beta", "scale", "lr_smooth_l1"),
             written=True, inputs={"delta": 2.5, "lr": 0.1}, symbols={"delta": r"\delta", "lr": r"\eta"}),
    Exercise("loss-best-constants", 2, "practice", "losses.check_best_constants", ("c_mse", "c_mae"),
             written=True, inputs={"data": (2.0, 3.0, 5.0, 7.0, 40.0)}, symbols={"data": "y"}),
    Exercise("loss-mae-line", 2, "project", written=True),
    # 3. Backpropagation (the numbers are the chapter's network, course_lib.backprop.SEED)
    Exercise("bp-dw6", 3, "check", "backprop.check_dw6", ("dw6",), written=True),
    Exercise("bp-input-grad", 3, "practice", "backprop.check_input_grad", ("di1",), written=True),
    Exercise("bp-db1", 3, "practice", "backprop.check_db1", ("db1",)),
    Exercise("bp-residual", 3, "project", "backprop.check_residual_backward", ("residual_backward",), written=True),
    # 4. Exponential moving averages
    Exercise("ema-ninety-percent", 4, "check", "ema.check_ninety_percent", ("n90",),
             inputs={"beta": 0.9, "share": 0.9}, symbols={"beta": r"\beta", "share": r"\text{share}"}),
    Exercise("ema-debias", 4, "practice", "ema.check_debias", ("debias",), written=True),
    Exercise("ema-weighted-mean", 4, "practice", "ema.check_corrected_weights", ("corrected_weights",),
             written=True, inputs={"beta": 0.9, "t": 5}, symbols={"beta": r"\beta", "t": "t"}),
    Exercise("ema-lag", 4, "check", "ema.check_lag", ("lag",), written=True, inputs={"beta": 0.9}, symbols=_ETA),
    # 5. Momentum and Nesterov
    Exercise("momentum-seed-to-torch", 5, "practice", "momentum.check_seed_to_torch",
             ("torch_lr", "torch_momentum", "torch_dampening"), inputs={"lr": 0.05, "beta": 0.8}, symbols=_ETA),
    Exercise("momentum-multiplier", 5, "check", "momentum.check_multiplier", ("multiplier",), written=True,
             inputs={"beta": 0.9}, symbols=_ETA),
    Exercise("momentum-optimal", 5, "practice", "momentum.check_optimal_heavy_ball", ("best_lr", "best_momentum"),
             written=True, inputs={"x": (1.0, 2.0, 3.0, 4.0, 5.0), "y": (3.1, 4.9, 7.2, 8.8, 11.0)},
             symbols={"x": "x_i", "y": "y_i"}),
    Exercise("momentum-nesterov-limit", 5, "project", "momentum.check_nesterov_limit", ("nesterov_lr_max",),
             written=True, inputs={"momentum": 0.7, "kappa": 20.0}, symbols=_ETA),
    # 6. Adaptive learning rates
    Exercise("adaptive-centered-rmsprop", 6, "practice", "adaptive.check_centered_rmsprop", ("my_centered_step",),
             written=True),
    Exercise("adaptive-adam-second-step", 6, "check", "adaptive.check_adam_second_step",
             ("with_correction", "without_correction"), written=True,
             inputs={"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "grad1": 0.5, "grad2": -0.1},
             symbols={"lr": r"\eta", "beta1": r"\beta_1", "beta2": r"\beta_2", "eps": r"\epsilon", "grad1": "g_1",
                      "grad2": "g_2"}),
    Exercise("adaptive-adagrad-decay", 6, "check", "adaptive.check_adagrad_steps", ("adagrad_steps",),
             written=True, inputs={"lr": 1.0, "grad": 2.0, "step": 0.01},
             symbols={"lr": r"\eta", "grad": "g", "step": r"|\theta_t - \theta_{t-1}|"}),
    Exercise("adaptive-rotated-ravine", 6, "project", written=True),
    Exercise("adaptive-reddi-settings", 6, "project", written=True),
    # 7. SGD from scratch on handwritten digits
    Exercise("digits-mnist-loss", 7, "practice", "digits.check_mnist_loss", ("my_mnist_loss",), written=True),
    Exercise("digits-batch-accuracy", 7, "practice", "digits.check_article_accuracy", ("article_accuracy",),
             written=True),
    Exercise("digits-sgd-step", 7, "practice", "digits.check_accumulated_step", ("accumulated_step",)),
    Exercise("digits-hidden-layer", 7, "project", "digits.check_hidden_layer", ("simple_net", "net_history"),
             written=True, inputs={"hidden": 30, "epochs": 20, "accuracy": 0.95},
             symbols={"hidden": r"\text{hidden units}", "epochs": r"\text{epochs}",
                      "accuracy": r"\text{validation accuracy to reach}"}),
    # 8. Choosing an optimizer
    Exercise("choosing-settle-steps", 8, "practice", "choosing.check_settle_steps", ("steps_to_settle",),
             written=True),
    Exercise("choosing-tolerance-band", 8, "practice", "choosing.check_tolerance_band", ("band_decades",),
             written=True),
    Exercise("choosing-steep-ravine", 8, "project", "choosing.check_steep_ravine", ("steep",), written=True,
             inputs={"kappa": 100.0, "optimizers": ("SGD", "Nesterov", "RMSProp", "Adam"),
                     "lrs": tuple(10 ** (k / 2) for k in range(-8, 5)), "steps": 400, "tol": 1e-3},
             symbols={"kappa": r"\kappa", "optimizers": r"\text{optimizers}", "lrs": r"\text{learning rates}",
                      "steps": r"\text{budget (steps)}", "tol": r"\text{tolerance}"}),
    Exercise("choosing-real-difference", 8, "project", written=True),
)


def exercise(label: str) -> Exercise:
    """The registry's entry for ``label``, with a clear error for an unknown one."""
    try:
        return EXERCISES[label]
    except KeyError:
        raise KeyError(f"no exercise labelled {label!r} in course_lib.checks.registry") from None


def check_function(label: str) -> Callable | None:
    """The check of exercise ``label`` (``None`` when it has no automatic check)."""
    ex = exercise(label)
    if ex.check is None:
        return None
    module, name = ex.check.rsplit(".", 1)
    return getattr(importlib.import_module(f"course_lib.checks.{module}"), name)


def _fmt(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class ExerciseInputs(Mapping):
    """An exercise's numbers, as attributes (``ex.p``) and as a mapping; shown typeset in Jupyter."""

    def __init__(self, ex: Exercise):
        self._ex = ex

    def __getitem__(self, key: str):
        return self._ex.inputs[key]

    def __iter__(self):
        return iter(self._ex.inputs)

    def __len__(self) -> int:
        return len(self._ex.inputs)

    def __getattr__(self, key: str):
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._ex.inputs[key]
        except KeyError:
            raise AttributeError(f"exercise {self._ex.label} has no input {key!r}: it has "
                                 f"{', '.join(self._ex.inputs)}") from None

    def __repr__(self) -> str:
        return "; ".join(f"{k} = {_fmt(v)}" for k, v in self._ex.inputs.items())

    def _repr_markdown_(self) -> str:
        sym = self._ex.symbols
        return "; ".join(f"${sym.get(k, k)} = {_fmt(v)}$ (`{k}`)" for k, v in self._ex.inputs.items())


def exercise_inputs(label: str) -> ExerciseInputs:
    """The numbers of exercise ``label``: show them as a cell's last line, read them as attributes."""
    return ExerciseInputs(exercise(label))
