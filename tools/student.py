"""Write the student edition of every chapter to ``_build/student/``.

    python tools/student.py [--out DIR] [notebooks ...]

In the student edition:

- every cell between a ``{solution-start}`` and its ``{solution-end}`` is solution
  content: its Markdown is removed, and each code cell becomes a placeholder that
  defines the same names as the solution did, as :class:`course_lib.checks.NotDone`
  stubs (a cell that defines nothing raises ``ExerciseNotDone`` instead);
- a code cell tagged ``solution`` anywhere else is treated the same way;
- the ``{solution-start}``/``{solution-end}`` markers themselves are removed;
- cells tagged ``check`` are kept: run on a stub they say "exercise not done yet";
- all outputs and widget state are cleared: students run the notebook themselves.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.toc import toc_notebooks  # noqa: E402

_START = re.compile(r"[`:]{3,}\{solution-start\}\s*(\S+)")
_END = re.compile(r"[`:]{3,}\{solution-end\}")
_EXERCISE_LABEL = re.compile(r"[`:]{3,}\{exercise\}.*?\n\s*:label:\s*(\S+)", re.S)


def defined_names(source: str) -> list[str]:
    """Top-level names a cell defines (assignments, functions, classes, imports), in order."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return []
    names: list[str] = []

    def add(target):
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                add(elt)

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                add(t)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            add(node.target)
        elif isinstance(node, (ast.For, ast.With)):
            continue
    seen, out = set(), []
    for n in names:
        if n not in seen and not n.startswith("_"):
            seen.add(n)
            out.append(n)
    return out


def placeholder(source: str, label: str) -> str:
    names = defined_names(source)
    head = [f"# Exercise {label}: your answer goes here. Replace the placeholder line(s) below,",
            "# then run this cell and the check after it.",
            "from course_lib.checks import ExerciseNotDone, exercise_stub  # noqa: F401"]
    if names:
        return "\n".join(head + [f"{n} = exercise_stub({n!r})" for n in names])
    return "\n".join(head + [f"raise ExerciseNotDone({('exercise not done yet: ' + label)!r})"])


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student edition of one notebook (a new object; ``nb`` is not changed)."""
    nb = copy.deepcopy(nb)
    cells = []
    inside: str | None = None
    label = "exercise"
    for cell in nb.cells:
        src = cell.source
        if cell.cell_type == "markdown":
            m = _EXERCISE_LABEL.search(src)
            if m:
                label = m.group(1)
            start, end = _START.search(src), _END.search(src)
            if start:
                inside = start.group(1)
                continue
            if end:
                inside = None
                continue
            if inside is not None:
                continue
            cells.append(cell)
            continue
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "code":
            if inside is not None or "solution" in tags:
                cell.source = placeholder(src, inside or label)
                cell.metadata["tags"] = sorted((tags - {"solution"}) | {"exercise"})
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "student")
    args = parser.parse_args(argv)
    paths = args.notebooks or toc_notebooks(ROOT)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        target = args.out / Path(path).name
        nbformat.write(student_notebook(nb), target)
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
