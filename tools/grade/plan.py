"""From a submitted file to the cells a worker runs: read it, check it is the right chapter, place probes.

An exercise's cells are those from its statement (a Markdown cell labelled with the exercise) to the
next exercise's statement: the student's answer, the check cell, anything they added. Its probe runs
right after them, before the next exercise can reuse a name; an exercise whose statement the student
deleted is probed at the end of the notebook. Every code cell runs in the order of the file, as the
student left it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import nbformat

from tools.grade.exercises import Graded, Rules

#: the largest submitted file read (a chapter with all its outputs and widget state is a few MiB)
MAX_FILE = 50 * 2**20

_FENCE_LABEL = re.compile(r"[`:]{3,}\{exercise\}[^\n]*\n(?:\s*:[\w-]+:[^\n]*\n)*?\s*:label:\s*(\S+)")
_PROBE_SOURCE = (Path(__file__).parent / "probe.py").read_text(encoding="utf-8")


class SubmissionError(ValueError):
    """The file cannot be graded as this chapter's notebook: the message says why (for the student's rows)."""


@dataclasses.dataclass
class Plan:
    """The cells to run and, for each exercise, where its probe is and which cells are its own."""

    cells: list[dict]  # {"source", "probe": label | None}
    probe_at: dict[str, int]  # label -> index in ``cells`` of its probe
    region: dict[str, list[int]]  # label -> indices in ``cells`` of the student's cells in its part
    cell_number: list[int | None]  # index in ``cells`` -> the cell's number (1-based) in the student's file
    missing_statement: set[str]


def read_notebook(data: bytes, name: str) -> nbformat.NotebookNode:
    """The submitted bytes as a notebook, or :class:`SubmissionError` saying what they are instead."""
    if len(data) > MAX_FILE:
        raise SubmissionError(f"{name} is larger than a notebook can be ({MAX_FILE // 2**20} MiB): not graded")
    if not data.strip():
        raise SubmissionError(f"{name} is empty: not a Jupyter notebook")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{name} is not a Jupyter notebook (binary data, not JSON text)") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise SubmissionError(f"{name} is not a Jupyter notebook (not JSON: {err.msg} at line {err.lineno})") from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise SubmissionError(f"{name} is JSON but not a Jupyter notebook (no cells)")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as err:  # noqa: BLE001 - nbformat raises many kinds: all mean "not a notebook"
        raise SubmissionError(f"{name} is not a readable Jupyter notebook ({type(err).__name__}: "
                              f"{str(err)[:200]})") from None
    for cell in nb.cells:
        if not isinstance(cell.get("source", ""), str) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise SubmissionError(f"{name} has a malformed cell: not a readable Jupyter notebook")
    return nb


def statement_label(cell) -> str | None:
    """The exercise label a Markdown cell states (cell metadata ``exercise.label``, or a MyST fence)."""
    if cell.get("cell_type") != "markdown":
        return None
    meta = cell.get("metadata", {}).get("exercise")
    if isinstance(meta, dict) and isinstance(meta.get("label"), str):
        return meta["label"]
    m = _FENCE_LABEL.search(cell.get("source", ""))
    return m.group(1) if m else None


def _probe_cell(call: str) -> str:
    """A cell that runs the probe's source in a namespace of its own, then ``call`` on the user's namespace."""
    return (f"exec(compile({_PROBE_SOURCE!r}, '<descent grader probe>', 'exec'), _descent_ns := {{'__name__': "
            f"'descent_grade_probe'}})\n_descent_ns[{call}\ndel _descent_ns")


def probe_source(label: str, graded: Graded) -> str:
    """The cell that reports an exercise's answers."""
    return _probe_cell(f"'answers'](get_ipython().user_ns, {label!r}, {list(graded.answers)!r})")


def call_source(name: str, request: dict) -> str:
    """The cell that runs the student's ``name`` on a check's arguments."""
    return _probe_cell(f"'call'](get_ipython().user_ns, {name!r}, {json.dumps(request)!r})")


def check_probe_source(ref: str, names: list[str]) -> str:
    """The cell that runs a two-halved check's probe (``module:name``) on the answers."""
    return _probe_cell(f"'probe'](get_ipython().user_ns, {ref!r}, {list(names)!r})")


def plan(nb: nbformat.NotebookNode, chapter: int, rules: Rules) -> Plan:
    """The cells to run for this chapter's graded exercises (:class:`SubmissionError` for another chapter)."""
    graded = {g.label: g for g in rules.exercises.get(chapter, ())}
    all_labels = rules.labels()
    found = [(i, statement_label(c)) for i, c in enumerate(nb.cells)]
    found = [(i, lab) for i, lab in found if lab is not None]
    ours = [lab for _, lab in found if all_labels.get(lab) == chapter]
    others = sorted({all_labels[lab] for _, lab in found if lab in all_labels and all_labels[lab] != chapter})
    if others and not ours:
        names = ", ".join(rules.notebooks.get(c, f"chapter {c}") for c in others)
        raise SubmissionError(f"this file holds the exercises of {names}, not of {rules.notebooks[chapter]}: "
                              "a notebook of another chapter, saved under this chapter's name")
    cells: list[dict] = []
    number: list[int | None] = []
    probe_at: dict[str, int] = {}
    region: dict[str, list[int]] = {label: [] for label in graded}
    current: str | None = None

    def close(label: str | None) -> None:
        if label in graded and label not in probe_at:
            probe_at[label] = len(cells)
            cells.append({"source": probe_source(label, graded[label]), "probe": label})
            number.append(None)

    for i, cell in enumerate(nb.cells):
        label = statement_label(cell)
        if label is not None and label in all_labels:
            close(current)
            current = label if label not in probe_at else None
            continue
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if current in region:
            region[current].append(len(cells))
        cells.append({"source": cell.source, "probe": None})
        number.append(i + 1)
    close(current)
    missing = {label for label in graded if label not in probe_at}
    for label in graded:  # statement deleted: look for the answer at the end
        close(label)
    return Plan(cells, probe_at, region, number, missing)
