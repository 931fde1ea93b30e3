"""Sphinx extension: the notebooks' plain-Markdown exercises become sphinx-exercise directives.

In the notebooks an exercise is plain Markdown that Jupyter, JupyterLab and Colab render with no
extension (see CONTRIBUTING.md, "Exercises"):

- the statement: a Markdown cell tagged ``exercise``, cell metadata ``{"exercise": {"label": L}}``,
  starting with a heading ``### Exercise: <title>``;
- its solution: the cells right after it (after its inputs cell, if any) tagged ``solution``.

On ``source-read`` this extension rewrites the notebook's JSON before myst-nb parses it: the
statement becomes ``{exercise} <title>`` with ``:label: L`` (numbered, and a ``{ref}`` target), and
each run of solution cells is wrapped in ``{solution-start} L`` (``:class: dropdown``) …
``{solution-end}``. With ``descent_solutions = "remove"`` (the semester website without solutions)
the solution cells are dropped instead and the check cells' outputs are cleared.
"""

from __future__ import annotations

import re

import nbformat

# "### Exercise: <title>"; a Chinese notebook (tools/i18n) writes "### 练习：<title>"
HEADING = re.compile(r"\A\s*#{1,6}\s*(?:Exercise:|练习[:：])\s*(?P<title>.+?)\s*$", re.M)


class ExerciseFormatError(ValueError):
    """A notebook's exercise cells do not follow the format."""


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def exercise_label(cell) -> str:
    label = cell.get("metadata", {}).get("exercise", {}).get("label")
    if not label:
        raise ExerciseFormatError(f"exercise cell without metadata exercise.label: {cell.source[:60]!r}")
    return label


def split_statement(source: str) -> tuple[str, str]:
    """(title, body) of a statement cell that starts with ``### Exercise: <title>``."""
    m = HEADING.match(source)
    if not m:
        raise ExerciseFormatError(f"an exercise cell must start with '### Exercise: <title>': {source[:60]!r}")
    return m.group("title"), source[m.end():].strip("\n")


def _fence(body: str) -> str:
    """A backtick fence longer than any inside ``body``."""
    longest = max((len(m) for m in re.findall(r"`{3,}", body)), default=2)
    return "`" * max(3, longest + 1)


def _markdown(source: str, cell_id: str):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = cell_id
    return cell


def to_directives(nb: nbformat.NotebookNode, solutions: str = "dropdown") -> nbformat.NotebookNode:
    """The notebook with sphinx-exercise directives (a new notebook; ``nb`` is not changed)."""
    if solutions not in ("dropdown", "remove"):
        raise ValueError(f"descent_solutions must be 'dropdown' or 'remove', got {solutions!r}")
    nb = nbformat.from_dict(nb)
    cells, label, open_label, n = [], None, None, 0

    def close():
        nonlocal open_label, n
        if open_label is not None:
            if solutions == "dropdown":
                n += 1
                cells.append(_markdown("```{solution-end}\n```", f"exercise-solution-end-{n}"))
            open_label = None

    for cell in nb.cells:
        tags = _tags(cell)
        if "solution" in tags:
            if label is None:
                raise ExerciseFormatError(f"a solution cell before any exercise: {cell.source[:60]!r}")
            if open_label is None:
                open_label = label
                if solutions == "dropdown":
                    n += 1
                    cells.append(_markdown(f"```{{solution-start}} {label}\n:class: dropdown\n```",
                                           f"exercise-solution-start-{n}"))
            if solutions == "dropdown":
                cells.append(cell)
            continue
        close()
        if "exercise" in tags and cell.cell_type == "markdown":
            label = exercise_label(cell)
            title, body = split_statement(cell.source)
            fence = _fence(body)
            cell.source = f"{fence}{{exercise}} {title}\n:label: {label}\n\n{body}\n{fence}"
        elif "check" in tags and solutions == "remove":
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    close()
    nb.cells = cells
    return nb


def _source_read(app, docname: str, source: list[str]) -> None:
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    nb = nbformat.reads(source[0], as_version=4)
    if not any("exercise" in _tags(c) or "solution" in _tags(c) for c in nb.cells):
        return
    source[0] = nbformat.writes(to_directives(nb, app.config.descent_solutions))


def setup(app):
    app.add_config_value("descent_solutions", "dropdown", "env")
    app.connect("source-read", _source_read)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
