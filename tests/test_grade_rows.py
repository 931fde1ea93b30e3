"""tools.grade.grader.rows_for: what a worker's (untrusted) outcome and the verdicts become, row by row."""

from __future__ import annotations

import nbformat
import pytest

from tools.grade.exercises import load_rules
from tools.grade.grader import Settings, clean, rows_for
from tools.grade.judge import Verdict
from tools.grade.plan import plan, read_notebook
from tools.grade.runner import OVERHEAD, Outcome

v4 = nbformat.v4
RULES = load_rules(chapters=[4])
GRADED = list(RULES.exercises[4])
A, B = GRADED[0], GRADED[1]
SETTINGS = Settings(submissions=".", timeout=60, memory_mb=2048)


def statement(label):
    return v4.new_markdown_cell(f"### Exercise: {label}", metadata={"exercise": {"label": label}, "tags": ["exercise"]})


@pytest.fixture(scope="module")
def the_plan():
    nb = v4.new_notebook(cells=[v4.new_code_cell("setup()"), statement(A.label), v4.new_code_cell("answer_a"),
                                statement(B.label), v4.new_code_cell("answer_b"), v4.new_code_cell("more_b")])
    return plan(read_notebook(nbformat.writes(nb).encode(), "04.ipynb"), 4, RULES)


def outcome(the_plan, verdicts=None, errors=(), end=True, stopped=None, problem=None):
    events = {}
    for i, cell in enumerate(the_plan.cells):
        if stopped is not None and i >= stopped["i"]:
            break
        events[i] = {"ev": "probe" if cell["probe"] else "cell", "i": i, "status": "ok", "error": None}
        if i in errors:
            events[i].update(status="error", error=list(errors[i]))
    verdicts = {the_plan.probe_at[label]: v for label, v in (verdicts or {}).items()}
    return Outcome(("s", "nb"), events, verdicts, {"ev": "end", "stopped": stopped} if end else None, problem, 1.0)


def rows(the_plan, **kw):
    return {r.exercise: r for r in rows_for("s", GRADED, the_plan, outcome(the_plan, **kw), SETTINGS)}


def test_verdicts_become_statuses_points_and_messages(the_plan):
    got = rows(the_plan, verdicts={A.label: Verdict("pass"), B.label: Verdict("fail", ("too big", "wrong sign"))})
    assert (got[A.label].status, got[A.label].points, got[A.label].message) == ("pass", A.points, "")
    assert (got[B.label].status, got[B.label].points, got[B.label].message) == ("fail", 0, "too big; wrong sign")
    assert got[B.label].hints == ("too big", "wrong sign")
    # the exercises whose statements are missing were probed at the end, and say so
    for g in GRADED[2:]:
        assert got[g.label].message.endswith("its statement cell is missing, so the answer was looked for at the "
                                             "end of the notebook")


def test_a_cell_that_raised_makes_a_missing_answer_an_error_naming_the_cell(the_plan):
    region = the_plan.region[B.label]
    got = rows(the_plan, verdicts={B.label: Verdict("not-done", ("`x` is not defined",))},
               errors={region[1]: ("ValueError", "0x7f3a2b1c4d5e is bad")})
    assert got[B.label].status == "error"
    assert got[B.label].message == "cell 6 raised ValueError: 0x… is bad; `x` is not defined"


def test_the_exercises_after_a_stop_are_timeout_with_where_and_why(the_plan):
    at = the_plan.region[B.label][0]
    got = rows(the_plan, verdicts={A.label: Verdict("pass")}, stopped={"reason": "timeout", "i": at, "run": False})
    assert got[A.label].status == "pass"
    assert got[B.label].status == "timeout"
    assert got[B.label].message == "the notebook ran out of time (TIMEOUT = 60 s) in cell 5 and stopped there"
    mem = rows(the_plan, stopped={"reason": "memory", "i": at, "run": False, "detail": "MemoryError"})
    assert mem[B.label].message == ("the notebook hit the memory limit (2048 MiB) in cell 5 (MemoryError) and "
                                    "stopped there")
    died = rows(the_plan, stopped={"reason": "died", "i": at, "run": False})
    assert "kernel died in cell 5" in died[B.label].message


def test_a_function_that_does_not_return_when_the_check_calls_it(the_plan):
    p = the_plan.probe_at[A.label]
    got = rows(the_plan, verdicts={A.label: Verdict("timeout")}, stopped={"reason": "timeout", "i": p, "run": True})
    assert got[A.label].status == "timeout"
    assert got[A.label].message == (f"the notebook ran out of time (TIMEOUT = 60 s) while the check of `{A.label}` "
                                    "ran your function (it did not return) and stopped there")


def test_a_worker_killed_during_a_check_is_an_error(the_plan):
    got = rows(the_plan, verdicts={A.label: Verdict("timeout")}, end=False,
               problem="the worker ended (exit status -9)")
    assert got[A.label].status == "error" and got[A.label].message.endswith("(exit status -9)")
    assert got[B.label].status == "error"
    assert got[B.label].message == "the notebook's worker ended before this exercise: the worker ended (exit status -9)"


def test_a_worker_stopped_by_the_graders_clock(the_plan):
    got = rows(the_plan, end=False, problem="timeout")
    assert {r.status for r in got.values()} == {"timeout"}
    assert got[A.label].message.startswith(f"the notebook's worker did not finish within TIMEOUT + its start-up "
                                           f"allowance (60 s + {OVERHEAD:g} s)")


@pytest.mark.parametrize("junk", [{"status": "error", "error": "not a list"}, {"status": "error", "error": None},
                                  {"status": "weird"}, "text", None])
def test_odd_events_do_not_break_the_rows(the_plan, junk):
    out = outcome(the_plan, verdicts={A.label: Verdict("not-done", ("`a` is not defined",))})
    out.events[the_plan.region[A.label][0]] = junk
    [row] = [r for r in rows_for("s", GRADED, the_plan, out, SETTINGS) if r.exercise == A.label]
    assert row.status in ("not-done", "error")


def test_messages_carry_nothing_that_changes_between_runs():
    assert clean("at 0x7fabc1234567 in /tmp/ipykernel_4242/123.py and /tmp/descent-grade-abc123/x\nnext") == \
        "at 0x… in 123.py and <work>/x next"
