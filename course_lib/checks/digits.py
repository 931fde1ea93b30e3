"""Checks for the exercises of "SGD from scratch on handwritten digits". They never print the answer."""

from __future__ import annotations

import math

import torch
from torch import nn

from course_lib.checks.core import (
    AnswerError,
    ExerciseNotDone,
    as_number,
    exercise_check,
    forbidden_tools,
    ratio_hint,
    report,
)
from course_lib.checks.registry import exercise
from course_lib.training import batch_accuracy, mnist_loss

__all__ = ["check_mnist_loss", "check_article_accuracy", "article_accuracy_reference", "check_accumulated_step",
           "check_hidden_layer", "probe_hidden_layer"]

#: what "Write the loss" rules out: picking a case by the targets instead of one arithmetic expression
_NO_SELECTION = {"where": "torch.where", "masked_": "a masked selection", "__getitem__": "indexing",
                 "index_select": "index_select", "gather": "gather"}


def _cases(n: int = 12, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    scores = torch.randn(n, 1, generator=g) * 3
    targets = (torch.rand(n, 1, generator=g) > 0.5).float()
    targets[0], targets[1] = 1.0, 0.0  # both classes present
    return scores, targets


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-7)


def _run(fn, name: str, on: str, *args):
    """Call a student's function; its errors become :class:`AnswerError` naming the input."""
    if not callable(fn):
        raise AnswerError(f"`{name}` should be a function, got a {type(fn).__name__}")
    try:
        return fn(*args)
    except ExerciseNotDone:
        raise
    except Exception as err:  # noqa: BLE001 - a student's function may raise anything
        raise AnswerError(f"your `{name}` raised {type(err).__name__} on {on}: {err}") from None


@exercise_check("digits-mnist-loss")
def check_mnist_loss(fn):
    """``fn(predictions, targets)``: sigmoid, then 1 − p for targets 1 and p for targets 0, averaged, as one
    arithmetic expression (no torch.where, no masks, no indexing: the check watches the torch functions called)."""
    scores, targets = _cases()
    leaf = scores.clone().requires_grad_()
    tools = forbidden_tools(_NO_SELECTION)
    with tools:
        got = _run(fn, "my_mnist_loss", "12 scores and targets of shape (12, 1)", leaf, targets)
    if not isinstance(got, torch.Tensor) or got.numel() != 1:
        return report(["return one number as a 0-d tensor (take the mean of the per-image losses)"], "")
    expected = float(mnist_loss(scores, targets))
    value = float(got.detach())
    p = scores.sigmoid()
    slips = {
        "no sigmoid": float((targets * (1 - scores) + (1 - targets) * scores).mean()),
        "swapped": float((targets * p + (1 - targets) * (1 - p)).mean()),
        "sum": float((targets * (1 - p) + (1 - targets) * p).sum()),
    }
    problems = []
    if not _close(value, expected):
        if _close(value, slips["no sigmoid"]):
            problems.append("the scores are not probabilities yet: squash them into (0, 1) first")
        elif _close(value, slips["swapped"]):
            problems.append("the two cases are swapped: a confident, right answer should cost almost nothing")
        elif _close(value, slips["sum"]):
            problems.append("you added the per-image losses: average them, so the loss does not grow with the batch")
        else:
            problems.append(ratio_hint("loss", value, expected, rtol=1e-5))
    elif not got.requires_grad:
        problems.append("the value is right but autograd cannot follow it: stay with torch operations "
                        "(no .item(), no NumPy) so that backward() works")
    if tools.used:
        problems.append("this exercise asks for one arithmetic expression in the targets, and your function "
                        "picks the cases with " + " and ".join(tools.used)
                        + ": a target is 0 or 1, so it can switch a term on or off by multiplication")
    return report(problems, "mnist_loss is right, in one expression, and gradients flow through it")


def article_accuracy_reference(predictions: torch.Tensor, targets: torch.Tensor, batch_size: int) -> float:
    """The mean of the accuracies of consecutive batches of ``batch_size`` (the last one possibly smaller)."""
    accs = [float(batch_accuracy(predictions[i:i + batch_size], targets[i:i + batch_size]))
            for i in range(0, len(predictions), batch_size)]
    return sum(accs) / len(accs)


def _accuracy_cases() -> tuple[torch.Tensor, torch.Tensor]:
    """20 scores and targets: the first 16 mostly right, the last 4 mostly wrong, so batches weigh differently;
    scores in (0, 0.5) for some 3s tell a sigmoid threshold from a raw-score one."""
    scores = torch.tensor([2.0, -1.5, 0.3, -2.0, 1.0, 0.2, -0.7, 3.0, 1.2, -1.1, 0.4, -0.3, 2.2, -2.4, 0.8, -0.9,
                           -1.0, 0.6, -0.2, 0.1])[:, None]
    targets = torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0,
                            1.0, 0.0, 0.0, 1.0])[:, None]
    return scores, targets


@exercise_check("digits-batch-accuracy")
def check_article_accuracy(fn):
    """``fn(predictions, targets, batch_size)``: the mean of the accuracies of the consecutive batches (the
    last one possibly smaller), a score meaning "3" when its probability is above 0.5."""
    scores, targets = _accuracy_cases()
    problems = []
    for bs in (8, 6, 20, 1):
        got = _run(fn, "article_accuracy", f"20 scores and targets, batch_size = {bs}", scores.clone(),
                   targets.clone(), bs)
        value = as_number(got, f"what your function returns for batch_size = {bs}")
        want = article_accuracy_reference(scores, targets, bs)
        if _close(value, want):
            continue
        n_full = len(scores) // bs
        whole = float(batch_accuracy(scores, targets))
        full_only = article_accuracy_reference(scores[:n_full * bs], targets[:n_full * bs], bs)
        raw = article_accuracy_reference(scores - 0.5, targets, bs)  # thresholding the raw score at 0.5
        n_batches = -(-len(scores) // bs)
        if _close(value, whole):
            problems.append(f"for batch_size = {bs} you returned the accuracy over all images, each image counted "
                            "once: the article averages the batches' accuracies, one number per batch")
        elif _close(value, full_only):
            problems.append(f"for batch_size = {bs} the last, smaller batch is missing from your average")
        elif _close(value, raw):
            problems.append("you compared the raw scores with 0.5: compare probabilities (after sigmoid) with 0.5")
        elif _close(value, want * n_batches):
            problems.append(f"for batch_size = {bs} you added the batches' accuracies: average them")
        else:
            problems.append(ratio_hint(f"the result for batch_size = {bs}", value, want, rtol=1e-5))
        break
    return report(problems, "article_accuracy averages the batches as the article does")


def _accumulation_case(seed: int = 3):
    g = torch.Generator().manual_seed(seed)
    weights = (0.3 * torch.randn(6, 1, generator=g, dtype=torch.float64)).requires_grad_()
    bias = (0.3 * torch.randn(1, generator=g, dtype=torch.float64)).requires_grad_()
    xb = torch.rand(12, 6, generator=g, dtype=torch.float64)
    yb = (torch.rand(12, 1, generator=g, dtype=torch.float64) > 0.5).to(torch.float64)
    yb[0], yb[1] = 1.0, 0.0
    return weights, bias, xb, yb


def _grads(weights, bias, xb, yb):
    w, b = weights.detach().clone().requires_grad_(), bias.detach().clone().requires_grad_()
    mnist_loss(xb @ w + b, yb).backward()
    return w.grad, b.grad


def _sequential(weights, bias, xb, yb, lr, parts, scale):
    """One SGD step per part (the slip), each with its part's gradient times ``scale``."""
    w, b = weights.detach().clone(), bias.detach().clone()
    for xp, yp in zip(xb.chunk(parts), yb.chunk(parts)):
        gw, gb = _grads(w, b, xp, yp)
        w, b = w - lr * scale * gw, b - lr * scale * gb
    return w, b


@exercise_check("digits-sgd-step")
def check_accumulated_step(fn):
    """``fn(weights, bias, xb, yb, lr, parts)``: one SGD step of the linear model ``xb @ weights + bias`` on
    ``mnist_loss``, its gradient accumulated over ``parts`` equal pieces of the batch (one backward each) and
    equal to the whole batch's; parameters changed in place, gradients cleared afterwards."""
    lr = 0.5
    problems = []
    for parts in (3, 4, 1):
        weights, bias, xb, yb = _accumulation_case()
        w0, b0 = weights.detach().clone(), bias.detach().clone()
        gw, gb = _grads(weights, bias, xb, yb)
        on = f"a batch of 12 in {parts} part{'s' if parts > 1 else ''}, lr = {lr}"
        with torch.enable_grad():
            _run(fn, "accumulated_step", on, weights, bias, xb, yb, lr, parts)
        dw, db = weights.detach() - w0, bias.detach() - b0
        if torch.equal(dw, torch.zeros_like(dw)) and torch.equal(db, torch.zeros_like(db)):
            problems.append(f"on {on} the parameters did not move: change the tensors you were given in place "
                            "(inside torch.no_grad()), do not make new ones")
            break
        if torch.allclose(dw, -lr * gw, rtol=1e-6, atol=1e-12) and torch.allclose(db, -lr * gb, rtol=1e-6,
                                                                                   atol=1e-12):
            if any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in (weights, bias)):
                problems.append("clear the gradients after the step (zero them or set them to None): the next "
                                "backward() would add to them")
                break
            if not (weights.requires_grad and bias.requires_grad):
                problems.append("the parameters no longer require gradients: update their values in place")
                break
            continue
        last_w, last_b = _grads(w0, b0, xb.chunk(parts)[-1], yb.chunk(parts)[-1])
        seq_w, _ = _sequential(w0, b0, xb, yb, lr, parts, 1.0)
        seq_scaled_w, _ = _sequential(w0, b0, xb, yb, lr, parts, 1.0 / parts)
        if torch.allclose(dw, -lr * parts * gw, rtol=1e-6, atol=1e-12):
            problems.append(f"on {on} your step is as many times too large as there are parts: each backward adds "
                            "the gradient of its own piece's mean loss, and those means add up to more than the "
                            "batch's mean")
        elif parts > 1 and any(torch.allclose(dw, -lr * k * last_w, rtol=1e-6, atol=1e-12) for k in (1, 1 / parts)):
            problems.append(f"on {on} only the last part's gradient counts: clearing the gradients between the "
                            "parts throws the others away")
        elif parts > 1 and (torch.allclose(weights.detach(), seq_w, rtol=1e-6, atol=1e-12)
                            or torch.allclose(weights.detach(), seq_scaled_w, rtol=1e-6, atol=1e-12)):
            problems.append(f"on {on} you took one step per part: add up all the parts' gradients first, then "
                            "step once")
        else:
            num, den = float((dw * -lr * gw).sum()), float((lr * gw).square().sum())
            problems.append(ratio_hint(f"step on {on}", num / den, 1.0, rtol=1e-5)
                            or f"on {on} your step is not −lr × the gradient of the batch's mean loss")
        break
    return report(problems, "accumulated_step takes the whole batch's step, one piece at a time")


_ACTIVATIONS = (nn.ReLU, nn.Sigmoid, nn.Tanh, nn.GELU, nn.LeakyReLU, nn.ELU, nn.SiLU, nn.Softplus)


def probe_hidden_layer(model, history=None) -> dict:
    """What :func:`check_hidden_layer` judges, as plain data: the model runs here (in a grader: in the
    student's kernel) on a batch of 5 blank images, its layers are counted, the last accuracy read."""
    if not isinstance(model, nn.Module):
        return {"module": False, "type": type(model).__name__}
    data = {"module": True, "error": None, "shape": None}
    try:
        with torch.no_grad():
            out = model(torch.zeros(5, 28 * 28))
    except Exception as err:  # noqa: BLE001 - the student's model: say how it fails
        data["error"] = f"{type(err).__name__}: {err}"
    else:
        data["shape"] = [int(n) for n in out.shape]
    modules = list(model.modules())
    data["linears"] = sum(isinstance(m, nn.Linear) for m in modules)
    data["activation"] = any(isinstance(m, _ACTIVATIONS) for m in modules)
    if history is not None:
        data["accuracy"] = float(history.valid_accuracy[-1]) if len(history) else float("nan")
    return data


@exercise_check("digits-hidden-layer", probe=probe_hidden_layer)
def check_hidden_layer(data: dict):
    """``model``: Linear(784, h) → a non-linearity → Linear(h, 1); ``history`` (optional): its training history,
    whose last validation accuracy must reach the registry's ``accuracy``. Judges :func:`probe_hidden_layer`'s
    data."""
    target = exercise("digits-hidden-layer").inputs["accuracy"]
    problems = []
    if not data["module"]:
        return report([f"model should be an nn.Module (e.g. nn.Sequential), got {data['type']}"], "")
    if data["error"] is not None:
        return report([f"the model fails on a batch of 5 flattened images: {data['error']}"], "")
    if tuple(data["shape"]) != (5, 1):
        problems.append(f"the model should give one score per image, shape (5, 1) for 5 images; "
                        f"it gives {tuple(data['shape'])}")
    if data["linears"] < 2:
        problems.append("there is no hidden layer yet: put a Linear layer before the output layer")
    elif not data["activation"]:
        problems.append("two Linear layers with nothing between them make one linear function: "
                        "put a non-linearity between them")
    if "accuracy" in data:
        acc = data["accuracy"]
        if not acc >= target:
            problems.append(f"the validation accuracy after training is {acc:.4f}: it should reach {target:g} — "
                            "check the learning rate and the number of epochs")
    return report(problems, "a real hidden layer, and it learns")
