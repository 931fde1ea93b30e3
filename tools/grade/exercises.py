"""What is graded: the course's exercises (its registry), and the instructor's own rules.

The course's exercises come from :data:`course_lib.checks.registry.EXERCISES`: an exercise is graded
when it has an automatic check. An instructor adds their own rules in a Python file passed with
``--checks`` (``make grade CHECKS=…``), kept out of the repository and so out of the student edition::

    POINTS = {"ema-debias": 3}                 # points per exercise (default: the registry's)
    CHECKS = {"ema-debias": [my_hidden_check]}  # more checks per exercise, each called like the course's
                                                # check, with the exercise's answers in registry order
    ANSWERS = {"loss-mae-line": ("mae_slopes",)}  # answers for an exercise the course checks by hand,
                                                  # so that CHECKS can grade it
    CHAPTERS = [4, 5]                           # grade only these chapters
    SKIP = ["ema-lag"]                          # do not grade these exercises

An exercise passes when every one of its checks passes. A check written by an instructor is called
the same way as the course's (see ``book/instructors.md``): with the student's values, or, for a
function, with a stand-in that runs each call in the student's kernel and returns what the function
returned there; it returns a :class:`course_lib.checks.CheckResult` (e.g. through ``report``) or a bool.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path

from course_lib.checks.registry import EXERCISES, check_function
from tools.toc import toc_notebooks

ROOT = Path(__file__).resolve().parents[2]

_KEYS = {"POINTS", "CHECKS", "ANSWERS", "CHAPTERS", "SKIP"}


@dataclasses.dataclass(frozen=True)
class Graded:
    """One exercise as the grader sees it."""

    label: str
    chapter: int
    notebook: str  # the student-edition file name, e.g. "04_ema.ipynb"
    answers: tuple[str, ...]
    points: float
    checks: tuple[Callable, ...]  # the course's check, then the instructor's: run in the grader's process


@dataclasses.dataclass(frozen=True)
class Rules:
    """Everything the grader grades, by chapter."""

    exercises: dict[int, tuple[Graded, ...]]
    notebooks: dict[int, str]  # chapter -> student-edition file name, for every chapter of the book
    instructor_path: str = ""
    chosen: bool = False  # the chapters were chosen (command line or CHAPTERS), not taken from the submissions

    def chapter_of(self, notebook: str) -> int | None:
        return next((c for c, n in self.notebooks.items() if n == notebook), None)

    def labels(self) -> dict[str, int]:
        """Every exercise label of the course (graded or not) -> its chapter."""
        return {label: ex.chapter for label, ex in EXERCISES.items()}


class RulesError(ValueError):
    """The instructor's file is not usable: the message says why."""


def chapter_notebooks(root: Path = ROOT) -> dict[int, str]:
    """Chapter number -> the notebook's file name, from ``_toc.yml`` (``NN_name.ipynb``)."""
    out = {}
    for path in toc_notebooks(root):
        m = re.match(r"(\d+)_", path.name)
        if m:
            out[int(m.group(1))] = path.name
    return out


def load_instructor(path: Path) -> dict:
    """The instructor file's settings (its module's globals)."""
    path = Path(path)
    if not path.is_file():
        raise RulesError(f"--checks: no such file {path}")
    spec = importlib.util.spec_from_file_location("descent_instructor_checks", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # noqa: BLE001 - the instructor's file: say what is wrong with it
        raise RulesError(f"--checks {path}: {type(err).__name__}: {err}") from err
    return vars(module)


def _validate(settings: dict) -> None:
    for key in ("POINTS", "CHECKS", "ANSWERS"):
        value = settings.get(key, {})
        if not isinstance(value, dict):
            raise RulesError(f"{key} should be a dict keyed by exercise label, got {type(value).__name__}")
        unknown = [k for k in value if k not in EXERCISES]
        if unknown:
            raise RulesError(f"{key} names exercises the course does not have: {', '.join(map(str, unknown))}")
    for label, points in settings.get("POINTS", {}).items():
        if isinstance(points, bool) or not isinstance(points, (int, float)) or not points >= 0:
            raise RulesError(f"POINTS[{label!r}] should be a number >= 0, got {points!r}")
    for label, checks in settings.get("CHECKS", {}).items():
        if not isinstance(checks, (list, tuple)) or not all(callable(c) for c in checks):
            raise RulesError(f"CHECKS[{label!r}] should be a list of functions")
    for label, names in settings.get("ANSWERS", {}).items():
        if (not isinstance(names, (list, tuple)) or not names
                or not all(isinstance(n, str) and n.isidentifier() for n in names)):
            raise RulesError(f"ANSWERS[{label!r}] should be a tuple of variable names")
        if EXERCISES[label].answers and tuple(names) != EXERCISES[label].answers:
            raise RulesError(f"ANSWERS[{label!r}]: the course already names this exercise's answers "
                             f"{EXERCISES[label].answers}")
    chapters = settings.get("CHAPTERS")
    if chapters is not None and (not isinstance(chapters, (list, tuple))
                                 or not all(isinstance(c, int) and not isinstance(c, bool) for c in chapters)):
        raise RulesError("CHAPTERS should be a list of chapter numbers")
    skip = settings.get("SKIP", [])
    if not isinstance(skip, (list, tuple)) or any(s not in EXERCISES for s in skip):
        raise RulesError("SKIP should be a list of exercise labels of the course")
    extra = sorted(k for k in settings if k.isupper() and k not in _KEYS and not k.startswith("_"))
    if extra:
        raise RulesError(f"unknown setting(s) {', '.join(extra)}: the grader reads {', '.join(sorted(_KEYS))}")


def load_rules(instructor: Path | None = None, chapters: list[int] | None = None, root: Path = ROOT) -> Rules:
    """The exercises to grade, by chapter. ``chapters`` (the command line) overrides ``CHAPTERS``."""
    settings = load_instructor(instructor) if instructor else {}
    _validate(settings)
    notebooks = chapter_notebooks(root)
    wanted = chapters if chapters is not None else settings.get("CHAPTERS")
    if wanted is not None:
        unknown = [c for c in wanted if c not in notebooks]
        if unknown:
            raise RulesError(f"no chapter {', '.join(map(str, unknown))} in the book (chapters: "
                             f"{', '.join(map(str, sorted(notebooks)))})")
    points, extra, answers = settings.get("POINTS", {}), settings.get("CHECKS", {}), settings.get("ANSWERS", {})
    skip = set(settings.get("SKIP", []))
    by_chapter: dict[int, list[Graded]] = {c: [] for c in sorted(notebooks) if wanted is None or c in wanted}
    for label, ex in EXERCISES.items():  # registry order: the order of the chapter
        if ex.chapter not in by_chapter or label in skip:
            continue
        try:
            course = [check_function(label)] if ex.check is not None else []
        except (ImportError, AttributeError) as err:
            raise RulesError(f"exercise {label}: the registry's check {ex.check!r} cannot be loaded ({err})") from None
        judges = course + list(extra.get(label, []))
        if not judges:
            continue
        names = tuple(ex.answers or answers.get(label, ()))
        if not names:
            raise RulesError(f"exercise {label} has checks but no answers: name them in ANSWERS")
        by_chapter[ex.chapter].append(Graded(label, ex.chapter, notebooks[ex.chapter], names,
                                             float(points.get(label, ex.points)), tuple(judges)))
    return Rules({c: tuple(v) for c, v in by_chapter.items()}, notebooks, str(instructor) if instructor else "",
                 wanted is not None)
