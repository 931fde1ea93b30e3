"""Checks for the exercises of the chapter on backpropagation (``book/03_backpropagation.ipynb``).

The first three compare a student's answer with :mod:`course_lib.backprop` on the chapter's 2-2-2
network and name the typical slip (a factor of 2, a sign, one hidden neuron's or one output's paths
instead of all four, one neuron's share of a shared bias) without printing the right value; the residual layer's check
compares a student's backward pass with torch autograd and names the missing path or factor.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from course_lib import backprop as bp
from course_lib.checks.core import ExerciseNotDone, as_array, as_number, exercise_check, ratio_hint, report

__all__ = ["check_dw6", "check_input_grad", "check_db1", "check_residual_backward", "residual_case", "RESIDUAL_CASES"]


def _parts() -> dict[str, float]:
    """The chapter network's forward values and deltas (dL/dnet of every neuron)."""
    (w5, w6, w7, w8), (i1, i2), (t1, t2) = bp.SEED["w"][4:], bp.SEED["i"], bp.SEED["target"]
    f = bp.forward()
    h1, h2, o1, o2 = f["h1"], f["h2"], f["o1"], f["o2"]
    d_o1 = (o1 - t1) * o1 * (1 - o1)
    d_o2 = (o2 - t2) * o2 * (1 - o2)
    return {
        "h1": h1, "h2": h2, "o1": o1, "o2": o2, "d_o1": d_o1, "d_o2": d_o2,
        "d_h1": (d_o1 * w5 + d_o2 * w7) * h1 * (1 - h1), "d_h2": (d_o1 * w6 + d_o2 * w8) * h2 * (1 - h2),
        "i1": i1, "i2": i2, "t1": t1,
    }


def _close(a: float, b: float, rtol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12)




@exercise_check("bp-dw6")
def check_dw6(answer):
    r"""Exercise: :math:`\partial L/\partial w_6` of the chapter's network, by hand."""
    value = as_number(answer, "dw6")
    p, g = _parts(), bp.gradients()
    expected = g["w6"]
    if _close(value, expected):
        return report([], "your dL/dw6 is right: the output delta of o1 times the input h2 that w6 carries")
    if _close(value, g["w5"]):
        hint = "w6 carries h2 (not h1) into o1: the last factor, d net_o1 / d w6, is h2"
    elif _close(value, g["w8"]):
        hint = "w6 feeds o1, so its error signal comes from o1 and target t1, not from o2"
    elif _close(value, (p["o1"] - p["t1"]) * p["h2"]):
        hint = "you left out the sigmoid's derivative at o1: d o1 / d net_o1 = o1 (1 - o1)"
    elif _close(value, p["o1"] * (1 - p["o1"]) * p["h2"]):
        hint = "you left out dL/do1, the first factor of the chain (how the loss changes with o1)"
    else:
        hint = ratio_hint("dL/dw6", value, expected)
        if "factor of 2" in hint:
            hint += ": the 1/2 in the loss cancels the 2 from the square"
    return report([hint], "")


@exercise_check("bp-input-grad")
def check_input_grad(answer):
    r"""Exercise: :math:`\partial L/\partial i_1`, the gradient with respect to an input, along its four paths."""
    value = as_number(answer, "di1")
    p, g = _parts(), bp.gradients()
    w1, w2, w3, w4, w5, w6, w7, w8 = bp.SEED["w"]
    s1, s2 = p["h1"] * (1 - p["h1"]), p["h2"] * (1 - p["h2"])
    expected = p["d_h1"] * w1 + p["d_h2"] * w3
    if _close(value, expected):
        return report([], "your dL/di1 is right: four paths, through both hidden neurons and on to both outputs")
    via_o1 = p["d_o1"] * (w5 * s1 * w1 + w6 * s2 * w3)
    via_o2 = p["d_o2"] * (w7 * s1 * w1 + w8 * s2 * w3)
    if _close(value, p["d_h1"] * w1) or _close(value, p["d_h2"] * w3):
        hint = "i1 feeds BOTH hidden neurons (through w1 into h1 and through w3 into h2): add both neurons' paths"
    elif _close(value, via_o1) or _close(value, via_o2):
        hint = "each hidden neuron feeds both outputs: add the paths through o1 and through o2 (four paths in all)"
    elif _close(value, p["d_h1"] * w2 + p["d_h2"] * w4):
        hint = "that is the gradient with respect to i2: the weights that multiply i1 are w1 and w3"
    elif _close(value, p["d_h1"] * w1 + p["d_h2"] * w2):
        hint = ("w2 multiplies i2, not i1: i1 reaches h2 through w3 (the weights out of an input, not the weights "
                "into a neuron)")
    elif _close(value, (p["d_o1"] * w5 + p["d_o2"] * w7) * w1 + (p["d_o1"] * w6 + p["d_o2"] * w8) * w3):
        hint = "you left out the hidden sigmoids' derivatives, h1 (1 - h1) and h2 (1 - h2)"
    elif _close(value, g["w1"] + g["w3"]) or _close(value, g["w1"]):
        hint = ("you multiplied the deltas by the input i1, which gives the weights' gradients; for the input, "
                "multiply each hidden delta by the weight that carries i1 into that neuron")
    else:
        hint = ratio_hint("dL/di1", value, expected)
    return report([hint], "")


@exercise_check("bp-db1")
def check_db1(answer):
    r"""Exercise: :math:`\partial L/\partial b_1` of the hidden layer's shared bias."""
    value = as_number(answer, "db1")
    p, g = _parts(), bp.gradients()
    expected = g["b1"]
    if _close(value, expected):
        return report([], "your dL/db1 is right: a shared bias collects the deltas of every neuron it feeds")
    if _close(value, p["d_h1"]) or _close(value, p["d_h2"]):
        hint = "b1 is shared: it enters net_h1 AND net_h2, so it collects from every neuron that uses it"
    elif _close(value, expected / 2):
        hint = "you averaged the two neurons' contributions; the chain rule adds them (b1 is used twice)"
    elif _close(value, g["b2"]):
        hint = "that is the output layer's bias b2; b1 sits in the hidden layer, one more step back"
    else:
        hint = ratio_hint("dL/db1", value, expected)
    return report([hint], "")


def residual_case(seed: int, n: int, batch: int) -> dict:
    """The inputs the residual-layer check tries (plain float64 tensors, from a seeded generator)."""
    g = torch.Generator().manual_seed(seed)
    return {
        "W": torch.randn(n, n, generator=g, dtype=torch.float64) * 0.8,
        "b": torch.randn(n, generator=g, dtype=torch.float64) * 0.5,
        "a_prev": torch.randn(batch, n, generator=g, dtype=torch.float64),
        "grad_out": torch.randn(batch, n, generator=g, dtype=torch.float64),
    }


#: (seed, n, batch) of each case: a non-symmetric W, several samples (and one sample, where sums are easy to miss)
RESIDUAL_CASES = ((11, 3, 4), (12, 4, 1))


def _residual_reference(case: dict) -> dict[str, torch.Tensor]:
    """torch autograd's gradients of sum(grad_out * a) for a = a_prev + tanh(a_prev W^T + b), and the usual slips."""
    W, b, a_prev, grad_out = (case[k].clone().requires_grad_(k != "grad_out") for k in ("W", "b", "a_prev", "grad_out"))
    out = a_prev + torch.tanh(a_prev @ W.T + b)
    ga, gW, gb = torch.autograd.grad(out, (a_prev, W, b), grad_out)
    with torch.no_grad():
        z = a_prev @ W.T + b
        delta = grad_out * (1 - torch.tanh(z) ** 2)
        no_slope = grad_out
        at_output = grad_out * (1 - out**2)
        return {
            "a": ga, "W": gW, "b": gb,
            "a:no_skip": delta @ W, "a:only_skip": grad_out, "a:no_slope": grad_out + no_slope @ W,
            "a:slope_at_output": grad_out + at_output @ W, "a:W_not_transposed": grad_out + delta @ W.T,
            "a:slope_from_z": grad_out + grad_out * (1 - z**2) @ W,
            "W:transposed": a_prev.T @ delta, "W:no_slope": no_slope.T @ a_prev,
            "W:slope_at_output": at_output.T @ a_prev, "W:mean": delta.T @ a_prev / len(a_prev),
            "b:no_slope": no_slope.sum(0), "b:slope_at_output": at_output.sum(0), "b:mean": delta.mean(0),
        }


_RESIDUAL_HINTS = {
    "a:no_skip": "grad_a_prev misses the skip path: a = a_prev + tanh(...) uses a_prev twice, so dL/da_prev adds "
                 "the gradient arriving directly through the identity to the one coming back through the layer",
    "a:only_skip": "grad_a_prev keeps only the skip path: a_prev also reaches a through W and tanh, and that "
                   "path adds to the identity's",
    "a:no_slope": "the gradient through the layer needs tanh's slope, tanh'(z) = 1 - tanh(z)^2, before W",
    "a:slope_at_output": "tanh's slope belongs to tanh(z), not to the layer's output a = a_prev + tanh(z)",
    "a:slope_from_z": "tanh'(z) is 1 - tanh(z)^2, not 1 - z^2",
    "a:W_not_transposed": "grad_a_prev has W the wrong way round: check which index of W[j, k] runs over the "
                          "neurons and which over the inputs, in the forward pass and on the way back",
    "W:transposed": "grad_W is transposed: entry [j, k] pairs neuron j's delta with input k, like W[j, k]",
    "W:no_slope": "grad_W needs the layer's delta, which includes tanh'(z), not grad_out itself",
    "W:slope_at_output": "tanh's slope belongs to tanh(z), not to the layer's output a = a_prev + tanh(z)",
    "W:mean": "grad_W adds the samples' contributions (the loss is a sum over them); you divided by the batch size",
    "b:no_slope": "grad_b needs the layer's delta, which includes tanh'(z), not grad_out itself",
    "b:slope_at_output": "tanh's slope belongs to tanh(z), not to the layer's output a = a_prev + tanh(z)",
    "b:mean": "grad_b adds the samples' deltas (the loss is a sum over them); you averaged them",
}


def _residual_part(part: str, got: np.ndarray, ref: dict) -> str | None:
    """The hint for one returned gradient (``part`` is "a", "W" or "b"), or None when it is right."""
    label = {"a": "grad_a_prev", "W": "grad_W", "b": "grad_b"}[part]
    want = ref[part].numpy()
    if got.shape != want.shape:
        if got.size == want.size and part != "W":
            got = got.reshape(want.shape)
        elif part == "b" and got.ndim == 2 and got.shape[1:] == want.shape:
            return "grad_b should have one entry per neuron: add the samples' deltas (sum over the batch)"
        else:
            return f"{label} should have the shape of {'a_prev' if part == 'a' else part} {want.shape}, got {got.shape}"
    if np.allclose(got, want, rtol=1e-6, atol=1e-9):
        return None
    for key, hint in _RESIDUAL_HINTS.items():
        if key.startswith(part + ":") and np.allclose(got, ref[key].numpy(), rtol=1e-6, atol=1e-9):
            return hint
    if np.allclose(got, -want, rtol=1e-6, atol=1e-9):
        return f"{label} has the wrong sign"
    return f"{label} is not right yet: derive it path by path, then compare with autograd or finite differences"


@exercise_check("bp-residual")
def check_residual_backward(residual_backward: Callable):
    r"""Exercise: the backward pass of a residual layer :math:`a = a_{prev} + \tanh(a_{prev} W^\top + b)`.

    ``residual_backward(W, b, a_prev, grad_out)`` must return ``(grad_a_prev, grad_W, grad_b)``, the
    gradients of a loss :math:`\mathcal L` given :math:`\partial\mathcal L/\partial a` = ``grad_out``
    (one row per sample). Compared with torch autograd on :data:`RESIDUAL_CASES`.
    """
    if not callable(residual_backward):
        return report([f"residual_backward should be a function, got a {type(residual_backward).__name__}"], "")
    for seed, n, batch in RESIDUAL_CASES:
        case = residual_case(seed, n, batch)
        where = f"W of shape ({n}, {n}), a batch of {batch}"
        try:
            out = residual_backward(*(case[k].clone() for k in ("W", "b", "a_prev", "grad_out")))
        except ExerciseNotDone:
            raise
        except Exception as exc:  # noqa: BLE001 - the student's code: say what went wrong and on what
            return report([f"your `residual_backward` raised {type(exc).__name__} on {where}: {exc}"], "")
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            return report([f"residual_backward should return three arrays (grad_a_prev, grad_W, grad_b), got "
                           f"{type(out).__name__ if not isinstance(out, (tuple, list)) else f'{len(out)} items'}"],
                          "")
        got = [as_array(x, name) for x, name in zip(out, ("grad_a_prev", "grad_W", "grad_b"))]
        ref = _residual_reference(case)
        problems = [_residual_part(part, g, ref) for part, g in zip("aWb", got)]
        if any(problems):
            return report(problems, "")
    return report([], "your residual layer's gradients agree with autograd: the skip adds the identity's "
                      "path to the layer's")
