r"""The optimizer classes: ``torch.optim.Optimizer`` subclasses that run the course's update rules.

Each class takes ``torch.optim``'s arguments with its defaults, in the same order, and is a real
``torch.optim.Optimizer``: parameter groups, ``state_dict()`` / ``load_state_dict()`` (a checkpoint of
ours loads into torch's twin and torch's into ours), step hooks, ``zero_grad`` and the learning-rate
schedulers of ``torch.optim.lr_scheduler`` all come from torch. What is the course's own is the
arithmetic, one rule function each (:mod:`course_lib.optim.rules`), run one parameter at a time as
torch's single-tensor path does, and the argument checks:

- hyper-parameters are checked first, in torch's order, raising torch's exception type with torch's
  message followed by the parameter's name and its allowed range (a NaN is refused too);
- torch's implementation switches are accepted at their defaults; a value the course does not
  implement (``foreach=True``, ``fused=True``, ``capturable=True``, ``differentiable=True``) raises a
  ``ValueError`` naming it, at construction and when a ``state_dict`` carrying it is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

# Private helpers of torch.optim (torch is pinned to 2.13): squeeze a 1-element hyper-parameter tensor,
# and the dtype of ``state["step"]``.
from torch.optim.optimizer import _get_scalar_dtype, _to_scalar

from course_lib.optim.rules import (
    SPARSE_ERRORS,
    adadelta_update,
    adagrad_update,
    adam_update,
    init_adagrad_state,
    rmsprop_update,
    sgd_update,
)
from course_lib.validation import check_real

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW"]

# torch's implementation switches: only their "off" values (False, or None where torch has None for
# "let torch choose") mean the single-tensor path, the only one this package implements.
_SWITCHES = ("foreach", "fused", "capturable", "differentiable")


def _check_switches(hyper: dict[str, Any]) -> None:
    for name in _SWITCHES:
        if hyper.get(name):
            raise ValueError(f"Invalid {name}: {hyper[name]!r} ({name} must be False or None: course_lib.optim "
                             "runs torch's single-tensor, non-differentiable path only)")


def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError(f"Tensor lr must be 1-element (lr has shape {tuple(lr.shape)})")
    check_real(lr, "lr", "learning rate")


def _check_nonnegative(hyper: dict[str, Any], *names: str) -> None:
    for name in names:
        what = "epsilon value" if name == "eps" else f"{name} value"
        check_real(hyper[name], name, what)


class Optimizer(torch.optim.Optimizer):
    """A ``torch.optim.Optimizer`` whose ``step`` calls the class's update ``rule`` on each parameter.

    A subclass names its ``rule``, the group keys passed to it (``hyper_names``), how it checks a
    group's hyper-parameters (``validate``), the keys an old ``state_dict`` may lack (``group_defaults``)
    and, if it refuses sparse gradients, torch's message for them (``sparse_error``).
    """

    rule: Callable[..., None]
    hyper_names: tuple[str, ...] = ()
    group_defaults: dict[str, Any] = {}
    sparse_error: str | None = None

    def __init__(self, params, defaults: dict[str, Any]):
        self.validate(defaults)  # before the parameters are touched, as torch does
        super().__init__(params, defaults)

    @staticmethod
    def validate(hyper: dict[str, Any]) -> None:
        """Raise torch's error, naming the parameter, for a bad hyper-parameter in ``hyper``."""
        raise NotImplementedError

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """torch's ``add_param_group``, after checking the group's own hyper-parameters."""
        if isinstance(param_group, dict):
            self.validate({**self.defaults, **{k: v for k, v in param_group.items()
                                               if k not in ("params", "param_names")}})
        super().add_param_group(param_group)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Also what ``load_state_dict`` calls: fill keys an older ``state_dict`` lacks, turn a number
        ``step`` into torch's tensor, and refuse a group this class cannot run (e.g. ``foreach=True``)."""
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in self.group_defaults.items():
                group.setdefault(key, value)
            self.validate(group)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if "step" in p_state and not torch.is_tensor(p_state["step"]):
                    p_state["step"] = torch.tensor(float(p_state["step"]), dtype=_get_scalar_dtype())

    def rule_kwargs(self, group: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments of ``rule`` for a group: a 1-element tensor becomes 0-dimensional, as in torch."""
        return {name: _to_scalar(v) if isinstance(v := group[name], Tensor) else v for name in self.hyper_names}

    def param_state(self, p: Tensor, group: dict[str, Any]) -> dict:
        """The state dict the rule updates for ``p`` (``self.state[p]``, created empty on first use)."""
        return self.state[p]

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        grad_enabled = torch.is_grad_enabled()
        torch.set_grad_enabled(False)  # as torch's step: the update is not recorded by autograd
        try:
            for group in self.param_groups:
                params = [p for p in group["params"] if p.grad is not None]
                if self.sparse_error is not None and any(p.grad.is_sparse for p in params):
                    raise RuntimeError(self.sparse_error)
                kwargs = self.rule_kwargs(group)
                for p in params:
                    self.rule(p, p.grad, self.param_state(p, group), **kwargs)
        finally:
            torch.set_grad_enabled(grad_enabled)
        return loss


class SGD(Optimizer):
    r"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (twin of ``torch.optim.SGD``).

    .. math::
        b_t = \mu b_{t-1} + (1-\tau) g_t,\qquad
        \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t \text{ if nesterov else } b_t)

    See :func:`~course_lib.optim.sgd_update`. The buffer starts as the first gradient, undamped, as in torch.
    Sparse gradients work as in torch.
    """

    rule = staticmethod(sgd_update)
    hyper_names = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")
    group_defaults = {"nesterov": False, "maximize": False, "foreach": None, "differentiable": False, "fused": False}

    def __init__(self, params, lr: float | Tensor = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float | Tensor = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    @staticmethod
    def validate(hyper):
        _check_lr(hyper["lr"])
        _check_nonnegative(hyper, "momentum", "weight_decay", "dampening")
        if hyper["nesterov"] and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening (nesterov=True with "
                             f"momentum={hyper['momentum']}, dampening={hyper['dampening']})")
        _check_switches(hyper)

    def param_state(self, p, group):
        # torch keeps no state for plain SGD: ``state`` stays empty without momentum.
        return self.state[p] if group["momentum"] != 0 else {}


class Adagrad(Optimizer):
    r"""AdaGrad (twin of ``torch.optim.Adagrad``).

    .. math::
        s_t = s_{t-1} + g_t^2,\qquad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1+(t-1)\eta}\,\frac{g_t}{\sqrt{s_t}+\epsilon}

    See :func:`~course_lib.optim.adagrad_update`. As in torch the state exists from construction, and
    sparse gradients are supported.
    """

    rule = staticmethod(adagrad_update)
    hyper_names = ("lr", "lr_decay", "weight_decay", "eps", "maximize")
    group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "fused": None}

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        for group in self.param_groups:
            for p in group["params"]:
                init_adagrad_state(p, self.state[p], group["initial_accumulator_value"])

    @staticmethod
    def validate(hyper):
        _check_lr(hyper["lr"])
        _check_nonnegative(hyper, "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
        _check_switches(hyper)

    def rule_kwargs(self, group):
        # torch re-creates a missing state from the optimizer's default initial value, not the group's
        return {**super().rule_kwargs(group),
                "initial_accumulator_value": self.defaults["initial_accumulator_value"]}


class RMSprop(Optimizer):
    r"""RMSProp, with optional momentum and centring (twin of ``torch.optim.RMSprop``).

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\qquad \theta_t = \theta_{t-1} - \gamma\,\frac{g_t}{\sqrt{v_t}+\epsilon}

    See :func:`~course_lib.optim.rmsprop_update`.
    """

    rule = staticmethod(rmsprop_update)
    hyper_names = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")
    group_defaults = {"momentum": 0, "centered": False, "foreach": None, "maximize": False,
                      "differentiable": False, "capturable": False}
    sparse_error = SPARSE_ERRORS["RMSprop"]

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    @staticmethod
    def validate(hyper):
        _check_lr(hyper["lr"])
        _check_nonnegative(hyper, "eps", "momentum", "weight_decay", "alpha")
        _check_switches(hyper)


class Adadelta(Optimizer):
    r"""Adadelta (twin of ``torch.optim.Adadelta``).

    .. math::
        \Delta_t = \frac{\sqrt{u_{t-1}+\epsilon}}{\sqrt{v_t+\epsilon}}\,g_t,\qquad
        \theta_t = \theta_{t-1} - \gamma\Delta_t

    See :func:`~course_lib.optim.adadelta_update`.
    """

    rule = staticmethod(adadelta_update)
    hyper_names = ("lr", "rho", "eps", "weight_decay", "maximize")
    group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}
    sparse_error = SPARSE_ERRORS["Adadelta"]

    def __init__(self, params, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    @staticmethod
    def validate(hyper):
        _check_lr(hyper["lr"])
        check_real(hyper["rho"], "rho", "rho value", 0.0, 1.0)
        _check_nonnegative(hyper, "eps", "weight_decay")
        _check_switches(hyper)


class Adam(Optimizer):
    r"""Adam, and AMSGrad with ``amsgrad=True`` (twin of ``torch.optim.Adam``).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \theta_t = \theta_{t-1} - \gamma\,\frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}

    See :func:`~course_lib.optim.adam_update`. ``betas`` are two floats or two 1-element tensors, as in torch.
    """

    rule = staticmethod(adam_update)
    hyper_names = ("lr", "betas", "eps", "weight_decay", "amsgrad", "decoupled_weight_decay", "maximize")
    group_defaults = {"amsgrad": False, "maximize": False, "foreach": None, "capturable": False,
                      "differentiable": False, "decoupled_weight_decay": False, "fused": None}
    sparse_error = SPARSE_ERRORS["Adam"]

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False):
        hyper = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                     foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                     decoupled_weight_decay=decoupled_weight_decay)
        self.validate(hyper)
        hyper["betas"] = tuple(map(_to_scalar, betas))
        super().__init__(params, hyper)

    @staticmethod
    def validate(hyper):
        lr, betas, foreach, capturable = hyper["lr"], hyper["betas"], hyper["foreach"], hyper["capturable"]
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        _check_lr(lr)
        _check_nonnegative(hyper, "eps")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Invalid betas: {betas!r} (betas must be a pair (beta1, beta2))")
        for i, beta in enumerate(betas):
            check_real(beta, f"betas[{i}]", f"beta parameter at index {i}", 0.0, 1.0, high_open=True)
        _check_nonnegative(hyper, "weight_decay")
        if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors "
                             f"(got {type(betas[0]).__name__} and {type(betas[1]).__name__})")
        for i, beta in enumerate(betas):
            if isinstance(beta, Tensor) and foreach and not capturable:
                raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and foreach=True")
        _check_switches(hyper)

    def rule_kwargs(self, group):
        kwargs = super().rule_kwargs(group)
        kwargs["betas"] = tuple(map(_to_scalar, group["betas"]))
        return kwargs


class AdamW(Adam):
    r"""Adam with decoupled weight decay (twin of ``torch.optim.AdamW``).

    .. math:: \theta \leftarrow \theta\,(1 - \gamma\lambda), \text{ then the Adam step without } \lambda\theta

    See :func:`~course_lib.optim.adam_update`.
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:  # as torch: an AdamW stays decoupled whatever it loads
            group["decoupled_weight_decay"] = True
