r"""Loss functions written from scratch with plain torch tensor ops, and their gradients.

Every loss mirrors its ``torch.nn.functional`` twin (same argument names, same ``reduction``
values, same numbers) but is spelled out with elementary tensor operations so a student can
read the formula in the code. Autograd flows through all of them, and each loss ``foo`` has
a hand-derived ``foo_grad`` returning :math:`\partial L / \partial \text{input}` with the
shape of the input, to check against ``loss.backward()``.

Conventions (as in torch):

- ``reduction='mean'`` averages the elementwise losses (for :func:`cross_entropy`, over the
  ``N`` samples), ``'sum'`` adds them, ``'none'`` returns them unreduced.
- For ``reduction='none'`` a gradient function returns the elementwise derivative, i.e. the
  gradient of the *sum* of the elementwise losses.
- Inputs may be tensors, NumPy arrays or (nested) lists; non-floating ones become float64.
  Gradients come back in the dtype of the input.

Nothing here calls ``torch.nn.functional``; this module imports neither matplotlib nor
ipywidgets.
"""

from __future__ import annotations

import numbers

import torch

__all__ = [
    "mae",
    "mae_grad",
    "mse",
    "mse_grad",
    "smooth_l1",
    "smooth_l1_grad",
    "huber",
    "huber_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "bce",
    "bce_grad",
    "bce_with_logits",
    "bce_with_logits_grad",
    "softmax",
    "sigmoid",
]

REDUCTIONS = ("mean", "sum", "none")
LOG_CLAMP = -100.0  # torch.nn.functional.binary_cross_entropy clamps its logs at -100
# ... and its backward divides by max(p (1 - p), 1e-12), where torch's 1e-12 is a C float constant
BCE_GRAD_EPS = float(torch.tensor(1e-12, dtype=torch.float32))


# --------------------------------------------------------------------------- validation


def _as_float(x, name: str) -> torch.Tensor:
    """``x`` as a floating tensor: tensors keep their dtype unless integer/bool (-> float64)."""
    if isinstance(x, torch.Tensor):
        t = x
    else:
        try:
            t = torch.as_tensor(x)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(
                f"{name} must be a tensor, a NumPy array or a list of numbers, got {type(x).__name__}"
            ) from err
    if t.is_complex():
        raise TypeError(f"{name} must be real, got dtype {t.dtype}")
    if not t.is_floating_point():
        t = t.to(torch.float64)
    return t


def _check_reduction(reduction) -> None:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"Invalid reduction: {reduction!r} (expected 'mean', 'sum' or 'none')")


def _pair(input, target, name: str = "input"):
    """Convert and check that ``input`` (called ``name``) and ``target`` have the same shape."""
    input = _as_float(input, name)
    target = _as_float(target, "target")
    if input.shape != target.shape:
        raise ValueError(
            f"{name} and target must have the same shape, "
            f"got {name} {tuple(input.shape)} and target {tuple(target.shape)}"
        )
    return input, target


def _check_param(value, name: str, *, strict: bool) -> float:
    """A real, finite ``beta``/``delta``: ``>= 0`` (or ``> 0`` if ``strict``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    ok = value > 0 if strict else value >= 0
    if not ok or value == float("inf"):
        bound = f"0 < {name}" if strict else f"{name} >= 0"
        raise ValueError(f"Invalid {name}: {value} (expected finite {bound})")
    return value


def _reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _grad_out(grad: torch.Tensor, input: torch.Tensor, reduction: str, n: int) -> torch.Tensor:
    """Scale an elementwise derivative by ``1/n`` for ``'mean'``; cast to the input's dtype."""
    if reduction == "mean":
        grad = grad / n
    return grad.to(input.dtype)


# --------------------------------------------------------------------------- helpers


def softmax(logits, dim: int = -1) -> torch.Tensor:
    r"""Softmax along ``dim``, computed stably.

    .. math:: \mathrm{softmax}(z)_j = \frac{e^{z_j - m}}{\sum_k e^{z_k - m}},\quad m = \max_k z_k

    Subtracting the maximum changes nothing mathematically but keeps ``exp`` from overflowing.
    Shape: any; the output has the shape of ``logits`` and sums to 1 along ``dim``.
    """
    z = _as_float(logits, "logits")
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    nd = max(z.ndim, 1)
    if not -nd <= dim < nd:
        raise ValueError(f"Invalid dim: {dim} (logits has {z.ndim} dimension(s))")
    if z.ndim == 0:
        return torch.ones_like(z)
    m = z.amax(dim=dim, keepdim=True).detach()
    e = (z - m).exp()
    return e / e.sum(dim=dim, keepdim=True)


def sigmoid(z) -> torch.Tensor:
    r"""Logistic sigmoid, computed without overflow for any sign of ``z``.

    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}} =
              \begin{cases} 1/(1 + e^{-|z|}) & z \ge 0 \\ e^{-|z|}/(1 + e^{-|z|}) & z < 0 \end{cases}

    Only :math:`e^{-|z|} \le 1` is ever computed. Shape: any, elementwise.
    """
    z = _as_float(z, "z")
    e = (-z.abs()).exp()
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))


# --------------------------------------------------------------------------- regression losses


def mae(input, target, reduction: str = "mean") -> torch.Tensor:
    r"""Mean absolute error (L1 loss), the twin of ``F.l1_loss``.

    .. math:: \ell_i = |x_i - y_i|, \qquad L = \frac{1}{n}\sum_i \ell_i \ (\text{mean})

    Shapes: ``input`` and ``target`` any shape ``(*)``, equal; output ``()`` or ``(*)`` for
    ``reduction='none'``.
    """
    _check_reduction(reduction)
    input, target = _pair(input, target)
    return _reduce((input - target).abs(), reduction)


def mae_grad(input, target, reduction: str = "mean") -> torch.Tensor:
    r"""Gradient of :func:`mae` with respect to ``input``.

    .. math:: \frac{\partial L}{\partial x_i} = \frac{\operatorname{sign}(x_i - y_i)}{n}

    (without the :math:`1/n` for ``'sum'``/``'none'``). At :math:`x_i = y_i` the subgradient 0
    is used, as torch does. Shape: that of ``input``.
    """
    _check_reduction(reduction)
    input, target = _pair(input, target)
    g = torch.sign(input.detach() - target.detach())
    return _grad_out(g, input, reduction, input.numel())


def mse(input, target, reduction: str = "mean") -> torch.Tensor:
    r"""Mean squared error, the twin of ``F.mse_loss``.

    .. math:: \ell_i = (x_i - y_i)^2, \qquad L = \frac{1}{n}\sum_i \ell_i \ (\text{mean})

    Shapes: ``input`` and ``target`` ``(*)``, equal; output ``()`` or ``(*)``.
    """
    _check_reduction(reduction)
    input, target = _pair(input, target)
    d = input - target
    return _reduce(d * d, reduction)


def mse_grad(input, target, reduction: str = "mean") -> torch.Tensor:
    r"""Gradient of :func:`mse` with respect to ``input``.

    .. math:: \frac{\partial L}{\partial x_i} = \frac{2 (x_i - y_i)}{n}

    Shape: that of ``input``.
    """
    _check_reduction(reduction)
    input, target = _pair(input, target)
    g = 2 * (input.detach() - target.detach())
    return _grad_out(g, input, reduction, input.numel())


def smooth_l1(input, target, beta: float = 1.0, reduction: str = "mean") -> torch.Tensor:
    r"""Smooth L1 loss, the twin of ``F.smooth_l1_loss(input, target, beta=beta)``.

    With :math:`d_i = x_i - y_i`:

    .. math:: \ell_i = \begin{cases} \tfrac12 d_i^2 / \beta & |d_i| < \beta \\
                                      |d_i| - \tfrac12 \beta & \text{otherwise} \end{cases}

    Quadratic near zero, linear (slope 1) far away; ``beta = 0`` gives the L1 loss.
    ``beta >= 0``. Shapes: ``input`` and ``target`` ``(*)``, equal; output ``()`` or ``(*)``.
    """
    _check_reduction(reduction)
    beta = _check_param(beta, "beta", strict=False)
    input, target = _pair(input, target)
    d = input - target
    a = d.abs()
    if beta == 0:
        loss = a
    else:
        loss = torch.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
    return _reduce(loss, reduction)


def smooth_l1_grad(input, target, beta: float = 1.0, reduction: str = "mean") -> torch.Tensor:
    r"""Gradient of :func:`smooth_l1` with respect to ``input``.

    .. math:: \frac{\partial \ell_i}{\partial x_i} = \begin{cases} d_i / \beta & |d_i| < \beta \\
                                                    \operatorname{sign}(d_i) & \text{otherwise} \end{cases}

    divided by :math:`n` for ``'mean'``. Shape: that of ``input``.
    """
    _check_reduction(reduction)
    beta = _check_param(beta, "beta", strict=False)
    input, target = _pair(input, target)
    d = input.detach() - target.detach()
    if beta == 0:
        g = torch.sign(d)
    else:
        g = torch.where(d.abs() < beta, d / beta, torch.sign(d))
    return _grad_out(g, input, reduction, input.numel())


def huber(input, target, delta: float = 1.0, reduction: str = "mean") -> torch.Tensor:
    r"""Huber loss, the twin of ``F.huber_loss(input, target, delta=delta)``.

    .. math:: \ell_i = \begin{cases} \tfrac12 d_i^2 & |d_i| < \delta \\
                                      \delta\,(|d_i| - \tfrac12 \delta) & \text{otherwise} \end{cases}

    so that ``huber(x, y, delta) == delta * smooth_l1(x, y, beta=delta)``. ``delta > 0``.
    Shapes: ``input`` and ``target`` ``(*)``, equal; output ``()`` or ``(*)``.
    """
    _check_reduction(reduction)
    delta = _check_param(delta, "delta", strict=True)
    input, target = _pair(input, target)
    d = input - target
    a = d.abs()
    loss = torch.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _reduce(loss, reduction)


def huber_grad(input, target, delta: float = 1.0, reduction: str = "mean") -> torch.Tensor:
    r"""Gradient of :func:`huber` with respect to ``input``.

    .. math:: \frac{\partial \ell_i}{\partial x_i} = \begin{cases} d_i & |d_i| < \delta \\
                                          \delta \operatorname{sign}(d_i) & \text{otherwise} \end{cases}

    i.e. the residual, clipped to :math:`[-\delta, \delta]`; divided by :math:`n` for ``'mean'``.
    """
    _check_reduction(reduction)
    delta = _check_param(delta, "delta", strict=True)
    input, target = _pair(input, target)
    d = input.detach() - target.detach()
    g = torch.where(d.abs() < delta, d, delta * torch.sign(d))
    return _grad_out(g, input, reduction, input.numel())


# --------------------------------------------------------------------------- classification losses


def _ce_args(logits, target):
    logits = _as_float(logits, "logits")
    if not isinstance(target, torch.Tensor):
        try:
            target = torch.as_tensor(target)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(
                f"target must be a tensor, array or list of class indices, got {type(target).__name__}"
            ) from err
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(
            f"target must hold integer class indices (e.g. torch.long), got dtype {target.dtype}"
        )
    if logits.ndim == 2:
        ok = target.ndim == 1 and target.shape[0] == logits.shape[0]
    elif logits.ndim == 1:
        ok = target.ndim == 0
    else:
        raise ValueError(f"logits must have shape (N, C) or (C,), got {tuple(logits.shape)}")
    if not ok:
        raise ValueError(
            "logits (N, C) need target (N,) and logits (C,) need a 0-d target, "
            f"got logits {tuple(logits.shape)} and target {tuple(target.shape)}"
        )
    n_classes = logits.shape[-1]
    if n_classes == 0:
        raise ValueError(f"logits must have at least one class, got shape {tuple(logits.shape)}")
    if target.numel() and (int(target.min()) < 0 or int(target.max()) >= n_classes):
        raise ValueError(
            f"target class indices must be in 0..{n_classes - 1}, "
            f"got values from {int(target.min())} to {int(target.max())}"
        )
    return logits, target.long()


def cross_entropy(logits, target, reduction: str = "mean") -> torch.Tensor:
    r"""Cross-entropy of logits against class indices, the twin of ``F.cross_entropy``.

    .. math:: \ell_i = -\log \mathrm{softmax}(z_i)_{y_i}
                     = \log \sum_k e^{z_{ik}} - z_{i y_i}, \qquad L = \frac1N \sum_i \ell_i

    The log-sum-exp is computed stably as :math:`m_i + \log\sum_k e^{z_{ik} - m_i}`,
    :math:`m_i = \max_k z_{ik}`.

    Shapes: ``logits`` ``(N, C)`` with ``target`` ``(N,)`` of integers in ``0..C-1``, output
    ``()`` or ``(N,)``; or ``logits`` ``(C,)`` with a 0-d ``target``, output ``()``.
    """
    _check_reduction(reduction)
    logits, target = _ce_args(logits, target)
    m = logits.amax(dim=-1, keepdim=True).detach()
    lse = (logits - m).exp().sum(dim=-1).log() + m.squeeze(-1)
    picked = logits.gather(-1, target.unsqueeze(-1)).squeeze(-1)
    return _reduce(lse - picked, reduction)


def cross_entropy_grad(logits, target, reduction: str = "mean") -> torch.Tensor:
    r"""Gradient of :func:`cross_entropy` with respect to ``logits``.

    .. math:: \frac{\partial L}{\partial z_{ik}} = \frac{\mathrm{softmax}(z_i)_k - [k = y_i]}{N}

    (without the :math:`1/N` for ``'sum'``/``'none'``): predicted probabilities minus the
    one-hot target. Shape: that of ``logits``.
    """
    _check_reduction(reduction)
    logits, target = _ce_args(logits, target)
    p = softmax(logits.detach(), dim=-1)
    one_hot = torch.zeros_like(p).scatter_(-1, target.unsqueeze(-1), 1.0)
    n = logits.shape[0] if logits.ndim == 2 else 1
    return _grad_out(p - one_hot, logits, reduction, n)


def bce(prob, target, reduction: str = "mean") -> torch.Tensor:
    r"""Binary cross-entropy of probabilities, the twin of ``F.binary_cross_entropy``.

    .. math:: \ell_i = -\bigl[y_i \max(\log p_i, -100) + (1 - y_i) \max(\log(1 - p_i), -100)\bigr]

    The logs are clamped at -100 exactly as torch does, so ``p = 0`` or ``1`` gives a large
    finite loss instead of ``inf``. ``prob`` must lie in ``[0, 1]``.
    Shapes: ``prob`` and ``target`` ``(*)``, equal; output ``()`` or ``(*)``.
    """
    _check_reduction(reduction)
    prob, target = _pair(prob, target, "prob")
    _check_prob(prob)
    log_p = torch.clamp(torch.log(prob), min=LOG_CLAMP)
    log_q = torch.clamp(torch.log1p(-prob), min=LOG_CLAMP)
    return _reduce(-(target * log_p + (1 - target) * log_q), reduction)


def _check_prob(prob: torch.Tensor) -> None:
    inside = (prob >= 0) & (prob <= 1)
    if not bool(inside.all()):
        bad = prob.detach()[~inside].flatten()[0].item()
        raise ValueError(f"prob must hold probabilities in [0, 1], found {bad}")


def bce_grad(prob, target, reduction: str = "mean") -> torch.Tensor:
    r"""Gradient of :func:`bce` with respect to ``prob``.

    .. math:: \frac{\partial \ell_i}{\partial p_i} = -\frac{y_i}{p_i} + \frac{1 - y_i}{1 - p_i}
              = \frac{p_i - y_i}{\max\bigl(p_i (1 - p_i),\ 10^{-12}\bigr)}

    with the same :math:`10^{-12}` floor (rounded to float32) as torch's backward; divided by :math:`n` for
    ``'mean'``. Shape: that of ``prob``.
    """
    _check_reduction(reduction)
    prob, target = _pair(prob, target, "prob")
    _check_prob(prob)
    p, y = prob.detach(), target.detach()
    g = (p - y) / torch.clamp(p * (1 - p), min=BCE_GRAD_EPS)
    return _grad_out(g, prob, reduction, prob.numel())


def bce_with_logits(logits, target, reduction: str = "mean") -> torch.Tensor:
    r"""Binary cross-entropy on logits, the twin of ``F.binary_cross_entropy_with_logits``.

    Mathematically :math:`\ell_i = -[y_i \log\sigma(z_i) + (1-y_i)\log(1-\sigma(z_i))]`,
    computed in the stable form

    .. math:: \ell_i = \max(z_i, 0) - z_i y_i + \log\bigl(1 + e^{-|z_i|}\bigr)

    which never exponentiates a positive number. (:math:`\max(z, 0)` is written
    :math:`(z + |z|)/2`, equal in floating point, so autograd gets the right slope at
    :math:`z = 0`.) Shapes: ``logits`` and ``target`` ``(*)``, equal; output ``()`` or ``(*)``.
    """
    _check_reduction(reduction)
    z, y = _pair(logits, target, "logits")
    a = z.abs()
    loss = (z + a) / 2 - z * y + torch.log1p(torch.exp(-a))
    return _reduce(loss, reduction)


def bce_with_logits_grad(logits, target, reduction: str = "mean") -> torch.Tensor:
    r"""Gradient of :func:`bce_with_logits` with respect to ``logits``.

    .. math:: \frac{\partial \ell_i}{\partial z_i} = \sigma(z_i) - y_i

    divided by :math:`n` for ``'mean'``. Shape: that of ``logits``.
    """
    _check_reduction(reduction)
    z, y = _pair(logits, target, "logits")
    g = sigmoid(z.detach()) - y.detach()
    return _grad_out(g, z, reduction, z.numel())
