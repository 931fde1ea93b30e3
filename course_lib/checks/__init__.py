"""Feedback on students' exercise answers that says what is wrong without revealing the answer.

Every exercise is described once in :mod:`course_lib.checks.registry` (chapter, level, points, the
names the student writes, its numbers). Its check, a function of the chapter's module here
(``course_lib.checks.gd.check_newton_saddle``, …), takes the student's answers, prints one ``✓``
line or one ``✗`` hint per problem, and returns a :class:`CheckResult`, truthy when the answer is
right::

    >>> result = check_mse_gradient(my_grad)          # doctest: +SKIP
    ✗ your gradient is half the right one: the square brings down a factor 2 (there is no ½ in this loss)
    >>> result.status, result.points                  # doctest: +SKIP
    ('wrong', 0.0)

A check never raises and never shows a traceback: a placeholder of the student edition
(:class:`NotDone`) gives a "not done" result, an answer of the wrong type one line.
:func:`check` runs any exercise's check by its label (what a grader uses).
See ``/CONTRIBUTING.md`` ("Exercises") for the whole format.
"""

from __future__ import annotations

from course_lib.checks.core import (
    AnswerError,
    CheckResult,
    ExerciseNotDone,
    NotDone,
    as_array,
    as_int,
    as_number,
    call_answer,
    exercise_check,
    exercise_stub,
    forbidden_tools,
    precision_hint,
    ratio_hint,
    report,
    require_done,
)
from course_lib.checks.registry import EXERCISES, Exercise, check_function, exercise, exercise_inputs

__all__ = ["ExerciseNotDone", "NotDone", "AnswerError", "CheckResult", "exercise_stub", "require_done", "report",
           "exercise_check", "as_number", "as_int", "as_array", "call_answer", "ratio_hint", "precision_hint",
           "forbidden_tools", "EXERCISES", "Exercise", "exercise", "exercise_inputs", "check_function", "check"]


def check(label: str, *answers, **kwargs) -> CheckResult:
    """Run the check of exercise ``label`` on the student's ``answers`` (in the registry's ``answers`` order)."""
    fn = check_function(label)
    if fn is None:
        raise ValueError(f"exercise {label!r} has no automatic check (it is graded by hand)")
    return fn(*answers, **kwargs)
