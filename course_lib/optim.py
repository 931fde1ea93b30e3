r"""Optimizers from scratch, each the twin of its ``torch.optim`` class.

Every update rule is written once, as a function of ``(param, grad, state)`` and
keyword-only hyper-parameters. The function updates ``param`` and the tensors in
``state`` in place (as ``torch.optim``'s ``_single_tensor_*`` functions do) and
keeps no hidden state of its own. Two things wrap the same functions:

- the optimizer classes (:class:`SGD`, :class:`Adagrad`, :class:`RMSprop`,
  :class:`Adadelta`, :class:`Adam`, :class:`AdamW`), which take the same arguments
  with the same defaults as ``torch.optim``, accept parameter groups and keep
  their state under the same names;
- :func:`run_trajectories`, which runs many start points and many hyper-parameter
  settings on a 2-D surface at once: there a hyper-parameter may be a tensor of
  shape ``(runs, 1)`` that broadcasts against the ``(runs, 2)`` positions.

Nothing here calls ``torch.optim`` or its functional API; the tests prove the
results equal to it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np
import torch

Hyper = Union[float, torch.Tensor]

__all__ = [
    "sgd_update", "adagrad_update", "rmsprop_update", "adadelta_update", "adam_update",
    "Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW",
    "RULES", "Trajectories", "run_trajectories",
]


# --- in-place arithmetic that accepts a float or a broadcasting tensor coefficient -----------------


def _add_scaled_(out: torch.Tensor, a: Hyper, x: torch.Tensor) -> torch.Tensor:
    """``out += a * x``."""
    if isinstance(a, torch.Tensor):
        return out.add_(a * x)
    return out.add_(x, alpha=a)


def _add_scaled_product_(out: torch.Tensor, a: Hyper, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``out += a * x * y``."""
    if isinstance(a, torch.Tensor):
        return out.add_(a * x * y)
    return out.addcmul_(x, y, value=a)


def _add_scaled_ratio_(out: torch.Tensor, a: Hyper, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``out += a * x / y``."""
    if isinstance(a, torch.Tensor):
        return out.add_(a * x / y)
    return out.addcdiv_(x, y, value=a)


def _plus_scaled(x: torch.Tensor, a: Hyper, y: torch.Tensor) -> torch.Tensor:
    """A new tensor ``x + a * y`` (one pass, like torch, when ``a`` is a number)."""
    if isinstance(a, torch.Tensor):
        return x + a * y
    return torch.add(x, y, alpha=a)


def _nonzero(a: Hyper) -> bool:
    if isinstance(a, torch.Tensor):
        return bool(torch.any(a != 0))
    return a != 0


def _sqrt(a: Hyper) -> Hyper:
    return a.sqrt() if isinstance(a, torch.Tensor) else math.sqrt(a)


def _direction(param: torch.Tensor, grad: torch.Tensor, weight_decay: Hyper, maximize: bool) -> torch.Tensor:
    """The gradient the rules use: negated to maximize, plus the L2 term ``weight_decay * param``."""
    g = -grad if maximize else grad
    if _nonzero(weight_decay):
        g = g + weight_decay * param
    return g


def _next_step(state: dict) -> int:
    state["step"] = state.get("step", 0) + 1
    return state["step"]


# --- the update rules ------------------------------------------------------------------------------


def sgd_update(param: torch.Tensor, grad: torch.Tensor, state: dict, *, lr: Hyper, momentum: Hyper = 0.0,
               dampening: Hyper = 0.0, weight_decay: Hyper = 0.0, nesterov: bool = False,
               maximize: bool = False) -> None:
    r"""One step of SGD with optional momentum, dampening, Nesterov and L2 weight decay.

    .. math::
        g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1},\quad
        b_t = \mu b_{t-1} + (1-\tau) g_t \;(b_1 = g_1),\quad
        \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t \text{ if Nesterov else } b_t)

    with :math:`\gamma` = ``lr``, :math:`\mu` = ``momentum``, :math:`\tau` = ``dampening``,
    :math:`\lambda` = ``weight_decay``. State: ``momentum_buffer`` (when momentum is used).
    """
    d_p = _direction(param, grad, weight_decay, maximize)
    if _nonzero(momentum):
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = d_p.detach().clone()
        else:
            _add_scaled_(buf.mul_(momentum), 1 - dampening, d_p)
        d_p = _plus_scaled(d_p, momentum, buf) if nesterov else buf
    _add_scaled_(param, -lr, d_p)


def adagrad_update(param: torch.Tensor, grad: torch.Tensor, state: dict, *, lr: Hyper, lr_decay: Hyper = 0.0,
                   weight_decay: Hyper = 0.0, eps: Hyper = 1e-10, initial_accumulator_value: float = 0.0,
                   maximize: bool = False) -> None:
    r"""One step of AdaGrad: every coordinate's step shrinks with its summed squared gradients.

    .. math::
        s_t = s_{t-1} + g_t \odot g_t,\qquad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1 + (t-1)\eta}\,\frac{g_t}{\sqrt{s_t} + \epsilon}

    with :math:`\eta` = ``lr_decay``, :math:`s_0` = ``initial_accumulator_value``. State: ``sum``, ``step``.
    """
    t = _next_step(state)
    g = _direction(param, grad, weight_decay, maximize)
    if "sum" not in state:
        state["sum"] = torch.full_like(param, initial_accumulator_value)
    s = _add_scaled_product_(state["sum"], 1.0, g, g)
    clr = lr / (1 + (t - 1) * lr_decay)
    _add_scaled_ratio_(param, -clr, g, s.sqrt().add_(eps))


def rmsprop_update(param: torch.Tensor, grad: torch.Tensor, state: dict, *, lr: Hyper, alpha: Hyper = 0.99,
                   eps: Hyper = 1e-8, weight_decay: Hyper = 0.0, momentum: Hyper = 0.0, centered: bool = False,
                   maximize: bool = False) -> None:
    r"""One step of RMSProp: divide by the root of an EMA of squared gradients.

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\qquad
        \tilde v_t = v_t - \bar g_t^2 \text{ if centered},\qquad
        \theta_t = \theta_{t-1} - \gamma\,\frac{g_t}{\sqrt{\tilde v_t} + \epsilon}

    where :math:`\bar g_t = \alpha\bar g_{t-1} + (1-\alpha)g_t`. With ``momentum`` :math:`\mu > 0`:
    :math:`b_t = \mu b_{t-1} + g_t/(\sqrt{\tilde v_t}+\epsilon)`, :math:`\theta_t = \theta_{t-1} - \gamma b_t`.
    State: ``square_avg``, ``grad_avg`` (centered), ``momentum_buffer`` (momentum), ``step``.
    """
    _next_step(state)
    g = _direction(param, grad, weight_decay, maximize)
    if "square_avg" not in state:
        state["square_avg"] = torch.zeros_like(param)
    square_avg = _add_scaled_product_(state["square_avg"].mul_(alpha), 1 - alpha, g, g)
    if centered:
        if "grad_avg" not in state:
            state["grad_avg"] = torch.zeros_like(param)
        grad_avg = state["grad_avg"].lerp_(g, 1 - alpha)
        avg = _add_scaled_product_(square_avg.clone(), -1.0, grad_avg, grad_avg).sqrt_()
    else:
        avg = square_avg.sqrt()
    avg = avg.add_(eps)
    if _nonzero(momentum):
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = torch.zeros_like(param)
        buf = _add_scaled_ratio_(state["momentum_buffer"].mul_(momentum), 1.0, g, avg)
        _add_scaled_(param, -lr, buf)
    else:
        _add_scaled_ratio_(param, -lr, g, avg)


def adadelta_update(param: torch.Tensor, grad: torch.Tensor, state: dict, *, lr: Hyper = 1.0, rho: Hyper = 0.9,
                    eps: Hyper = 1e-6, weight_decay: Hyper = 0.0, maximize: bool = False) -> None:
    r"""One step of Adadelta: the step's units come from an EMA of past steps, not from a learning rate.

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2,\quad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t,\quad
        u_t = \rho u_{t-1} + (1-\rho)\Delta_t^2,\quad
        \theta_t = \theta_{t-1} - \gamma\Delta_t

    (:math:`\gamma` = ``lr`` is 1 in the original method). State: ``square_avg``, ``acc_delta``, ``step``.
    """
    _next_step(state)
    g = _direction(param, grad, weight_decay, maximize)
    if "square_avg" not in state:
        state["square_avg"] = torch.zeros_like(param)
        state["acc_delta"] = torch.zeros_like(param)
    square_avg = _add_scaled_product_(state["square_avg"].mul_(rho), 1 - rho, g, g)
    std = (square_avg + eps).sqrt_()
    delta = (state["acc_delta"] + eps).sqrt_().div_(std).mul_(g)
    _add_scaled_product_(state["acc_delta"].mul_(rho), 1 - rho, delta, delta)
    _add_scaled_(param, -lr, delta)


def adam_update(param: torch.Tensor, grad: torch.Tensor, state: dict, *, lr: Hyper,
                betas: tuple[Hyper, Hyper] = (0.9, 0.999), eps: Hyper = 1e-8, weight_decay: Hyper = 0.0,
                amsgrad: bool = False, decoupled_weight_decay: bool = False, maximize: bool = False) -> None:
    r"""One step of Adam (AMSGrad with ``amsgrad=True``, AdamW with ``decoupled_weight_decay=True``).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \hat m_t = \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t},\quad
        \theta_t = \theta_{t-1} - \gamma\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    AMSGrad replaces :math:`v_t` by its running maximum :math:`\max(v_{\max}, v_t)` in the
    denominator, so the effective step never grows. AdamW first shrinks
    :math:`\theta \leftarrow \theta(1 - \gamma\lambda)` instead of adding :math:`\lambda\theta` to the
    gradient. State: ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq`` (AMSGrad), ``step``.
    """
    beta1, beta2 = betas
    t = _next_step(state)
    if decoupled_weight_decay:
        g = -grad if maximize else grad
        if _nonzero(weight_decay):
            param.mul_(1 - lr * weight_decay)
    else:
        g = _direction(param, grad, weight_decay, maximize)
    if "exp_avg" not in state:
        state["exp_avg"] = torch.zeros_like(param)
        state["exp_avg_sq"] = torch.zeros_like(param)
        if amsgrad:
            state["max_exp_avg_sq"] = torch.zeros_like(param)
    exp_avg = state["exp_avg"].lerp_(g, 1 - beta1)
    exp_avg_sq = _add_scaled_product_(state["exp_avg_sq"].mul_(beta2), 1 - beta2, g, g)
    bias_correction1 = 1 - beta1**t
    bias_correction2_sqrt = _sqrt(1 - beta2**t)
    if amsgrad:
        second = torch.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
    else:
        second = exp_avg_sq
    denom = (second.sqrt() / bias_correction2_sqrt).add_(eps)
    _add_scaled_ratio_(param, -lr / bias_correction1, exp_avg, denom)


# --- argument checks, worded like torch.optim's and naming the parameter ----------------------------


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _check_range(name: str, value, low: float, high: float | None = None, *, high_open: bool = False,
                 what: str | None = None) -> None:
    label = what or name
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if not _is_number(value):
        raise TypeError(f"Invalid {label}: {value!r} ({name} must be a number)")
    ok = low <= value
    if high is not None:
        ok = ok and (value < high if high_open else value <= high)
    if not ok:  # NaN fails every comparison and lands here too
        bound = f">= {low}" if high is None else f"in [{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"Invalid {label}: {value} ({name} must be {bound})")


def _check_lr(group):
    _check_range("lr", group["lr"], 0.0, what="learning rate")


def _check_common(group, *names):
    for name in names:
        _check_range(name, group[name], 0.0, what=f"{name} value")


class Optimizer:
    """The thin part of an optimizer: parameter groups, per-parameter state, ``step`` and ``zero_grad``.

    A subclass names its update rule and checks its hyper-parameters; nothing else.
    """

    rule: Callable[..., None]
    hyper_names: tuple[str, ...] = ()

    def __init__(self, params: Iterable[torch.Tensor] | Iterable[dict], defaults: dict[str, Any]):
        self.defaults = dict(defaults)
        self.state: dict[torch.Tensor, dict] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, torch.Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {torch.typename(params)}")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list (params)")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def check(self, group: dict[str, Any]) -> None:
        """Raise ``ValueError`` naming the first invalid hyper-parameter of ``group``."""

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        params = [params] if isinstance(params, torch.Tensor) else list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list (params)")
        for p in params:
            if not isinstance(p, torch.Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {torch.typename(p)}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (params)")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError("some parameters appear in more than one parameter group (params)")
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.check(group)
        self.param_groups.append(group)

    def hyper(self, group: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments of the update rule for one group."""
        return {name: group[name] for name in self.hyper_names}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_().zero_()

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        rule = type(self).rule
        for group in self.param_groups:
            kwargs = self.hyper(group)
            for p in group["params"]:
                if p.grad is None:
                    continue
                rule(p, p.grad, self.state.setdefault(p, {}), **kwargs)
        return loss

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {group[k]}" for k in sorted(group) if k != "params")
        return "\n".join(lines + [")"])


class SGD(Optimizer):
    r"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (twin of ``torch.optim.SGD``).

    .. math::
        b_t = \mu b_{t-1} + (1-\tau) g_t,\qquad
        \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t \text{ if nesterov else } b_t)

    See :func:`sgd_update`. The buffer starts as the first gradient, undamped, as in torch.
    """

    rule = staticmethod(sgd_update)
    hyper_names = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def check(self, group):
        _check_lr(group)
        _check_common(group, "momentum", "weight_decay")
        _check_range("dampening", group["dampening"], 0.0, what="dampening value")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                             f"(nesterov=True with momentum={group['momentum']}, dampening={group['dampening']})")


class Adagrad(Optimizer):
    r"""AdaGrad (twin of ``torch.optim.Adagrad``).

    .. math::
        s_t = s_{t-1} + g_t^2,\qquad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1+(t-1)\eta}\,\frac{g_t}{\sqrt{s_t}+\epsilon}

    See :func:`adagrad_update`.
    """

    rule = staticmethod(adagrad_update)
    hyper_names = ("lr", "lr_decay", "weight_decay", "eps", "initial_accumulator_value", "maximize")

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))
        # Like torch, the accumulator exists from construction on.
        for group in self.param_groups:
            for p in group["params"]:
                self.state.setdefault(p, {})["sum"] = torch.full_like(p, group["initial_accumulator_value"])
                self.state[p]["step"] = 0

    def check(self, group):
        _check_lr(group)
        _check_common(group, "lr_decay", "weight_decay", "initial_accumulator_value")
        _check_range("eps", group["eps"], 0.0, what="epsilon value")


class RMSprop(Optimizer):
    r"""RMSProp, with optional momentum and centring (twin of ``torch.optim.RMSprop``).

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\qquad \theta_t = \theta_{t-1} - \gamma\,\frac{g_t}{\sqrt{v_t}+\epsilon}

    See :func:`rmsprop_update`.
    """

    rule = staticmethod(rmsprop_update)
    hyper_names = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def check(self, group):
        _check_lr(group)
        _check_range("eps", group["eps"], 0.0, what="epsilon value")
        _check_common(group, "momentum", "weight_decay")
        _check_range("alpha", group["alpha"], 0.0, what="alpha value")


class Adadelta(Optimizer):
    r"""Adadelta (twin of ``torch.optim.Adadelta``).

    .. math::
        \Delta_t = \frac{\sqrt{u_{t-1}+\epsilon}}{\sqrt{v_t+\epsilon}}\,g_t,\qquad
        \theta_t = \theta_{t-1} - \gamma\Delta_t

    See :func:`adadelta_update`.
    """

    rule = staticmethod(adadelta_update)
    hyper_names = ("lr", "rho", "eps", "weight_decay", "maximize")

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def check(self, group):
        _check_lr(group)
        _check_range("rho", group["rho"], 0.0, 1.0, what="rho value")
        _check_range("eps", group["eps"], 0.0, what="epsilon value")
        _check_common(group, "weight_decay")


class Adam(Optimizer):
    r"""Adam, and AMSGrad with ``amsgrad=True`` (twin of ``torch.optim.Adam``).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \theta_t = \theta_{t-1} - \gamma\,\frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}

    See :func:`adam_update`.
    """

    rule = staticmethod(adam_update)
    hyper_names = ("lr", "betas", "eps", "weight_decay", "amsgrad", "decoupled_weight_decay", "maximize")

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def check(self, group):
        _check_lr(group)
        _check_range("eps", group["eps"], 0.0, what="epsilon value")
        betas = group["betas"]
        if not isinstance(betas, Sequence) or len(betas) != 2:
            raise ValueError(f"Invalid betas: {betas!r} (betas must be a pair (beta1, beta2))")
        for i, beta in enumerate(betas):
            _check_range(f"betas[{i}]", beta, 0.0, 1.0, high_open=True, what=f"beta parameter at index {i}")
        _check_common(group, "weight_decay")


class AdamW(Adam):
    r"""Adam with decoupled weight decay (twin of ``torch.optim.AdamW``).

    .. math:: \theta \leftarrow \theta\,(1 - \gamma\lambda), \text{ then the Adam step without } \lambda\theta

    See :func:`adam_update`.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, decoupled_weight_decay=True)


# --- many trajectories at once on a 2-D (or 1-D) surface -------------------------------------------

RULES: dict[str, Callable[..., None]] = {
    "sgd": sgd_update,
    "momentum": sgd_update,
    "nesterov": sgd_update,
    "adagrad": adagrad_update,
    "rmsprop": rmsprop_update,
    "adadelta": adadelta_update,
    "adam": adam_update,
    "amsgrad": adam_update,
    "adamw": adam_update,
}
_RULE_DEFAULTS: dict[str, dict[str, Any]] = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9, "nesterov": True},
    "adagrad": {},
    "rmsprop": {},
    "adadelta": {},
    "adam": {},
    "amsgrad": {"amsgrad": True},
    "adamw": {"decoupled_weight_decay": True, "weight_decay": 1e-2},
}
_TENSOR_HYPERS = {"lr", "momentum", "dampening", "weight_decay", "lr_decay", "eps", "alpha", "rho"}


@dataclass
class Trajectories:
    """The result of :func:`run_trajectories`, one row per run (every start × every setting).

    ``paths``: ``(runs, steps + 1, dim)`` positions, NaN after a run diverged;
    ``losses``: ``(runs, steps + 1)`` surface values, NaN after divergence;
    ``diverged``: ``(runs,)`` bool; ``diverged_at``: the step it was detected at, or -1;
    ``settings``: the hyper-parameters of each run; ``starts``: its start point.
    """

    paths: np.ndarray
    losses: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    settings: list[dict[str, Any]]
    starts: np.ndarray
    rule: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.paths)

    def final(self) -> np.ndarray:
        """The last position of each run (NaN rows for diverged runs)."""
        return self.paths[:, -1]

    def steps_to(self, tol: float, minimum_value: float = 0.0) -> np.ndarray:
        """The first step at which each run's loss is within ``tol`` of ``minimum_value`` (-1 if never)."""
        hit = np.abs(np.nan_to_num(self.losses, nan=np.inf) - minimum_value) <= tol
        first = hit.argmax(axis=1)
        return np.where(hit.any(axis=1), first, -1)


def _grid(grid: Mapping[str, Sequence[Any]] | None) -> list[dict[str, Any]]:
    if not grid:
        return [{}]
    names = list(grid)
    for name in names:
        values = grid[name]
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(f"grid[{name!r}] must be a sequence of values, got {values!r}")
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(grid[n]) for n in names))]


def run_trajectories(surface, rule: str = "sgd", starts=None, steps: int = 100, *,
                     grid: Mapping[str, Sequence[Any]] | None = None, limit: float = 1e6,
                     **hyper: Any) -> Trajectories:
    """Run an update rule on ``surface`` from many starts with many hyper-parameter settings at once.

    ``rule`` names an entry of :data:`RULES` ("sgd", "momentum", "nesterov", "adagrad", "rmsprop",
    "adadelta", "adam", "amsgrad", "adamw"); ``starts`` is ``(k, dim)`` (default: the surface's
    ``start``); ``grid`` maps hyper-parameter names to lists of values whose Cartesian product is run,
    every setting from every start, as one batch of tensors; other keyword arguments are fixed
    hyper-parameters. A run whose loss or position leaves ``[-limit, limit]`` (or stops being finite)
    is marked diverged and frozen: no NaN warning, no overflow.
    """
    if rule not in RULES:
        raise ValueError(f"Invalid rule: {rule!r} (expected one of {sorted(RULES)})")
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"Invalid steps: {steps!r} (expected an int >= 0)")
    if not limit > 0:
        raise ValueError(f"Invalid limit: {limit!r} (expected > 0)")
    if starts is None:
        starts = [surface.start]
    starts_arr = np.asarray(starts, dtype=np.float64)
    if starts_arr.ndim == 1 and surface.dim == 1:
        starts_arr = starts_arr[:, None]
    if starts_arr.ndim != 2 or starts_arr.shape[1] != surface.dim:
        raise ValueError(f"starts must have shape (k, {surface.dim}) with a last axis of length {surface.dim}, "
                         f"got shape {starts_arr.shape}")
    starts_t = torch.as_tensor(starts_arr)
    settings_list = _grid(grid)
    base = {**_RULE_DEFAULTS[rule], **hyper}
    settings = [{**base, **s} for s in settings_list for _ in range(len(starts_t))]
    n_runs = len(settings)
    if "lr" not in base and "lr" not in (grid or {}) and rule != "adadelta":
        raise ValueError(f"run_trajectories needs a learning rate lr for rule {rule!r}")

    kwargs: dict[str, Any] = {}
    for name in settings[0]:
        values = [s[name] for s in settings]
        if name == "betas":
            b1 = torch.tensor([float(b[0]) for b in values], dtype=torch.float64).reshape(-1, 1)
            b2 = torch.tensor([float(b[1]) for b in values], dtype=torch.float64).reshape(-1, 1)
            kwargs[name] = (b1, b2)
        elif name in _TENSOR_HYPERS:
            kwargs[name] = torch.tensor([float(v) for v in values], dtype=torch.float64).reshape(-1, 1)
        else:
            if len({repr(v) for v in values}) > 1:
                raise ValueError(f"{name} cannot vary within one run_trajectories call (got {set(values)})")
            kwargs[name] = values[0]
    _validate_runner_kwargs(kwargs)

    pos = starts_t.repeat(len(settings_list), 1).clone()
    paths = torch.full((steps + 1, n_runs, surface.dim), float("nan"), dtype=torch.float64)
    losses = torch.full((steps + 1, n_runs), float("nan"), dtype=torch.float64)
    alive = torch.ones(n_runs, dtype=torch.bool)
    diverged_at = torch.full((n_runs,), -1, dtype=torch.long)
    state: dict = {}
    update = RULES[rule]
    with torch.no_grad():
        value = surface.value(pos)
        paths[0], losses[0] = pos, value
        frozen = pos.clone()
        for t in range(1, steps + 1):
            grad = surface.grad(pos)
            update(pos, grad, state, **kwargs)
            value = surface.value(pos)
            ok = (torch.isfinite(value) & (value.abs() <= limit)
                  & torch.isfinite(pos).all(dim=1) & (pos.abs() <= limit).all(dim=1))
            bad = alive & ~ok
            if bool(bad.any()):
                diverged_at[bad] = t
                alive &= ~bad
                frozen = torch.where(alive[:, None], frozen, paths[t - 1])
            if not bool(alive.all()):
                # Diverged runs stay frozen where they were last finite: no overflow, no NaN warning.
                pos.copy_(torch.where(alive[:, None], pos, frozen))
                for buf in state.values():
                    if isinstance(buf, torch.Tensor) and buf.shape == pos.shape:
                        buf.copy_(torch.where(alive[:, None], buf, torch.zeros_like(buf)))
            paths[t] = torch.where(alive[:, None], pos, torch.full_like(pos, float("nan")))
            losses[t] = torch.where(alive, value, torch.full_like(value, float("nan")))
    return Trajectories(
        paths=paths.permute(1, 0, 2).numpy().copy(),
        losses=losses.T.numpy().copy(),
        diverged=(diverged_at >= 0).numpy(),
        diverged_at=diverged_at.numpy(),
        settings=settings,
        starts=starts_t.repeat(len(settings_list), 1).numpy(),
        rule=rule,
    )


def _validate_runner_kwargs(kwargs: dict[str, Any]) -> None:
    for name, value in kwargs.items():
        tensors = value if isinstance(value, tuple) else (value,)
        for i, v in enumerate(tensors):
            if isinstance(v, torch.Tensor):
                label = f"{name}[{i}]" if isinstance(value, tuple) else name
                if not bool(torch.all(v >= 0)):  # NaN fails too
                    raise ValueError(f"Invalid {label}: {v.flatten().tolist()} ({label} must be >= 0)")
                if name in ("betas", "momentum", "rho", "alpha") and not bool(torch.all(v <= 1)):
                    raise ValueError(f"Invalid {label}: {v.flatten().tolist()} ({label} must be <= 1)")
