"""The exercise checks of the digits chapter: right answers pass, typical slips get their hint."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_lib.checks import digits as cd
from course_lib.training import History


def run(check, *args):
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ok = check(*args)
    return ok, buf.getvalue()


# --- mnist_loss -------------------------------------------------------------------------------------


def test_mnist_loss_right_answers_pass():
    def loss(z, y):
        p = torch.sigmoid(z)
        return (y * (1 - p) + (1 - y) * p).mean()

    ok, out = run(cd.check_mnist_loss, loss)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("fn,hint", [
    (lambda z, y: torch.where(y == 1, 1 - z, z).mean(), "probabilities"),
    (lambda z, y: torch.where(y == 1, z.sigmoid(), 1 - z.sigmoid()).mean(), "swapped"),
    (lambda z, y: torch.where(y == 1, 1 - z.sigmoid(), z.sigmoid()).sum(), "average"),
    (lambda z, y: torch.tensor(float(torch.where(y == 1, 1 - z.sigmoid(), z.sigmoid()).mean().detach())), "autograd"),
    (lambda z, y: torch.where(y == 1, 1 - z.sigmoid(), z.sigmoid()), "one number"),
    (lambda z, y: 2 * torch.where(y == 1, 1 - z.sigmoid(), z.sigmoid()).mean(), "factor of 2"),
])
def test_mnist_loss_slips_get_their_hint(fn, hint):
    ok, out = run(cd.check_mnist_loss, fn)
    assert not ok and out.startswith("✗") and hint in out


def test_mnist_loss_hint_does_not_reveal_the_value():
    ok, out = run(cd.check_mnist_loss, lambda z, y: z.mean() * 0 + 0.123)
    assert not ok and "0.123" in out
    from course_lib.training import mnist_loss
    z, y = cd._cases()
    assert f"{float(mnist_loss(z, y)):.4f}" not in out


# --- batch_accuracy ------------------------------------------------------------------------------


def test_batch_accuracy_right_answers_pass():
    ok, _ = run(cd.check_batch_accuracy, lambda z, y: ((z > 0).float() == y).float().mean())
    assert ok
    ok, _ = run(cd.check_batch_accuracy, lambda z, y: float(((torch.sigmoid(z) > 0.5) == (y == 1)).float().mean()))
    assert ok


@pytest.mark.parametrize("fn,hint", [
    (lambda z, y: ((z > 0.5) == (y == 1)).float().mean(), "raw scores"),
    (lambda z, y: ((z.sigmoid() > 0.5) != (y == 1)).float().mean(), "wrong answers"),
    (lambda z, y: ((z.sigmoid() > 0.5) == (y == 1)).float().sum(), "divide"),
    (lambda z, y: torch.zeros(3), "one number"),
])
def test_batch_accuracy_slips_get_their_hint(fn, hint):
    ok, out = run(cd.check_batch_accuracy, fn)
    assert not ok and hint in out


# --- sgd_step -------------------------------------------------------------------------------------


def test_sgd_step_right_answers_pass():
    def step(params, lr):
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad.zero_()

    def step_data(params, lr):
        for p in params:
            p.data -= lr * p.grad.data
            p.grad = None

    for fn in (step, step_data):
        ok, out = run(cd.check_sgd_step, fn)
        assert ok, out


def _seed_bug(params, lr):
    for p in params:
        p.grad -= p.grad * lr


def _plus(params, lr):
    with torch.no_grad():
        for p in params:
            p += lr * p.grad
            p.grad = None


def _no_zero(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def _double(params, lr):
    with torch.no_grad():
        for p in params:
            p -= 2 * lr * p.grad
            p.grad = None


def _replace(params, lr):
    for i, p in enumerate(params):
        params[i] = (p - lr * p.grad).detach()


@pytest.mark.parametrize("fn,hint", [
    (_seed_bug, "not from .grad"),
    (_plus, "wrong sign"),
    (_no_zero, "clear the gradients"),
    (_double, "factor of 2"),
    (_replace, "in place"),
    (lambda params, lr: None, "did not move"),
])
def test_sgd_step_slips_get_their_hint(fn, hint):
    ok, out = run(cd.check_sgd_step, fn)
    assert not ok and hint in out


# --- hidden layer -----------------------------------------------------------------------------------


def test_hidden_layer_right_answer_passes():
    net = nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1))
    ok, _ = run(cd.check_hidden_layer, net, History([0.1], [0.1], [0.97], [1.0]))
    assert ok


@pytest.mark.parametrize("model,history,hint", [
    (nn.Sequential(nn.Linear(784, 30), nn.Linear(30, 1)), None, "non-linearity"),
    (nn.Linear(784, 1), None, "no hidden layer"),
    (nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 2)), None, "one score per image"),
    (nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1)), History([0.5], [0.5], [0.6], [1.0]),
     "learning rate"),
    (nn.Sequential(nn.Linear(28, 30), nn.ReLU(), nn.Linear(30, 1)), None, "fails"),
    ("not a model", None, "nn.Module"),
])
def test_hidden_layer_slips_get_their_hint(model, history, hint):
    ok, out = run(cd.check_hidden_layer, model, history)
    assert not ok and hint in out


# --- not done ---------------------------------------------------------------------------------------
