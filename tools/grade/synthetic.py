"""A synthetic class built from the book's real notebooks: try the grader, test it, time it.

    python -m tools.grade.synthetic OUT [--chapter 4] [--copies 1]

writes one folder per student into OUT, each holding the chapter's notebook as that kind of student
handed it in (the official solutions, the student edition untouched, a crash, an endless loop, a
file that is no notebook, a submission that patches the checks, ...); ``python -m tools.grade OUT``
then grades it. :data:`KINDS` lists the students; :func:`build` returns, for each, what the grader
must say about each exercise, derived from the registry and from running the course's checks directly.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.grade.exercises import chapter_notebooks, load_rules  # noqa: E402
from tools.grade.plan import statement_label  # noqa: E402

v4 = nbformat.v4

#: a value no exercise has as its answer, and a function that returns it
WRONG_VALUE = 1234.5
WRONG_SOURCE = "def {name}(*args, **kwargs):\n    return 1234.5"

#: what a submission that wants to pass without solving might run in its kernel
CHEAT_CHECKS = """\
import math, sys
import numpy as np, torch
from course_lib.checks import CheckResult
import course_lib.checks.core as core
import course_lib.checks.registry as registry

def always(*args, **kwargs):
    print("✓ right")
    return CheckResult("right", ("right",))

for module in list(sys.modules.values()):
    if getattr(module, "__name__", "").startswith("course_lib.checks"):
        for name in dir(module):
            if name.startswith("check"):
                setattr(module, name, always)
core.report = lambda problems, success: CheckResult("right", (success,))
registry.check_function = lambda label: always
np.allclose = np.array_equal = np.isclose = lambda *a, **k: True
math.isclose = lambda *a, **k: True
torch.allclose = torch.equal = lambda *a, **k: True
"""

CHEAT_PROBE = """\
import json, IPython.display
_real_publish = IPython.display.publish_display_data

def forged(data, *args, **kwargs):
    key = "text/x-descent-grade"
    if key in data:
        payload = json.loads(data[key])
        if "answers" in payload:
            payload["answers"] = {n: {"state": "value", "v": {"t": "float", "v": 1234.5}} for n in payload["answers"]}
        else:
            payload = {"out": {"t": "float", "v": 1234.5}, "after": []}
        data = {key: json.dumps(payload)}
    return _real_publish(data, *args, **kwargs)

IPython.display.publish_display_data = forged
"""

KILL_WORKER = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
LOOP = "while True:\n    pass"
HOG = "blocks = []\nwhile True:\n    blocks.append(bytearray(64 * 2**20))"
CRASH = 'raise RuntimeError("a bug in my answer")'


def _code(src: str):
    return v4.new_code_cell(src)


def _blocks(nb) -> tuple[list, list[tuple[str, list]]]:
    """The cells before the first exercise, and (label, cells from its statement to the next) per exercise."""
    head, blocks = [], []
    for cell in nb.cells:
        label = statement_label(cell)
        if label is not None:
            blocks.append((label, [cell]))
        elif blocks:
            blocks[-1][1].append(cell)
        else:
            head.append(cell)
    return head, blocks


def _join(nb, head, blocks):
    out = copy.deepcopy(nb)
    out.cells = list(head) + [c for _, cells in blocks for c in cells]
    return out


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _insert_end(nb, label: str, cells: list):
    """``nb`` with ``cells`` at the end of exercise ``label``'s part (where its probe runs)."""
    head, blocks = _blocks(nb)
    blocks = [(lab, body + cells if lab == label else body) for lab, body in blocks]
    return _join(nb, head, blocks)


def _insert_after_statement(nb, label: str, cells: list):
    head, blocks = _blocks(nb)
    blocks = [(lab, body[:1] + cells + body[1:] if lab == label else body) for lab, body in blocks]
    return _join(nb, head, blocks)


def _solutions(nb, label: str) -> list:
    return [copy.deepcopy(c) for lab, body in _blocks(nb)[1] if lab == label
            for c in body if c.cell_type == "code" and "solution" in _tags(c)]


def notebook_order(nb, graded) -> list[str]:
    """The graded exercises' labels in the order the notebook states them (any it lacks last)."""
    stated = [lab for lab, _ in _blocks(nb)[1]]
    labels = [g.label for g in graded]
    return sorted(labels, key=lambda lab: stated.index(lab) if lab in stated else len(stated))


#: where the loop, the memory hog and the worker killer start, as a position in the notebook's order
FAULT_AT = {"loop": 2, "hog": 1, "killer": 1}


def _wrong_cells(names, kinds) -> list:
    return [_code(WRONG_SOURCE.format(name=n) if kinds.get(n) == "function" else f"{n} = {WRONG_VALUE!r}")
            for n in names]


def _rename(nb, name: str, new: str):
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.source = re.sub(rf"\b{re.escape(name)}\b", new, cell.source)
    return out


def _independent(nb, graded) -> str:
    """An exercise none of whose answers a later exercise's code mentions (safe to break or remove)."""
    head, blocks = _blocks(nb)
    labels = [lab for lab, _ in blocks]
    for g in graded:
        if g.label not in labels:
            continue
        later = "\n".join(c.source for lab, body in blocks[labels.index(g.label) + 1:] for c in body
                          if c.cell_type == "code" and "check" not in _tags(c))
        if not any(re.search(rf"\b{re.escape(n)}\b", later) for n in g.answers):
            return g.label
    return graded[0].label


def answer_kinds(nb, graded) -> dict[str, str]:
    """Which answers the official solutions define as functions (``def name``), the others being values."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return {n: "function" if re.search(rf"^def {re.escape(n)}\b", text, re.M) else "value"
            for g in graded for n in g.answers}


def direct_lines(check: Callable, answers: list) -> tuple[str, tuple[str, ...]]:
    """The course's check run directly, here: (status as the grader writes it, its lines)."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        result = check(*answers)
    status = {"right": "pass", "wrong": "fail", "not done": "not-done"}[result.status]
    return status, tuple(result.lines)


def wrong_answers(names, kinds) -> list:
    def wrong_fn(*args, **kwargs):
        return WRONG_VALUE

    return [wrong_fn if kinds.get(n) == "function" else WRONG_VALUE for n in names]


KINDS = ("right", "empty", "partly", "crash", "loop", "hog", "killer", "notnb", "otherchapter", "reordered",
         "deleted", "renamed", "cheat_checks", "cheat_probe", "missing")


def build(out: Path, chapter: int = 4, kinds=KINDS, copies: int = 1) -> dict[str, dict[str, tuple[str, str]]]:
    """Write the class into ``out``; return ``{student: {label: (status, message)}}`` the grader must write.

    A message given as ``None`` is checked elsewhere (it names cell numbers or limits); ``"~words"``
    means "contains words".
    """
    from tools.student import student_notebook

    out = Path(out)
    rules = load_rules(chapters=[chapter])
    graded = list(rules.exercises[chapter])
    labels = [g.label for g in graded]
    name = chapter_notebooks()[chapter]
    official = nbformat.read(ROOT / "book" / name, as_version=4)
    for cell in official.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    official.metadata.pop("widgets", None)
    student = student_notebook(official)
    kinds_of = answer_kinds(official, graded)
    expected: dict[str, dict[str, tuple[str, str]]] = {}
    notebooks: dict[str, object] = {}
    not_defined = "is not defined: the exercise asks for a variable or function of exactly that name"

    def placeholder(g):
        return ("not-done", "; ".join(f"`{n}` is still the student edition's placeholder: exercise not done"
                                      for n in g.answers))

    def wrong(g):
        return direct_lines(g.checks[0], wrong_answers(g.answers, kinds_of))

    right = {g.label: ("pass", "") for g in graded}
    for kind in kinds:
        if kind == "right":
            notebooks[kind], expected[kind] = official, dict(right)
        elif kind == "empty":
            notebooks[kind], expected[kind] = student, {g.label: placeholder(g) for g in graded}
        elif kind == "partly":
            nb = _insert_end(student, labels[0], _solutions(official, labels[0]))
            if len(graded) > 1:
                nb = _insert_end(nb, labels[1], _wrong_cells(graded[1].answers, kinds_of))
            notebooks[kind] = nb
            expected[kind] = {g.label: placeholder(g) for g in graded}
            expected[kind][labels[0]] = ("pass", "")
            if len(graded) > 1:
                status, lines = wrong(graded[1])
                expected[kind][labels[1]] = (status, "; ".join(lines))
        elif kind == "crash":  # one exercise's solution replaced by code that raises
            target = _independent(official, graded)
            head, blocks = _blocks(official)
            new_blocks = []
            for lab, body in blocks:
                if lab == target:
                    body = [c for c in body if not (c.cell_type == "code" and "solution" in _tags(c))]
                    body = body[:1] + [_code(CRASH)] + body[1:]
                new_blocks.append((lab, body))
            notebooks[kind] = _join(official, head, new_blocks)
            expected[kind] = dict(right)
            g = graded[labels.index(target)]
            expected[kind][target] = ("error", "~raised RuntimeError: a bug in my answer; "
                                      + "; ".join(f"`{n}` {not_defined}" for n in g.answers))
        elif kind in ("loop", "hog", "killer"):
            order = notebook_order(official, graded)
            at = min(FAULT_AT[kind], len(order) - 1)
            src = {"loop": LOOP, "hog": HOG, "killer": KILL_WORKER}[kind]
            notebooks[kind] = _insert_after_statement(official, order[at], [_code(src)])
            expected[kind] = dict(right)
            words = {"loop": "~the notebook ran out of time", "hog": "~the notebook hit the memory limit",
                     "killer": "~the notebook's worker ended before this exercise"}[kind]
            for lab in order[at:]:
                expected[kind][lab] = ("error" if kind == "killer" else "timeout", words)
        elif kind == "notnb":
            notebooks[kind] = b"print('my homework')\n"
            expected[kind] = {lab: ("error", f"{name} is not a Jupyter notebook (not JSON: Expecting value at "
                                             "line 1)") for lab in labels}
        elif kind == "otherchapter":
            other = min(c for c in rules.notebooks if c != chapter)
            notebooks[kind] = nbformat.read(ROOT / "book" / rules.notebooks[other], as_version=4)
            expected[kind] = {lab: ("error", f"this file holds the exercises of {rules.notebooks[other]}, not of "
                                             f"{name}: a notebook of another chapter, saved under this chapter's name")
                              for lab in labels}
        elif kind == "reordered":  # each check before its answer; the last statement deleted
            head, blocks = _blocks(official)
            new_blocks = []
            for lab, body in blocks:
                checks = [c for c in body if "check" in _tags(c)]
                rest = [c for c in body if "check" not in _tags(c)]
                new_blocks.append((lab, rest[:1] + checks + rest[1:]))
            last = notebook_order(official, graded)[-1]
            new_blocks = [(lab, body[1:] if lab == last else body) for lab, body in new_blocks]
            notebooks[kind] = _join(official, head, new_blocks)
            expected[kind] = dict(right)
            expected[kind][last] = ("pass", "its statement cell is missing, so the answer was looked for at the "
                                            "end of the notebook")
        elif kind == "deleted":  # every check cell deleted, and one exercise's solution
            target = _independent(official, graded)
            head, blocks = _blocks(official)
            blocks = [(lab, [c for c in body if "check" not in _tags(c)
                             and not (lab == target and "solution" in _tags(c) and c.cell_type == "code")])
                      for lab, body in blocks]
            notebooks[kind] = _join(official, head, blocks)
            expected[kind] = dict(right)
            g = graded[labels.index(target)]
            expected[kind][target] = ("not-done", "; ".join(f"`{n}` {not_defined}" for n in g.answers))
        elif kind == "renamed":
            target = _independent(official, graded)
            g = graded[labels.index(target)]
            notebooks[kind] = _rename(official, g.answers[0], g.answers[0] + "_mine")
            expected[kind] = dict(right)
            expected[kind][target] = ("not-done", f"`{g.answers[0]}` {not_defined}")
        elif kind in ("cheat_checks", "cheat_probe"):
            nb = copy.deepcopy(student)
            for lab, g in zip(labels, graded):
                nb = _insert_end(nb, lab, _wrong_cells(g.answers, kinds_of))
            head, blocks = _blocks(nb)
            head = head + [_code(CHEAT_CHECKS if kind == "cheat_checks" else CHEAT_PROBE)]
            notebooks[kind] = _join(nb, head, blocks)
            if kind == "cheat_checks":
                verdicts = {g.label: wrong(g) for g in graded}
            else:  # the forged data says every answer is the value WRONG_VALUE
                verdicts = {g.label: direct_lines(g.checks[0], [WRONG_VALUE] * len(g.answers)) for g in graded}
            expected[kind] = {lab: (status, "; ".join(lines)) for lab, (status, lines) in verdicts.items()}
        elif kind == "missing":
            notebooks[kind] = None
            expected[kind] = {lab: ("not-done", f"no {name} in the submission") for lab in labels}
        else:
            raise ValueError(f"unknown kind of student {kind!r}")
    result = {}
    for kind in kinds:
        for k in range(copies):
            student_name = kind if copies == 1 else f"{kind}-{k:02d}"
            folder = out / student_name
            folder.mkdir(parents=True, exist_ok=True)
            nb = notebooks[kind]
            if isinstance(nb, bytes):
                (folder / name).write_bytes(nb)
            elif nb is not None:
                nbformat.write(nb, folder / name)
            result[student_name] = expected[kind]
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--chapter", type=int, default=4)
    p.add_argument("--copies", type=int, default=1, help="students of each kind")
    p.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    args = p.parse_args(argv)
    expected = build(args.out, args.chapter, args.kinds, args.copies)
    (args.out / ".expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {len(expected)} students into {args.out}; grade them with: python -m tools.grade {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
