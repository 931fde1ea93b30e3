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


# --- the loss as a function of the 10 parameters, and its Hessian -------------------------------------


def test_net222_loss_equals_the_plain_python_loss_and_its_gradient():
    theta = torch.tensor(list(bp.SEED["w"]) + list(bp.SEED["b"]), dtype=F64, requires_grad=True)
    value = bp.net222_loss(theta)
    value.backward()
    assert value.item() == pytest.approx(bp.loss(bp.forward()), rel=1e-15)
    hand = bp.gradients()
    assert theta.grad.tolist() == pytest.approx([hand[n] for n in bp.PARAM_NAMES], rel=1e-12)


def test_net222_hessian_matches_finite_differences_of_the_gradient():
    theta = torch.tensor(list(bp.SEED["w"]) + list(bp.SEED["b"]), dtype=F64)
    H = torch.autograd.functional.hessian(bp.net222_loss, theta)
    eps = 1e-6
    for k in range(10):
        e = torch.zeros(10, dtype=F64)
        e[k] = eps
        plus = bp.gradients(*_split((theta + e).tolist()))
        minus = bp.gradients(*_split((theta - e).tolist()))
        column = [(plus[n] - minus[n]) / (2 * eps) for n in bp.PARAM_NAMES]
        assert H[:, k].tolist() == pytest.approx(column, abs=1e-8)
    assert torch.allclose(H, H.T, atol=1e-15)
    # The loss depends on the 10 parameters through 7 numbers (net_h1, net_h2 are linear in w1..w4, b1; then
    # w5..w8, b2), and in those 7 its Hessian is J^T A J (rank <= 2, J = d(net_o1, net_o2)) plus
    # sum_k dL/dnet_ok * Hess(net_ok), whose rows for w5..w8 and b2 only touch net_h1, net_h2 (rank <= 4):
    # rank <= 6, so at least 4 eigenvalues are exactly 0; the other 6 are not.
    eig = torch.linalg.eigvalsh(H)
    assert (eig.abs() < 1e-12).sum().item() == 4


def _split(params):
    return params[:8], params[8:]


def test_net222_loss_rejects_a_wrong_shape():
    with pytest.raises(ValueError, match="theta"):
        bp.net222_loss(torch.zeros(9))


# --- whole layers: the matrix form ---------------------------------------------------------------------


def _random_layers(sizes, seed, dtype=F64):
    g = torch.Generator().manual_seed(seed)
    weights = [torch.randn(n_out, n_in, generator=g, dtype=dtype) * 0.7 for n_in, n_out in zip(sizes, sizes[1:])]
    biases = [torch.randn(n_out, generator=g, dtype=dtype) * 0.3 for n_out in sizes[1:]]
    x = torch.randn(5, sizes[0], generator=g, dtype=dtype)
    y = torch.randn(5, sizes[-1], generator=g, dtype=dtype)
    return weights, biases, x, y


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", ["tanh", "relu", "sigmoid", "identity"]])
def test_layers_backward_equals_torch_autograd(activation):
    weights, biases, x, y = _random_layers([3, 6, 4, 5, 2], seed=1)
    zs, acts = bp.layers_forward(weights, biases, x, activation)
    gW, gb = bp.layers_backward(weights, zs, acts, acts[-1] - y, activation)

    params = [t.clone().requires_grad_() for t in weights + biases]
    names = [activation] * 4 if isinstance(activation, str) else activation
    torch_fn = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda z: z}
    a = x
    for W, b, name in zip(params[:4], params[4:], names):
        a = torch_fn[name](torch.nn.functional.linear(a, W, b))
    (0.5 * ((a - y) ** 2).sum()).backward()
    for ours, p in zip(gW + gb, params):
        assert torch.allclose(ours, p.grad, rtol=1e-12, atol=1e-14)
    assert torch.equal(acts[-1], a.detach()) or torch.allclose(acts[-1], a.detach(), rtol=1e-15, atol=0)


def test_layers_backward_equals_central_differences():
    weights, biases, x, y = _random_layers([2, 3, 3, 1], seed=4)

    def loss(ws, bs):
        return 0.5 * ((bp.layers_forward(ws, bs, x, "tanh")[1][-1] - y) ** 2).sum().item()

    zs, acts = bp.layers_forward(weights, biases, x, "tanh")
    gW, gb = bp.layers_backward(weights, zs, acts, acts[-1] - y, "tanh")
    eps = 1e-6
    for l in range(3):
        for idx in [(0, 0), (weights[l].shape[0] - 1, weights[l].shape[1] - 1)]:
            plus = [w.clone() for w in weights]
            minus = [w.clone() for w in weights]
            plus[l][idx] += eps
            minus[l][idx] -= eps
            fd = (loss(plus, biases) - loss(minus, biases)) / (2 * eps)
            assert gW[l][idx].item() == pytest.approx(fd, rel=1e-6, abs=1e-9)
        plus = [b.clone() for b in biases]
        minus = [b.clone() for b in biases]
        plus[l][0] += eps
        minus[l][0] -= eps
        fd = (loss(weights, plus) - loss(weights, minus)) / (2 * eps)
        assert gb[l][0].item() == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_layers_reproduce_the_222_network_with_its_shared_biases():
    w, (b1, b2) = bp.SEED["w"], bp.SEED["b"]
    weights = [torch.tensor([w[0:2], w[2:4]], dtype=F64), torch.tensor([w[4:6], w[6:8]], dtype=F64)]
    biases = [torch.tensor([b1, b1], dtype=F64), torch.tensor([b2, b2], dtype=F64)]
    x, t = torch.tensor([bp.SEED["i"]], dtype=F64), torch.tensor([bp.SEED["target"]], dtype=F64)
    zs, acts = bp.layers_forward(weights, biases, x)
    gW, gb = bp.layers_backward(weights, zs, acts, acts[-1] - t)
    hand = bp.gradients()
    assert torch.cat([g.flatten() for g in gW]).tolist() == pytest.approx([hand[f"w{k}"] for k in range(1, 9)],
                                                                        rel=1e-13)
    assert [gb[0].sum().item(), gb[1].sum().item()] == pytest.approx([hand["b1"], hand["b2"]], rel=1e-13)


def test_layer_helpers_reject_bad_input():
    weights, biases, x, y = _random_layers([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match="activation"):
        bp.layers_forward(weights, biases, x, "softplus")
    with pytest.raises(ValueError, match="activation"):
        bp.layers_forward(weights, biases, x, ["tanh"])
    with pytest.raises(ValueError, match="x"):
        bp.layers_forward(weights, biases, x[:, :2])
    with pytest.raises(ValueError, match="weights/biases"):
        bp.layers_forward(weights, biases[:1], x)
    with pytest.raises(ValueError, match="layer 2"):
        bp.layers_forward(weights, [biases[0], biases[1][:1]], x)
    zs, acts = bp.layers_forward(weights, biases, x)
    with pytest.raises(ValueError, match="grad_out"):
        bp.layers_backward(weights, zs, acts, y[:, :1])
    with pytest.raises(ValueError, match="zs/acts"):
        bp.layers_backward(weights, zs[:1], acts, y)
    with pytest.raises(ValueError, match="sizes"):
        bp.init_layers([3])
    with pytest.raises(ValueError, match="depth"):
        bp.depth_gradients("tanh", depth=1)
    with pytest.raises(ValueError, match="activation"):
        bp.depth_gradients("softplus")


def test_init_layers_has_torch_glorot_variance():
    g = torch.Generator().manual_seed(0)
    weights, biases = bp.init_layers([400, 400, 400, 10], "relu", generator=g)
    assert weights[0].shape == (400, 400) and weights[2].shape == (10, 400)
    assert weights[0].var().item() == pytest.approx(2.0 * 2 / 800, rel=0.02)  # gain sqrt(2): He's 2/n
    assert weights[2].var().item() == pytest.approx(2 / 410, rel=0.1)  # the last layer: gain 1
    assert all(torch.equal(b, torch.zeros_like(b)) for b in biases)


def test_depth_gradients_equal_autograd_and_show_the_sigmoid_vanishing():
    run = bp.depth_gradients("sigmoid", depth=6, width=16, batch=8, seed=2)
    # the same network and data through torch autograd
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(8, 16, generator=gen, dtype=F64)
    y = torch.randn(8, 16, generator=gen, dtype=F64)
    weights, biases = bp.init_layers([16] * 7, "sigmoid", generator=gen)
    params = [w.clone().requires_grad_() for w in weights]
    a = x
    for k, (W, b) in enumerate(zip(params, biases)):
        a = a @ W.T + b
        if k < 5:
            a = torch.sigmoid(a)
    (((a - y) ** 2).sum() / (2 * 8)).backward()
    assert run.grad_norms == pytest.approx([p.grad.norm().item() for p in params], rel=1e-12)
    assert len(run.rms_slope) == 5 and all(0 < s <= 0.25 for s in run.rms_slope) and run.gain == 1.0
    assert run.grad_norms[0] < run.grad_norms[-1] / 100
    relu = bp.depth_gradients("relu", depth=6, width=16, batch=8, seed=2)
    assert relu.grad_norms[0] > relu.grad_norms[-1] / 10
