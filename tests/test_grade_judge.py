"""tools.grade.judge: the verdict comes from the grader's own run of the checks.

The probe runs here in-process on a namespace (as it does in a kernel), its payload goes through JSON,
the check's calls of a student's function run there too, and the verdict must agree with the course's
check run directly on the same answers. Forged data (what a submission that tampers with its kernel can
send) never passes an exercise that is not solved.
"""

from __future__ import annotations

import json

import IPython.display
import numpy as np
import pytest
import torch

from course_lib.checks.registry import EXERCISES, check_function
from course_lib.ema import ema
from tools.grade import probe
from tools.grade.codec import Kernel, LocalKernel
from tools.grade.exercises import load_rules
from tools.grade.judge import judge
from tools.grade.plan import _PROBE_SOURCE

RULES = load_rules(chapters=[4])
GRADED = {g.label: g for g in RULES.exercises[4]}


def run_probe(label: str, ns: dict, monkeypatch) -> str:
    """What the probe publishes about exercise ``label``'s answers in the student's namespace ``ns``."""
    published = []
    monkeypatch.setattr(IPython.display, "publish_display_data", lambda data: published.append(data))
    namespace: dict = {"__name__": "descent_grade_probe"}
    exec(compile(_PROBE_SOURCE, "<probe>", "exec"), namespace)  # noqa: S102 - the probe as the kernel runs it
    namespace["answers"](ns, label, list(GRADED[label].answers))
    assert len(published) == 1
    return published[0][probe.MIME]


def grade(label: str, ns: dict, monkeypatch):
    return judge(GRADED[label], run_probe(label, ns, monkeypatch), LocalKernel(ns))


def direct(label: str, *answers):
    return check_function(label)(*answers)


def right_ema(values, beta):
    return list(ema(np.asarray(values, dtype=float), beta))


def debias_right(s, beta):
    s = np.asarray(s, dtype=float)
    return s / (1 - beta ** np.arange(1, len(s) + 1))


def value_label():
    return next(label for label in GRADED if label in ("ema-lag", "ema-ninety-percent"))


def function_label():
    return next(label for label in GRADED if label in ("ema-debias", "ema-my-ema"))


FUNCTIONS = {"ema-debias": (debias_right, lambda s, beta: np.asarray(s) * 2, lambda s, beta: 1 / 0),
             "ema-my-ema": (right_ema, lambda v, b: right_ema(v, 1 - b), lambda v, b: 1 / 0)}


@pytest.mark.parametrize("answer", [9.0, 10.0, -9.0, np.float32(9.0), torch.tensor(9.0), [9.0], "nine", None])
def test_value_answers_get_the_same_verdict_and_hints_as_the_check_itself(answer, monkeypatch, capsys):
    label = value_label()
    name = GRADED[label].answers[0]
    verdict = grade(label, {name: answer}, monkeypatch)
    result = direct(label, answer)
    capsys.readouterr()
    assert verdict.status == {"right": "pass", "wrong": "fail", "not done": "not-done"}[result.status]
    assert verdict.lines == (result.lines if verdict.status != "pass" else ())


@pytest.mark.parametrize("which", [0, 1, 2])
def test_function_answers_get_the_same_verdict_and_hints_as_the_check_itself(which, monkeypatch, capsys):
    label = function_label()
    fn = FUNCTIONS[label][which]
    name = GRADED[label].answers[0]
    verdict = grade(label, {name: fn}, monkeypatch)
    result = direct(label, fn)
    capsys.readouterr()
    assert verdict.status == ("pass" if result.status == "right" else "fail")
    assert (which == 0) == (verdict.status == "pass")
    if verdict.status == "fail":
        assert verdict.lines == result.lines


def test_missing_and_placeholder_answers_are_not_done(monkeypatch):
    from course_lib.checks import exercise_stub

    label = function_label()
    name = GRADED[label].answers[0]
    missing = grade(label, {}, monkeypatch)
    assert missing.status == "not-done" and f"`{name}` is not defined" in missing.message
    stub = grade(label, {name: exercise_stub(name)}, monkeypatch)
    assert stub.status == "not-done" and "placeholder" in stub.message


def test_patched_checks_and_libraries_in_the_kernel_change_nothing(monkeypatch):
    """In the student's kernel the check, NumPy's comparisons and course_lib's report all say "right":
    the grader's verdict on a wrong answer is still "fail" (its checks and NumPy are its own)."""
    import course_lib.checks.core as core
    from course_lib.checks import CheckResult

    label = function_label()
    name = GRADED[label].answers[0]
    wrong = FUNCTIONS[label][1]
    payload = run_probe(label, {name: wrong}, monkeypatch)
    module = __import__(check_function(label).__module__, fromlist=["x"])
    check_name = check_function(label).__name__
    kernel = {}

    class Patched(LocalKernel):  # each call runs while the kernel's libraries are patched
        def call(self, name_, request):
            with monkeypatch.context() as m:
                m.setattr(np, "allclose", lambda *a, **k: True)
                m.setattr(core, "report", lambda problems, success: CheckResult("right", (success,)))
                m.setattr(module, check_name, lambda *a, **k: CheckResult("right", ()))
                kernel["check"] = getattr(module, check_name)(wrong)
                return super().call(name_, request)

    verdict = judge(GRADED[label], payload, Patched({name: wrong}))
    assert kernel["check"].status == "right"  # the kernel was fooled
    assert verdict.status == "fail"  # the grader was not


def forged(label: str, answers: dict) -> str:
    return json.dumps({"label": label, "answers": answers})


class Never(Kernel):
    def call(self, name, request):
        raise AssertionError("no call expected")


class Replies(Kernel):
    def __init__(self, reply):
        self.reply = reply

    def call(self, name, request):
        return self.reply

    probe = call


never = Never()


def test_forged_data_never_passes_an_unsolved_exercise():
    v, f = value_label(), function_label()
    name_v, name_f = GRADED[v].answers[0], GRADED[f].answers[0]
    cases = {
        "wrong value": (v, forged(v, {name_v: {"state": "value", "v": {"t": "float", "v": 123.0}}}), "fail"),
        "other exercise": (v, forged(f, {name_f: {"state": "value", "v": {"t": "float", "v": 9.0}}}), "error"),
        "unknown kind": (v, forged(v, {name_v: {"state": "passed"}}), "error"),
        "pickle": (v, forged(v, {name_v: {"state": "value", "v": {"t": "pickle", "v": "gASVAAAA"}}}), "error"),
        "not json": (v, "{'answers': True}", "error"),
        "huge": (v, " " * (33 * 2**20), "error"),
    }
    for what, (label, payload, status) in cases.items():
        assert judge(GRADED[label], payload, never).status == status, what


@pytest.mark.parametrize("reply, status", [
    ({"out": {"t": "float", "v": 0.0}, "after": []}, "fail"),  # a made-up result
    ({"out": {"t": "opaque", "type": "float", "why": "trust me"}, "after": []}, "fail"),
    ({"passed": True}, "error"),
    ({"out": {"t": "pickle", "v": "gASV"}}, "error"),
])
def test_forged_replies_to_the_checks_calls_never_pass(reply, status):
    label = function_label()
    name = GRADED[label].answers[0]
    payload = forged(label, {name: {"state": "callable"}})
    assert judge(GRADED[label], payload, Replies(reply)).status == status


def test_an_instructor_check_that_crashes_is_an_error_not_a_crash(tmp_path):
    label = next(lab for lab, ex in EXERCISES.items() if not ex.checked and not ex.answers)
    path = tmp_path / "rules.py"
    path.write_text(f"def broken(x):\n    raise RuntimeError('oops')\n"
                    f"CHECKS = {{{label!r}: [broken]}}\nANSWERS = {{{label!r}: ('x',)}}\n")
    rules = load_rules(path)
    graded = next(g for c in rules.exercises.values() for g in c if g.label == label)
    verdict = judge(graded, forged(label, {"x": {"state": "value", "v": probe.encode(1.0)}}), never)
    assert verdict.status == "error"
    assert verdict.message == "an instructor's check failed in the grader: RuntimeError: oops"
