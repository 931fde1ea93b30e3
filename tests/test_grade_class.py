"""make grade on a synthetic class built from a real chapter: every row of both CSVs, the report, the
instructor's own checks and points, a command prefix, and the same bytes from a second run.

The class (tools.grade.synthetic) has the official solutions, the student edition, a partly wrong
notebook, a crash, an endless loop, a memory hog, a kernel that kills its worker, a file that is no
notebook, another chapter's notebook, check cells moved and a statement deleted, cells deleted, a
renamed answer, two kinds of cheating (patched checks and libraries; forged probe data), and a
student who handed nothing in. What each row must say is derived from the registry and from running
the course's checks directly, so the test follows the chapter when its exercises change.
"""

from __future__ import annotations

import csv
import io
import os
import shlex
import sys
import textwrap
import time

import nbformat
import numpy as np
import pytest

from tools.grade import synthetic
from tools.grade.exercises import chapter_notebooks, load_rules
from tools.grade.grader import Settings, grade

pytestmark = pytest.mark.slow

#: the chapter the class hands in (DESCENT_GRADE_CHAPTER=N runs the same tests on chapter N)
CHAPTER = int(os.environ.get("DESCENT_GRADE_CHAPTER", "4"))
NAME = chapter_notebooks()[CHAPTER]
TIMEOUT = float(os.environ.get("DESCENT_GRADE_TIMEOUT", "75"))  # the looping student costs this much
MEMORY = 2560
HIDDEN = "ema-debias"  # the exercise the instructor's file adds a hidden check to (when the course has it)

INSTRUCTOR = '''
import numpy as np
from course_lib.checks import call_answer, report
from course_lib.ema import ema


def hidden_debias(debias):
    """Another beta and other data than the course's check uses."""
    values = np.array([3.0, -1.0, 2.0, 5.0, 4.0])
    s = ema(values, 0.5, start="zero")
    got, err = call_answer(debias, s.copy(), 0.5, name="debias")
    if err:
        return report([err], "")
    want = ema(values, 0.5, start="zero", bias_correction=True)
    ok = got.shape == want.shape and np.allclose(got, want)
    return report([] if ok else ["right for the course's data, wrong for the instructor's (another beta)"], "")


POINTS = {FIRST: 5}
CHECKS = {HIDDEN: [hidden_debias]} if HIDDEN else {}
'''

SPECIAL = """\
def debias(s, beta):  # the course's beta written in: right for the public check only
    s = np.asarray(s, dtype=float)
    return s / (1 - {beta!r} ** np.arange(1, len(s) + 1))
"""


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    expected = synthetic.build(folder, CHAPTER)
    rules = load_rules(chapters=[CHAPTER])
    graded = list(rules.exercises[CHAPTER])
    labels = [g.label for g in graded]
    hidden = HIDDEN if HIDDEN in labels else ""
    rules_file = folder.parent / "instructor_rules.py"
    rules_file.write_text(INSTRUCTOR.replace("FIRST", repr(labels[0])).replace("HIDDEN", repr(hidden)),
                          encoding="utf-8")
    if hidden:  # a student whose answer is right only on the course's own data
        beta = 0.8
        official = nbformat.read(synthetic.ROOT / "book" / NAME, as_version=4)
        for cell in official.cells:
            if cell.cell_type == "code" and cell.source.lstrip().startswith("def debias("):
                cell.source = SPECIAL.format(beta=beta)
        (folder / "special").mkdir()
        nbformat.write(official, folder / "special" / NAME)
        expected["special"] = {lab: ("pass", "") for lab in labels}
    (folder / "notes.txt").write_text("a stray file")
    (folder / "right" / "scratch.ipynb").write_text("{}")
    start = time.monotonic()
    book = grade(Settings(folder, timeout=TIMEOUT, memory_mb=MEMORY, jobs=2, checks=rules_file, progress=False))
    seconds = time.monotonic() - start
    return folder, expected, book, book.exercises, hidden, seconds


def _expected_status(graded, hidden, student: str, label: str, expected) -> tuple[str, str]:
    status, message = expected[student][label]
    if student == "special" and label == hidden:
        from course_lib.checks.registry import check_function

        ns: dict = {"np": np}
        exec(SPECIAL.format(beta=0.8), ns)  # noqa: S102 - the special student's answer, run here
        public = synthetic.direct_lines(check_function(label), [ns["debias"]])
        if public[0] != "pass":
            return public[0], "; ".join(public[1])
        rules_ns: dict = {}
        exec(INSTRUCTOR.replace("FIRST", "None").replace("HIDDEN", repr(hidden)), rules_ns)  # noqa: S102
        verdict = synthetic.direct_lines(rules_ns["hidden_debias"], [ns["debias"]])
        return verdict[0], "; ".join(verdict[1])
    return status, message


def test_every_row_of_grades_csv(graded_class):
    folder, expected, book, graded, hidden, _ = graded_class
    rows = _csv((folder / "grades.csv").read_text(encoding="utf-8"))
    assert list(rows[0]) == ["student", "notebook", "exercise", "status", "points", "message"]
    labels = [g.label for g in graded]
    assert [(r["student"], r["exercise"]) for r in rows] == [(s, lab) for s in sorted(expected) for lab in labels]
    points = {g.label: g.points for g in graded}
    assert points[labels[0]] == 5  # the instructor's POINTS
    for r in rows:
        status, message = _expected_status(graded, hidden, r["student"], r["exercise"], expected)
        where = f"{r['student']} / {r['exercise']}: {r['status']} {r['message']!r}"
        assert r["notebook"] == NAME, where
        assert r["status"] == status, where
        if message.startswith("~"):
            assert message[1:] in r["message"], where
        else:
            assert r["message"] == message, where
        assert float(r["points"]) == (points[r["exercise"]] if status == "pass" else 0), where


def test_the_messages_that_name_cells_and_limits(graded_class):
    folder, expected, book, graded, hidden, _ = graded_class
    rows = {(r["student"], r["exercise"]): r["message"] for r in _csv((folder / "grades.csv").read_text())}
    official = nbformat.read(synthetic.ROOT / "book" / NAME, as_version=4)
    order = synthetic.notebook_order(official, graded)

    def first_stopped(kind):
        return order[min(synthetic.FAULT_AT[kind], len(order) - 1)]

    loop = rows[("loop", first_stopped("loop"))]
    assert f"(TIMEOUT = {TIMEOUT:g} s) in cell " in loop and loop.endswith("and stopped there")
    hog = rows[("hog", first_stopped("hog"))]
    assert f"the memory limit ({MEMORY} MiB) in cell " in hog and "MemoryError" in hog
    assert rows[("killer", first_stopped("killer"))].endswith("(exit status -9)")
    crash = rows[("crash", synthetic._independent(official, graded))]
    assert crash.startswith("cell ") and " raised RuntimeError: a bug in my answer" in crash


def test_summary_has_points_per_chapter_and_total(graded_class):
    folder, expected, book, graded, hidden, _ = graded_class
    rows = _csv((folder / "summary.csv").read_text(encoding="utf-8"))
    assert list(rows[0]) == ["student", NAME.removesuffix(".ipynb"), "total"]
    grades = _csv((folder / "grades.csv").read_text(encoding="utf-8"))
    assert [r["student"] for r in rows] == sorted(expected)
    for r in rows:
        mine = sum(float(g["points"]) for g in grades if g["student"] == r["student"])
        assert float(r[NAME.removesuffix(".ipynb")]) == mine == float(r["total"])
    best = sum(g.points for g in graded)
    assert float(next(r for r in rows if r["student"] == "right")["total"]) == best
    assert float(next(r for r in rows if r["student"] == "empty")["total"]) == 0


def test_the_report_counts_each_exercise_and_names_the_problems(graded_class):
    folder, expected, book, graded, hidden, _ = graded_class
    report = (folder / "report.md").read_text(encoding="utf-8")
    grades = _csv((folder / "grades.csv").read_text(encoding="utf-8"))
    for g in graded:
        counts = [sum(r["exercise"] == g.label and r["status"] == s for r in grades)
                  for s in ("pass", "fail", "not-done", "timeout", "error")]
        assert f"| `{g.label}` | {NAME} | {g.points:g} | " + " | ".join(map(str, counts)) + " |" in report
    top = max(((r["message"], sum(x["message"] == r["message"] and x["exercise"] == r["exercise"] for x in grades))
               for r in grades if r["status"] == "fail"), key=lambda mc: mc[1])
    assert f"- {top[1]} × {top[0]}" in report
    assert "notes.txt: a file beside the students' folders, ignored" in report
    assert "right/scratch.ipynb: not a chapter's file name, ignored" in report
    assert "- killer, " in report and "- notnb, " in report


def test_a_command_prefix_and_a_second_run_give_the_same_rows(graded_class, tmp_path):
    """The container option: every worker runs through the prefix. And the same inputs give the same bytes."""
    folder, expected, book, graded, hidden, _ = graded_class
    small = tmp_path / "small"
    keep = ("right", "empty", "notnb")
    synthetic.build(small, CHAPTER, kinds=keep)
    marker = tmp_path / "prefix.log"
    prefix = ["sh", "-c", f'echo worker >> {shlex.quote(str(marker))}; exec "$@"', "prefix"]
    rules_file = folder.parent / "instructor_rules.py"
    grade(Settings(small, timeout=TIMEOUT, memory_mb=MEMORY, jobs=2, checks=rules_file, prefix=prefix,
                   python=sys.executable, progress=False))
    assert marker.read_text().count("worker") == 2  # right and empty ran; notnb needs no kernel
    ours = [line for line in (small / "grades.csv").read_text().splitlines()[1:]]
    theirs = [line for line in (folder / "grades.csv").read_text().splitlines()[1:] if line.split(",")[0] in keep]
    assert ours == theirs


def test_the_run_stays_reasonable(graded_class):
    *_, seconds = graded_class
    assert seconds < 3 * TIMEOUT + 300


def test_bad_settings_are_refused_with_a_message(tmp_path):
    from tools.grade.__main__ import main

    assert main([str(tmp_path / "nowhere")]) == 2
    assert main([str(tmp_path), "--timeout", "0"]) == 2
    bad = tmp_path / "rules.py"
    bad.write_text(textwrap.dedent("POINTS = {'no-such': 1}\n"))
    assert main([str(tmp_path), "--checks", str(bad)]) == 2
