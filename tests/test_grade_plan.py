"""tools.grade.plan and exercises: what a file is, where each exercise's probe goes, the instructor's rules."""

from __future__ import annotations

import json
import textwrap

import nbformat
import pytest

from course_lib.checks.registry import EXERCISES
from tools.grade.exercises import RulesError, chapter_notebooks, load_rules
from tools.grade.plan import SubmissionError, plan, read_notebook, statement_label

v4 = nbformat.v4
CH4 = [label for label, ex in EXERCISES.items() if ex.chapter == 4 and ex.checked]


def statement(label: str, fence: bool = False):
    if fence:
        return v4.new_markdown_cell(f"```{{exercise}} A title\n:label: {label}\n\nText.\n```")
    return v4.new_markdown_cell(f"### Exercise: {label}", metadata={"exercise": {"label": label}, "tags": ["exercise"]})


def notebook(*cells) -> bytes:
    return nbformat.writes(v4.new_notebook(cells=list(cells))).encode()


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "binary"),
    (b"print('hello')\n", "not JSON"),
    (b'{"a": 1}', "no cells"),
    (b"[1, 2]", "no cells"),
    (json.dumps({"cells": "nope", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}).encode(), "readable"),
])
def test_what_is_not_a_notebook_is_named(data, words):
    with pytest.raises(SubmissionError, match=words):
        read_notebook(data, "04_ema.ipynb")


def test_a_huge_file_is_refused_without_being_read_whole(tmp_path):
    from tools.grade.grader import read_submissions

    (tmp_path / "ada").mkdir()
    with open(tmp_path / "ada" / "04_ema.ipynb", "wb") as fh:
        fh.truncate(200 * 2**20)  # 200 MiB of nothing (sparse)
    files, notes = read_submissions(tmp_path, chapter_notebooks())
    assert len(files["ada"]["04_ema.ipynb"]) == 50 * 2**20 + 1 and notes == []
    with pytest.raises(SubmissionError, match="larger than a notebook can be"):
        read_notebook(files["ada"]["04_ema.ipynb"], "04_ema.ipynb")


def test_an_older_notebook_format_is_read():
    nb3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": "x = 1", "language": "python", "outputs": []}]}]}
    nb = read_notebook(json.dumps(nb3).encode(), "x.ipynb")
    assert nb.cells[0].source == "x = 1"


def test_statement_labels_from_metadata_and_from_a_myst_fence():
    assert statement_label(statement("ema-lag")) == "ema-lag"
    assert statement_label(statement("ema-lag", fence=True)) == "ema-lag"
    assert statement_label(v4.new_markdown_cell("Plain text with :label: x")) is None
    assert statement_label(v4.new_code_cell("# :label: x")) is None


@pytest.fixture(scope="module")
def rules():
    return load_rules(chapters=[4])


def test_each_exercise_is_probed_after_its_own_cells(rules):
    a, b = CH4[0], CH4[1]
    nb = read_notebook(notebook(v4.new_code_cell("setup = 1"), statement(a), v4.new_code_cell("ans_a = 1"),
                                v4.new_markdown_cell("prose"), v4.new_code_cell("check_a()"), statement(b),
                                v4.new_code_cell("ans_b = 2")), "04.ipynb")
    p = plan(nb, 4, rules)
    sources = [c["source"] if c["probe"] is None else f"PROBE {c['probe']}" for c in p.cells]
    assert sources[:5] == ["setup = 1", "ans_a = 1", "check_a()", f"PROBE {a}", "ans_b = 2"]
    assert sources[5] == f"PROBE {b}"
    assert p.region[a] == [1, 2] and p.region[b] == [4]
    assert [p.cell_number[i] for i in p.region[a]] == [3, 5]  # the student's cell numbers
    # the exercises whose statements are missing are probed at the end, in the registry's order
    assert [c["probe"] for c in p.cells[6:]] == CH4[2:] and p.missing_statement == set(CH4[2:])


def test_reordered_exercises_keep_their_own_cells(rules):
    a, b = CH4[0], CH4[1]
    nb = read_notebook(notebook(statement(b), v4.new_code_cell("ans_b = 2"), statement(a),
                                v4.new_code_cell("ans_a = 1")), "04.ipynb")
    p = plan(nb, 4, rules)
    assert p.cells[p.probe_at[b] - 1]["source"] == "ans_b = 2" and p.cells[p.probe_at[a] - 1]["source"] == "ans_a = 1"


def test_another_chapters_notebook_is_named(rules):
    other = next(label for label, ex in EXERCISES.items() if ex.chapter == 5)
    nb = read_notebook(notebook(statement(other), v4.new_code_cell("x = 1")), "04_ema.ipynb")
    with pytest.raises(SubmissionError, match=chapter_notebooks()[5]):
        plan(nb, 4, rules)


def test_probe_cell_runs_the_probe_in_its_own_namespace(rules):
    nb = read_notebook(notebook(statement(CH4[0])), "04.ipynb")
    source = plan(nb, 4, rules).cells[-1]["source"]
    compile(source, "probe", "exec")
    assert "get_ipython().user_ns" in source and source.rstrip().endswith("del _descent_ns")


# --- the instructor's rules -----------------------------------------------------------------------------


def write(tmp_path, text: str):
    path = tmp_path / "rules.py"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_instructor_points_checks_answers_chapters_and_skip(tmp_path):
    label, unchecked = CH4[0], next(lab for lab, ex in EXERCISES.items() if not ex.checked)
    chapter = EXERCISES[unchecked].chapter
    path = write(tmp_path, f"""
        def hidden(*answers):
            return True
        POINTS = {{{label!r}: 5}}
        CHECKS = {{{label!r}: [hidden], {unchecked!r}: [hidden]}}
        ANSWERS = {{{unchecked!r}: ("my_answer",)}}
        CHAPTERS = [4, {chapter}]
        SKIP = [{CH4[1]!r}]
        """)
    rules = load_rules(path)
    graded = {g.label: g for c in rules.exercises.values() for g in c}
    assert sorted(rules.exercises) == sorted({4, chapter}) and rules.chosen
    assert graded[label].points == 5 and len(graded[label].checks) == 2
    assert graded[label].checks[1].__name__ == "hidden"
    assert graded[unchecked].answers == ("my_answer",) and graded[unchecked].points == EXERCISES[unchecked].points
    assert CH4[1] not in graded
    assert rules.instructor_path == str(path)


@pytest.mark.parametrize("text, words", [
    ("POINTS = {'no-such-exercise': 1}", "does not have"),
    ("POINTS = {%r: -1}" % CH4[0], ">= 0"),
    ("CHECKS = {%r: 'not a list'}" % CH4[0], "list of functions"),
    ("CHAPTERS = [42]", "no chapter 42"),
    ("SKIP = 'ema-lag'", "SKIP"),
    ("POINT = {}", "unknown setting"),
    ("import no_such_module_here", "ModuleNotFoundError"),
    ("ANSWERS = {%r: ('other_name',)}" % CH4[0], "already names"),
])
def test_a_bad_instructor_file_says_what_is_wrong(tmp_path, text, words):
    with pytest.raises(RulesError, match=words):
        load_rules(write(tmp_path, text))


def test_an_unchecked_exercise_needs_its_answers_named(tmp_path):
    unchecked = next(lab for lab, ex in EXERCISES.items() if not ex.checked and not ex.answers)
    with pytest.raises(RulesError, match="ANSWERS"):
        load_rules(write(tmp_path, f"CHECKS = {{{unchecked!r}: [print]}}"))


def test_a_check_the_registry_names_but_the_course_lacks_is_a_clear_error(monkeypatch):
    import tools.grade.exercises as exercises

    def missing(label):
        raise AttributeError(f"module 'course_lib.checks.ema' has no attribute 'check_{label}'")

    monkeypatch.setattr(exercises, "check_function", missing)
    with pytest.raises(RulesError, match=f"exercise {CH4[0]}: the registry's check .* cannot be loaded"):
        load_rules(chapters=[4])
