"""course_lib.backprop: hand-written gradients against autograd, finite differences and the seed's numbers."""

from __future__ import annotations

import math

import pytest
import torch

from course_lib import backprop as bp
from course_lib import optim

F64 = torch.float64


def test_seed_forward_values():
    f = bp.forward(bp.SEED["w"], bp.SEED["b"], bp.SEED["i"])
    assert f["net_h1"] == pytest.approx(0.3775, abs=1e-12)
    assert f["net_h2"] == pytest.approx(0.3925, abs=1e-12)
    for name, value in {"h1": 0.593270, "h2": 0.596884, "o1": 0.751365, "o2": 0.772928}.items():
        assert f[name] == pytest.approx(value, abs=5e-7), name
    assert bp.loss(f, bp.SEED["target"]) == pytest.approx(0.298371, abs=5e-7)
    assert bp.loss((f["o1"], f["o2"])) == bp.loss(f)


def test_seed_gradients_values():
    g = bp.gradients()
    assert g["w5"] == pytest.approx(0.082167, abs=5e-7)
    assert g["w7"] == pytest.approx(-0.022603, abs=5e-7)
    assert g["w1"] == pytest.approx(0.000439, abs=5e-7)
    assert list(g) == list(bp.PARAM_NAMES)


def test_dw1_follows_both_output_paths():
    """The seed's dw1 expression: the o1 path plus the o2 path."""
    f = bp.forward()
    w5, w7 = bp.SEED["w"][4], bp.SEED["w"][6]
    (i1, _), (t1, t2) = bp.SEED["i"], bp.SEED["target"]
    h1, o1, o2 = f["h1"], f["o1"], f["o2"]
    via_o1 = (o1 - t1) * o1 * (1 - o1) * w5 * h1 * (1 - h1) * i1
    via_o2 = (o2 - t2) * o2 * (1 - o2) * w7 * h1 * (1 - h1) * i1
    assert bp.gradients()["w1"] == pytest.approx(via_o1 + via_o2, rel=1e-14)
    assert abs(via_o1) > 0 and abs(via_o2) > 0


def test_shared_bias_gradient_sums_the_neurons():
    g = bp.gradients()
    f = bp.forward()
    d_o1 = g["w5"] / f["h1"]
    d_o2 = g["w7"] / f["h1"]
    assert g["b2"] == pytest.approx(d_o1 + d_o2, rel=1e-12)
    d_h1 = g["w1"] / bp.SEED["i"][0]
    d_h2 = g["w3"] / bp.SEED["i"][0]
    assert g["b1"] == pytest.approx(d_h1 + d_h2, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_equal_autograd_and_finite_differences(seed):
    gen = torch.Generator().manual_seed(seed)
    if seed == 0:
        w, b, i, t = bp.SEED["w"], bp.SEED["b"], bp.SEED["i"], bp.SEED["target"]
    else:
        w = tuple(torch.randn(8, generator=gen, dtype=F64).tolist())
        b = tuple(torch.randn(2, generator=gen, dtype=F64).tolist())
        i = tuple(torch.randn(2, generator=gen, dtype=F64).tolist())
        t = tuple(torch.rand(2, generator=gen, dtype=F64).tolist())
    by_hand = bp.gradients(w, b, i, t)
    # autograd on plain tensors (independent of Net222)
    params = torch.tensor(list(w) + list(b), dtype=F64, requires_grad=True)
    W1 = params[0:4].reshape(2, 2)
    W2 = params[4:8].reshape(2, 2)
    x, target = torch.tensor(i, dtype=F64), torch.tensor(t, dtype=F64)
    out = torch.sigmoid(W2 @ torch.sigmoid(W1 @ x + params[8]) + params[9])
    (0.5 * ((target - out) ** 2).sum()).backward()
    numeric = bp.numerical_gradients(w, b, i, t)
    for k, name in enumerate(bp.PARAM_NAMES):
        assert by_hand[name] == pytest.approx(params.grad[k].item(), rel=1e-12, abs=1e-15), name
        assert by_hand[name] == pytest.approx(numeric[name], rel=1e-6, abs=1e-9), name


def test_net222_matches_by_hand_in_float64():
    net = bp.make_net222(F64)
    assert net.linear1.bias.shape == (1,) and net.linear2.bias.shape == (1,)
    assert net.linear1.weight.dtype == F64
    out = net(torch.tensor(bp.SEED["i"], dtype=F64))
    f = bp.forward()
    assert out.tolist() == pytest.approx([f["o1"], f["o2"]], rel=1e-15)
    auto = bp.net222_gradients(net)
    by_hand = bp.gradients()
    for name in bp.PARAM_NAMES:
        assert auto[name] == pytest.approx(by_hand[name], rel=1e-12), name
    # nn.MSELoss's mean over 2 outputs is exactly the half sum of squares
    assert bp.net222_gradients(net, loss="mse") == pytest.approx(auto, rel=1e-15)


def test_net222_default_float32_and_leaves_global_rng_alone():
    state = torch.random.get_rng_state()
    net = bp.make_net222()
    assert torch.equal(state, torch.random.get_rng_state())
    assert net.linear2.weight.dtype == torch.float32
    assert net.linear2.weight.reshape(-1).tolist() == pytest.approx([0.40, 0.45, 0.50, 0.55])


def test_sgd_step_equals_torch_sgd_step():
    w, b = bp.sgd_step(bp.SEED["w"], bp.SEED["b"], bp.gradients(), lr=0.5)
    net = bp.make_net222(F64)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    x, t = torch.tensor(bp.SEED["i"], dtype=F64), torch.tensor(bp.SEED["target"], dtype=F64)
    opt.zero_grad()
    (torch.sum((net(x) - t) ** 2) / 2).backward()
    opt.step()
    sd = net.state_dict()
    got = sd["linear1.weight"].reshape(-1).tolist() + sd["linear2.weight"].reshape(-1).tolist()
    assert got == pytest.approx(list(w), rel=1e-14)
    assert [sd["linear1.bias"].item(), sd["linear2.bias"].item()] == pytest.approx(list(b), rel=1e-14)
    assert w[4] == pytest.approx(0.40 - 0.5 * 0.082167041, abs=1e-9)


def test_train_by_hand_records_and_decreases():
    rec = bp.train_by_hand(20)
    assert len(rec) == 21 and rec[0]["loss"] == pytest.approx(0.298371, abs=5e-7)
    assert all(a["loss"] > b["loss"] for a, b in zip(rec, rec[1:]))
    w1, b1 = bp.sgd_step(rec[0]["w"], rec[0]["b"], rec[0]["grads"])
    assert rec[1]["w"] == w1 and rec[1]["b"] == b1
    # equals torch training with the half sum of squares (float64)
    hist = bp.train_net222(lambda p: torch.optim.SGD(p, lr=0.5), 21, loss="half_sse", dtype=F64)
    assert [r["loss"] for r in rec] == pytest.approx(hist, rel=1e-12)


@pytest.mark.parametrize("loss", ["mse", "half_sse"])
def test_train_net222_course_sgd_equals_torch_sgd(loss):
    ours = bp.train_net222(lambda p: optim.SGD(p, lr=0.5), 100, loss=loss)
    theirs = bp.train_net222(lambda p: torch.optim.SGD(p, lr=0.5), 100, loss=loss)
    assert len(ours) == 100
    assert ours[0] == pytest.approx(0.298371, abs=1e-6)
    assert max(abs(a - b) for a, b in zip(ours, theirs)) <= 1e-6


def test_train_net222_momentum_as_in_seed():
    ours = bp.train_net222(lambda p: optim.SGD(p, lr=1, momentum=0.5))
    theirs = bp.train_net222(lambda p: torch.optim.SGD(p, lr=1, momentum=0.5))
    assert max(abs(a - b) for a, b in zip(ours, theirs)) <= 1e-6
    assert ours[-1] < ours[0] / 10


def test_invalid_arguments():
    with pytest.raises(ValueError, match="8 weights"):
        bp.forward((0.1,) * 7, (0.0, 0.0), (0.0, 0.0))
    with pytest.raises(ValueError, match="Invalid loss"):
        bp.train_net222(lambda p: optim.SGD(p, lr=0.5), 1, loss="l1")
    with pytest.raises(ValueError, match="Invalid epochs"):
        bp.train_net222(lambda p: optim.SGD(p, lr=0.5), -1)
    with pytest.raises(ValueError, match="Invalid steps"):
        bp.train_by_hand(-1)


def test_sigmoid_and_relative_error():
    assert bp.sigmoid(0.0) == 0.5
    assert bp.sigmoid(-800.0) == 0.0 and bp.sigmoid(800.0) == 1.0
    assert bp.sigmoid(-1.0) == pytest.approx(1 / (1 + math.e))
    assert bp.relative_error(1.0, 1.0) == 0.0
    assert bp.relative_error(2.0, 1.0) == pytest.approx(0.5)
    assert bp.relative_error(0.0, 0.0) == 0.0
