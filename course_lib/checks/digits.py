"""Checks for the exercises of "SGD from scratch on handwritten digits". They never print the answer."""

from __future__ import annotations

import math

import torch
from torch import nn

from course_lib.checks.core import AnswerError, ExerciseNotDone, as_number, exercise_check, ratio_hint, report
from course_lib.checks.registry import exercise
from course_lib.training import batch_accuracy, mnist_loss

__all__ = ["check_mnist_loss", "check_batch_accuracy", "check_sgd_step", "check_hidden_layer"]


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
    """``fn(predictions, targets)``: sigmoid, then 1 − p for targets 1 and p for targets 0, averaged."""
    scores, targets = _cases()
    leaf = scores.clone().requires_grad_()
    got = _run(fn, "my_mnist_loss", "12 scores and targets of shape (12, 1)", leaf, targets)
    if not isinstance(got, torch.Tensor) or got.numel() != 1:
        return report(["return one number as a 0-d tensor (take the mean of the per-image losses)"], "")
    expected = float(mnist_loss(scores, targets))
    value = float(got.detach())
    p = scores.sigmoid()
    slips = {
        "no sigmoid": float(torch.where(targets == 1, 1 - scores, scores).mean()),
        "swapped": float(torch.where(targets == 1, p, 1 - p).mean()),
        "sum": float(torch.where(targets == 1, 1 - p, p).sum()),
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
    return report(problems, "mnist_loss is right, and gradients flow through it")


@exercise_check("digits-batch-accuracy")
def check_batch_accuracy(fn):
    """``fn(predictions, targets)``: the fraction of images whose sigmoid is on the right side of 0.5."""
    # 20 images: right whichever way one thresholds (12), right only after sigmoid (4: scores in (0, 0.5)
    # of 3s), right only on raw scores (2), wrong either way (2); every slip gives a different number
    scores = torch.tensor([2.0] * 8 + [-2.0] * 4 + [0.3] * 4 + [0.3] * 2 + [-1.0] * 2)[:, None]
    targets = torch.tensor([1.0] * 8 + [0.0] * 4 + [1.0] * 4 + [0.0] * 2 + [1.0] * 2)[:, None]
    order = torch.randperm(20, generator=torch.Generator().manual_seed(1))
    scores, targets = scores[order], targets[order]
    got = _run(fn, "my_batch_accuracy", "20 scores and targets of shape (20, 1)", scores, targets)
    value = as_number(got, "the accuracy your function returns")
    expected = float(batch_accuracy(scores, targets))
    raw = float((((scores > 0.5) == (targets == 1)).float()).mean())
    problems = []
    if not _close(value, expected):
        if _close(value, raw):
            problems.append("you compared the raw scores with 0.5: compare probabilities (after sigmoid) with 0.5")
        elif _close(value, 1 - expected):
            problems.append("you counted the wrong answers: a 3 (target 1) is right when its probability is high")
        elif _close(value, expected * len(scores)):
            problems.append("you counted the right answers: divide by the number of images to get a fraction")
        else:
            problems.append(ratio_hint("accuracy", value, expected, rtol=1e-5))
    return report(problems, "batch_accuracy is right")


@exercise_check("digits-sgd-step")
def check_sgd_step(fn):
    """``fn(params, lr)``: every parameter moves by −lr × its gradient, in place, and the gradients are cleared."""
    g = torch.Generator().manual_seed(3)
    params = [torch.randn(4, 3, generator=g).requires_grad_(), torch.randn(3, generator=g).requires_grad_()]
    loss = (params[0].sin() @ params[1]).square().sum() + params[1].sum()
    loss.backward()
    before = [p.detach().clone() for p in params]
    grads = [p.grad.detach().clone() for p in params]
    lr = 0.1
    ids = [id(p) for p in params]
    with torch.enable_grad():
        _run(fn, "sgd_step", "two parameters of shapes (4, 3) and (3,), lr = 0.1", params, lr)
    problems = []
    if [id(p) for p in params] != ids:
        return report(["update the parameters in place (the optimizer and the model hold these very tensors)"], "")
    moved = [p.detach() - b for p, b in zip(params, before)]
    if all(torch.equal(m, torch.zeros_like(m)) for m in moved):
        if any(p.grad is not None and not torch.equal(p.grad, gr) for p, gr in zip(params, grads)):
            problems.append("the parameters did not move but their gradients changed: "
                            "subtract lr × gradient from the parameter itself, not from .grad")
        else:
            problems.append("the parameters did not move")
        return report(problems, "")
    want = [-lr * gr for gr in grads]
    step_ok = all(torch.allclose(m, w, rtol=1e-5, atol=1e-7) for m, w in zip(moved, want))
    if not step_ok:
        num = sum(float((m * w).sum()) for m, w in zip(moved, want))
        den = sum(float((w * w).sum()) for w in want)
        problems.append(ratio_hint("step", num / den, 1.0, rtol=1e-4) or "your step is not −lr × gradient")
    if any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in params):
        problems.append("clear the gradients after the step (zero them or set them to None): "
                        "backward() adds to whatever is there")
    if any(p.requires_grad is False for p in params):
        problems.append("the parameters no longer require gradients: update their values, not replace them")
    return report(problems, "sgd_step moves every parameter by −lr × gradient and clears the gradients")


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
