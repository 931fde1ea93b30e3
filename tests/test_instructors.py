"""The instructors' page lists every exercise under its registry level and says which are graded by hand."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from course_lib.checks.registry import EXERCISES
from tools.nbcheck import book_notebooks
from tools.sphinx_ext.exercises import split_statement

ROOT = Path(__file__).resolve().parents[1]


def _titles() -> dict[str, str]:
    out = {}
    for path in book_notebooks(ROOT):
        for cell in nbformat.read(path, as_version=4).cells:
            if "exercise" in cell.metadata.get("tags", []):
                out[cell.metadata["exercise"]["label"]] = split_statement(cell.source)[0]
    return out


def test_instructors_page_agrees_with_the_registry():
    page = re.sub(r"\s+", " ", (ROOT / "book" / "instructors.md").read_text(encoding="utf-8"))
    titles = _titles()
    assert set(titles) == set(EXERCISES)
    for label, ex in EXERCISES.items():
        title = re.sub(r"\s+", " ", titles[label])
        section = page.split(f"### {ex.chapter}. ")[1].split("### ")[0]
        line = section.split("**Exercises**:")[1]
        assert f'"{title}"' in line, f"{label}: {title!r} is not listed for chapter {ex.chapter}"
        level = re.findall(r"\*(check|written|practice|project)\*:", line.split(f'"{title}"')[0])[-1]
        assert level == ex.level, f"{label} is listed as {level}, the registry says {ex.level}"
        by_hand = line.split(f'"{title}"')[1].lstrip().startswith("(graded by hand)")
        assert by_hand == (not ex.checked), f"{label}: 'graded by hand' must be said exactly when there is no check"


def test_instructors_page_names_no_exercise_that_does_not_exist():
    page = re.sub(r"\s+", " ", (ROOT / "book" / "instructors.md").read_text(encoding="utf-8"))
    titles = {re.sub(r"\s+", " ", t) for t in _titles().values()}
    for chapter in range(1, 9):
        line = page.split(f"### {chapter}. ")[1].split("### ")[0].split("**Exercises**:")[1]
        listed = set(re.findall(r'"([^"]+)"', line))
        assert listed <= titles, f"chapter {chapter} lists exercises that do not exist: {listed - titles}"
    quoted = set(re.findall(r'in "([^"]+)"', page))  # "no autograd in "<title>""
    assert quoted <= titles, f"the page quotes exercises that do not exist: {quoted - titles}"
