"""course_lib.checks.backprop: right answers pass, the usual slips get their own hint, stubs raise."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib import backprop as bp
from course_lib.checks import backprop as cb

G = bp.gradients()
F = bp.forward()
W = bp.SEED["w"]
(I1, I2), (T1, T2) = bp.SEED["i"], bp.SEED["target"]
H1, H2, O1, O2 = F["h1"], F["h2"], F["o1"], F["o2"]
D_O1 = (O1 - T1) * O1 * (1 - O1)
D_O2 = (O2 - T2) * O2 * (1 - O2)
D_H1 = (D_O1 * W[4] + D_O2 * W[6]) * H1 * (1 - H1)
D_H2 = (D_O1 * W[5] + D_O2 * W[7]) * H2 * (1 - H2)


def run(check, answer, capsys):
    ok = check(answer)
    return ok, capsys.readouterr().out


def assert_no_value_leaked(out: str, value: float):
    for digits in (6, 9):
        assert f"{value:.{digits}f}" not in out


# --- dL/dw6 -----------------------------------------------------------------------------------------


def test_dw6_right(capsys):
    ok, out = run(cb.check_dw6, D_O1 * H2, capsys)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("answer, words", [
    (2 * G["w6"], "factor of 2"),
    (0.5 * G["w6"], "factor of 2"),
    (-G["w6"], "wrong sign"),
    (G["w5"], "h2 (not h1)"),
    (G["w8"], "not from o2"),
    ((O1 - T1) * H2, "sigmoid's derivative"),
    (O1 * (1 - O1) * H2, "dL/do1"),
    (0.5, "not right yet"),
])
def test_dw6_slips(answer, words, capsys):
    ok, out = run(cb.check_dw6, answer, capsys)
    assert not ok and out.startswith("✗") and words in out, out
    assert_no_value_leaked(out, G["w6"])


def test_dw6_not_a_number(capsys):
    ok, out = run(cb.check_dw6, [0.08, 0.1], capsys)
    assert not ok and "one number" in out
    ok, out = run(cb.check_dw6, "0.08", capsys)
    assert not ok and "text" in out


# --- dL/di1, the gradient with respect to an input ----------------------------------------------------


def _input_gradient_by_autograd() -> float:
    """dL/di1 of the 2-2-2 network by torch autograd, with the input as a leaf (independent of the check)."""
    x = torch.tensor(bp.SEED["i"], dtype=torch.float64, requires_grad=True)
    w = torch.tensor(W, dtype=torch.float64)
    b1, b2 = bp.SEED["b"]
    h = torch.sigmoid(w[:4].reshape(2, 2) @ x + b1)
    o = torch.sigmoid(w[4:].reshape(2, 2) @ h + b2)
    (0.5 * ((o - torch.tensor(bp.SEED["target"], dtype=torch.float64)) ** 2).sum()).backward()
    return x.grad[0].item()


DI1 = _input_gradient_by_autograd()
S1, S2 = H1 * (1 - H1), H2 * (1 - H2)


@pytest.mark.parametrize("answer", [DI1, np.float64(DI1), np.float32(DI1), torch.tensor(DI1),
                                    torch.tensor([DI1], dtype=torch.float32), [DI1]])
def test_input_grad_right_in_any_numeric_type(answer, capsys):
    ok, out = run(cb.check_input_grad, answer, capsys)
    assert ok and out.startswith("✓"), out


def test_input_grad_is_the_four_paths_and_the_first_entry_of_delta_times_W():
    paths = [D_O1 * W[4] * S1 * W[0], D_O2 * W[6] * S1 * W[0], D_O1 * W[5] * S2 * W[2], D_O2 * W[7] * S2 * W[2]]
    assert sum(paths) == pytest.approx(DI1, rel=1e-12)
    delta_h = torch.tensor([D_H1, D_H2], dtype=torch.float64)
    W1 = torch.tensor(W[:4], dtype=torch.float64).reshape(2, 2)
    assert (delta_h @ W1)[0].item() == pytest.approx(DI1, rel=1e-12)


@pytest.mark.parametrize("answer, words", [
    (D_H1 * W[0], "BOTH hidden neurons"),
    (D_H2 * W[2], "BOTH hidden neurons"),
    (D_O1 * (W[4] * S1 * W[0] + W[5] * S2 * W[2]), "through o1 and through o2"),
    (D_O2 * (W[6] * S1 * W[0] + W[7] * S2 * W[2]), "through o1 and through o2"),
    (D_H1 * W[1] + D_H2 * W[3], "with respect to i2"),
    (D_H1 * W[0] + D_H2 * W[1], "w2 multiplies i2"),
    ((D_O1 * W[4] + D_O2 * W[6]) * W[0] + (D_O1 * W[5] + D_O2 * W[7]) * W[2], "sigmoids' derivatives"),
    (G["w1"] + G["w3"], "multiplied the deltas by the input"),
    (G["w1"], "multiplied the deltas by the input"),
    (-DI1, "wrong sign"),
    (2 * DI1, "factor of 2"),
    (0.5, "not right yet"),
])
def test_input_grad_slips(answer, words, capsys):
    ok, out = run(cb.check_input_grad, answer, capsys)
    assert not ok and out.startswith("✗") and words in out, out
    assert_no_value_leaked(out, DI1)


# --- dL/db1 -----------------------------------------------------------------------------------------


def test_db1_right(capsys):
    ok, out = run(cb.check_db1, D_H1 + D_H2, capsys)
    assert ok and out.startswith("✓")


@pytest.mark.parametrize("answer, words", [
    (D_H1, "shared"),
    (D_H2, "shared"),
    ((D_H1 + D_H2) / 2, "averaged"),
    (G["b2"], "output layer's bias"),
    (-(D_H1 + D_H2), "wrong sign"),
    (2 * (D_H1 + D_H2), "factor of 2"),
])
def test_db1_slips(answer, words, capsys):
    ok, out = run(cb.check_db1, answer, capsys)
    assert not ok and words in out, out
    assert_no_value_leaked(out, G["b1"])


# --- the residual layer's backward pass ------------------------------------------------------------


def residual_torch(W, b, a_prev, grad_out):
    """The independent reference: torch autograd on the layer, returned as torch tensors."""
    W, b, a_prev = (t.clone().requires_grad_() for t in (W, b, a_prev))
    out = a_prev + torch.tanh(a_prev @ W.T + b)
    return torch.autograd.grad(out, (a_prev, W, b), grad_out)


def residual_numpy(W, b, a_prev, grad_out):
    """The chain rule by hand, in NumPy: the same answer in another type."""
    W, b, a_prev, grad_out = (np.asarray(t) for t in (W, b, a_prev, grad_out))
    delta = grad_out * (1 - np.tanh(a_prev @ W.T + b) ** 2)
    return grad_out + delta @ W, delta.T @ a_prev, delta.sum(0)


def residual_lists(W, b, a_prev, grad_out):
    return [x.tolist() for x in residual_numpy(W, b, a_prev, grad_out)]


def _slip(kind):
    def fn(W, b, a_prev, grad_out):
        W, b, a_prev, grad_out = (np.asarray(t) for t in (W, b, a_prev, grad_out))
        z = a_prev @ W.T + b
        slope = 1 - np.tanh(z) ** 2
        if kind == "at_output":
            slope = 1 - (a_prev + np.tanh(z)) ** 2
        if kind == "from_z":
            slope = 1 - z**2
        delta = grad_out if kind == "no_slope" else grad_out * slope
        ga = {"no_skip": delta @ W, "only_skip": grad_out, "W_T": grad_out + delta @ W.T}.get(kind)
        ga = grad_out + delta @ W if ga is None else ga
        gW = a_prev.T @ delta if kind == "gW_T" else delta.T @ a_prev
        gb = {"b_mean": delta.mean(0), "b_unsummed": delta}.get(kind, delta.sum(0))
        if kind == "sign":
            ga = -ga
        return ga, gW, gb
    return fn


def test_residual_right_in_torch_numpy_and_lists(capsys):
    for answer in (residual_torch, residual_numpy, residual_lists):
        ok, out = run(cb.check_residual_backward, answer, capsys)
        assert ok and out.startswith("✓"), out


@pytest.mark.parametrize("kind, words", [
    ("no_skip", "misses the skip path"),
    ("only_skip", "keeps only the skip path"),
    ("no_slope", "needs tanh's slope"),
    ("at_output", "not to the layer's output"),
    ("from_z", "not 1 - z^2"),
    ("W_T", "wrong way round"),
    ("gW_T", "grad_W is transposed"),
    ("b_mean", "you averaged them"),
    ("b_unsummed", "one entry per neuron"),
    ("sign", "wrong sign"),
])
def test_residual_slips(kind, words, capsys):
    ok, out = run(cb.check_residual_backward, _slip(kind), capsys)
    assert not ok and words in out, out
    ref = residual_numpy(**cb.residual_case(*cb.RESIDUAL_CASES[0]))
    for array in ref:  # the hints never print the right numbers
        for v in np.ravel(array)[:3]:
            assert f"{v:.4f}" not in out


@pytest.mark.parametrize("answer, words", [
    (3.0, "should be a function"),
    (lambda W, b, a, g: 1234.5, "three arrays"),
    (lambda W, b, a, g: (a, W), "three arrays"),
    (lambda W, b, a, g: 1 / 0, "raised ZeroDivisionError on W of shape (3, 3), a batch of 4"),
    (lambda W, b, a, g: (a, W, "b"), "text"),
    (lambda W, b, a, g: (a[:, :2], W, b), "shape of a_prev"),
])
def test_residual_bad_answers(answer, words, capsys):
    ok, out = run(cb.check_residual_backward, answer, capsys)
    assert not ok and words in out, out


# --- stubs ------------------------------------------------------------------------------------------
