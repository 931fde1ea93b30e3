"""Feedback on students' exercise answers that says what is wrong without revealing the answer.

A check function takes the student's answer, prints one line per finding and returns
``True`` when the answer is right::

    >>> check_gradient(my_grad)          # doctest: +SKIP
    ✗ your gradient for w5 is off by a factor of 2: did you forget the 1/2 in the loss?

In the student edition (``make student``) each solution cell becomes a stub that
defines the same names as :class:`NotDone` placeholders; a check that receives one
raises :class:`ExerciseNotDone` with a clear message instead of a NameError.

Each chapter's checks live in a module of their own and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ExerciseNotDone", "NotDone", "exercise_stub", "require_done", "report", "ratio_hint", "call_answer"]


class ExerciseNotDone(RuntimeError):
    """Raised when a check receives a placeholder instead of an answer."""


class NotDone:
    """The placeholder the student edition puts where an answer belongs."""

    def __init__(self, name: str):
        self.name = name

    def _fail(self, *args, **kwargs):
        raise ExerciseNotDone(f"exercise not done yet: write your own `{self.name}` in the cell above, then run it")

    __call__ = _fail
    __getattr__ = _fail  # type: ignore[assignment]
    __float__ = _fail
    __iter__ = _fail
    __array__ = _fail

    def __repr__(self) -> str:
        return f"NotDone({self.name!r})"


def exercise_stub(name: str) -> NotDone:
    """A placeholder for the answer called ``name``."""
    return NotDone(name)


def require_done(*answers) -> None:
    """Raise :class:`ExerciseNotDone` if any answer is still a placeholder."""
    for a in answers:
        if isinstance(a, NotDone):
            a()


def call_answer(fn, *args, name: str | None = None):
    """Call a student's function: ``(float64 NumPy array, None)``, or ``(None, what went wrong)``.

    Any error of the student's code becomes a sentence for the feedback; a placeholder's
    :class:`ExerciseNotDone` is raised on. Tensors are detached and converted.
    """
    import numpy as np

    who = f"your `{name}`" if name else "calling it"
    try:
        out = fn(*args)
    except ExerciseNotDone:
        raise
    except Exception as err:  # noqa: BLE001 - a student's function may fail in any way: say how
        return None, f"{who} raised {type(err).__name__}: {err}"
    try:
        if hasattr(out, "detach"):
            out = out.detach().cpu().numpy()
        return np.asarray(out, dtype=np.float64), None
    except (TypeError, ValueError, RuntimeError):
        what = f"your `{name}`" if name else "it"
        return None, f"{what} returned {type(out).__name__}, not a number or an array of numbers"


def report(problems: Iterable[str], success: str) -> bool:
    """Print ``✓ success`` when there are no problems, else one ``✗`` line per problem; return whether right."""
    problems = list(problems)
    if not problems:
        print(f"✓ {success}")
        return True
    for p in problems:
        print(f"✗ {p}")
    return False


def ratio_hint(name: str, got: float, expected: float, rtol: float = 1e-6) -> str | None:
    """A hint for a wrong number that names a common slip (sign, factor 2, 1/2) without giving the value."""
    import math

    if math.isclose(got, expected, rel_tol=rtol, abs_tol=1e-12):
        return None
    if not math.isfinite(got):
        return f"your {name} is {got}: something overflowed or divided by zero"
    if expected != 0:
        r = got / expected
        slips = ((-1, "has the wrong sign"), (2, "is off by a factor of 2 (too large)"),
                 (0.5, "is off by a factor of 2 (too small)"), (-2, "has the wrong sign and is twice too large"),
                 (-0.5, "has the wrong sign and is half what it should be"))
        for factor, words in slips:
            if math.isclose(r, factor, rel_tol=1e-3):
                return f"your {name} {words}"
    return f"your {name} is not right yet (it is {got:.6g})"
