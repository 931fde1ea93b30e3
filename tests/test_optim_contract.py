"""course_lib.optim's classes are torch optimizers: checkpoints both ways, schedulers, hooks, dtypes, complex and
sparse parameters, torch's keywords and errors. The reference is always torch's twin on its single-tensor path."""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler

from course_lib import optim

NAMES = ("SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW")

# One demanding setting per optimizer (every state buffer in use), and a plain one.
SETTINGS = [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, maximize=True)),
    ("Adadelta", dict(lr=0.5, rho=0.95, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    ("Adam", dict(lr=torch.tensor(0.01), betas=(torch.tensor(0.8), torch.tensor(0.99)))),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, maximize=True)),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(SETTINGS)]


def _params(dtype=torch.float32, seed=0, complex_=False):
    g = torch.Generator().manual_seed(seed)
    shapes = [(4, 3), (3,)]
    ps = [torch.randn(s, generator=g, dtype=torch.float64) for s in shapes]
    if complex_:
        ps = [torch.complex(p, torch.randn(p.shape, generator=g, dtype=torch.float64)) for p in ps]
    return [p.to(dtype) for p in ps]


def _grads(params, steps, seed=1):
    g = torch.Generator().manual_seed(seed)
    return [[torch.randn(p.shape, generator=g, dtype=p.dtype) for p in params] for _ in range(steps)]


def _steps(opt, ps, grads, scheduler=None):
    for step_grads in grads:
        for p, grad in zip(ps, step_grads):
            p.grad = grad.clone()
        opt.step()
        if scheduler is not None:
            scheduler.step()


def _leaves(params):
    return [p.detach().clone().requires_grad_() for p in params]


def _pair(name, kwargs, params):
    """The course's optimizer and torch's (single-tensor path), each on its own copy of ``params``."""
    ours_ps, torch_ps = _leaves(params), _leaves(params)
    return (ours_ps, getattr(optim, name)(ours_ps, **copy.deepcopy(kwargs)),
            torch_ps, getattr(torch.optim, name)(torch_ps, **copy.deepcopy(kwargs), foreach=False))


def _equal(xs, ys):
    return all(torch.equal(x, y) for x, y in zip(xs, ys))


# --- torch.optim.Optimizer, with torch's signature -------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_real_torch_optimizer_with_torchs_signature(name):
    ours, theirs = getattr(optim, name), getattr(torch.optim, name)
    assert issubclass(ours, torch.optim.Optimizer)
    a = inspect.signature(ours.__init__).parameters
    b = inspect.signature(theirs.__init__).parameters
    assert [(p.name, p.kind, p.default) for p in a.values()] == [(p.name, p.kind, p.default) for p in b.values()]
    p = torch.zeros(2, requires_grad=True)
    o, t = ours([p]), theirs([torch.zeros(2, requires_grad=True)])
    assert list(o.defaults) == list(t.defaults) and o.defaults == t.defaults


@pytest.mark.parametrize("name", NAMES)
def test_state_is_an_empty_dict_before_the_first_step(name):
    p = torch.zeros(3, requires_grad=True)
    opt = getattr(optim, name)([p], lr=0.1)
    twin = getattr(torch.optim, name)([torch.zeros(3, requires_grad=True)], lr=0.1)
    expected = dict(twin.state[twin.param_groups[0]["params"][0]])  # {} except AdaGrad's sum and step
    assert set(opt.state[p]) == set(expected)
    assert opt.state[torch.zeros(1)] == {}  # a defaultdict, as torch's
    if name != "Adagrad":
        assert opt.state[p] == {}


def test_plain_sgd_keeps_no_state_as_torch():
    ours_ps, ours, torch_ps, theirs = _pair("SGD", dict(lr=0.1), _params())
    _steps(ours, ours_ps, _grads(ours_ps, 3))
    _steps(theirs, torch_ps, _grads(torch_ps, 3))
    assert ours.state_dict()["state"] == theirs.state_dict()["state"] == {}


@pytest.mark.parametrize("name,kwargs", SETTINGS, ids=IDS)
def test_state_dict_is_torchs_after_the_same_steps(name, kwargs):
    ours_ps, ours, torch_ps, theirs = _pair(name, kwargs, _params())
    grads = _grads(ours_ps, 6)
    _steps(ours, ours_ps, grads)
    _steps(theirs, torch_ps, grads)
    assert _equal(ours_ps, torch_ps)
    a, b = ours.state_dict(), theirs.state_dict()
    b["param_groups"][0]["foreach"] = None  # we did not pass foreach=False to ours
    torch.testing.assert_close(a, b, rtol=0, atol=0)  # same keys, dtypes (step: torch's float32 scalar), bits
    for state in a["state"].values():
        if "step" in state:
            assert state["step"].dtype == torch.float32 and state["step"].dim() == 0


# --- checkpoints, both ways ----------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["ours->torch", "torch->ours"])
@pytest.mark.parametrize("name,kwargs", SETTINGS, ids=IDS)
def test_checkpoint_round_trip(name, kwargs, direction):
    """Train 5 steps, save, load the state_dict into a fresh optimizer of the other kind on copies of the
    parameters; both continue 5 more steps from the same gradients with identical bits."""
    params = _params()
    grads = _grads(params, 10)
    source_cls, target_cls = (optim, torch.optim) if direction == "ours->torch" else (torch.optim, optim)
    ps = _leaves(params)
    source = getattr(source_cls, name)(ps, **copy.deepcopy(kwargs))
    _steps(source, ps, grads[:5])
    saved = copy.deepcopy(source.state_dict())
    qs = _leaves(ps)
    target = getattr(target_cls, name)(qs, **copy.deepcopy(kwargs))
    target.load_state_dict(saved)
    _steps(source, ps, grads[5:])
    _steps(target, qs, grads[5:])
    assert _equal(ps, qs)
    torch.testing.assert_close(source.state_dict(), target.state_dict(), rtol=0, atol=0)


@pytest.mark.parametrize("name", ["Adagrad", "RMSprop", "Adadelta", "Adam"])
def test_an_old_checkpoint_with_a_number_step_loads(name):
    ps = _leaves(_params())
    opt = getattr(optim, name)(ps, lr=0.01)
    _steps(opt, ps, _grads(ps, 3))
    saved = opt.state_dict()
    for state in saved["state"].values():
        state["step"] = state["step"].item()
    for group in saved["param_groups"]:
        del group["maximize"], group["foreach"]
    opt.load_state_dict(saved)
    assert all(torch.is_tensor(s["step"]) and s["step"].dtype == torch.float32 for s in opt.state.values())
    assert opt.param_groups[0]["maximize"] is False and opt.param_groups[0]["foreach"] is None
    opt.step()


def test_loading_a_foreach_state_is_refused_by_name():
    p = torch.zeros(2, requires_grad=True)
    saved = torch.optim.Adam([torch.zeros(2, requires_grad=True)], foreach=True).state_dict()
    with pytest.raises(ValueError, match="Invalid foreach: True"):
        optim.Adam([p]).load_state_dict(saved)


def test_adamw_stays_decoupled_whatever_it_loads():
    p = torch.zeros(2, requires_grad=True)
    saved = optim.Adam([torch.zeros(2, requires_grad=True)]).state_dict()
    opt = optim.AdamW([p])
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_deepcopy_and_repr_as_torch():
    ps = _leaves(_params())
    opt = optim.Adam(ps, lr=0.01)
    _steps(opt, ps, _grads(ps, 2))
    clone = copy.deepcopy(opt)
    assert {k for k in vars(opt) if not k.startswith("_")} == {k for k in vars(clone) if not k.startswith("_")}
    twin = torch.optim.Adam(_leaves(ps), lr=0.01)
    assert repr(opt).replace("Adam (", "") == repr(twin).replace("Adam (", "")


# --- schedulers and hooks ---------------------------------------------------------------------------------

SCHEDULERS = {
    "StepLR": lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    "CosineAnnealingLR": lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=1e-4),
    "OneCycleLR": lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=12),
}
SCHEDULED = [("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=0.01)), ("RMSprop", dict(lr=0.01, momentum=0.5)),
             ("Adagrad", dict(lr=0.1)), ("Adadelta", dict(lr=1.0)), ("AdamW", dict(lr=0.01, amsgrad=True))]


@pytest.mark.parametrize("scheduler", list(SCHEDULERS))
@pytest.mark.parametrize("name,kwargs", SCHEDULED, ids=[n for n, _ in SCHEDULED])
def test_torch_schedulers_drive_course_optimizers_as_torchs(name, kwargs, scheduler):
    if scheduler == "OneCycleLR" and name in ("Adagrad", "Adadelta"):
        kwargs = {**kwargs}  # no momentum or betas to cycle: torch refuses both, say so the same way
        for cls in (getattr(optim, name), getattr(torch.optim, name)):
            with pytest.raises(ValueError, match="momentum"):
                SCHEDULERS[scheduler](cls(_leaves(_params()), **kwargs))
        return
    ours_ps, ours, torch_ps, theirs = _pair(name, kwargs, _params())
    grads = _grads(ours_ps, 12)
    sched_a, sched_b = SCHEDULERS[scheduler](ours), SCHEDULERS[scheduler](theirs)
    lrs_a, lrs_b = [], []
    for step_grads in grads:
        lrs_a.append(ours.param_groups[0]["lr"])
        lrs_b.append(theirs.param_groups[0]["lr"])
        _steps(ours, ours_ps, [step_grads], sched_a)
        _steps(theirs, torch_ps, [step_grads], sched_b)
    assert lrs_a == lrs_b and len(set(lrs_a)) > 1
    assert _equal(ours_ps, torch_ps)
    assert sched_a.state_dict() == sched_b.state_dict()


def test_step_hooks_and_closure_work_as_in_torch():
    ps = _leaves(_params())
    opt = optim.SGD(ps, lr=0.1)
    calls = []
    opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = sum((p**2).sum() for p in ps)
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert calls == ["pre", "post"] and torch.is_tensor(loss) and torch.is_grad_enabled()
    assert all(p.grad is not None for p in ps)
    opt.zero_grad()
    assert all(p.grad is None for p in ps)


def test_a_parameter_without_gradient_is_left_alone():
    ps = _leaves(_params())
    before = ps[1].detach().clone()
    opt = optim.Adam(ps, lr=0.1)
    ps[0].grad = torch.ones_like(ps[0])
    opt.step()
    assert torch.equal(ps[1], before) and ps[1] not in opt.state


# --- every float dtype on a real model -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("name,kwargs", SETTINGS, ids=IDS)
def test_low_precision_training_equals_torch_to_the_bit(name, kwargs, dtype):
    """An MLP trained 20 steps on a fixed batch in ``dtype``: gradients from autograd, so they depend on
    the parameters and any difference would grow."""
    if dtype == torch.float16 and name in ("Adam", "AdamW"):
        kwargs = {**kwargs, "eps": 0.1}  # as torch's own tests: 1e-8 is 0 in float16
    g = torch.Generator().manual_seed(3)
    x = torch.randn(16, 6, generator=g).to(dtype)
    y = torch.randn(16, 2, generator=g).to(dtype)
    nets = []
    for cls in (getattr(optim, name), getattr(torch.optim, name)):
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).to(dtype)
        extra = {} if cls is getattr(optim, name) else {"foreach": False}
        opt = cls(net.parameters(), **copy.deepcopy(kwargs), **extra)
        for _ in range(20):
            opt.zero_grad()
            ((net(x) - y) ** 2).mean().backward()
            opt.step()
        nets.append(list(net.parameters()))
    assert _equal(*nets)


# --- complex parameters and sparse gradients, as torch does them ----------------------------------------------


@pytest.mark.parametrize("name,kwargs", SETTINGS, ids=IDS)
def test_complex_parameters_as_torch(name, kwargs):
    params = _params(torch.complex64, complex_=True)
    grads = _grads(params, 8)
    ours_ps, ours, torch_ps, theirs = _pair(name, kwargs, params)
    _steps(ours, ours_ps, grads)
    _steps(theirs, torch_ps, grads)
    assert _equal(ours_ps, torch_ps)
    # torch's own property (its test_complex, to its tolerance): a complex parameter moves as its real view
    # would; the bits can differ where torch computes in complex arithmetic (SGD, weight decay)
    real_ps = [torch.view_as_real(p).clone().requires_grad_() for p in params]
    real_opt = getattr(optim, name)(real_ps, **copy.deepcopy(kwargs))
    _steps(real_opt, real_ps, [[torch.view_as_real(g) for g in step] for step in grads])
    for p, q in zip(ours_ps, real_ps):
        torch.testing.assert_close(torch.view_as_real(p), q)


def _sparse_grads(steps, seed=2):
    """Uncoalesced sparse gradients of a (5, 3) parameter, touching a few rows each step (torch's torture test)."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(steps):
        rows = torch.randint(0, 5, (4,), generator=g)
        values = torch.randn(4, 3, generator=g)
        out.append(torch.sparse_coo_tensor(rows[None], values, (5, 3), check_invariants=True))
    return out


@pytest.mark.filterwarnings("ignore:Sparse invariant checks:UserWarning")  # torch's Adagrad, not ours
@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
                                         ("SGD", dict(lr=0.1, momentum=0.5, nesterov=True, maximize=True)),
                                         ("Adagrad", dict(lr=0.1)), ("Adagrad", dict(lr=0.1, lr_decay=0.1))])
def test_sparse_gradients_as_torch(name, kwargs):
    params = [torch.randn(5, 3, generator=torch.Generator().manual_seed(0))]
    ours_ps, ours, torch_ps, theirs = _pair(name, kwargs, params)
    dense_ps = _leaves(params)
    dense = getattr(optim, name)(dense_ps, **kwargs)
    for grad in _sparse_grads(10):
        for ps, opt, gr in ((ours_ps, ours, grad), (torch_ps, theirs, grad), (dense_ps, dense, grad.to_dense())):
            ps[0].grad = gr.clone()
            opt.step()
    assert _equal(ours_ps, torch_ps)
    torch.testing.assert_close(ours_ps[0], dense_ps[0])  # and the sparse step is the dense one


@pytest.mark.parametrize("name", ["RMSprop", "Adadelta", "Adam", "AdamW", "Adagrad+weight_decay", "SGD+weight_decay"])
def test_sparse_gradients_refused_with_torchs_error(name):
    cls_name, _, decay = name.partition("+")
    kwargs = {"lr": 0.1, **({"weight_decay": 0.1} if decay else {})}
    grad = _sparse_grads(1)[0]
    messages = []
    for module in (optim, torch.optim):
        p = torch.zeros(5, 3, requires_grad=True)
        opt = getattr(module, cls_name)([p], **kwargs)
        p.grad = grad
        with pytest.raises(RuntimeError) as info:
            opt.step()
        messages.append(str(info.value))
        assert torch.equal(p, torch.zeros(5, 3))
    assert messages[0] == messages[1] and "sparse" in messages[0]


# --- keywords and errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_torchs_switches_accepted_off_and_refused_on_by_name(name):
    signature = inspect.signature(getattr(torch.optim, name).__init__).parameters
    p = torch.zeros(2, requires_grad=True)
    for switch in ("foreach", "fused", "capturable", "differentiable"):
        if switch not in signature:
            with pytest.raises(TypeError):
                getattr(optim, name)([p], **{switch: False})
            continue
        getattr(optim, name)([p], **{switch: False})
        with pytest.raises(ValueError, match=f"Invalid {switch}: True"):
            getattr(optim, name)([p], **{switch: True})


def test_hyper_parameters_are_checked_before_the_parameters_are_touched():
    def params():
        raise AssertionError("the parameters were read")
        yield

    with pytest.raises(ValueError, match="Invalid learning rate: -1 .*lr"):
        optim.SGD(params(), lr=-1)
    with pytest.raises(ValueError, match="Invalid foreach: True"):
        optim.Adam(params(), foreach=True)


# (name, kwargs, exception, words in the message, whether torch refuses it too)
BAD = [
    ("SGD", dict(lr=-0.1), ValueError, "Invalid learning rate: -0.1 (lr", True),
    ("SGD", dict(lr=float("nan")), ValueError, "lr must be >= 0", False),  # torch lets a NaN through
    ("SGD", dict(lr="fast"), TypeError, "lr must be a real number", True),
    ("SGD", dict(lr=0.1, momentum=-0.5), ValueError, "Invalid momentum value: -0.5 (momentum", True),
    ("SGD", dict(lr=0.1, dampening=-1), ValueError, "dampening must be >= 0", False),
    ("SGD", dict(lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires a momentum and zero dampening", True),
    ("Adam", dict(betas=(1.0, 0.999)), ValueError, "betas[0] must be in [0.0, 1.0)", True),
    ("Adam", dict(betas=(0.9, -0.1)), ValueError, "Invalid beta parameter at index 1: -0.1", True),
    ("Adam", dict(betas=(0.9,)), ValueError, "betas must be a pair", False),  # torch: IndexError
    ("Adam", dict(betas=(0, 0.999)), ValueError, "betas must be either both floats or both Tensors", True),
    ("Adam", dict(eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08 (eps", True),
    ("AdamW", dict(weight_decay=-0.1), ValueError, "weight_decay must be >= 0", True),
    ("Adagrad", dict(initial_accumulator_value=-1), ValueError, "initial_accumulator_value must be >= 0", True),
    ("RMSprop", dict(alpha=-0.1), ValueError, "Invalid alpha value: -0.1 (alpha", True),
    ("RMSprop", dict(momentum=torch.tensor([0.1, 0.2])), ValueError, "momentum must be a number or a 1-element",
     False),  # torch: RuntimeError, a tensor's truth value
    ("Adadelta", dict(rho=1.5), ValueError, "Invalid rho value: 1.5 (rho must be in [0.0, 1.0])", True),
    ("Adadelta", dict(lr=torch.tensor([1.0, 2.0])), ValueError, "Tensor lr must be 1-element", True),
]


@pytest.mark.parametrize("name,kwargs,exception,words,torch_too", BAD)
def test_bad_hyper_parameters_raise_torchs_error_naming_them(name, kwargs, exception, words, torch_too):
    p = torch.zeros(2, requires_grad=True)
    with pytest.raises(exception) as info:
        getattr(optim, name)([p], **kwargs)
    assert words in str(info.value)
    if torch_too:
        with pytest.raises(exception):
            getattr(torch.optim, name)([p], **kwargs)


def test_a_group_with_a_bad_hyper_parameter_is_refused():
    p, q = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD([{"params": [p]}, {"params": [q], "lr": -1}], lr=0.1)
    opt = optim.Adam([p])
    with pytest.raises(ValueError, match="betas"):
        opt.add_param_group({"params": [q], "betas": (0.9, 1.5)})
    assert len(opt.param_groups) == 1


def test_duplicate_parameters_as_torch():
    p = torch.zeros(2, requires_grad=True)
    for module in (optim, torch.optim):
        with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
            module.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            module.SGD([p, p], lr=0.1)


@pytest.mark.parametrize("value", [np.float32(0.05), np.float64(0.05), np.int64(1), torch.tensor(0.05),
                                   torch.tensor([0.05])])
def test_numpy_scalars_and_tensor_hyper_parameters_as_torch(value):
    params = _params()
    grads = _grads(params, 5)
    for name, kwargs in [("SGD", dict(lr=value, momentum=0.9)), ("RMSprop", dict(lr=value)),
                         ("Adam", dict(lr=value, weight_decay=0.01)), ("Adagrad", dict(lr=value))]:
        ours_ps, ours, torch_ps, theirs = _pair(name, kwargs, params)
        _steps(ours, ours_ps, grads)
        _steps(theirs, torch_ps, grads)
        assert _equal(ours_ps, torch_ps), name
