"""The exercise checks of the loss-functions chapter: right answers pass, typical slips get their hint."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib.checks import exercise
from course_lib.checks import losses as C


def run(capsys, check, *args):
    ok = check(*args)
    return ok, capsys.readouterr().out


# --------------------------------------------------------------------------- the BCE gradient w.r.t. the logit


def right_bce_grad(z, y):
    return torch.sigmoid(z) - y


def autograd_bce_grad(z, y):
    """The reference, independently: autograd through torch's BCE with logits, elementwise."""
    z = z.clone().requires_grad_(True)
    F.binary_cross_entropy_with_logits(z, y, reduction="sum").backward()
    return z.grad


def test_the_reference_is_autograd_and_finite_differences():
    for z, y, _ in C.bce_logit_grad_cases():
        torch.testing.assert_close(right_bce_grad(z, y), autograd_bce_grad(z, y), rtol=1e-12, atol=1e-15)
    z, y = torch.tensor([-2.0, 0.3, 4.0], dtype=torch.float64), torch.tensor([0.0, 0.6, 1.0], dtype=torch.float64)
    h = 1e-6
    loss = lambda t: F.binary_cross_entropy_with_logits(t, y, reduction="none")  # noqa: E731
    torch.testing.assert_close((loss(z + h) - loss(z - h)) / (2 * h), right_bce_grad(z, y), rtol=1e-6, atol=1e-9)


def test_bce_grad_right_in_every_form(capsys):
    for fn in (right_bce_grad,
               lambda z, y: 1 / (1 + torch.exp(-z)) - y,  # e^1000 = inf gives 1/inf = 0: still exact
               lambda z, y: (torch.sigmoid(z) - y).numpy(),
               lambda z, y: (torch.sigmoid(z) - y).tolist()):
        ok, out = run(capsys, C.check_bce_logit_grad, fn)
        assert ok and out.startswith("✓"), out


def chain_rule_unsimplified(z, y):
    p = 1 / (1 + torch.exp(-z))
    return (-y / p + (1 - y) / (1 - p)) * p * (1 - p)


@pytest.mark.parametrize(
    "grad, words",
    [
        (chain_rule_unsimplified, "nan or inf"),
        (lambda z, y: torch.exp(z) / (1 + torch.exp(z)) - y, "nan or inf"),
        (lambda z, y: y - torch.sigmoid(z), "wrong sign"),
        (lambda z, y: (torch.sigmoid(z) - y) / z.numel(), "elementwise"),
        (lambda z, y: z - y, "probability σ(z) belongs"),
        (lambda z, y: (torch.sigmoid(z) - y) * torch.sigmoid(z) * (1 - torch.sigmoid(z)), "too many"),
        (lambda z, y: (torch.sigmoid(z) - y) / (torch.sigmoid(z) * (1 - torch.sigmoid(z))),
         "with respect to the logit"),
        (lambda z, y: torch.where(y > 0.5, torch.sigmoid(z) - 1, torch.sigmoid(z)), "soft targets"),
        (lambda z, y: (torch.sigmoid(z) - y).sum(), "one derivative per logit"),
        (lambda z, y: torch.sigmoid(z) - y + 0.01, "finite difference"),
        (lambda z, y: 1 / 0, "raised ZeroDivisionError on logits of shape (5,)"),
        (lambda z, y: "p - y", "not a number"),
    ],
)
def test_bce_grad_slips(capsys, grad, words):
    ok, out = run(capsys, C.check_bce_logit_grad, grad)
    assert not ok and words in out and out.startswith("✗"), out
    assert "σ(z) − y" not in out and "p − y" not in out  # the answer is never printed


def test_bce_grad_refuses_autograd_and_torchs_bce(capsys):
    ok, out = run(capsys, C.check_bce_logit_grad, autograd_bce_grad)
    assert not ok and "tensor arithmetic only" in out and "autograd" in out and "binary cross-entropy" in out, out

    def by_torch_grad(z, y):
        z = z.clone().requires_grad_(True)
        (g,) = torch.autograd.grad((torch.log1p(torch.exp(-z.abs())) + z.clamp(min=0) - z * y).sum(), z)
        return g

    ok, out = run(capsys, C.check_bce_logit_grad, by_torch_grad)
    assert not ok and "autograd" in out and "binary cross-entropy" not in out, out


# --------------------------------------------------------------------------- a stable cross-entropy


def right_ce(logits, labels):
    m = logits.max(dim=1, keepdim=True).values  # not detached: its gradient cancels
    lse = m.squeeze(1) + torch.log(torch.exp(logits - m).sum(dim=1))
    return (lse - logits[torch.arange(len(labels)), labels]).mean()


def test_stable_ce_reference_is_torch():
    for logits, labels, _ in C.cross_entropy_cases():
        z1, z2 = logits.clone().requires_grad_(True), logits.clone().requires_grad_(True)
        a, b = right_ce(z1, labels), F.cross_entropy(z2, labels)
        a.backward()
        b.backward()
        assert torch.isfinite(a) and torch.allclose(a, b, rtol=1e-6)
        assert torch.allclose(z1.grad, z2.grad, atol=1e-6)
    big = C.cross_entropy_cases()[1]
    assert float(F.cross_entropy(big[0], big[1])) > 500  # the case really is extreme: e^1000 overflows float32


def detached_max_ce(logits, labels):
    m = logits.detach().max(dim=1, keepdim=True).values
    return (m.squeeze(1) + (logits - m).exp().sum(1).log() - logits.gather(1, labels[:, None]).squeeze(1)).mean()


def test_stable_ce_right(capsys):
    for fn in (right_ce, detached_max_ce):
        ok, out = run(capsys, C.check_stable_cross_entropy, fn)
        assert ok and out.startswith("✓"), out


def naive_ce(logits, labels):
    p = logits.exp() / logits.exp().sum(dim=1, keepdim=True)
    return -p[torch.arange(len(labels)), labels].log().mean()


def log_of_stable_softmax(logits, labels):
    p = torch.softmax(logits, dim=1)
    return -p[torch.arange(len(labels)), labels].log().mean()


def where_poisons_the_gradient(logits, labels):
    # exact values, but the discarded branch is inf at the extreme logits
    safe = right_ce(logits, labels)
    naive = naive_ce(logits, labels)
    return torch.where(torch.isfinite(naive), naive, safe)


@pytest.mark.parametrize(
    "fn, words",
    [
        (naive_ce, "nan"),
        (log_of_stable_softmax, "inf: a probability underflowed"),
        (lambda z, t: right_ce(z, t) * len(t), "adds the samples' losses"),
        (lambda z, t: right_ce(z, t) / math.log(10), "base-10"),
        (lambda z, t: torch.stack([right_ce(z[i:i + 1], t[i:i + 1]) for i in range(len(t))]), "one loss per sample"),
        (lambda z, t: right_ce(z, t).item(), "return a torch tensor"),
        (lambda z, t: right_ce(z.detach(), t), "outside torch's graph"),
        (where_poisons_the_gradient, "still poisons"),
        (lambda z, t: right_ce(z, t).detach() + 0 * z.sum(), "differs from torch's"),
        (lambda z, t: right_ce(z, t) + 1.0, "not right yet"),
        (lambda z, t: F.cross_entropy(z, t), "your function called torch's cross_entropy"),
        (lambda z, t: -torch.log_softmax(z, 1)[torch.arange(len(t)), t].mean(), "torch's log_softmax"),
        (lambda z, t: (torch.logsumexp(z, 1) - z[torch.arange(len(t)), t]).mean(), "torch's logsumexp"),
        (lambda z, t: z[99], "raised IndexError on logits of shape (4, 5)"),
        (3.0, "should be a function"),
    ],
)
def test_stable_ce_slips(capsys, fn, words):
    ok, out = run(capsys, C.check_stable_cross_entropy, fn)
    assert not ok and words in out and out.startswith("✗"), out


def test_stable_ce_in_two_halves_gives_the_same_verdict(capsys):
    data = C.probe_stable_cross_entropy(log_of_stable_softmax)
    assert data["cases"][0]["value"] is not None and math.isinf(data["cases"][1]["value"])
    assert not C.check_stable_cross_entropy.judge(data)
    assert C.check_stable_cross_entropy.judge(C.probe_stable_cross_entropy(right_ce))


# --------------------------------------------------------------------------- Huber and SmoothL1, one curve

DELTA, LR = exercise("loss-huber-smoothl1").inputs["delta"], exercise("loss-huber-smoothl1").inputs["lr"]


def test_huber_is_delta_times_smooth_l1_and_so_are_its_iterates():
    """The solution, independently: torch's two losses on many errors, and gradient descent on each."""
    d = torch.linspace(-4 * DELTA, 4 * DELTA, 1001, dtype=torch.float64)
    zero = torch.zeros_like(d)
    huber = F.huber_loss(d, zero, delta=DELTA, reduction="none")
    torch.testing.assert_close(huber, DELTA * F.smooth_l1_loss(d, zero, beta=DELTA, reduction="none"))
    x = torch.linspace(0, 1, 20, dtype=torch.float64)
    y = 3 * x + 1 + torch.where(x > 0.8, 8.0, 0.0)  # an outlier or two on the linear piece
    runs = []
    for loss, lr in ((lambda p: F.huber_loss(p[0] + p[1] * x, y, delta=DELTA), LR),
                     (lambda p: F.smooth_l1_loss(p[0] + p[1] * x, y, beta=DELTA), DELTA * LR)):
        p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr)
        path = []
        for _ in range(50):
            opt.zero_grad()
            loss(p).backward()
            opt.step()
            path.append(p.detach().clone())
        runs.append(torch.stack(path))
    torch.testing.assert_close(runs[0], runs[1], rtol=1e-12, atol=1e-12)


def test_huber_smoothl1_right(capsys):
    for answers in ((DELTA, DELTA, DELTA * LR), (np.float64(DELTA), torch.tensor(DELTA), [DELTA * LR])):
        ok, out = run(capsys, C.check_huber_smoothl1, *answers)
        assert ok and out.startswith("✓"), out


@pytest.mark.parametrize(
    "answers, words",
    [
        ((1.0, DELTA, DELTA * LR), "default"),
        ((2 * DELTA, DELTA, DELTA * LR), "where does each one switch"),
        ((DELTA, 1 / DELTA, DELTA * LR), "too small"),
        ((DELTA, 1.0, DELTA * LR), "quadratic pieces"),
        ((DELTA, DELTA, LR), "rescaled too"),
        ((DELTA, DELTA, LR / DELTA), "wrong way"),
        ((DELTA, DELTA, LR * DELTA**2), "one factor δ too many"),
        ((DELTA, DELTA, 0.3), "not right yet"),
        (("2.5", DELTA, DELTA * LR), "text"),
    ],
)
def test_huber_smoothl1_slips(capsys, answers, words):
    ok, out = run(capsys, C.check_huber_smoothl1, *answers)
    assert not ok and words in out, out
    if not isinstance(answers[0], str):
        assert f"{DELTA * LR:g}" not in out and f"{DELTA:g}" not in out  # the answer is never printed


# --------------------------------------------------------------------------- best constants


def test_best_constants_right(capsys):
    y = torch.tensor(C.CONSTANT_DATA)
    ok, out = run(capsys, C.check_best_constants, float(y.mean()), float(y.median()))
    assert ok and out.startswith("✓")
    ok, _ = run(capsys, C.check_best_constants, float(y.mean()) + 0.03, float(y.median()) - 0.03)
    assert ok


def test_best_constants_slips(capsys):
    y = torch.tensor(C.CONSTANT_DATA)
    mean, median = float(y.mean()), float(y.median())
    ok, out = run(capsys, C.check_best_constants, median, mean)
    assert not ok and "swapped" in out
    ok, out = run(capsys, C.check_best_constants, mean, median + 3)
    assert not ok and "c_mae" in out and "smaller constant" in out and "c_mse" not in out
    ok, out = run(capsys, C.check_best_constants, mean - 4, median)
    assert not ok and "c_mse" in out and "larger constant" in out
    ok, out = run(capsys, C.check_best_constants, mean + 0.2, median)
    assert not ok and "refine" in out
    assert f"{mean:g}" not in out  # the answer is never printed
