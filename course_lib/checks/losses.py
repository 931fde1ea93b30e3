"""Checks for the exercises of the chapter *Loss functions*.

Each check prints ``✓ …`` for a right answer, or one hint per problem that names the likely
slip (a lost factor, the wrong variable of the chain rule, an overflow, …) without giving the answer.

- :func:`check_bce_logit_grad`: the derivative of binary cross-entropy with respect to the logit,
  coded as ``bce_logit_grad(z, y)``, finite for logits of any size;
- :func:`check_stable_cross_entropy`: a cross-entropy that survives logits of ±1000, values and
  autograd's gradient (in two halves: :func:`probe_stable_cross_entropy` runs the student's function);
- :func:`check_huber_smoothl1`: the threshold, scale and learning rate that make SmoothL1 Huber;
- :func:`check_best_constants`: the constants that minimise the MSE and the MAE of a few numbers.
"""

from __future__ import annotations

import math

import torch

from course_lib import losses as L
from course_lib.checks.core import (
    ExerciseNotDone,
    as_number,
    call_answer,
    exercise_check,
    forbidden_tools,
    ratio_hint,
    report,
)
from course_lib.checks.registry import exercise

__all__ = ["check_bce_logit_grad", "bce_logit_grad_cases", "probe_stable_cross_entropy", "check_stable_cross_entropy",
           "cross_entropy_cases", "check_huber_smoothl1", "check_best_constants", "CONSTANT_DATA"]

#: the data of the best-constant exercise (from the registry)
CONSTANT_DATA = exercise("loss-best-constants").inputs["data"]


def _hint(name: str, got: float, want: float, rtol: float = 1e-6) -> str:
    """:func:`ratio_hint`'s words for a wrong number (never None: only called for wrong numbers)."""
    return ratio_hint(name, got, want, rtol) or f"your {name} is not right yet"


# --- 1. the gradient of BCE with respect to the logit ----------------------------------------------------

#: what the exercise rules out: autograd and torch's own binary cross-entropy
_NO_BCE_TOOLS = {"binary_cross_entropy": "torch's own binary cross-entropy", **forbidden_tools.AUTOGRAD}


def bce_logit_grad_cases() -> list[tuple[torch.Tensor, torch.Tensor, str]]:
    """``(z, y, what)``: the logits and targets the check tries, in float64, and how a hint names them."""
    g = torch.Generator().manual_seed(5)
    hard = (torch.tensor([-3.0, -0.5, 0.0, 0.5, 3.0], dtype=torch.float64),
            torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0], dtype=torch.float64), "ordinary logits and 0/1 targets")
    soft = (3 * torch.randn(3, 4, generator=g, dtype=torch.float64),
            torch.rand(3, 4, generator=g, dtype=torch.float64), "logits of shape (3, 4) and soft targets in (0, 1)")
    big = (torch.tensor([-1000.0, -40.0, 40.0, 1000.0, -1000.0, 1000.0, 40.0], dtype=torch.float64),
           torch.tensor([0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.25], dtype=torch.float64), "logits of ±40 and ±1000")
    return [hard, soft, big]


def _bce_slips(z: torch.Tensor, y: torch.Tensor):
    """(what the student may have computed, the hint), most specific first."""
    p = L.sigmoid(z)
    yield y - p, "has the wrong sign: ℓ falls when z moves σ(z) towards the target"
    yield (p - y) / z.numel(), ("is divided by the number of logits: the exercise asks for each sample's own "
                                "derivative ∂ℓ/∂z, elementwise, not the gradient of the mean")
    yield z - y, "uses the logit where the probability σ(z) belongs"
    yield (p - y) * p * (1 - p), "has one factor σ(z)(1 − σ(z)) too many"
    yield (p - y) / (p * (1 - p)), ("is ∂ℓ/∂p, the derivative with respect to the probability: the exercise asks "
                                    "for the derivative with respect to the logit z (one more link of the chain rule)")


def _close(a: torch.Tensor, b: torch.Tensor, rtol: float = 1e-7, atol: float = 1e-12) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=rtol, atol=atol))


@exercise_check("loss-bce-logit-grad")
def check_bce_logit_grad(bce_logit_grad):
    r"""``bce_logit_grad(z, y)``: :math:`\partial\ell/\partial z` for
    :math:`\ell = -[y\log\sigma(z) + (1-y)\log(1-\sigma(z))]`, elementwise, for tensors of any shape, finite
    for logits of ±1000; tensor arithmetic only (no autograd, no torch BCE: the check watches the torch functions
    it calls)."""
    problems: list[str] = []
    tools = forbidden_tools(_NO_BCE_TOOLS)
    for z, y, what in bce_logit_grad_cases():
        want = L.bce_with_logits_grad(z, y, reduction="none")
        with tools:
            got, err = call_answer(bce_logit_grad, z.clone(), y.clone(), name="bce_logit_grad",
                                   on=f"logits of shape {tuple(z.shape)} ({what})")
        if err:
            problems.append(err)
            break
        got = torch.as_tensor(got)
        if _close(got, want):
            continue
        if got.numel() != want.numel():
            problems.append(f"for logits of shape {tuple(z.shape)} your `bce_logit_grad` returned {got.numel()} "
                            f"numbers: return one derivative per logit, shape {tuple(z.shape)}")
            break
        got = got.reshape(want.shape)
        if not bool(torch.isfinite(got).all()):
            problems.append(f"for {what} your gradient is nan or inf, although the exact derivative is finite: "
                            "σ(z) rounds to exactly 0 or 1 there (or e^z overflows), and a factor such as 1/σ(z) "
                            "or 1/(1 − σ(z)) blows up. Simplify the chain rule's product by hand before you code it")
            break
        for candidate, words in _bce_slips(z, y):
            if _close(got, candidate):
                problems.append(f"your `bce_logit_grad` {words}")
                break
        else:
            if what.startswith("logits of shape (3, 4)"):
                problems.append("your gradient is right for targets 0 and 1 but not for soft targets: do not "
                                "treat y as a class label (no if/else on y); the derivative holds for any y in [0, 1]")
            else:
                problems.append(f"for {what} your gradient differs from the derivative of ℓ (compare it with a "
                                "finite difference, (ℓ(z + h) − ℓ(z − h)) / 2h)")
        break
    if tools.used:
        problems.append("this exercise asks for tensor arithmetic only, and your function used "
                        + " and ".join(tools.used))
    return report(problems, "your derivative matches ∂ℓ/∂z for 0/1 and soft targets, and stays exact at logits "
                            "of ±1000")


# --- 2. a cross-entropy that survives logits of 1000 ------------------------------------------------------

#: torch's ready-made pieces the exercise rules out
_NO_CE_TOOLS = {"cross_entropy": "torch's cross_entropy", "log_softmax": "torch's log_softmax",
                "logsumexp": "torch's logsumexp", "nll_loss": "torch's nll_loss"}


def cross_entropy_cases() -> list[tuple[torch.Tensor, torch.Tensor, str]]:
    """``(logits, labels, what)``: the float32 logits and class indices the check tries."""
    g = torch.Generator().manual_seed(11)
    ordinary = (3 * torch.randn(4, 5, generator=g), torch.randint(0, 5, (4,), generator=g), "ordinary logits")
    big = (torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0], [0.0, 0.0, 1000.0],
                         [500.0, 500.0, -1000.0]]), torch.tensor([2, 1, 2, 0]), "logits of ±1000")
    return [ordinary, big]


def probe_stable_cross_entropy(my_cross_entropy) -> dict:
    """What :func:`check_stable_cross_entropy` judges, as plain data: the student's function runs here (in a
    grader, in the student's kernel) on :func:`cross_entropy_cases`, with autograd through it."""
    if not callable(my_cross_entropy):
        return {"callable": False, "type": type(my_cross_entropy).__name__}
    tools = forbidden_tools(_NO_CE_TOOLS)
    cases = []
    for logits, labels, what in cross_entropy_cases():
        z = logits.clone().requires_grad_(True)
        case = {"error": None, "tensor": False, "numel": 0, "value": None, "grad": None}
        cases.append(case)
        try:
            with tools:
                out = my_cross_entropy(z, labels.clone())
        except ExerciseNotDone:
            raise
        except Exception as err:  # noqa: BLE001 - the student's function may fail in any way: say how, on what
            case["error"] = (f"your `my_cross_entropy` raised {type(err).__name__} on logits of shape "
                             f"{tuple(logits.shape)} ({what}): {err}")
            break
        if not isinstance(out, torch.Tensor):
            case["type"] = type(out).__name__
            continue
        case["tensor"], case["numel"] = True, int(out.numel())
        if out.numel() != 1:
            continue
        case["value"] = float(out.detach().reshape(()))
        if out.requires_grad:
            try:
                (grad,) = torch.autograd.grad(out.reshape(()), z, allow_unused=True)
            except Exception as err:  # noqa: BLE001
                case["grad_error"] = f"{type(err).__name__}: {err}"
            else:
                case["grad"] = None if grad is None else grad.tolist()
    return {"callable": True, "cases": cases, "used": tools.used}


@exercise_check("loss-stable-ce", probe=probe_stable_cross_entropy)
def check_stable_cross_entropy(data: dict):
    r"""``my_cross_entropy(logits, labels)``: the mean cross-entropy of ``(N, C)`` logits against class indices,
    equal to ``F.cross_entropy`` on ordinary logits and on logits of ±1000 (float32), with autograd's gradient
    through it equal to torch's; without torch's cross_entropy, log_softmax, logsumexp or nll_loss. Judges
    :func:`probe_stable_cross_entropy`'s data."""
    if not data["callable"]:
        return report([f"`my_cross_entropy` should be a function, got a {data['type']}"], "")
    problems: list[str] = []
    for case, (logits, labels, what) in zip(data["cases"], cross_entropy_cases()):
        if case["error"]:
            problems.append(case["error"])
            break
        if not case["tensor"]:
            problems.append(f"your function returned a {case['type']}: return a torch tensor, so that autograd can "
                            "differentiate it (no .item(), no NumPy)")
            break
        n = logits.shape[0]
        if case["numel"] != 1:
            problems.append("your function returns one loss per sample: F.cross_entropy averages them"
                            if case["numel"] == n else f"your function returned {case['numel']} numbers: return one")
            break
        z = logits.clone().requires_grad_(True)
        want_t = torch.nn.functional.cross_entropy(z, labels)
        (want_grad,) = torch.autograd.grad(want_t, z)
        want, got = float(want_t.detach()), case["value"]
        if math.isnan(got):
            problems.append(f"on {what} your loss is nan: e^z overflows float32 above z ≈ 88.7, and inf − inf or "
                            "inf / inf gives nan")
            break
        if math.isinf(got):
            problems.append(f"on {what} your loss is inf: a probability underflowed to 0 and its log is −inf")
            break
        if not math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-4):
            if math.isclose(got, n * want, rel_tol=1e-5):
                problems.append("your function adds the samples' losses: F.cross_entropy averages them")
            elif math.isclose(got, want / math.log(10), rel_tol=1e-5):
                problems.append("you used a base-10 logarithm: cross-entropy uses the natural log")
            else:
                problems.append(f"on {what} " + _hint("loss", got, want, rtol=1e-5))
            break
        if case.get("grad_error"):
            problems.append(f"autograd fails through your function on {what} ({case['grad_error']})")
            break
        if case["grad"] is None:
            problems.append("autograd cannot differentiate your loss: part of it was computed outside torch's graph "
                            "(a .item(), NumPy, or a detach of everything)")
            break
        grad = torch.tensor(case["grad"], dtype=want_grad.dtype)
        if not bool(torch.isfinite(grad).all()):
            problems.append(f"your loss is right on {what}, but autograd's gradient through it is nan or inf: an inf "
                            "or nan inside a branch that torch.where discards, or a log of 0, still poisons the "
                            "backward pass")
            break
        if not _close(grad, want_grad, rtol=1e-4, atol=1e-6):
            problems.append(f"your loss is right on {what}, but autograd's gradient through it differs from torch's: "
                            "do you detach (or compute outside torch) more than the shift by the maximum?")
            break
    if data["used"]:
        problems.append("write it from elementary operations: your function called " + " and ".join(data["used"]))
    return report(problems, "your cross-entropy equals torch's on ordinary logits and on logits of ±1000, and so "
                            "does autograd's gradient through it")


# --- 3. Huber and SmoothL1, one curve ---------------------------------------------------------------------


@exercise_check("loss-huber-smoothl1")
def check_huber_smoothl1(beta, scale, lr_smooth_l1):
    r"""``beta``, ``scale``: the SmoothL1 threshold and the factor with
    :math:`\mathrm{Huber}_\delta(d) = \text{scale}\cdot\mathrm{SmoothL1}_\beta(d)` for every error :math:`d`;
    ``lr_smooth_l1``: the learning rate on SmoothL1 that gives gradient descent on Huber's iterates with
    learning rate ``lr`` (``delta`` and ``lr`` from the registry)."""
    ex = exercise("loss-huber-smoothl1").inputs
    delta, lr = ex["delta"], ex["lr"]
    b, a, eta = as_number(beta, "beta"), as_number(scale, "scale"), as_number(lr_smooth_l1, "lr_smooth_l1")
    problems = []
    if not math.isclose(b, delta, rel_tol=1e-6):
        if math.isclose(b, 1.0, rel_tol=1e-6):
            problems.append("β = 1 is SmoothL1's default: the two curves must turn from quadratic to linear at the "
                            "same error")
        elif b <= 0:
            problems.append("β is a threshold on |d|: a positive number")
        else:
            problems.append("with your β the two losses turn from quadratic to linear at different errors: where "
                            "does each one switch?")
    if not math.isclose(a, delta, rel_tol=1e-6):
        if math.isclose(a, 1 / delta, rel_tol=1e-6):
            problems.append("your scale is too small: compare the slopes of the two linear pieces, and which "
                            "one is steeper")
        elif math.isclose(a, 1.0, rel_tol=1e-6):
            problems.append("with scale 1 the two curves differ unless δ = 1: compare their quadratic pieces")
        else:
            problems.append(_hint("scale", a, delta) + " (compare the two quadratic pieces, once β is right)")
    want = delta * lr
    if not math.isclose(eta, want, rel_tol=1e-6):
        if math.isclose(eta, lr, rel_tol=1e-6):
            problems.append("with the same learning rate the SmoothL1 steps have another length: the gradient of "
                            "a rescaled loss is rescaled too")
        elif math.isclose(eta, lr / delta, rel_tol=1e-6):
            problems.append("your SmoothL1 learning rate goes the wrong way: is SmoothL1's gradient larger or "
                            "smaller than Huber's?")
        elif math.isclose(eta, lr * delta**2, rel_tol=1e-6):
            problems.append("your SmoothL1 learning rate has one factor δ too many")
        else:
            problems.append(_hint("lr_smooth_l1", eta, want) + " (write one step of each and compare)")
    return report(problems, "right: one curve, one set of iterates")


# --- 4. the best constant under MSE and MAE ---------------------------------------------------------------


@exercise_check("loss-best-constants")
def check_best_constants(c_mse, c_mae, tol: float = 0.05):
    r"""``c_mse`` and ``c_mae``: the constant predictions minimising MSE and MAE on the registry's ``data``."""
    y = torch.tensor(CONSTANT_DATA, dtype=torch.float64)
    a, b = as_number(c_mse, "c_mse"), as_number(c_mae, "c_mae")
    best_mse, best_mae = float(y.mean()), float(y.median())
    problems = []
    if math.isclose(a, best_mae, abs_tol=tol) and math.isclose(b, best_mse, abs_tol=tol):
        problems.append("your two constants look swapped: which loss keeps the big value from pulling too hard?")
    else:
        for name, c, loss, best in (("c_mse", a, L.mse, best_mse), ("c_mae", b, L.mae, best_mae)):
            if math.isclose(c, best, abs_tol=tol):
                continue
            here = float(loss(torch.full_like(y, c), y))
            better = min((c - 0.5, c + 0.5), key=lambda t: float(loss(torch.full_like(y, t), y)))
            if float(loss(torch.full_like(y, better), y)) < here:
                way = "larger" if better > c else "smaller"
                problems.append(f"{name} is not the minimiser yet: the loss is lower for a {way} constant "
                                "(did gradient descent run long enough, with a small enough step?)")
            else:
                problems.append(f"{name} is close but not within {tol} of the minimiser: refine it")
    return report(problems, "right: the best constant under MSE is the mean, under MAE the median")
