"""The student edition: no solution survives, it runs top to bottom, and the solutions pass their checks."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tools.nbcheck import book_notebooks
from tools.run_notebooks import kernel_environment
from tools.student import _END, _START, defined_names, student_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = book_notebooks(ROOT)
IDS = [p.stem for p in NOTEBOOKS]


def _solution_lines(nb) -> set[str]:
    """Every substantial line of solution content (solution-tagged code and anything between the markers)
    that the chapter does not also show outside its solutions (an exercise may quote a line of set-up)."""
    lines, other, inside = set(), [], False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and _START.search(cell.source):
            inside = True
            continue
        if cell.cell_type == "markdown" and _END.search(cell.source):
            inside = False
            continue
        if inside or "solution" in cell.metadata.get("tags", []):
            lines |= {ln.strip() for ln in cell.source.splitlines() if len(ln.strip()) >= 25}
        else:
            other.append(cell.source)
    shown = "\n".join(other)
    return {ln for ln in lines if ln not in shown}


def _toy():
    return new_notebook(cells=[
        new_markdown_cell("# Toy"),
        new_code_cell("from course_lib import setup\nsetup()"),
        new_markdown_cell("```{exercise} Double it\n:label: toy-double\n\nWrite `double(x)`.\n```"),
        new_markdown_cell("```{solution-start} toy-double\n:class: dropdown\n```"),
        new_markdown_cell("The answer multiplies by two, which is the secret explanation."),
        new_code_cell("def double(x):\n    return 2 * x  # the secret answer line here",
                      metadata={"tags": ["solution"]}),
        new_markdown_cell("```{solution-end}\n```"),
        new_code_cell("from course_lib.checks import require_done, report\nrequire_done(double)\n"
                      "report([] if double(3) == 6 else ['not twice'], 'double works')",
                      metadata={"tags": ["check"]}),
    ])


def test_defined_names_finds_assignments_functions_and_tuples():
    src = "%matplotlib inline\nimport math\na, (b, c) = 1, (2, 3)\ndef f():\n    z = 1\nclass K: pass\nd += 1\n"
    assert defined_names(src) == ["a", "b", "c", "f", "K", "d"]


def test_student_edition_of_a_toy_notebook():
    nb = _toy()
    st = student_notebook(nb)
    text = json.dumps(st.cells)
    assert "secret" not in text and "solution-start" not in text and "solution-end" not in text
    assert "double = exercise_stub('double')" in text
    assert any("check" in c.metadata.get("tags", []) for c in st.cells)
    assert len(nb.cells) == 8  # the original is unchanged


def _run(nb, path: Path):
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path)}})
    with kernel_environment():
        client.execute()
    return nb


@pytest.mark.slow
def test_toy_student_edition_says_exercise_not_done(tmp_path):
    st = _run(student_notebook(_toy()), tmp_path)
    errors = [o for c in st.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert [e.ename for e in errors] == ["ExerciseNotDone"]
    assert "exercise not done yet" in errors[0].evalue


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_chapter_has_exercises_with_solutions_and_no_solution_text_survives(path):
    nb = nbformat.read(path, as_version=4)
    solution = _solution_lines(nb)
    n_ex = sum(c.cell_type == "markdown" and "{exercise}" in c.source for c in nb.cells)
    n_sol = sum(c.cell_type == "markdown" and _START.search(c.source) is not None for c in nb.cells)
    assert n_ex >= 3, f"{path.name} has {n_ex} exercises; every chapter needs three or more"
    assert n_sol >= n_ex, f"{path.name}: {n_ex} exercises but {n_sol} solutions"
    assert solution, f"{path.name} has no solution content"
    text = json.dumps(student_notebook(nb).cells)
    leaked = [ln for ln in solution if json.dumps(ln)[1:-1] in text]
    assert not leaked, f"solution lines in the student edition of {path.name}: {leaked[:3]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_solutions_pass_their_own_checks(path):
    nb = nbformat.read(path, as_version=4)
    checks = [c for c in nb.cells if "check" in c.metadata.get("tags", [])]
    for cell in checks:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "✓" in text and "✗" not in text, f"{path.name}: a check cell does not pass: {cell.source[:80]!r}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_edition_runs_top_to_bottom_and_stops_only_at_exercises(path):
    st = _run(student_notebook(nbformat.read(path, as_version=4)), path.parent)
    errors = [(i, o) for i, c in enumerate(st.cells) if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    bad = [(i, o.ename, o.evalue[:120]) for i, o in errors if o.ename != "ExerciseNotDone"]
    assert not bad, f"{path.name}: errors other than 'exercise not done yet': {bad}"
