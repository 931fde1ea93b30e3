"""The student edition: exercises read right in Jupyter, no answer survives, placeholders name only what
the student writes, it runs top to bottom, and every official solution passes its check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_lib.checks.registry import EXERCISES
from tools import run_notebooks
from tools.nbcheck import book_notebooks
from tools.run_notebooks import kernel_environment, solution_problems
from tools.student import WRITTEN_ANSWER, student_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = book_notebooks(ROOT)
IDS = [p.stem for p in NOTEBOOKS]

#: what the student edition must never show outside the exercise statements: the answers the issue found
#: restated in summaries (chapter 5: the damped form's torch settings, 1/(1-γ), α*, β*, Nesterov's limit;
#: chapter 2: Huber = δ·SmoothL1 with β = δ)
ANSWER_RESTATEMENTS = [
    r"lr=η\(1−μ\)", r"dampening=0\b", r"1/\(1-\\gamma\)", r"\\alpha\^\* =", r"\\beta\^\* =",
    r"2\(1\+\\beta\)/\(L\(1\+2\\beta\)\)", r"\\delta \\cdot \\mathrm\{SmoothL1\}",
    r"Huber.{0,40}=.{0,10}\\delta\s*\\cdot",
    r"lag is\s*\$\\beta/\(1-\\beta\)\$",  # chapter 4: the answer of "How far behind?"
]
#: names only a solution uses internally: a placeholder must never expose them
INTERNAL_NAMES = ["mu_", "L_", "root_kappa", "res"]


def _tags(cell) -> set[str]:
    return set(cell.metadata.get("tags", []))


def _solution_lines(nb) -> set[str]:
    """Every substantial line of solution cells that the chapter does not also show elsewhere."""
    lines, other = set(), []
    for cell in nb.cells:
        if "solution" in _tags(cell):
            lines |= {ln.strip() for ln in cell.source.splitlines() if len(ln.strip()) >= 25}
        else:
            other.append(cell.source)
    shown = "\n".join(other)
    return {ln for ln in lines if ln not in shown}


def _toy(solution: str = "lag = 9.0  # the secret answer line here"):
    """A notebook with one exercise of the registry (ema-lag: answer `lag`, a written question)."""
    return new_notebook(cells=[
        new_markdown_cell("# Toy"),
        new_code_cell("from course_lib import setup\nsetup()"),
        new_markdown_cell("### Exercise: How far behind?\n\nFind the lag $d$ and store it in `lag`.",
                          metadata={"tags": ["exercise"], "exercise": {"label": "ema-lag"}}),
        new_markdown_cell("The secret explanation: $d = \\beta/(1-\\beta)$.", metadata={"tags": ["solution"]}),
        new_code_cell(solution, metadata={"tags": ["solution"]}),
        new_code_cell("from course_lib.checks.ema import check_lag\n\n_ = check_lag(lag)",
                      metadata={"tags": ["check"]}),
        new_markdown_cell("## Summary\n\nAn EMA lags."),
    ])


def test_student_edition_of_a_toy_notebook():
    nb = _toy()
    st = student_notebook(nb)
    text = json.dumps(st.cells)
    assert "secret" not in text
    answer = [c for c in st.cells if "answer" in _tags(c)]
    assert [c.cell_type for c in answer] == ["code", "markdown"]  # placeholders, then the written answer
    assert "lag = exercise_stub('lag')" in answer[0].source and answer[1].source == WRITTEN_ANSWER
    assert any("check" in _tags(c) for c in st.cells)
    assert st.cells[2].source.startswith("### Exercise: How far behind?")  # plain Markdown, kept as it is
    assert len(nb.cells) == 7  # the original is unchanged


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_chapter_has_its_registered_exercises_in_the_plain_markdown_format(path):
    nb = nbformat.read(path, as_version=4)
    chapter = int(path.name[:2])
    labels = []
    for cell in nb.cells:
        if "exercise" in _tags(cell):
            assert cell.cell_type == "markdown" and re.match(r"### Exercise: \S", cell.source), cell.source[:60]
            labels.append(cell.metadata["exercise"]["label"])
        if cell.cell_type == "markdown":
            assert "{exercise}" not in cell.source and "{solution-" not in cell.source, (
                f"{path.name}: a MyST exercise fence, which Jupyter shows as a code block: {cell.source[:80]!r}")
    assert len(labels) >= 3, f"{path.name} has {len(labels)} exercises; every chapter needs three or more"
    assert sorted(labels) == sorted(k for k, e in EXERCISES.items() if e.chapter == chapter)
    assert _solution_lines(nb), f"{path.name} has no solution content"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_student_edition_gives_no_answer_away(path):
    nb = nbformat.read(path, as_version=4)
    st = student_notebook(nb)
    text = json.dumps(st.cells)
    leaked = [ln for ln in _solution_lines(nb) if json.dumps(ln)[1:-1] in text]
    assert not leaked, f"solution lines in the student edition of {path.name}: {leaked[:3]}"
    # the summaries (the chapters' bodies teach the methods the exercises apply, so they may show them)
    prose = "\n".join(c.source for c in st.cells if c.cell_type == "markdown" and "## Summary" in c.source)
    assert prose, f"{path.name} has no summary"
    for pattern in ANSWER_RESTATEMENTS:
        found = re.search(pattern, prose)
        assert not found, f"{path.name}: the student edition restates an answer: {found.group(0)!r}"
    for cell in st.cells:
        if "answer" in _tags(cell) and cell.cell_type == "code":
            assigned = re.findall(r"^(\w+) = exercise_stub", cell.source, re.M)
            assert not set(assigned) & set(INTERNAL_NAMES), cell.source
            label = next(c for c in reversed(st.cells[:st.cells.index(cell)]) if "exercise" in _tags(c))
            assert tuple(assigned) == EXERCISES[label.metadata["exercise"]["label"]].answers


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_written_questions_get_a_markdown_answer_cell(path):
    st = student_notebook(nbformat.read(path, as_version=4))
    label = None
    answered = {}
    for cell in st.cells:
        if "exercise" in _tags(cell):
            label = cell.metadata["exercise"]["label"]
        elif "answer" in _tags(cell) and cell.cell_type == "markdown":
            answered[label] = True
    for label, ex in EXERCISES.items():
        if ex.chapter == int(path.name[:2]):
            assert answered.get(label, False) == (ex.written or not ex.answers), label


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_solutions_pass_their_own_checks(path):
    assert solution_problems(nbformat.read(path, as_version=4), path.name) == []


def test_a_failing_or_missing_check_is_a_solution_problem():
    nb = _toy()
    nb.cells[5].outputs = [nbformat.v4.new_output("stream", name="stdout", text="✗ not right yet\n")]
    assert any("does not pass its check" in p for p in solution_problems(nb, "toy"))
    del nb.cells[5]
    assert any("no cell tagged 'check'" in p for p in solution_problems(nb, "toy"))


def _run(nb, path: Path):
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path)}})
    with kernel_environment():
        client.execute()
    return nb


@pytest.mark.slow
def test_make_notebooks_fails_on_a_wrong_official_solution_and_keeps_the_file(tmp_path):
    path = tmp_path / "toy.ipynb"
    nbformat.write(_toy("lag = 10.0  # a wrong official solution"), path)
    before = path.read_bytes()
    assert run_notebooks.main([str(path)]) == 1
    assert path.read_bytes() == before  # not written: the repository keeps its last good outputs
    nbformat.write(_toy(), path)
    assert run_notebooks.main([str(path)]) == 0
    executed = nbformat.read(path, as_version=4)
    assert "✓" in executed.cells[5].outputs[0]["text"]


@pytest.mark.slow
def test_toy_student_edition_says_not_done_in_one_line(tmp_path):
    st = _run(student_notebook(_toy()), tmp_path)
    errors = [o for c in st.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    check = next(c for c in st.cells if "check" in _tags(c))
    assert check.outputs[0]["text"].startswith("✗ exercise not done yet") and check.outputs[0]["text"].count("\n") == 1


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_edition_runs_top_to_bottom_and_every_check_says_not_done(path):
    st = _run(student_notebook(nbformat.read(path, as_version=4)), path.parent)
    errors = [(i, o.ename, o.evalue[:120]) for i, c in enumerate(st.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: errors in the student edition: {errors}"
    for cell in st.cells:
        if "check" in _tags(cell):
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert "exercise not done yet" in text and "Traceback" not in text, (cell.source[:80], text)


def test_make_lab_opens_either_edition_as_root_or_not():
    import os
    import subprocess

    def dry(*args):
        out = subprocess.run(["make", "-n", "--always-make", *args], cwd=ROOT, capture_output=True, text=True)
        return [ln for ln in out.stdout.splitlines() if "jupyter lab" in ln or "tools/student.py" in ln]

    full, student = dry("lab"), dry("lab", "EDITION=student")
    assert full[-1].endswith(" book") and student[-1].endswith(" _build/student")
    assert any("tools/student.py" in ln for ln in student)  # the student edition is written first
    root = os.getuid() == 0
    assert all(("--allow-root" in ln) == root for ln in full[-1:] + student[-1:])
