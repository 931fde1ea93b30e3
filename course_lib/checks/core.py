"""The machinery every exercise check shares: results, placeholders, answer conversion, hints.

A check is a function decorated with :func:`exercise_check`; it returns a :class:`CheckResult`
(truthy when the answer is right) after printing one ``✓`` line, or one ``✗`` line per problem.
It never raises and never prints a traceback: a placeholder gives a "not done" result, an answer
of the wrong kind a one-line :class:`AnswerError` message, and an error inside the student's own
function a sentence naming the input it failed on.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = ["ExerciseNotDone", "NotDone", "AnswerError", "CheckResult", "exercise_stub", "require_done", "report",
           "exercise_check", "as_number", "as_int", "as_array", "call_answer", "ratio_hint", "precision_hint",
           "forbidden_tools", "torch_calls"]


class ExerciseNotDone(RuntimeError):
    """A placeholder was used where an answer belongs.

    In Jupyter it shows as one line, not a traceback (IPython calls :meth:`_render_traceback_`)."""

    def _render_traceback_(self) -> list[str]:
        return [f"\N{HOURGLASS} {self}"]


class AnswerError(ValueError):
    """An answer of the wrong kind (text for a number, three numbers for one): one line for the student."""


class NotDone:
    """The placeholder the student edition puts where an answer belongs (see :func:`exercise_stub`)."""

    def __init__(self, name: str):
        self.name = name

    def _fail(self, *args, **kwargs):
        raise ExerciseNotDone(f"exercise not done yet: write your own `{self.name}` in the cell above, then run it")

    def __getattr__(self, attr: str):
        if attr.startswith("_"):  # IPython's display hooks (_repr_html_, …) and copy/pickle probes
            raise AttributeError(attr)
        self._fail()

    __call__ = _fail
    __float__ = _fail
    __int__ = _fail
    __index__ = _fail
    __iter__ = _fail
    __len__ = _fail
    __array__ = _fail
    __getitem__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __pow__ = __rpow__ = __neg__ = __lt__ = __le__ = __gt__ = __ge__ = _fail

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


# --- results -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """What a check found. ``bool(result)`` is whether the answer is right.

    - ``status``: ``"right"``, ``"wrong"`` or ``"not done"``;
    - ``lines``: what was printed, without the ``✓``/``✗`` marks (the success line, or one hint per problem);
    - ``exercise``: the exercise's label in :data:`course_lib.checks.registry.EXERCISES` (``None`` outside one);
    - ``points`` / ``max_points``: the exercise's points (from the registry) if right, else 0.
    """

    status: str
    lines: tuple[str, ...] = ()
    exercise: str | None = None
    points: float = 0.0
    max_points: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "right"

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = {"right": "✓", "wrong": "✗", "not done": "✗"}[self.status]
        return "\n".join(f"{mark} {line}" for line in self.lines)

    def __repr__(self) -> str:
        return f"CheckResult({self.exercise!r}, {self.status!r}, points={self.points:g}/{self.max_points:g})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for a grader)."""
        return dataclasses.asdict(self) | {"passed": self.passed}


def report(problems: Iterable[str], success: str) -> CheckResult:
    """Print ``✓ success`` when there are no problems, else one ``✗`` line per problem; return the result."""
    problems = [p for p in problems if p]
    result = CheckResult("wrong", tuple(problems)) if problems else CheckResult("right", (success,))
    print(result)
    return result


def _not_done(err: ExerciseNotDone) -> CheckResult:
    result = CheckResult("not done", (str(err),))
    print(result)
    return result


def exercise_check(label: str, probe: Callable | None = None) -> Callable:
    """Make a function the check of exercise ``label`` (a key of the registry).

    The function receives the student's answers and returns :func:`report`'s result (or raises
    :class:`AnswerError` with a one-line message). The wrapper turns placeholders into a "not done"
    result, :class:`AnswerError` into a ``✗`` line, any other error into one short line (never a
    traceback through this package), and fills in the exercise's label and points.

    With ``probe``, the check comes in two halves, for a check that must look inside an object
    (a model's layers) rather than call a function and compare numbers: ``probe(*answers)`` runs the
    student's code and returns plain data (numbers, strings, lists, dicts), the decorated function
    judges that data. ``check(*answers)`` is then ``check.judge(check.probe(*answers))``; a grader
    (``make grade``) runs the probe in the student's kernel and the judge in its own process.
    """

    def decorate(fn: Callable) -> Callable:
        def finish(thunk: Callable) -> CheckResult:
            from course_lib.checks.registry import EXERCISES

            try:
                result = thunk()
            except ExerciseNotDone as err:
                result = _not_done(err)
            except AnswerError as err:
                result = report([str(err)], "")
            except Exception as err:  # noqa: BLE001 - a student's answer may break a check in any way: say so briefly
                result = report([f"the check could not use your answer ({type(err).__name__}: {err})"], "")
            if not isinstance(result, CheckResult):  # a check returning a bool or None: no points either way
                result = CheckResult("right" if result else "wrong")
            points = EXERCISES[label].points
            return dataclasses.replace(result, exercise=label, max_points=points,
                                       points=points if result.passed else 0.0)

        def answered(*args, **kwargs):
            require_done(*args, *kwargs.values())
            return fn(probe(*args, **kwargs)) if probe is not None else fn(*args, **kwargs)

        @functools.wraps(fn)
        def check(*args, **kwargs) -> CheckResult:
            return finish(lambda: answered(*args, **kwargs))

        def judge(data) -> CheckResult:
            """The verdict on ``probe``'s data (or on the exception the probe raised: reported as the check does)."""

            def thunk():
                if isinstance(data, Exception):
                    raise data
                return fn(data)

            return finish(thunk)

        check.exercise = label
        check.probe = probe
        check.judge = judge if probe is not None else None
        return check

    return decorate


# --- answers of any numeric type -----------------------------------------------------------------


def _numeric(x: Any, name: str) -> np.ndarray:
    """``x`` as a float64 array: Python numbers, NumPy scalars and arrays, torch tensors, (nested) lists of them."""
    if isinstance(x, NotDone):
        x()
    if isinstance(x, (str, bytes)):
        raise AnswerError(f"`{name}` is text ({x!r}): give a number, without quotes")
    if isinstance(x, (bool, np.bool_)):
        raise AnswerError(f"`{name}` is {x}, a truth value: give a number")
    if isinstance(x, dict):
        raise AnswerError(f"`{name}` is a dict: give a number or a list of numbers")
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor, perhaps requiring grad
        x = x.detach().cpu().double().numpy()
    elif isinstance(x, (list, tuple)):
        x = [_numeric(v, name) for v in x]
        shapes = {v.shape for v in x}
        if len(shapes) > 1:
            raise AnswerError(f"`{name}` mixes numbers and lists of different lengths")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise AnswerError(f"`{name}` should be a number or numbers, got a {type(x).__name__}") from err
    return arr


def as_number(x: Any, name: str) -> float:
    """One finite number from any numeric type (a one-element list, array or tensor too)."""
    arr = _numeric(x, name)
    if arr.size != 1:
        raise AnswerError(f"`{name}` should be one number, got {arr.size} numbers")
    value = float(arr.reshape(()))
    if not math.isfinite(value):
        raise AnswerError(f"`{name}` is {value}: something overflowed or divided by zero")
    return value


def as_int(x: Any, name: str) -> int:
    """A whole number (``3``, ``3.0``, ``np.int64(3)``, ``torch.tensor(3)``); ``3.5`` is refused."""
    value = as_number(x, name)
    if not value.is_integer():
        raise AnswerError(f"`{name}` should be a whole number, got {value:g}")
    return int(value)


def as_array(x: Any, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A float64 array from any numeric type; with ``shape``, refuse another number of entries."""
    arr = _numeric(x, name)
    if shape is not None and arr.size != math.prod(shape):
        raise AnswerError(f"`{name}` should hold {math.prod(shape)} numbers, got {arr.size}")
    return arr.reshape(shape) if shape is not None else arr


def _describe(args: tuple) -> str:
    parts = []
    for a in args:
        shape = getattr(a, "shape", None)
        if shape is not None and len(shape) > 0:
            parts.append(f"{type(a).__name__} of shape {tuple(shape)}")
        elif isinstance(a, (list, tuple)):
            parts.append(f"a {type(a).__name__} of {len(a)}")
        elif callable(a):
            parts.append(getattr(a, "__name__", "a function"))
        else:
            parts.append(repr(a) if isinstance(a, (int, float)) else type(a).__name__)
    return "(" + ", ".join(parts) + ")"


def call_answer(fn, *args, name: str | None = None, on: str | None = None):
    """Call a student's function: ``(float64 NumPy array, None)``, or ``(None, what went wrong)``.

    Any error of the student's code becomes a sentence naming the input it failed on (``on``, by
    default the arguments' types and shapes); a placeholder's :class:`ExerciseNotDone` is raised on.
    """
    who = f"your `{name}`" if name else "your function"
    where = on or _describe(args)
    if not callable(fn):
        return None, f"{who} should be a function, got a {type(fn).__name__}"
    try:
        out = fn(*args)
    except ExerciseNotDone:
        raise
    except Exception as err:  # noqa: BLE001 - a student's function may fail in any way: say how, and on what
        return None, f"{who} raised {type(err).__name__} on {where}: {err}"
    try:
        return _numeric(out, name or "the result"), None
    except AnswerError:
        return None, f"{who} returned a {type(out).__name__} on {where}, not a number or an array of numbers"


def _decimals(x: float) -> int | None:
    """How many decimals ``x`` was written with (``1.2`` → 1, ``0.669`` → 3), or None for long reprs."""
    text = repr(float(x))
    if "e" in text or "inf" in text or "nan" in text:
        return None
    decimals = len(text.split(".")[1].rstrip("0")) if "." in text else 0
    return decimals if decimals <= 8 else None


def precision_hint(name: str, got: float, expected: float, rtol: float) -> str | None:
    """Say when ``got`` is ``expected`` rounded too coarsely (1.20 for 1.204), without the value."""
    if math.isclose(got, expected, rel_tol=rtol, abs_tol=1e-12) or not math.isfinite(got):
        return None
    decimals = _decimals(got)
    # rounded to at least two significant digits (0.4 for 0.354 is a guess, not a rounding)
    rounded = (decimals is not None and 10.0**-decimals <= 0.1 * abs(expected)
               and abs(got - expected) <= 0.5 * 10.0**-decimals * (1 + 1e-9))
    near = abs(got - expected) <= 0.01 * abs(expected)
    if rounded or near:
        return (f"your {name} is close but not precise enough: keep more digits (compute it, do not round; "
                f"the check wants a relative error below {rtol:g})")
    return None


def ratio_hint(name: str, got: float, expected: float, rtol: float = 1e-6) -> str | None:
    """A hint for a wrong number: a common slip (sign, factor 2, 1/2), too few digits, or just "not right yet"."""
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
    return precision_hint(name, got, expected, rtol) or f"your {name} is not right yet (it is {got:.6g})"


# --- tools an exercise forbids ---------------------------------------------------------------------


class _Recorder:
    """Collect the torch functions called inside the block (a ``TorchFunctionMode``)."""

    def __init__(self):
        from torch.overrides import TorchFunctionMode, resolve_name

        calls = self.calls = []

        class Mode(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                calls.append(resolve_name(func) or f"torch.autograd.{getattr(func, '__name__', func)}")
                return func(*args, **(kwargs or {}))

        self.mode = Mode()


class torch_calls:  # noqa: N801 - used as a context manager, like torch.no_grad
    """``with torch_calls() as calls:`` collects the names of the torch functions called in the block.

    Student code may run elsewhere (a grader runs it in the student's kernel): what was recorded there
    is reported here with :meth:`note`, and every block open in this thread counts it as called.
    """

    _open = threading.local()

    def __enter__(self) -> list[str]:
        self._rec = _Recorder()
        self._rec.mode.__enter__()
        torch_calls._blocks().append(self)
        return self._rec.calls

    def __exit__(self, *exc):
        torch_calls._blocks().remove(self)
        self._rec.mode.__exit__(*exc)
        return False

    @classmethod
    def _blocks(cls) -> list:
        if not hasattr(cls._open, "blocks"):
            cls._open.blocks = []
        return cls._open.blocks

    @classmethod
    def watching(cls) -> bool:
        """Whether a block is open in this thread (whether calls made elsewhere should be recorded)."""
        return bool(cls._blocks())

    @classmethod
    def note(cls, names: Iterable[str]) -> None:
        """Count ``names`` as torch functions called in every block open in this thread."""
        names = [str(n) for n in names]
        for block in cls._blocks():
            block._rec.calls.extend(names)


class forbidden_tools:  # noqa: N801 - used as a context manager, like torch.no_grad
    """Record which forbidden torch tools a student's code called inside the block.

    ``forbidden`` maps a name fragment (``"torch.nn.functional"``, ``"backward"``, ``"autograd.grad"``)
    to what the student is told. After the block, :attr:`used` holds the messages of the tools called.
    """

    AUTOGRAD = {"backward": "autograd (`.backward()`)", "torch.autograd.grad": "autograd (`torch.autograd.grad`)"}

    def __init__(self, forbidden: dict[str, str]):
        self.forbidden = forbidden
        self.used: list[str] = []

    def __enter__(self):
        self._block = torch_calls()
        self._calls = self._block.__enter__()
        return self

    def __exit__(self, *exc):
        self._block.__exit__(*exc)
        for fragment, words in self.forbidden.items():
            if any(fragment in call for call in self._calls) and words not in self.used:
                self.used.append(words)
        return False
