"""The check API the grader relies on: two-halved checks (probe in the kernel, judge in the grader) and
torch calls made in the kernel reported to the grader's forbidden_tools; every course check run through
the grader's machinery agrees with the check run directly."""

from __future__ import annotations

import contextlib
import io
import json
import threading

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import course_lib.checks.digits as cd
from course_lib.checks.core import forbidden_tools, torch_calls
from course_lib.checks.registry import EXERCISES, check_function
from course_lib.training import History
from tools.grade import probe
from tools.grade.codec import Caller, Kernel, LocalKernel
from tools.grade.exercises import load_rules
from tools.grade.judge import judge


def quiet(fn, *args):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


def graded(label: str):
    return next(g for g in load_rules(chapters=[EXERCISES[label].chapter]).exercises[EXERCISES[label].chapter]
                if g.label == label)


def grade(label: str, ns: dict):
    """The grader's verdict on the answers in ``ns``: the probe's report, then the checks through a kernel."""
    published = []
    original = probe._publish
    probe._publish = published.append
    try:
        probe.answers(ns, label, list(graded(label).answers))
    finally:
        probe._publish = original
    return judge(graded(label), json.dumps(published[0]), LocalKernel(ns))


def same_verdict(label: str, *answers):
    names = graded(label).answers
    direct = quiet(check_function(label), *answers)
    verdict = quiet(grade, label, dict(zip(names, answers)))
    assert verdict.status == {"right": "pass", "wrong": "fail", "not done": "not-done"}[direct.status]
    assert verdict.lines == (direct.lines if direct.status != "right" else ())
    return verdict


# --- two halves ------------------------------------------------------------------------------------------


NET = nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1))


class Custom(nn.Module):  # a student's own module class: its forward runs where the student's code runs
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(784, 8), nn.Linear(8, 1)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))


@pytest.mark.parametrize("model, history", [
    (NET, History([0.1], [0.1], [0.97], [1.0])),
    (Custom(), History([0.1], [0.1], [0.97], [1.0])),
    (nn.Sequential(nn.Linear(784, 30), nn.Linear(30, 1)), None),
    (nn.Linear(784, 1), None),
    (NET, History([0.5], [0.5], [0.6], [1.0])),
    (nn.Sequential(nn.Linear(28, 30), nn.ReLU(), nn.Linear(30, 1)), None),
    ("not a model", None),
])
def test_a_two_halved_check_gives_the_same_verdict_through_the_grader(model, history):
    label = "digits-hidden-layer"
    if EXERCISES[label].check != "digits.check_hidden_layer":
        pytest.skip("the hidden-layer exercise changed")
    same_verdict(label, model, history)


def test_check_is_judge_of_probe():
    check = cd.check_hidden_layer
    data = check.probe(NET, History([0.1], [0.1], [0.97], [1.0]))
    assert json.loads(json.dumps(data)) == data  # plain data
    assert quiet(check.judge, data) == quiet(check, NET, History([0.1], [0.1], [0.97], [1.0]))
    result = quiet(check.judge, AttributeError("'list' object has no attribute 'shape'"))
    assert result.status == "wrong" and "could not use your answer (AttributeError" in result.lines[0]
    assert check_function("ema-lag").probe is None and check_function("ema-lag").judge is None


# --- torch calls made in the kernel ------------------------------------------------------------------------


def test_torch_calls_noted_from_elsewhere_reach_the_open_blocks_of_this_thread_only():
    seen_elsewhere = []

    def other_thread():
        with torch_calls() as calls:
            barrier.wait()
            barrier.wait()
        seen_elsewhere.extend(calls)

    barrier = threading.Barrier(2)
    t = threading.Thread(target=other_thread)
    t.start()
    barrier.wait()
    with forbidden_tools({"mse_loss": "a ready-made loss"}) as tools:
        assert torch_calls.watching()
        torch_calls.note(["torch.nn.functional.mse_loss"])
    barrier.wait()
    t.join()
    assert tools.used == ["a ready-made loss"] and seen_elsewhere == []
    assert not torch_calls.watching()


def test_a_check_sees_exactly_the_torch_calls_the_kernel_reports():
    """The grader's own work on the call (encoding, decoding a tensor) is not counted as the student's."""

    reply = {"out": probe.encode(torch.ones(3, requires_grad=True)), "after": [None],
             "torch_calls": ["torch.nn.functional.mse_loss"]}

    class Kernel_(Kernel):
        def call(self, name, request):
            assert request["torch_calls"] is True  # asked for, since a block is open
            return reply

    x = torch.zeros(3)
    with torch_calls() as calls:
        out = Caller("f", Kernel_())(x)
    assert calls == ["torch.nn.functional.mse_loss"] and out.requires_grad


def test_a_forbidden_tool_used_in_the_kernel_is_seen_by_the_graders_check():
    label = "loss-bce-logit-grad"
    if EXERCISES.get(label) is None or EXERCISES[label].check != "losses.check_bce_logit_grad":
        pytest.skip("the BCE-gradient exercise changed")

    def bce_logit_grad(z, y):
        z = z.clone().requires_grad_(True)
        F.binary_cross_entropy_with_logits(z, y, reduction="sum").backward()
        return z.grad

    verdict = same_verdict(label, bce_logit_grad)
    assert verdict.status == "fail" and "tensor arithmetic only" in verdict.message


def test_every_course_check_runs_through_the_grader_on_a_placeholder_and_a_wrong_value():
    """The grader's machinery gives each check's own verdict, for every checked exercise of the course."""
    from course_lib.checks import exercise_stub

    for label, ex in EXERCISES.items():
        if not ex.checked:
            continue
        stubs = [exercise_stub(n) for n in ex.answers]
        assert quiet(grade, label, dict(zip(ex.answers, stubs))).status == "not-done", label
        same_verdict(label, *[1234.5] * len(ex.answers))
