"""The exercise checks of the digits chapter: right answers pass, typical slips get their hint."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from course_lib.checks import digits as cd
from course_lib.training import History, mnist_loss


def run(check, *args):
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ok = check(*args)
    return ok, buf.getvalue()


# --- mnist_loss -------------------------------------------------------------------------------------


def test_mnist_loss_right_answers_pass():
    def blend(z, y):
        p = torch.sigmoid(z)
        return (y * (1 - p) + (1 - y) * p).mean()

    def margin(z, y):  # 1 - sigmoid(z) = sigmoid(-z): the loss of one image is sigmoid(-t z), t = 2y - 1
        return torch.sigmoid(-(2 * y - 1) * z).mean()

    for fn in (blend, margin):
        ok, out = run(cd.check_mnist_loss, fn)
        assert ok and out.startswith("✓"), out


@pytest.mark.parametrize("fn,hint", [
    (lambda z, y: (y * (1 - z) + (1 - y) * z).mean(), "probabilities"),
    (lambda z, y: (y * z.sigmoid() + (1 - y) * (1 - z.sigmoid())).mean(), "swapped"),
    (lambda z, y: (y * (1 - z.sigmoid()) + (1 - y) * z.sigmoid()).sum(), "average"),
    (lambda z, y: torch.tensor(float((y * (1 - z.sigmoid()) + (1 - y) * z.sigmoid()).mean().detach())), "autograd"),
    (lambda z, y: y * (1 - z.sigmoid()) + (1 - y) * z.sigmoid(), "one number"),
    (lambda z, y: 2 * (y * (1 - z.sigmoid()) + (1 - y) * z.sigmoid()).mean(), "factor of 2"),
    (lambda z, y: torch.where(y == 1, 1 - z.sigmoid(), z.sigmoid()).mean(), "torch.where"),
    (lambda z, y: torch.cat([1 - z.sigmoid()[y == 1], z.sigmoid()[y == 0]]).mean(), "indexing"),
    (lambda z, y: (1 - z.sigmoid()).masked_fill(y == 0, 0).mean() + z.sigmoid().masked_fill(y == 1, 0).mean(),
     "masked"),
])
def test_mnist_loss_slips_get_their_hint(fn, hint):
    ok, out = run(cd.check_mnist_loss, fn)
    assert not ok and out.startswith("✗") and hint in out, out


def test_mnist_loss_hint_does_not_reveal_the_value():
    ok, out = run(cd.check_mnist_loss, lambda z, y: z.mean() * 0 + 0.123)
    assert not ok and "0.123" in out
    from course_lib.training import mnist_loss
    z, y = cd._cases()
    assert f"{float(mnist_loss(z, y)):.4f}" not in out


# --- the article's accuracy --------------------------------------------------------------------------


def _loop_reference(z, y, bs):
    """The article's metric by a plain Python loop over batches (independent of the check's reference)."""
    accs = []
    for start in range(0, len(z), bs):
        right = [(1 / (1 + math.exp(-float(s))) > 0.5) == (float(t) == 1) for s, t in zip(z[start:start + bs],
                                                                                      y[start:start + bs])]
        accs.append(sum(right) / len(right))
    return sum(accs) / len(accs)


def test_the_reference_is_the_loop_and_differs_from_the_accuracy_over_all_images():
    z, y = cd._accuracy_cases()
    for bs in (8, 6, 20, 1, 7):
        assert math.isclose(cd.article_accuracy_reference(z, y, bs), _loop_reference(z, y, bs), rel_tol=1e-6)
    whole = float(((z > 0) == (y == 1)).float().mean())
    assert math.isclose(cd.article_accuracy_reference(z, y, 20), whole, rel_tol=1e-6)
    assert math.isclose(cd.article_accuracy_reference(z, y, 1), whole, rel_tol=1e-6)
    assert not math.isclose(cd.article_accuracy_reference(z, y, 8), whole)
    assert not math.isclose(cd.article_accuracy_reference(z, y, 6), whole)


def _article(z, y, bs):
    accs = [((z[i:i + bs] > 0) == (y[i:i + bs] == 1)).float().mean() for i in range(0, len(z), bs)]
    return torch.stack(accs).mean()


def test_article_accuracy_right_answers_of_any_type_pass():
    for fn in (_article, lambda z, y, bs: float(_article(z, y, bs)), lambda z, y, bs: _article(z, y, bs).numpy(),
               lambda z, y, bs: _loop_reference(z, y, bs), lambda z, y, bs: [float(_article(z, y, bs))]):
        ok, out = run(cd.check_article_accuracy, fn)
        assert ok and out.startswith("✓"), out


@pytest.mark.parametrize("fn,hint", [
    (lambda z, y, bs: ((z > 0) == (y == 1)).float().mean(), "all images"),
    (lambda z, y, bs: _article(z[: len(z) // bs * bs], y[: len(z) // bs * bs], bs), "last, smaller batch"),
    (lambda z, y, bs: _article(z - 0.5, y, bs), "raw scores"),
    (lambda z, y, bs: _article(z, y, bs) * -(-len(z) // bs), "average them"),
    (lambda z, y, bs: 1 - _article(z, y, bs), "not right yet"),
    (lambda z, y, bs: torch.zeros(3), "one number"),
    (lambda z, y: 0.5, "raised TypeError"),
])
def test_article_accuracy_slips_get_their_hint(fn, hint):
    ok, out = run(cd.check_article_accuracy, fn)
    assert not ok and out.startswith("✗") and hint in out, out


# --- accumulated step -------------------------------------------------------------------------------


def _accumulate(weights, bias, xb, yb, lr, parts, *, scale=True, zero_between=False, step_each=False,
                clear=True):
    for xp, yp in zip(xb.chunk(parts), yb.chunk(parts)):
        if zero_between:
            weights.grad = bias.grad = None
        loss = mnist_loss(xp @ weights + bias, yp)
        (loss / parts if scale else loss).backward()
        if step_each:
            with torch.no_grad():
                weights -= lr * weights.grad
                bias -= lr * bias.grad
            weights.grad = bias.grad = None
    if not step_each:
        with torch.no_grad():
            weights -= lr * weights.grad
            bias -= lr * bias.grad
    if clear:
        weights.grad = bias.grad = None


def test_accumulated_step_right_answer_passes_and_equals_one_full_batch_step():
    ok, out = run(cd.check_accumulated_step, _accumulate)
    assert ok and out.startswith("✓"), out

    def with_data(weights, bias, xb, yb, lr, parts):  # .data updates and zeroed gradients pass too
        for xp, yp in zip(torch.split(xb, len(xb) // parts), torch.split(yb, len(yb) // parts)):
            (mnist_loss(xp @ weights + bias, yp) * (len(xp) / len(xb))).backward()
        weights.data -= lr * weights.grad
        bias.data -= lr * bias.grad
        weights.grad.zero_()
        bias.grad.zero_()

    ok, out = run(cd.check_accumulated_step, with_data)
    assert ok, out
    # the reference is true: four accumulated parts step exactly like torch.optim.SGD on the whole batch
    w, b, xb, yb = cd._accumulation_case()
    w2, b2 = w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
    _accumulate(w, b, xb, yb, 0.5, 4)
    opt = torch.optim.SGD([w2, b2], lr=0.5)
    mnist_loss(xb @ w2 + b2, yb).backward()
    opt.step()
    assert torch.allclose(w, w2, rtol=1e-12, atol=1e-14) and torch.allclose(b, b2, rtol=1e-12, atol=1e-14)


def _replace(weights, bias, xb, yb, lr, parts):
    mnist_loss(xb @ weights + bias, yb).backward()
    weights = (weights - lr * weights.grad).detach()  # a new tensor: the caller's weights never move


@pytest.mark.parametrize("kwargs,hint", [
    ({"scale": False}, "as many times too large"),
    ({"zero_between": True}, "only the last part"),
    ({"zero_between": True, "scale": False}, "only the last part"),
    ({"step_each": True}, "one step per part"),
    ({"step_each": True, "scale": False}, "one step per part"),
    ({"clear": False}, "clear the gradients"),
])
def test_accumulated_step_slips_get_their_hint(kwargs, hint):
    ok, out = run(cd.check_accumulated_step, lambda *a: _accumulate(*a, **kwargs))
    assert not ok and out.startswith("✗") and hint in out, out


@pytest.mark.parametrize("fn,hint", [
    (_replace, "did not move"),
    (lambda *a: None, "did not move"),
    (lambda w, b, xb, yb, lr, parts: _accumulate(w, b, xb, yb, 2 * lr, parts), "factor of 2"),
    (lambda w, b, xb, yb: None, "raised TypeError"),
])
def test_accumulated_step_other_slips(fn, hint):
    ok, out = run(cd.check_accumulated_step, fn)
    assert not ok and out.startswith("✗") and hint in out, out


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
