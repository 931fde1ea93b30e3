"""course_lib.optim against torch.optim in float64: the same bits after 300 steps, the same state; the 2-D runner.

torch's own test inputs, the other dtypes, checkpoints, schedulers and errors: test_optim_torch_db.py and
test_optim_contract.py.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from course_lib import optim
from course_lib.surfaces import PittedCurve, Ravine, Rosenbrock, Saddle

CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-8)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, centered=True, weight_decay=0.01, momentum=0.9)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.01)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
]


def _problem(seed: int):
    """A random least-squares-plus-tanh problem with several parameter tensors (float64)."""
    g = torch.Generator().manual_seed(seed)
    shapes = [(5, 3), (3,), (4, 5), (1,)]
    params = [torch.randn(s, generator=g, dtype=torch.float64) for s in shapes]
    x = torch.randn(16, 3, generator=g, dtype=torch.float64)
    y = torch.randn(16, 4, generator=g, dtype=torch.float64)

    def loss(ps):
        w1, b1, w2, b2 = ps
        h = torch.tanh(x @ w1.T)
        return ((h @ w2.T + b2 - y) ** 2).mean() + (b1**2).sum() * 0.1

    return params, loss


def _run(opt_cls, params, loss_fn, kwargs, steps, groups):
    if opt_cls.__module__.startswith("torch."):
        kwargs = {**kwargs, "foreach": False}  # torch's single-tensor path (its CPU default, made explicit)
    ps = [p.clone().requires_grad_(True) for p in params]
    if groups:
        # two groups: the second with half the learning rate (and every other setting shared)
        second = dict(kwargs)
        if "lr" in second:
            second["lr"] = second["lr"] / 2
        else:
            second["lr"] = 0.5
        opt = opt_cls([{"params": ps[:2]}, {"params": ps[2:], **second}], **kwargs)
    else:
        opt = opt_cls(ps, **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(ps)
        loss.backward()
        opt.step()
    return ps, opt


@pytest.mark.parametrize("groups", [False, True], ids=["one group", "two groups"])
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_optimizer_matches_torch_for_300_steps(name, kwargs, groups):
    params, loss_fn = _problem(seed=len(name) + len(kwargs))
    ours, ours_opt = _run(getattr(optim, name), params, loss_fn, kwargs, 300, groups)
    theirs, torch_opt = _run(getattr(torch.optim, name), params, loss_fn, kwargs, 300, groups)
    for a, b in zip(ours, theirs):
        assert torch.equal(a, b), float((a - b).abs().max())
    # the same state under the same names and types, bit for bit
    a, b = ours_opt.state_dict(), torch_opt.state_dict()
    for group in b["param_groups"]:
        group["foreach"] = None
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_empty_parameter_list_is_rejected():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])


def test_the_seeds_damped_momentum_is_sgd_with_scaled_lr_and_no_dampening():
    """v = mu v - lr (1 - mu) g; w += v  equals  torch SGD(lr=lr (1 - mu), momentum=mu, dampening=0)."""
    lr, mu = 0.01, 0.9
    surface = Rosenbrock()
    w = torch.tensor([-1.5, 2.0], dtype=torch.float64)
    v = torch.zeros(2, dtype=torch.float64)
    p = w.clone().requires_grad_(True)
    opt = optim.SGD([p], lr=lr * (1 - mu), momentum=mu)
    p_damp = w.clone().requires_grad_(True)
    opt_damp = optim.SGD([p_damp], lr=lr, momentum=mu, dampening=mu)
    for _ in range(200):
        v = mu * v - lr * (1 - mu) * surface.grad(w)
        w = w + v
        for q, o in ((p, opt), (p_damp, opt_damp)):
            o.zero_grad()
            surface.value(q).backward()
            o.step()
        torch.testing.assert_close(p.detach(), w, rtol=1e-12, atol=1e-12)
    # dampening=mu is *not* the same: torch's buffer starts as the undamped first gradient
    assert not torch.allclose(p_damp.detach(), w, rtol=1e-6)


def test_rules_accept_per_run_tensor_hyper_parameters():
    """A (runs, 1) hyper-parameter gives, row by row, what the scalar would."""
    lrs = torch.tensor([[0.01], [0.1]], dtype=torch.float64)
    p = torch.tensor([[1.0, -2.0], [1.0, -2.0]], dtype=torch.float64)
    state: dict = {}
    surface = Ravine()
    for _ in range(20):
        optim.adam_update(p, surface.grad(p), state, lr=lrs, betas=(0.9, 0.999))
    for row, lr in enumerate((0.01, 0.1)):
        q = torch.tensor([1.0, -2.0], dtype=torch.float64)
        st: dict = {}
        for _ in range(20):
            optim.adam_update(q, surface.grad(q), st, lr=lr)
        torch.testing.assert_close(p[row], q, rtol=1e-12, atol=1e-12)


RUNNER_CASES = [
    ("sgd", "SGD", dict(lr=0.4), {}),
    ("momentum", "SGD", dict(lr=0.4, momentum=0.7), {"momentum": 0.7}),
    ("nesterov", "SGD", dict(lr=0.2, momentum=0.7, nesterov=True), {"momentum": 0.7}),
    ("adagrad", "Adagrad", dict(lr=0.5), {}),
    ("rmsprop", "RMSprop", dict(lr=0.05, alpha=0.9), {"alpha": 0.9}),
    ("adadelta", "Adadelta", dict(lr=1.0), {}),
    ("adam", "Adam", dict(lr=0.1), {}),
    ("amsgrad", "Adam", dict(lr=0.1, amsgrad=True), {}),
]


@pytest.mark.parametrize("rule,cls,kwargs,fixed", RUNNER_CASES, ids=[c[0] for c in RUNNER_CASES])
def test_runner_matches_torch_optim_run_one_trajectory_at_a_time(rule, cls, kwargs, fixed):
    surface = Ravine()
    starts = np.array([[-5.0, -2.0], [1.0, 2.5], [-3.0, 0.5]])
    lrs = [kwargs["lr"], kwargs["lr"] / 4]
    res = optim.run_trajectories(surface, rule, starts, 60, grid={"lr": lrs},
                                 **{k: v for k, v in kwargs.items() if k != "lr"})
    assert res.paths.shape == (6, 61, 2) and res.losses.shape == (6, 61)
    assert not res.diverged.any()
    for i, (setting, start) in enumerate(zip(res.settings, res.starts)):
        p = torch.tensor(start, requires_grad=True)
        opt = getattr(torch.optim, cls)([p], **{**kwargs, "lr": setting["lr"]})
        for t in range(60):
            opt.zero_grad()
            surface.value(p).backward()
            opt.step()
            np.testing.assert_allclose(res.paths[i, t + 1], p.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_runner_marks_diverged_runs_without_warnings():
    surface = Ravine()  # stable for lr < 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = optim.run_trajectories(surface, "sgd", [[-5.0, -2.0]], 300, grid={"lr": [0.1, 0.4, 0.6, 2.0]})
    assert res.diverged.tolist() == [False, False, True, True]
    assert (res.diverged_at[:2] == -1).all() and (res.diverged_at[2:] > 0).all()
    assert res.diverged_at[3] < res.diverged_at[2]  # the larger step blows up sooner
    assert np.isnan(res.losses[2, -1]) and np.isfinite(res.losses[1, -1])
    assert np.isfinite(res.losses[2, res.diverged_at[2] - 1])


def test_runner_momentum_escapes_the_pits_that_stop_gradient_descent():
    res = optim.run_trajectories(PittedCurve(), "momentum", None, 500, grid={"momentum": [0.0, 0.9]}, lr=0.1)
    stuck, through = res.final()[:, 0]
    assert stuck < -1.0 and abs(through) < 1e-3


def test_saddle_traps_gradient_descent_on_its_axis():
    res = optim.run_trajectories(Saddle(), "sgd", [[-1.8, 0.0], [-1.8, 1e-3]], 400, lr=0.05)
    assert np.allclose(res.final()[0], [0, 0], atol=1e-6)
    assert np.allclose(res.final()[1], [0, 1], atol=1e-3)


def test_runner_rejects_bad_input():
    with pytest.raises(ValueError, match="rule"):
        optim.run_trajectories(Ravine(), "sgdd", None, 10, lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        optim.run_trajectories(Ravine(), "sgd", None, 10, grid={"lr": [0.1, -0.1]})
    with pytest.raises(ValueError, match="steps"):
        optim.run_trajectories(Ravine(), "sgd", None, -1, lr=0.1)
    with pytest.raises(ValueError, match="last axis"):
        optim.run_trajectories(Ravine(), "sgd", [[1.0, 2.0, 3.0]], 10, lr=0.1)

def test_maximize_climbs_what_minimize_descends():
    p = torch.tensor([0.3, -0.2], dtype=torch.float64, requires_grad=True)
    q = p.detach().clone().requires_grad_(True)
    up, down = optim.Adam([p], lr=0.01, maximize=True), optim.Adam([q], lr=0.01)
    surface = Rosenbrock()
    for _ in range(50):
        up.zero_grad(), down.zero_grad()
        (-surface.value(p)).backward()
        surface.value(q).backward()
        up.step(), down.step()
    torch.testing.assert_close(p, q)


def test_gd_on_a_quadratic_contracts_at_the_closed_form_rate():
    """On the ravine, plain GD shrinks y by |1 - lr * 0.2 kappa| per step exactly."""
    surface = Ravine(kappa=20)
    lr = 0.3
    res = optim.run_trajectories(surface, "sgd", [[0.0, 1.0]], 10, lr=lr)
    ratios = res.paths[0, 1:, 1] / res.paths[0, :-1, 1]
    np.testing.assert_allclose(ratios, 1 - lr * 4.0, rtol=1e-12)
    assert math.isclose(surface.curvatures[1] / surface.curvatures[0], 20.0)
