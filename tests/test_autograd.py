"""course_lib.autograd: the scalar engine against torch autograd, finite differences and the 2-2-2 network."""

from __future__ import annotations

import math
import random

import pytest
import torch

from course_lib import backprop as bp
from course_lib.autograd import Value, differences


def net222_values(params):
    """The chapter's network on Values: returns the loss and the 10 parameter Values."""
    w = [Value(p) for p in params[:8]]
    b1, b2 = Value(params[8]), Value(params[9])
    (i1, i2), (t1, t2) = bp.SEED["i"], bp.SEED["target"]
    h1 = (w[0] * i1 + w[1] * i2 + b1).sigmoid()
    h2 = (w[2] * i1 + w[3] * i2 + b1).sigmoid()
    o1 = (w[4] * h1 + w[5] * h2 + b2).sigmoid()
    o2 = (w[6] * h1 + w[7] * h2 + b2).sigmoid()
    loss = 0.5 * ((t1 - o1) ** 2 + (t2 - o2) ** 2)
    return loss, w + [b1, b2]


def test_every_222_gradient_equals_the_chain_rule_and_torch():
    params = list(bp.SEED["w"]) + list(bp.SEED["b"])
    loss, leaves = net222_values(params)
    loss.backward()
    hand = bp.gradients()
    theta = torch.tensor(params, dtype=torch.float64, requires_grad=True)
    bp.net222_loss(theta).backward()
    assert loss.data == pytest.approx(bp.loss(bp.forward()), rel=1e-15)
    for k, name in enumerate(bp.PARAM_NAMES):
        assert leaves[k].grad == pytest.approx(hand[name], rel=1e-12, abs=1e-17), name
        assert leaves[k].grad == pytest.approx(theta.grad[k].item(), rel=1e-12, abs=1e-17), name


def test_a_shared_value_sums_its_uses():
    b = Value(0.6)
    loss = b * 3.0 + b * b  # d/db = 3 + 2b
    loss.backward()
    assert b.grad == pytest.approx(3 + 2 * 0.6, rel=1e-15)


OPS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "neg_mix": (lambda a, b: -a * 2.0 + 1.5 - b, lambda a, b: -a * 2.0 + 1.5 - b),
    "rsub_radd_rmul": (lambda a, b: 1.0 - a + (2.0 + b) * (3.0 * a), lambda a, b: 1.0 - a + (2.0 + b) * (3.0 * a)),
    "pow": (lambda a, b: a**3 + b**2, lambda a, b: a**3 + b**2),
    "sigmoid": (lambda a, b: (a * b).sigmoid(), lambda a, b: torch.sigmoid(a * b)),
    "tanh": (lambda a, b: (a - b).tanh() * a, lambda a, b: torch.tanh(a - b) * a),
    "relu": (lambda a, b: (a * b).relu() + (a - 5.0).relu(), lambda a, b: torch.relu(a * b) + torch.relu(a - 5.0)),
    "deep": (lambda a, b: ((a * b).tanh() * a + b).sigmoid() ** 2 - (b - a).tanh(),
             lambda a, b: torch.sigmoid(torch.tanh(a * b) * a + b) ** 2 - torch.tanh(b - a)),
}


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("point", [(0.7, -1.3), (-2.0, 0.4), (1.5, 2.5)])
def test_each_operation_matches_torch_autograd(name, point):
    ours, theirs = OPS[name]
    a, b = Value(point[0]), Value(point[1])
    out = ours(a, b)
    out.backward()
    ta, tb = (torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point)
    tout = theirs(ta, tb)
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-13, abs=1e-15)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12, abs=1e-14)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12, abs=1e-14)


def test_random_expressions_match_central_differences():
    rng = random.Random(3)
    for _ in range(20):
        x0 = [rng.uniform(-1.5, 1.5) for _ in range(3)]

        def f(xs, build=False):
            v = [Value(x) for x in xs] if build else xs
            out = (v[0] * v[1] + v[2]).tanh() * v[0] - (v[1] - v[2] * v[2]).sigmoid() + (v[0] * 0.5) ** 2
            return out, v

        out, leaves = f(x0, build=True)
        out.backward()
        eps = 1e-6
        for k in range(3):
            plus, minus = list(x0), list(x0)
            plus[k] += eps
            minus[k] -= eps
            fd = (f([Value(x) for x in plus])[0].data - f([Value(x) for x in minus])[0].data) / (2 * eps)
            assert leaves[k].grad == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_a_long_chain_has_no_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-10)


def test_sigmoid_does_not_overflow():
    for x in (-1000.0, 1000.0):
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert s.data == (0.0 if x < 0 else 1.0) and v.grad == 0.0
    assert Value(2.0).sigmoid().data == pytest.approx(1 / (1 + math.exp(-2.0)), rel=1e-15)


def test_relu_at_zero_has_slope_zero_as_in_torch():
    v = Value(0.0)
    v.relu().backward()
    t = torch.tensor(0.0, requires_grad=True)
    torch.relu(t).backward()
    assert v.grad == t.grad.item() == 0.0


def test_gradients_accumulate_like_torch():
    x = Value(2.0)
    (x * x).backward()
    (x * 3.0).backward()
    assert x.grad == 4.0 + 3.0


def test_bad_input_names_the_problem():
    with pytest.raises(TypeError, match="data must be a number"):
        Value("1.0")
    with pytest.raises(TypeError, match="data must be a number"):
        Value(2.0) * [1.0]
    with pytest.raises(TypeError, match="k must be a plain number"):
        Value(2.0) ** Value(2.0)
    assert "data=1.5" in repr(Value(1.5))


def test_differences_sees_the_same_code_and_a_changed_method():
    class Copy:
        pass

    for name, fn in vars(Value).items():
        if callable(fn):
            setattr(Copy, name, fn)
    assert differences(Copy) == []

    def mul(self, other):  # another formatting, the same code
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data,
                     (self, other), (other.data, self.data))

    def wrong_mul(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (self.data, other.data))

    Copy.__mul__ = mul
    assert differences(Copy) == []
    Copy.__mul__ = wrong_mul
    assert differences(Copy) == ["__mul__"]  # __rmul__ is still the right one
    del Copy.tanh
    assert "tanh" in differences(Copy)
    with pytest.raises(TypeError, match="cls must be a class"):
        differences(Value(1.0))
