"""Checks of the book's notebooks that nbval cannot make by itself.

Strict nbval compares only outputs that are stored: an unexecuted cell would be
silently skipped. These checks make that impossible: every notebook is in the
table of contents (and the reverse), every code cell was executed, in order,
without an error output, and the notebook is normalised as the pipeline writes it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from tools.toc import toc_entries


def book_notebooks(root: Path) -> list[Path]:
    """Every notebook under ``book/`` (checkpoints and build output excluded)."""
    return sorted(
        p for p in (root / "book").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts
    )


def toc_problems(root: Path) -> list[str]:
    """Notebooks missing from ``_toc.yml`` and toc entries with no file."""
    entries = toc_entries(root)
    problems = []
    for nb in book_notebooks(root):
        entry = str(nb.relative_to(root).with_suffix(""))
        if entry not in entries:
            problems.append(f"{nb.relative_to(root)} is not in _toc.yml")
    for entry in entries:
        if not any((root / f"{entry}{suffix}").exists() for suffix in (".ipynb", ".md")):
            problems.append(f"_toc.yml names {entry}, which has no .ipynb or .md file")
    return problems


def execution_problems(path: Path) -> list[str]:
    """Code cells never executed, executed out of order, or with an error output."""
    nb = nbformat.read(path, as_version=4)
    problems = []
    expected = 1
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"{path.name} cell {i}"
        if not cell.source.strip():
            problems.append(f"{where} is an empty code cell")
            continue
        count = cell.get("execution_count")
        if count is None:
            problems.append(f"{where} has no execution count: run `make notebooks`")
        elif count != expected:
            problems.append(f"{where} has execution count {count}, expected {expected}: executed out of order")
        expected = (count or expected) + 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"{where} has an error output ({out.get('ename')})")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append(f"{path.name} kernel is not normalised to python3")
    if not any(c.cell_type == "markdown" and c.source.lstrip().startswith("# ") for c in nb.cells[:2]):
        problems.append(f"{path.name} does not start with a Markdown '# ' title")
    return problems
