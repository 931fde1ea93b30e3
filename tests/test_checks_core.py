"""The check API every exercise shares: results, "not done", any numeric type, precision, the registry."""

from __future__ import annotations

import dataclasses
import math
import types

import numpy as np
import pytest
import torch

from course_lib import checks
from course_lib.checks import (
    EXERCISES,
    AnswerError,
    CheckResult,
    ExerciseNotDone,
    NotDone,
    as_array,
    as_int,
    as_number,
    check_function,
    exercise_inputs,
    ratio_hint,
)
from course_lib.checks import registry as R

CHECKED = [label for label, ex in EXERCISES.items() if ex.checked]


# --- the registry --------------------------------------------------------------------------------


def test_registry_has_all_36_exercises_and_every_check_exists():
    assert len(EXERCISES) == 37  # 36, and chapter 1's Newton step on the saddle
    assert sorted({ex.chapter for ex in EXERCISES.values()}) == list(range(1, 9))
    for label in CHECKED:
        fn = check_function(label)
        assert callable(fn) and fn.exercise == label, label
        assert EXERCISES[label].answers, f"{label} has a check but names no answer"
    assert check_function("loss-mae-line") is None


def test_registry_refuses_unknown_levels_duplicate_labels_and_unknown_labels():
    with pytest.raises(ValueError, match="level"):
        R.Exercise("x", 1, "easy")
    with pytest.raises(ValueError, match="twice"):
        R._table(R.Exercise("x", 1, "check"), R.Exercise("x", 2, "check"))
    with pytest.raises(KeyError, match="no exercise labelled"):
        checks.exercise("no-such-exercise")


def test_exercise_inputs_read_as_attributes_and_show_typeset():
    label = "loss-huber-smoothl1"
    ex = exercise_inputs(label)
    assert ex.delta == EXERCISES[label].inputs["delta"] and dict(ex) == dict(EXERCISES[label].inputs)
    assert repr(ex) == f"delta = {ex.delta:g}; lr = {ex.lr:g}"
    assert "$\\delta = " in ex._repr_markdown_()
    with pytest.raises(AttributeError, match="has no input"):
        _ = ex.q


def _with_inputs(monkeypatch, label, **inputs):
    """The registry with ``label``'s numbers changed (what an instructor's one-place edit does)."""
    table = dict(EXERCISES)
    table[label] = dataclasses.replace(table[label], inputs={**table[label].inputs, **inputs})
    monkeypatch.setattr(R, "EXERCISES", types.MappingProxyType(table))


def test_changing_an_exercises_numbers_in_the_registry_changes_its_check(monkeypatch, capsys):
    from course_lib.checks.gd import check_largest_stable_lr
    from course_lib.checks.losses import check_huber_smoothl1

    _with_inputs(monkeypatch, "loss-huber-smoothl1", delta=2.5, lr=0.1)
    assert check_huber_smoothl1(2.5, 2.5, 0.25)
    _with_inputs(monkeypatch, "loss-huber-smoothl1", delta=1.5)
    assert not check_huber_smoothl1(2.5, 2.5, 0.25)
    assert check_huber_smoothl1(1.5, 1.5, 0.15)
    assert exercise_inputs("loss-huber-smoothl1").delta == 1.5
    _with_inputs(monkeypatch, "gd-largest-lr", kappa=100.0)
    assert check_largest_stable_lr(2 / 20) and not check_largest_stable_lr(0.5)


# --- results and "not done" ------------------------------------------------------------------------


@pytest.mark.parametrize("label", CHECKED)
def test_every_check_says_not_done_on_placeholders_in_one_line_without_raising(label, capsys):
    ex = EXERCISES[label]
    result = check_function(label)(*[NotDone(name) for name in ex.answers])
    out = capsys.readouterr().out
    assert isinstance(result, CheckResult) and not result and result.status == "not done"
    assert result.exercise == label and result.points == 0 and result.max_points == ex.points
    assert out.count("\n") == 1 and out.startswith("✗ exercise not done yet") and "Traceback" not in out


def test_a_placeholder_used_outside_a_check_shows_one_line_in_jupyter():
    stub = NotDone("my_grad")
    with pytest.raises(ExerciseNotDone) as info:
        stub(1.0)
    lines = info.value._render_traceback_()
    assert len(lines) == 1 and "my_grad" in lines[0] and "not done" in lines[0]
    for use in (lambda: float(stub), lambda: stub + 1, lambda: stub[0], lambda: stub.shape, lambda: np.asarray(stub)):
        with pytest.raises(ExerciseNotDone):
            use()
    with pytest.raises(AttributeError):  # IPython's display probes get a plain AttributeError
        _ = stub._repr_html_
    assert repr(stub) == "NotDone('my_grad')"


def test_result_is_truthy_when_right_and_carries_points_for_a_grader(capsys):
    from course_lib.checks.ema import check_lag

    right, wrong = check_lag(9.0), check_lag(10.0)
    assert right and right.passed and right.status == "right" and right.points == EXERCISES["ema-lag"].points
    assert not wrong and wrong.status == "wrong" and wrong.points == 0 and wrong.lines
    assert wrong.to_dict()["passed"] is False and wrong.to_dict()["exercise"] == "ema-lag"
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("✓") and out.splitlines()[1].startswith("✗")
    assert str(wrong).startswith("✗ ")


def test_check_by_label_runs_the_registered_check(capsys):
    assert checks.check("ema-lag", 9.0)
    with pytest.raises(ValueError, match="graded by hand"):
        checks.check("loss-mae-line", 1)


def test_an_answer_that_breaks_a_check_gives_one_line_not_a_traceback(capsys):
    from course_lib.checks.choosing import check_steep_ravine

    class Weird(dict):
        def __contains__(self, key):
            raise RuntimeError("boom")

    result = check_steep_ravine(Weird())
    out = capsys.readouterr().out
    assert not result and out.count("\n") == 1 and "RuntimeError: boom" in out


# --- any numeric type, the same value ------------------------------------------------------------------


SAME_VALUE = [1.25, np.float64(1.25), np.float32(1.25), np.array(1.25), np.array([1.25]), torch.tensor(1.25),
              torch.tensor([1.25], dtype=torch.float64), torch.tensor(1.25, requires_grad=True), [1.25], (1.25,)]


@pytest.mark.parametrize("value", SAME_VALUE, ids=lambda v: type(v).__name__)
def test_as_number_takes_every_numeric_type(value):
    assert as_number(value, "x") == 1.25


@pytest.mark.parametrize("value, words", [("1.25", "text"), (True, "truth value"), ([1.0, 2.0], "one number"),
                                          ({"a": 1}, "dict"), (float("inf"), "overflowed"),
                                          (object(), "number or numbers")])
def test_as_number_refuses_other_things_in_one_line(value, words):
    with pytest.raises(AnswerError, match=words):
        as_number(value, "x")


def test_as_int_and_as_array():
    assert as_int(np.int64(22), "n") == 22 and as_int(torch.tensor(22.0), "n") == 22
    with pytest.raises(AnswerError, match="whole number"):
        as_int(21.5, "n")
    want = np.array([1.0, 2.0, 3.0])
    for value in ([1, 2, 3], (1.0, 2.0, 3.0), np.array([1, 2, 3]), torch.tensor([1.0, 2.0, 3.0]),
                  [torch.tensor(1.0), np.float64(2.0), 3]):
        assert np.array_equal(as_array(value, "v"), want)
    with pytest.raises(AnswerError, match="hold 2 numbers"):
        as_array([1, 2, 3], "v", shape=(2,))


def _numpy_and_torch(x):
    return [x, np.float64(x), np.array(x), np.array([x]), torch.tensor(x, dtype=torch.float64), [x], torch.tensor(x)]


SCALAR_ANSWERS = {  # label: (answers of the right value, as Python numbers)
    "gd-largest-lr": (2 / (0.2 * EXERCISES["gd-largest-lr"].inputs["kappa"]),),
    "gd-newton-saddle": (1 / math.sqrt(5),),
    "loss-huber-smoothl1": (EXERCISES["loss-huber-smoothl1"].inputs["delta"],) * 2
    + (EXERCISES["loss-huber-smoothl1"].inputs["delta"] * EXERCISES["loss-huber-smoothl1"].inputs["lr"],),
    "loss-best-constants": (11.4, 5.0),
    "ema-ninety-percent": (22,),
    "ema-lag": (9.0,),
    "momentum-seed-to-torch": (0.05 * 0.2, 0.8, 0.0),
    "momentum-optimal": (0.13487607169490898, 0.6185128603389076),  # heavy ball's optimum for the registry's line
    "adaptive-adam-second-step": (0.001 * (0.035 / 0.19) / (math.sqrt(0.00025975 / (1 - 0.999**2)) + 1e-8),
                                  0.001 * 0.035 / (math.sqrt(0.00025975) + 1e-8)),
    "adaptive-adagrad-decay": (10_000,),
}


@pytest.mark.parametrize("label", sorted(SCALAR_ANSWERS))
def test_number_checks_accept_python_numpy_and_torch_answers_of_the_same_value(label, capsys):
    right = SCALAR_ANSWERS[label]
    for kind in range(7):  # the last: a float32 tensor, torch.tensor(x)
        answers = [_numpy_and_torch(v)[kind] for v in right]
        result = check_function(label)(*answers)
        assert result, f"{label} refused {[type(a).__name__ for a in answers]}: {capsys.readouterr().out}"


def test_function_checks_accept_numpy_torch_and_list_returns(capsys):
    from course_lib.checks.ema import check_corrected_weights, check_debias
    from course_lib.checks.gd import check_mse_gradient

    def grad_numpy(theta, X, y):
        return 2 / len(y) * X.T @ (X @ theta - y)

    assert check_mse_gradient(grad_numpy)
    assert check_mse_gradient(lambda t, X, y: torch.as_tensor(grad_numpy(t, X, y)))
    assert check_mse_gradient(lambda t, X, y: list(grad_numpy(t, X, y)))

    def weights_list(beta, t):
        return [(1 - beta) * beta**k / (1 - beta**t) for k in range(t)]

    assert check_corrected_weights(weights_list)
    assert check_corrected_weights(lambda b, t: np.array(weights_list(b, t)))
    assert check_corrected_weights(lambda b, t: torch.tensor(weights_list(b, t), requires_grad=True))
    assert check_corrected_weights(lambda b, t: [torch.tensor(w) for w in weights_list(b, t)])
    assert check_debias(lambda s, b: torch.as_tensor(s) / (1 - b ** torch.arange(1.0, len(s) + 1, dtype=torch.float64)))


# --- precision and hints that never state the answer -------------------------------------------------


@pytest.mark.parametrize("label, answers, name", [
    ("gd-newton-saddle", (0.447,), "y_star"),                            # 0.447 for 1/√5 = 0.44721…
    ("momentum-optimal", (0.13487607169490898, 0.619), "best_momentum"),  # 0.619 for 0.61851...
    ("bp-dw6", (0.0822,), "dL/dw6"),
])
def test_a_rounded_answer_is_called_close_but_imprecise(label, answers, name, capsys):
    result = check_function(label)(*answers)
    out = capsys.readouterr().out
    assert not result and "close but not precise enough" in out and name in out, out


def test_a_rough_guess_is_not_called_close(capsys):
    assert "precise" not in (ratio_hint("x", 0.4, 0.354, 0.01) or "")
    assert "precise" in ratio_hint("x", 0.35, 0.354, 0.001)


def test_a_failing_student_function_is_named_with_the_input_it_failed_on(capsys):
    from course_lib.checks.gd import check_minibatch_epoch
    from course_lib.checks.losses import check_bce_logit_grad

    def fails_on_2d(z, y):
        if z.dim() > 1:
            raise ValueError("only vectors")
        return torch.sigmoid(z) - y

    check_bce_logit_grad(fails_on_2d)
    out = capsys.readouterr().out
    assert "raised ValueError on logits of shape (3, 4)" in out and "only vectors" in out

    def fails_on_batch_4(theta, x, y, lr, batch_size, order):
        if batch_size == 4:
            raise IndexError("uneven batches")
        return theta

    check_minibatch_epoch(fails_on_batch_4)
    out = capsys.readouterr().out
    assert "raised IndexError" in out and "batch size 4" in out


def _input_gradient() -> float:
    """dL/di1 of chapter 3's 2-2-2 network, by torch autograd with the input as a leaf."""
    import torch

    from course_lib import backprop as bp

    x = torch.tensor(bp.SEED["i"], dtype=torch.float64, requires_grad=True)
    net = bp.make_net222(torch.float64)
    out = net(x)
    (0.5 * ((out - torch.tensor(bp.SEED["target"], dtype=torch.float64)) ** 2).sum()).backward()
    return x.grad[0].item()


@pytest.mark.parametrize("label, wrong", [
    ("gd-largest-lr", (0.45,)), ("loss-huber-smoothl1", (1.0, 1.0, 0.1)), ("ema-lag", (7.0,)),
    ("ema-ninety-percent", (30,)),
    ("momentum-seed-to-torch", (0.03, 0.8, 0.0)), ("momentum-optimal", (1.0, 0.5)),
    ("momentum-nesterov-limit", (0.3,)), ("adaptive-adam-second-step", (0.004, 0.004)),
    ("adaptive-adagrad-decay", (500,)), ("bp-input-grad", (0.01,)), ("bp-db1", (0.01,)),
])
def test_hints_for_wrong_numbers_never_print_the_right_number(label, wrong, capsys):
    from course_lib import backprop as bp

    right = {"bp-input-grad": (_input_gradient(),), "bp-db1": (bp.gradients()["b1"],)}.get(
        label, SCALAR_ANSWERS.get(label))
    if label == "momentum-nesterov-limit":
        from course_lib import rates
        right = (rates.max_stable_lr(4.0, 0.7, nesterov=True),)
    result = check_function(label)(*wrong)
    out = capsys.readouterr().out
    assert not result
    for value in right:
        for text in (f"{value:.6g}", f"{value:.4f}", f"{value:.3f}", f"{value:g}"):
            if text in ("0", "0.0", "0.000", "0.0000", "1", "0.8", "0.800", "0.8000"):
                continue  # numbers the question itself states
            assert text not in out, f"{label}: the hint shows {text}: {out}"
