r"""Backpropagation on the course's 2-2-2 sigmoid network, by hand and with torch.

The network (seed 001 §2): inputs :math:`i_1, i_2`; a hidden layer
:math:`h_1 = \sigma(w_1 i_1 + w_2 i_2 + b_1)`, :math:`h_2 = \sigma(w_3 i_1 + w_4 i_2 + b_1)`;
an output layer :math:`o_1 = \sigma(w_5 h_1 + w_6 h_2 + b_2)`, :math:`o_2 = \sigma(w_7 h_1 + w_8 h_2 + b_2)`;
the loss :math:`L = \tfrac12 \sum_k (t_k - o_k)^2`. Each layer has ONE scalar bias shared by
its two neurons, as in the seed, so :math:`\partial L/\partial b` sums over those neurons.

Two parts, one network:

- plain Python (floats and :mod:`math`): :func:`forward`, :func:`loss`, :func:`gradients`
  (the chain rule written out), :func:`sgd_step`, :func:`numerical_gradients` (central
  finite differences), :func:`relative_error`, :func:`train_by_hand`;
- torch: :class:`Net222` (``linear1``, ``linear2`` with shared scalar biases of shape
  ``(1,)``), :func:`make_net222` and :func:`train_net222`, which trains it with any
  optimizer (``torch.optim`` or :mod:`course_lib.optim`); :func:`net222_loss`, the loss as a
  differentiable function of the 10 parameters (for its Hessian).

And backpropagation for whole layers (any depth, a batch of samples as rows, torch tensors):
:func:`layers_forward` and :func:`layers_backward` (the matrix form
:math:`\delta^l = (W^{l+1})^\top \delta^{l+1} \odot \sigma'(z^l)`,
:math:`\partial L/\partial W^l = \delta^l (a^{l-1})^\top`, :math:`\partial L/\partial b^l = \delta^l`),
:func:`init_layers` and :func:`depth_gradients` (per-layer gradient norms of a deep network: vanishing
gradients).

Weights travel as a tuple ``w = (w1, ..., w8)``, biases as ``b = (b1, b2)``; gradients as a
dict with keys ``"w1"`` … ``"w8"``, ``"b1"``, ``"b2"`` (the names of :data:`PARAM_NAMES`).
This module imports neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence

import torch
from torch import nn

__all__ = [
    "SEED", "PARAM_NAMES", "sigmoid", "forward", "loss", "gradients", "sgd_step",
    "numerical_gradients", "relative_error", "train_by_hand",
    "Net222", "make_net222", "net222_gradients", "train_net222", "net222_loss",
    "ACTIVATIONS", "layers_forward", "layers_backward", "init_layers", "DepthRun", "depth_gradients",
]

#: The seed's network: inputs, weights w1..w8, the two shared biases, targets, learning rate.
SEED = {
    "i": (0.05, 0.10),
    "w": (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55),
    "b": (0.35, 0.60),
    "target": (0.01, 0.99),
    "lr": 0.5,
}

#: The order of parameters in gradient dicts and tables.
PARAM_NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2")


# --- plain Python ----------------------------------------------------------------------------------


def sigmoid(z: float) -> float:
    r""":math:`\sigma(z) = 1 / (1 + e^{-z})`, for a float (numerically safe for large :math:`|z|`)."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _check(w: Sequence[float], b: Sequence[float]) -> None:
    if len(w) != 8:
        raise ValueError(f"Invalid w: expected 8 weights (w1..w8), got {len(w)}")
    if len(b) != 2:
        raise ValueError(f"Invalid b: expected 2 biases (b1, b2), got {len(b)}")


def forward(w: Sequence[float] = SEED["w"], b: Sequence[float] = SEED["b"],
            i: Sequence[float] = SEED["i"]) -> dict[str, float]:
    r"""The forward pass: every neuron's net input (``net_h1`` …) and output (``h1``, ``h2``, ``o1``, ``o2``).

    :math:`\mathrm{net}_{h_1} = w_1 i_1 + w_2 i_2 + b_1`, :math:`h_1 = \sigma(\mathrm{net}_{h_1})`, and so on.
    """
    _check(w, b)
    w1, w2, w3, w4, w5, w6, w7, w8 = w
    b1, b2 = b
    i1, i2 = i
    net_h1 = w1 * i1 + w2 * i2 + b1
    net_h2 = w3 * i1 + w4 * i2 + b1
    h1, h2 = sigmoid(net_h1), sigmoid(net_h2)
    net_o1 = w5 * h1 + w6 * h2 + b2
    net_o2 = w7 * h1 + w8 * h2 + b2
    o1, o2 = sigmoid(net_o1), sigmoid(net_o2)
    return {"net_h1": net_h1, "net_h2": net_h2, "h1": h1, "h2": h2,
            "net_o1": net_o1, "net_o2": net_o2, "o1": o1, "o2": o2}


def loss(out: Sequence[float] | Mapping[str, float], target: Sequence[float] = SEED["target"]) -> float:
    r""":math:`L = \tfrac12 \sum_k (t_k - o_k)^2`; ``out`` is ``(o1, o2)`` or the dict of :func:`forward`."""
    if isinstance(out, Mapping):
        out = (out["o1"], out["o2"])
    if len(out) != len(target):
        raise ValueError(f"out and target must have the same length, got {len(out)} and {len(target)}")
    return 0.5 * sum((t - o) ** 2 for o, t in zip(out, target))


def gradients(w: Sequence[float] = SEED["w"], b: Sequence[float] = SEED["b"], i: Sequence[float] = SEED["i"],
              target: Sequence[float] = SEED["target"]) -> dict[str, float]:
    r"""Every :math:`\partial L/\partial \theta` by the chain rule, written out by hand.

    With :math:`\delta_{o_k} = \partial L/\partial \mathrm{net}_{o_k} = (o_k - t_k)\, o_k (1 - o_k)`:
    :math:`\partial L/\partial w_5 = \delta_{o_1} h_1`, …; a hidden neuron collects from BOTH outputs,
    :math:`\delta_{h_1} = (\delta_{o_1} w_5 + \delta_{o_2} w_7)\, h_1 (1 - h_1)`, and
    :math:`\partial L/\partial w_1 = \delta_{h_1} i_1`. A shared bias sums its neurons' deltas:
    :math:`\partial L/\partial b_2 = \delta_{o_1} + \delta_{o_2}`,
    :math:`\partial L/\partial b_1 = \delta_{h_1} + \delta_{h_2}`.
    """
    f = forward(w, b, i)
    _, _, _, _, w5, w6, w7, w8 = w
    i1, i2 = i
    t1, t2 = target
    h1, h2, o1, o2 = f["h1"], f["h2"], f["o1"], f["o2"]
    d_o1 = (o1 - t1) * o1 * (1 - o1)
    d_o2 = (o2 - t2) * o2 * (1 - o2)
    d_h1 = (d_o1 * w5 + d_o2 * w7) * h1 * (1 - h1)
    d_h2 = (d_o1 * w6 + d_o2 * w8) * h2 * (1 - h2)
    return {
        "w1": d_h1 * i1, "w2": d_h1 * i2, "w3": d_h2 * i1, "w4": d_h2 * i2,
        "w5": d_o1 * h1, "w6": d_o1 * h2, "w7": d_o2 * h1, "w8": d_o2 * h2,
        "b1": d_h1 + d_h2, "b2": d_o1 + d_o2,
    }


def sgd_step(w: Sequence[float], b: Sequence[float], grads: Mapping[str, float],
             lr: float = SEED["lr"]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    r"""One gradient-descent update, :math:`\theta \leftarrow \theta - \eta\, \partial L/\partial\theta`.

    Returns the new ``(w, b)``; the inputs are left unchanged.
    """
    _check(w, b)
    new_w = tuple(wk - lr * grads[f"w{k + 1}"] for k, wk in enumerate(w))
    new_b = tuple(bk - lr * grads[f"b{k + 1}"] for k, bk in enumerate(b))
    return new_w, new_b


def numerical_gradients(w: Sequence[float] = SEED["w"], b: Sequence[float] = SEED["b"],
                        i: Sequence[float] = SEED["i"], target: Sequence[float] = SEED["target"],
                        eps: float = 1e-6) -> dict[str, float]:
    r"""Central finite differences, :math:`(L(\theta + \epsilon) - L(\theta - \epsilon)) / 2\epsilon`, per parameter."""
    params = list(w) + list(b)
    out = {}
    for k, name in enumerate(PARAM_NAMES):
        plus, minus = list(params), list(params)
        plus[k] += eps
        minus[k] -= eps
        lp = loss(forward(plus[:8], plus[8:], i), target)
        lm = loss(forward(minus[:8], minus[8:], i), target)
        out[name] = (lp - lm) / (2 * eps)
    return out


def relative_error(a: float, b: float, tiny: float = 1e-12) -> float:
    r""":math:`|a - b| / \max(|a|, |b|, \text{tiny})`: the gradient check's measure of agreement."""
    return abs(a - b) / max(abs(a), abs(b), tiny)


def train_by_hand(steps: int, lr: float = SEED["lr"], w: Sequence[float] = SEED["w"],
                  b: Sequence[float] = SEED["b"], i: Sequence[float] = SEED["i"],
                  target: Sequence[float] = SEED["target"]) -> list[dict]:
    """``steps`` SGD updates in plain Python; the state before each update and after the last.

    Returns ``steps + 1`` records ``{"step", "w", "b", "out", "loss", "grads"}``; record ``k``
    holds the parameters after ``k`` updates, their outputs, loss and gradients.
    """
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"Invalid steps: {steps!r} (expected an int >= 0)")
    w, b = tuple(w), tuple(b)
    records = []
    for k in range(steps + 1):
        f = forward(w, b, i)
        g = gradients(w, b, i, target)
        records.append({"step": k, "w": w, "b": b, "out": (f["o1"], f["o2"]), "loss": loss(f, target),
                        "grads": g})
        w, b = sgd_step(w, b, g, lr)
    return records


# --- torch ------------------------------------------------------------------------------------------


class Net222(nn.Module):
    """The seed's 2-2-2 network as an ``nn.Module``: ``linear1`` → sigmoid → ``linear2`` → sigmoid.

    Each ``nn.Linear(2, 2)`` gets the seed's weights and a bias of shape ``(1,)`` (the seed's
    single bias per layer, broadcast over both neurons). Building one does not touch torch's
    global random generator.
    """

    def __init__(self, w: Sequence[float] = SEED["w"], b: Sequence[float] = SEED["b"],
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        _check(w, b)
        with torch.random.fork_rng(devices=[]):  # nn.Linear's random init would consume the global seed
            self.linear1 = nn.Linear(2, 2, dtype=dtype)
            self.linear2 = nn.Linear(2, 2, dtype=dtype)
        self.linear1.weight = nn.Parameter(torch.tensor([w[0:2], w[2:4]], dtype=dtype))
        self.linear2.weight = nn.Parameter(torch.tensor([w[4:6], w[6:8]], dtype=dtype))
        self.linear1.bias = nn.Parameter(torch.tensor([b[0]], dtype=dtype))
        self.linear2.bias = nn.Parameter(torch.tensor([b[1]], dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.linear2(torch.sigmoid(self.linear1(x))))


def make_net222(dtype: torch.dtype = torch.float32) -> Net222:
    """A fresh :class:`Net222` with the seed's weights."""
    return Net222(dtype=dtype)


def _loss_fn(name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    if name == "mse":
        return nn.functional.mse_loss  # the mean over the outputs, as nn.MSELoss()
    if name == "half_sse":
        return lambda out, target: torch.sum((out - target) ** 2) / 2
    raise ValueError(f"Invalid loss: {name!r} (expected 'mse' or 'half_sse')")


def _inputs(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor(SEED["i"], dtype=dtype), torch.tensor(SEED["target"], dtype=dtype)


def net222_gradients(net: Net222, *, loss: str = "half_sse") -> dict[str, float]:
    """Autograd's gradients of ``net`` on the seed's example, as a dict keyed like :func:`gradients`."""
    x, t = _inputs(net.linear1.weight.dtype)
    net.zero_grad(set_to_none=True)
    _loss_fn(loss)(net(x), t).backward()
    g1, g2 = net.linear1.weight.grad.reshape(-1).tolist(), net.linear2.weight.grad.reshape(-1).tolist()
    return dict(zip(PARAM_NAMES, g1 + g2 + [net.linear1.bias.grad.item(), net.linear2.bias.grad.item()]))


def train_net222(make_optimizer: Callable[[Iterable[torch.Tensor]], object], epochs: int = 100, *,
                 loss: str = "mse", dtype: torch.dtype = torch.float32) -> list[float]:
    r"""Train a fresh :class:`Net222` on the seed's one example; the loss before each update.

    ``make_optimizer(params)`` builds the optimizer, e.g. ``lambda p: torch.optim.SGD(p, lr=1, momentum=0.5)``.
    ``loss="mse"`` is ``nn.MSELoss`` (the mean over the 2 outputs, as in the seed's optimizer
    examples); ``"half_sse"`` is :math:`\tfrac12\sum_k (o_k - t_k)^2`. With 2 outputs the two are equal.
    """
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"Invalid epochs: {epochs!r} (expected an int >= 0)")
    fn = _loss_fn(loss)
    net = make_net222(dtype)
    optimizer = make_optimizer(net.parameters())
    x, t = _inputs(dtype)
    history = []
    for _ in range(epochs):
        value = fn(net(x), t)
        history.append(value.item())
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
    return history


def net222_loss(theta: torch.Tensor) -> torch.Tensor:
    r"""The seed example's loss :math:`\tfrac12\sum_k (t_k - o_k)^2` as a function of the 10 parameters.

    ``theta`` is ``(w1, ..., w8, b1, b2)`` (the order of :data:`PARAM_NAMES`), a tensor of shape
    ``(10,)``; the result is a 0-d tensor of its dtype, differentiable twice, so
    ``torch.autograd.functional.hessian(net222_loss, theta)`` is the loss's Hessian.
    """
    if not isinstance(theta, torch.Tensor) or theta.shape != (10,):
        raise ValueError(f"Invalid theta: expected a tensor of shape (10,) (w1..w8, b1, b2), got "
                         f"{getattr(theta, 'shape', type(theta).__name__)}")
    x, t = _inputs(theta.dtype)
    hidden = torch.sigmoid(theta[0:4].reshape(2, 2) @ x + theta[8])
    out = torch.sigmoid(theta[4:8].reshape(2, 2) @ hidden + theta[9])
    return 0.5 * torch.sum((t - out) ** 2)


# --- whole layers: the matrix form ------------------------------------------------------------------


def _sigmoid_grad(z: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(z)
    return s * (1 - s)


#: each activation with its derivative, both as functions of the pre-activation z
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (torch.sigmoid, _sigmoid_grad),
    "tanh": (torch.tanh, lambda z: 1 - torch.tanh(z) ** 2),
    "relu": (torch.relu, lambda z: (z > 0).to(z.dtype)),
    "identity": (lambda z: z, torch.ones_like),
}


def _activations(activation: str | Sequence[str], layers: int) -> list[str]:
    names = [activation] * layers if isinstance(activation, str) else list(activation)
    if len(names) != layers:
        raise ValueError(f"Invalid activation: {len(names)} names for {layers} layers")
    for name in names:
        if name not in ACTIVATIONS:
            raise ValueError(f"Invalid activation: {name!r} (expected one of {', '.join(ACTIVATIONS)})")
    return names


def _check_layers(weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor]) -> None:
    if len(weights) == 0 or len(weights) != len(biases):
        raise ValueError(f"Invalid weights/biases: {len(weights)} weight matrices and {len(biases)} bias vectors "
                         "(expected the same number, at least 1)")
    for l, (W, b) in enumerate(zip(weights, biases), start=1):
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise ValueError(f"Invalid layer {l}: weight {tuple(W.shape)} and bias {tuple(b.shape)} (expected "
                             "(out, in) and (out,), as nn.Linear stores them)")


def layers_forward(weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor], x: torch.Tensor,
                   activation: str | Sequence[str] = "sigmoid") -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    r"""A stack of fully connected layers, :math:`z^l = a^{l-1} W^{l\top} + b^l`, :math:`a^l = f_l(z^l)`.

    ``weights[l]`` has shape ``(out, in)`` and ``biases[l]`` ``(out,)``, as ``nn.Linear`` stores them;
    ``x`` is a batch, shape ``(B, in)``. ``activation`` names one activation for every layer or one per
    layer (:data:`ACTIVATIONS`). Returns ``(zs, acts)``: the pre-activations :math:`z^1..z^D` and the
    activations :math:`a^0 = x, a^1, ..., a^D`, everything :func:`layers_backward` needs.
    """
    _check_layers(weights, biases)
    names = _activations(activation, len(weights))
    if x.ndim != 2 or x.shape[1] != weights[0].shape[1]:
        raise ValueError(f"Invalid x: shape {tuple(x.shape)} (expected (batch, {weights[0].shape[1]}))")
    zs, acts = [], [x]
    for W, b, name in zip(weights, biases, names):
        zs.append(acts[-1] @ W.T + b)
        acts.append(ACTIVATIONS[name][0](zs[-1]))
    return zs, acts


def layers_backward(weights: Sequence[torch.Tensor], zs: Sequence[torch.Tensor], acts: Sequence[torch.Tensor],
                    grad_out: torch.Tensor, activation: str | Sequence[str] = "sigmoid"
                    ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    r"""Every :math:`\partial L/\partial W^l` and :math:`\partial L/\partial b^l`, from :math:`\partial L/\partial a^D`.

    With the batch as rows (:math:`\Delta^l` is :math:`B \times n_l`, one :math:`\delta^l` per sample):

    .. math::
        \Delta^D = \frac{\partial L}{\partial a^D} \odot f_D'(z^D), \qquad
        \Delta^l = (\Delta^{l+1} W^{l+1}) \odot f_l'(z^l),

        \frac{\partial L}{\partial W^l} = \Delta^{l\top} a^{l-1}, \qquad
        \frac{\partial L}{\partial b^l} = \textstyle\sum_{\text{batch}} \Delta^l,

    the per-sample :math:`\delta^l = (W^{l+1})^\top \delta^{l+1} \odot f'(z^l)` and
    :math:`\delta^l (a^{l-1})^\top` summed over the batch (so ``grad_out`` carries the loss's own
    :math:`1/B` if it is a mean). ``zs`` and ``acts`` are what :func:`layers_forward` returned.
    """
    names = _activations(activation, len(weights))
    if len(zs) != len(weights) or len(acts) != len(weights) + 1:
        raise ValueError(f"Invalid zs/acts: {len(zs)} and {len(acts)} for {len(weights)} layers (expected "
                         f"{len(weights)} and {len(weights) + 1}, as layers_forward returns them)")
    if grad_out.shape != zs[-1].shape:
        raise ValueError(f"Invalid grad_out: shape {tuple(grad_out.shape)} (expected the output's "
                         f"{tuple(zs[-1].shape)})")
    grads_W: list[torch.Tensor] = [None] * len(weights)  # type: ignore[list-item]
    grads_b: list[torch.Tensor] = [None] * len(weights)  # type: ignore[list-item]
    delta = grad_out * ACTIVATIONS[names[-1]][1](zs[-1])
    for l in reversed(range(len(weights))):
        grads_W[l] = delta.T @ acts[l]
        grads_b[l] = delta.sum(0)
        if l > 0:
            delta = (delta @ weights[l]) * ACTIVATIONS[names[l - 1]][1](zs[l - 1])
    return grads_W, grads_b


def init_layers(sizes: Sequence[int], activation: str = "sigmoid", *, generator: torch.Generator | None = None,
                dtype: torch.dtype = torch.float64) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    r"""Weights for ``sizes = (n_0, n_1, ..., n_D)``: Glorot-normal with torch's gain for ``activation``, zero biases.

    ``nn.init.xavier_normal_(W, gain=nn.init.calculate_gain(activation))`` for every layer but the
    last, which gets gain 1 (it feeds the loss, not an activation): variance
    :math:`\text{gain}^2 \cdot 2/(n_{in} + n_{out})`, the initialisation each activation is usually
    paired with (for ReLU on square layers it is He's, :math:`2/n`).
    """
    if len(sizes) < 2 or any(not isinstance(n, int) or n < 1 for n in sizes):
        raise ValueError(f"Invalid sizes: {sizes!r} (expected at least two positive ints)")
    if activation not in ACTIVATIONS:
        raise ValueError(f"Invalid activation: {activation!r} (expected one of {', '.join(ACTIVATIONS)})")
    gain = nn.init.calculate_gain("linear" if activation == "identity" else activation)
    weights, biases = [], []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = torch.empty(n_out, n_in, dtype=dtype)
        nn.init.xavier_normal_(W, gain=gain if k < len(sizes) - 2 else 1.0, generator=generator)
        weights.append(W)
        biases.append(torch.zeros(n_out, dtype=dtype))
    return weights, biases


@dataclasses.dataclass(frozen=True)
class DepthRun:
    """What :func:`depth_gradients` measured: per layer, first to last."""

    activation: str
    grad_norms: tuple[float, ...]  #: Frobenius norm of dL/dW^l
    rms_slope: tuple[float, ...]  #: root mean square of f'(z^l) over the batch and the units (hidden layers only)
    gain: float  #: the initialisation's gain, nn.init.calculate_gain(activation)


def depth_gradients(activation: str, depth: int = 10, width: int = 64, batch: int = 64, seed: int = 0,
                    dtype: torch.dtype = torch.float64) -> DepthRun:
    r"""Per-layer gradient norms of a deep network at initialisation, on random data.

    ``depth`` layers of ``width`` units (:func:`init_layers`; ``activation`` on the hidden layers, the
    last layer linear), a batch of ``batch`` standard-normal inputs and targets from
    ``torch.Generator().manual_seed(seed)``, the loss :math:`\frac{1}{2B}\sum \lVert a^D - y\rVert^2`;
    gradients by :func:`layers_backward`. Going one layer back multiplies the error by
    :math:`W^{l\top}` (about ``gain`` times its size, with Glorot's scaling) and by :math:`f'(z^l)`, so each
    layer changes the gradient by a factor of about ``gain * rms_slope[l]``.
    """
    if activation not in ("sigmoid", "tanh", "relu"):
        raise ValueError(f"Invalid activation: {activation!r} (expected 'sigmoid', 'tanh' or 'relu')")
    for name, value in (("depth", depth), ("width", width), ("batch", batch)):
        if not isinstance(value, int) or value < (2 if name == "depth" else 1):
            raise ValueError(f"Invalid {name}: {value!r} (expected an int >= {2 if name == 'depth' else 1})")
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, width, generator=gen, dtype=dtype)
    y = torch.randn(batch, width, generator=gen, dtype=dtype)
    weights, biases = init_layers([width] * (depth + 1), activation, generator=gen, dtype=dtype)
    names = [activation] * (depth - 1) + ["identity"]
    zs, acts = layers_forward(weights, biases, x, names)
    grads_W, _ = layers_backward(weights, zs, acts, (acts[-1] - y) / batch, names)
    slope = ACTIVATIONS[activation][1]
    return DepthRun(activation, tuple(g.norm().item() for g in grads_W),
                    tuple(slope(z).pow(2).mean().sqrt().item() for z in zs[:-1]), nn.init.calculate_gain(activation))
