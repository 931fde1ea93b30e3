"""tools.grade.probe / codec: plain data round-trips exactly, student tricks do not survive it, and a check
calling a student's function through a Caller sees what a direct call would give."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from course_lib.training import History
from tools.grade.codec import (
    Caller,
    CallError,
    DataError,
    Kernel,
    KernelStopped,
    LocalKernel,
    Opaque,
    StudentError,
    decode,
)
from tools.grade.probe import decode as kernel_decode
from tools.grade.probe import dumps, encode


def through_json(x):
    """What the grader gets: the kernel's encoding, as JSON text, decoded."""
    return decode(json.loads(dumps(encode(x))))


@pytest.mark.parametrize("value", [
    0, -7, 2**70, 1.5, -0.0, 1e-310, math.pi, True, False, None, "naïve", [1, [2.5, "x"]], (1, (2,)),
    {"a": 1, 2: [3.0]},
])
def test_python_values_round_trip(value):
    got = through_json(value)
    assert type(got) is type(value) and repr(got) == repr(value)


@pytest.mark.parametrize("special", [math.inf, -math.inf])
def test_infinities_round_trip(special):
    assert through_json(special) == special


def test_nan_round_trips():
    assert math.isnan(through_json(float("nan")))


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int32", "int8", "uint8", "bool"])
def test_numpy_arrays_and_scalars_keep_dtype_shape_and_bits(dtype):
    rng = np.random.default_rng(0)
    arr = (rng.normal(size=(2, 3, 4)) * 50).astype(dtype)
    got = through_json(arr)
    assert got.dtype == arr.dtype and got.shape == arr.shape and np.array_equal(got, arr)
    scalar = arr.reshape(-1)[5]
    back = through_json(scalar)
    assert type(back) is type(scalar) and back == scalar


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64,
                                   torch.bool])
def test_tensors_keep_dtype_shape_and_bits(dtype):
    t = (torch.randn(3, 2, generator=torch.Generator().manual_seed(1)) * 9).to(dtype)
    got = through_json(t)
    assert got.dtype == t.dtype and got.shape == t.shape and torch.equal(got, t)


def test_tensor_keeps_requires_grad_and_grad():
    leaf = torch.tensor([1.0, 2.0], requires_grad=True)
    (leaf**2).sum().backward()
    got = through_json(leaf)
    assert got.requires_grad and torch.equal(got.grad, torch.tensor([2.0, 4.0]))
    out = through_json(leaf * 3)  # a non-leaf result that autograd can follow
    assert out.requires_grad and out.grad is None
    assert not through_json(leaf.detach()).requires_grad


def test_course_dataclass_round_trips_and_others_do_not():
    h = History(train_loss=[1.0], valid_loss=[0.5], valid_accuracy=[0.97], lr=[0.1])
    got = through_json(h)
    assert isinstance(got, History) and got == h
    forged = {"t": "dataclass", "cls": "subprocess.Popen", "v": []}
    with pytest.raises(DataError, match="outside course_lib"):
        decode(forged)


def test_subclass_tricks_are_dropped():
    """A value that claims to equal everything reaches the grader as a plain number or list."""

    class Liar(float):
        def __eq__(self, other):
            return True

        __hash__ = float.__hash__

    class LyingList(list):
        def __len__(self):
            return 3

    got = through_json(Liar(2.0))
    assert type(got) is float and got == 2.0 and got != 3.0
    assert through_json(LyingList([1.0])) == [1.0]


def test_what_is_not_data_arrives_as_an_opaque_object_of_that_type_name():
    got = through_json(map(abs, [1]))
    assert isinstance(got, Opaque) and type(got).__name__ == "map"
    with pytest.raises(TypeError):
        float(got)
    assert isinstance(through_json(np.array(["a"])), Opaque)


def test_too_much_data_is_refused_not_sent():
    enc = encode(np.zeros(3_000_000))
    assert enc["t"] == "opaque" and enc["why"] == "too large"


@pytest.mark.parametrize("bad", [
    {"v": 1}, {"t": "int", "v": "12a"}, {"t": "int", "v": 1.5}, {"t": "float", "v": "1e400"}, {"t": "str", "v": 3},
    {"t": "ndarray", "dtype": "float64", "shape": [2], "v": [1.0]}, {"t": "ndarray", "dtype": "object", "shape": [],
                                                                      "v": [1]},
    {"t": "ndarray", "dtype": "float64", "shape": [-1], "v": []}, {"t": "dict", "v": [[{"t": "list", "v": []},
                                                                                     {"t": "none"}]]},
    {"t": "pickle", "v": "gASV"}, [1, 2], "text",
])
def test_malformed_data_is_a_data_error(bad):
    with pytest.raises(DataError):
        decode(bad)


# --- calls -------------------------------------------------------------------------------------------


def caller(fn, name="f"):
    """A Caller for ``fn``, its calls run by the probe in this process (as the kernel would)."""
    return Caller(name, LocalKernel({name: fn}))


def test_a_call_returns_what_the_function_returned_on_the_checks_arguments():
    seen = []

    def student(x, b):
        seen.append((type(x), x.dtype, b))
        return np.cumsum(x) * b

    got = caller(student)(np.arange(3.0, dtype=np.float32), 2.0)
    assert seen == [(np.ndarray, np.float32, 2.0)]  # the kernel got the check's very arguments
    assert got.dtype == np.float32 and got.tolist() == [0.0, 2.0, 6.0]


def test_a_call_raises_the_students_error_under_its_type_name():
    with pytest.raises(StudentError, match="division by zero") as err:
        caller(lambda x: 1 / x)(0)
    assert type(err.value).__name__ == "ZeroDivisionError" and isinstance(err.value, Exception)


def test_grading_errors_pass_through_a_checks_except_exception():
    assert not issubclass(CallError, Exception) and not issubclass(KernelStopped, Exception)


def test_an_argument_that_is_not_plain_data_cannot_be_sent():
    with pytest.raises(CallError, match="Generator"):
        caller(lambda g: 0)(torch.Generator())
    with pytest.raises(CallError, match="function"):
        caller(lambda f: f(1))(lambda x: x)


def test_a_course_function_is_sent_by_name():
    from course_lib.ema import ema

    assert kernel_decode(json.loads(dumps(encode(ema))), functions=True) is ema
    assert isinstance(decode(encode(ema)), Opaque)  # the grader never looks a function up
    got = caller(lambda f, v: f(np.asarray(v), 0.5))(ema, [1.0, 3.0])
    assert got.tolist() == ema(np.array([1.0, 3.0]), 0.5).tolist()


def _params():
    g = torch.Generator().manual_seed(3)
    params = [torch.randn(4, 3, generator=g).requires_grad_(), torch.randn(3, generator=g).requires_grad_()]
    ((params[0].sin() @ params[1]).square().sum() + params[1].sum()).backward()
    return params


def test_in_place_changes_come_back_keeping_identity():
    def sgd_step(params, lr):
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None

    live = _params()
    sgd_step(live, 0.1)
    checked = _params()
    ids = [id(p) for p in checked]
    caller(sgd_step)(checked, 0.1)
    assert [id(p) for p in checked] == ids
    assert all(torch.equal(a, b) and b.grad is None and b.requires_grad for a, b in zip(live, checked))


def test_items_replaced_rather_than_changed_come_back_as_new_objects():
    def replace(params, lr):
        params[0] = params[0].detach() - lr * params[0].grad

    checked = _params()
    first, second = checked
    caller(replace)(checked, 0.1)
    assert checked[0] is not first and checked[1] is second and not checked[0].requires_grad


def test_a_mutated_list_of_numbers_comes_back():
    def nudge(params):
        params[0] += 1e-5
        return [0.0] * len(params)

    params = [1.0, 2.0]
    assert caller(nudge)(params) == [0.0, 0.0] and params == [1.0 + 1e-5, 2.0]


class Replies(Kernel):
    def __init__(self, reply):
        self.reply = reply

    def call(self, name, request):
        return self.reply


@pytest.mark.parametrize("reply", [{"out": {"t": "pickle", "v": "gASV"}, "after": []}, "text", {"after": []},
                                   {"out": {"t": "none"}, "torch_calls": "torch.nn.functional.mse_loss"}])
def test_an_unreadable_reply_is_a_call_error(reply):
    with pytest.raises(CallError, match="not readable"):
        Caller("f", Replies(reply))(1)
