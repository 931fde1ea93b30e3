r"""The update rules, one function per optimizer: written once, called by the classes, the 2-D runner and the chapters.

A rule takes ``(param, grad, state)`` and keyword-only hyper-parameters named as in ``torch.optim``.
It updates ``param`` and the tensors in ``state`` in place, creating them on the first call (``state``
starts as ``{}``), and keeps nothing anywhere else. Each follows torch 2.13's
``_single_tensor_<name>`` function operation by operation (``grad.add(param, alpha=weight_decay)``,
``exp_avg.lerp_(grad, 1 - beta1)``, the ``step`` counter as torch's scalar tensor, complex parameters
through ``torch.view_as_real``, sparse gradients where torch takes them), so that the result is torch's
to the last bit in float64, float32, float16 and bfloat16.

A hyper-parameter is either

- a number or a 0-dimensional tensor: the arithmetic is torch's, e.g. ``param.add_(grad, alpha=-lr)``;
- a tensor with dimensions, e.g. of shape ``(runs, 1)``: one value per run, broadcast against the
  ``(runs, 2)`` positions of :func:`course_lib.optim.run_trajectories`. Torch has no such mode; the
  arithmetic is then ``param.add_(-lr * grad)`` and so on, the same in every release of the course, so
  that the numbers the chapters print from the runner do not move.
"""

from __future__ import annotations

import math
from typing import Union

import torch
from torch import Tensor

# Private helpers of torch.optim (torch is pinned to 2.13): the dtype torch gives ``state["step"]``.
from torch.optim.optimizer import _get_scalar_dtype

Hyper = Union[float, Tensor]

__all__ = ["Hyper", "sgd_update", "adagrad_update", "rmsprop_update", "adadelta_update", "adam_update",
           "SPARSE_ERRORS", "init_adagrad_state"]

#: The error torch raises for a sparse gradient, for the optimizers that do not take them.
SPARSE_ERRORS = {
    "RMSprop": "RMSprop does not support sparse gradients",
    "Adadelta": "Adadelta does not support sparse gradients",
    "Adam": "Adam does not support sparse gradients, please consider SparseAdam instead",
}


# --- arithmetic with a coefficient that is a scalar (torch's call) or a per-run tensor (broadcast) ---


# (Each helper tests ``isinstance(a, Tensor) and a.dim()`` itself, "a per-run tensor": this runs for every
# parameter at every step, so it is kept to one test for the common case of a Python number.)


def _per_run(a) -> bool:
    return isinstance(a, Tensor) and a.dim() > 0


def _add_scaled_(out: Tensor, a: Hyper, x: Tensor) -> Tensor:
    """``out += a * x``."""
    if isinstance(a, Tensor) and a.dim():
        return out.add_(a * x)
    return out.add_(x, alpha=a)


def _add_scaled_product_(out: Tensor, a: Hyper, x: Tensor, y: Tensor) -> Tensor:
    """``out += a * x * y``."""
    if isinstance(a, Tensor) and a.dim():
        return out.add_(a * x * y)
    return out.addcmul_(x, y, value=a)


def _add_scaled_ratio_(out: Tensor, a: Hyper, x: Tensor, y: Tensor) -> Tensor:
    """``out += a * x / y``."""
    if isinstance(a, Tensor) and a.dim():
        return out.add_(a * x / y)
    return out.addcdiv_(x, y, value=a)


def _plus_scaled(x: Tensor, a: Hyper, y: Tensor) -> Tensor:
    """A new tensor ``x + a * y``."""
    if isinstance(a, Tensor) and a.dim():
        return x + a * y
    return x.add(y, alpha=a)


def _nonzero(a: Hyper) -> bool:
    """torch's ``a != 0``; for a per-run tensor, whether any run's value is."""
    if isinstance(a, Tensor) and a.dim():
        return bool(torch.any(a != 0))
    return bool(a != 0)


def _positive(a: Hyper) -> bool:
    """torch's ``a > 0``; for a per-run tensor, whether any run's value is nonzero."""
    if isinstance(a, Tensor) and a.dim():
        return bool(torch.any(a != 0))
    return bool(a > 0)


def _sqrt(a: Hyper) -> Hyper:
    return a.sqrt() if isinstance(a, Tensor) else math.sqrt(a)


def _real(t: Tensor) -> Tensor:
    """A complex tensor as a real view with a last axis (re, im), as torch's rules see it."""
    return torch.view_as_real(t) if torch.is_complex(t) else t


def _zeros(param: Tensor) -> Tensor:
    return torch.zeros_like(param, memory_format=torch.preserve_format)


def _new_step() -> Tensor:
    """torch's ``state["step"]``: a 0-dimensional float tensor (float32 unless the default dtype is float64)."""
    return torch.tensor(0.0, dtype=_get_scalar_dtype())


def _dense_only(grad: Tensor, optimizer: str) -> None:
    if grad.is_sparse:
        raise RuntimeError(SPARSE_ERRORS[optimizer])


# --- the rules ------------------------------------------------------------------------------------


def sgd_update(param: Tensor, grad: Tensor, state: dict, *, lr: Hyper, momentum: Hyper = 0.0,
               dampening: Hyper = 0.0, weight_decay: Hyper = 0.0, nesterov: bool = False,
               maximize: bool = False) -> None:
    r"""One step of SGD with optional momentum, dampening, Nesterov and L2 weight decay.

    .. math::
        g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1},\quad
        b_t = \mu b_{t-1} + (1-\tau) g_t \;(b_1 = g_1),\quad
        \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t \text{ if Nesterov else } b_t)

    with :math:`\gamma` = ``lr``, :math:`\mu` = ``momentum``, :math:`\tau` = ``dampening``,
    :math:`\lambda` = ``weight_decay``. State: ``momentum_buffer`` (when momentum is used). Sparse
    gradients work as in torch.
    """
    grad = grad if not maximize else -grad
    if _nonzero(weight_decay):
        grad = _plus_scaled(grad, weight_decay, param)
    if _nonzero(momentum):
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = grad.detach().clone()
        else:
            _add_scaled_(buf.mul_(momentum), 1 - dampening, grad)
        grad = _plus_scaled(grad, momentum, buf) if nesterov else buf
    _add_scaled_(param, -lr, grad)


def init_adagrad_state(param: Tensor, state: dict, initial_accumulator_value: float) -> None:
    """AdaGrad's state as torch makes it: ``step`` 0 and ``sum`` filled with the initial value
    (``complex(v, v)`` for a complex parameter)."""
    value = initial_accumulator_value
    if torch.is_complex(param):
        value = complex(value, value)
    state["step"] = _new_step()
    state["sum"] = torch.full_like(param, value, memory_format=torch.preserve_format)


def adagrad_update(param: Tensor, grad: Tensor, state: dict, *, lr: Hyper, lr_decay: Hyper = 0.0,
                   weight_decay: Hyper = 0.0, eps: Hyper = 1e-10, initial_accumulator_value: float = 0.0,
                   maximize: bool = False) -> None:
    r"""One step of AdaGrad: every coordinate's step shrinks with its summed squared gradients.

    .. math::
        s_t = s_{t-1} + g_t \odot g_t,\qquad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1 + (t-1)\eta}\,\frac{g_t}{\sqrt{s_t} + \epsilon}

    with :math:`\eta` = ``lr_decay``, :math:`s_0` = ``initial_accumulator_value``. State: ``sum``,
    ``step``. A sparse gradient updates only its rows, as in torch (not with weight decay).
    """
    if not state:
        init_adagrad_state(param, state, initial_accumulator_value)
    step_t = state["step"]
    step_t += 1
    step = step_t.item()
    grad = grad if not maximize else -grad
    if _nonzero(weight_decay):
        if grad.is_sparse:
            raise RuntimeError("weight_decay option is not compatible with sparse gradients")
        grad = _plus_scaled(grad, weight_decay, param)
    clr = lr / (1 + (step - 1) * lr_decay)
    state_sum = state["sum"]
    if grad.is_sparse:
        grad = grad.coalesce()  # the update is not linear, so every index must appear once
        indices, values = grad._indices(), grad._values()
        # (the indices come from a coalesced gradient: nothing to check, hence check_invariants=False)
        state_sum.add_(torch.sparse_coo_tensor(indices, values.pow(2), grad.size(), check_invariants=False))
        std_values = state_sum.sparse_mask(grad)._values().sqrt_().add_(eps)
        param.add_(torch.sparse_coo_tensor(indices, values / std_values, grad.size(), check_invariants=False),
                   alpha=-clr)
        return
    grad, state_sum, param = _real(grad), _real(state_sum), _real(param)
    _add_scaled_product_(state_sum, 1, grad, grad)
    std = state_sum.sqrt().add_(eps)
    _add_scaled_ratio_(param, -clr, grad, std)


def rmsprop_update(param: Tensor, grad: Tensor, state: dict, *, lr: Hyper, alpha: Hyper = 0.99,
                   eps: Hyper = 1e-8, weight_decay: Hyper = 0.0, momentum: Hyper = 0.0, centered: bool = False,
                   maximize: bool = False) -> None:
    r"""One step of RMSProp: divide by the root of an EMA of squared gradients.

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\qquad
        \tilde v_t = v_t - \bar g_t^2 \text{ if centered},\qquad
        \theta_t = \theta_{t-1} - \gamma\,\frac{g_t}{\sqrt{\tilde v_t} + \epsilon}

    where :math:`\bar g_t = \alpha\bar g_{t-1} + (1-\alpha)g_t`. With ``momentum`` :math:`\mu > 0`:
    :math:`b_t = \mu b_{t-1} + g_t/(\sqrt{\tilde v_t}+\epsilon)`, :math:`\theta_t = \theta_{t-1} - \gamma b_t`.
    State: ``step``, ``square_avg``, ``momentum_buffer`` (momentum), ``grad_avg`` (centered).
    """
    _dense_only(grad, "RMSprop")
    if not state:
        state["step"] = _new_step()
        state["square_avg"] = _zeros(param)
        if _positive(momentum):
            state["momentum_buffer"] = _zeros(param)
        if centered:
            state["grad_avg"] = _zeros(param)
    state["step"] += 1
    grad = grad if not maximize else -grad
    if _nonzero(weight_decay):
        grad = _plus_scaled(grad, weight_decay, param)
    param, grad, square_avg = _real(param), _real(grad), _real(state["square_avg"])
    _add_scaled_product_(square_avg.mul_(alpha), 1 - alpha, grad, grad)
    if centered:
        grad_avg = _real(state["grad_avg"]).lerp_(grad, 1 - alpha)
        avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
    else:
        avg = square_avg.sqrt()
    avg = avg.add_(eps)
    if _positive(momentum):
        buf = _real(state["momentum_buffer"])
        buf.mul_(momentum).addcdiv_(grad, avg)
        _add_scaled_(param, -lr, buf)
    else:
        _add_scaled_ratio_(param, -lr, grad, avg)


def adadelta_update(param: Tensor, grad: Tensor, state: dict, *, lr: Hyper = 1.0, rho: Hyper = 0.9,
                    eps: Hyper = 1e-6, weight_decay: Hyper = 0.0, maximize: bool = False) -> None:
    r"""One step of Adadelta: the step's units come from an EMA of past steps, not from a learning rate.

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2,\quad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t,\quad
        u_t = \rho u_{t-1} + (1-\rho)\Delta_t^2,\quad
        \theta_t = \theta_{t-1} - \gamma\Delta_t

    (:math:`\gamma` = ``lr`` is 1 in the original method). State: ``step``, ``square_avg``, ``acc_delta``.
    """
    _dense_only(grad, "Adadelta")
    if not state:
        state["step"] = _new_step()
        state["square_avg"] = _zeros(param)
        state["acc_delta"] = _zeros(param)
    state["step"] += 1
    grad = grad if not maximize else -grad
    if _nonzero(weight_decay):
        grad = _plus_scaled(grad, weight_decay, param)
    square_avg, acc_delta = _real(state["square_avg"]), _real(state["acc_delta"])
    grad = _real(grad)
    _add_scaled_product_(square_avg.mul_(rho), 1 - rho, grad, grad)
    std = square_avg.add(eps).sqrt_()
    delta = acc_delta.add(eps).sqrt_()
    delta.div_(std).mul_(grad)
    _add_scaled_product_(acc_delta.mul_(rho), 1 - rho, delta, delta)
    if torch.is_complex(param):
        delta = torch.view_as_complex(delta)
    _add_scaled_(param, -lr, delta)


def adam_update(param: Tensor, grad: Tensor, state: dict, *, lr: Hyper,
                betas: tuple[Hyper, Hyper] = (0.9, 0.999), eps: Hyper = 1e-8, weight_decay: Hyper = 0.0,
                amsgrad: bool = False, decoupled_weight_decay: bool = False, maximize: bool = False) -> None:
    r"""One step of Adam (AMSGrad with ``amsgrad=True``, AdamW with ``decoupled_weight_decay=True``).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \hat m_t = \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t},\quad
        \theta_t = \theta_{t-1} - \gamma\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    AMSGrad divides by the running maximum of the *uncorrected* :math:`v_t`, then by
    :math:`\sqrt{1-\beta_2^t}` (torch's form). AdamW first shrinks :math:`\theta \leftarrow \theta(1 - \gamma\lambda)`
    instead of adding :math:`\lambda\theta` to the gradient. State: ``step``, ``exp_avg``, ``exp_avg_sq``,
    ``max_exp_avg_sq`` (AMSGrad).
    """
    _dense_only(grad, "Adam")
    beta1, beta2 = betas
    if not state:
        state["step"] = _new_step()
        state["exp_avg"] = _zeros(param)
        state["exp_avg_sq"] = _zeros(param)
        if amsgrad:
            state["max_exp_avg_sq"] = _zeros(param)
    per_run = any(_per_run(h) for h in (lr, beta1, beta2, eps, weight_decay))
    grad = grad if not maximize else -grad
    step_t = state["step"]
    step_t += 1
    if _nonzero(weight_decay):
        if decoupled_weight_decay:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = _plus_scaled(grad, weight_decay, param)
    param, grad = _real(param), _real(grad)
    exp_avg, exp_avg_sq = _real(state["exp_avg"]), _real(state["exp_avg_sq"])
    weight1 = beta1
    if isinstance(beta1, Tensor) and beta1.dim() == 0:  # torch moves a tensor beta1 to the parameter's dtype
        weight1 = beta1.to(device=param.device, dtype=param.dtype)
    exp_avg.lerp_(grad, 1 - weight1)
    _add_scaled_product_(exp_avg_sq.mul_(beta2), 1 - beta2, grad, grad)
    step = step_t.item()
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    # torch takes ** 0.5, which differs from a square root in the last bit now and then; the per-run
    # mode keeps the course's square root so that the runner's numbers stay as they were.
    bias_correction2_sqrt = _sqrt(bias_correction2) if per_run else bias_correction2**0.5
    if amsgrad:
        second = _real(state["max_exp_avg_sq"])
        torch.maximum(second, exp_avg_sq, out=second)
    else:
        second = exp_avg_sq
    # torch writes (second.sqrt() / bias_correction2_sqrt).add_(eps): dividing in place gives the same bits
    # without a second temporary the size of the parameter
    denom = second.sqrt().div_(bias_correction2_sqrt).add_(eps)
    _add_scaled_ratio_(param, -step_size, exp_avg, denom)
