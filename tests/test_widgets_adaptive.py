"""course_lib.widgets.adaptive: the race computes what torch.optim computes, and shows what draw makes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.widgets.adaptive import (
    OPTIMIZER_SETS,
    RACE_LR,
    RACE_STEPS,
    RACE_SURFACES,
    SCALES,
    optimizer_race,
    race_animation,
    race_result,
)

TORCH = {
    "sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr),
    "adadelta": lambda p, lr: torch.optim.Adadelta(p, lr=lr),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr),
    "amsgrad": lambda p, lr: torch.optim.Adam(p, lr=lr, amsgrad=True),
}


def torch_path(surface_name, rule, lr, steps):
    """The reference: torch.optim on a 2-vector, the surface's hand-written gradient as .grad."""
    surface = RACE_SURFACES[surface_name]
    p = torch.tensor(surface.start, dtype=torch.float64, requires_grad=True)
    opt = TORCH[rule]([p], lr)
    path = [p.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        p.grad = surface.grad(p.detach()).clone()
        opt.step()
        path.append(p.detach().clone())
    return torch.stack(path).numpy()


@pytest.fixture(scope="module")
def widget():
    return optimizer_race(surfaces=("ravine", "saddle"), sets=("momentum, RMSProp, Adam",), scales=(0.5, 1.0),
                          steps=60)


def test_default_grid_is_small():
    assert len(RACE_SURFACES) * len(OPTIMIZER_SETS) * len(SCALES) <= 60
    for surface in RACE_SURFACES:
        assert set(RACE_LR[surface]) == set(TORCH)


@pytest.mark.parametrize("surface, scale", [("ravine", 1.0), ("saddle", 0.5)])
def test_result_equals_torch_optim(widget, surface, scale):
    widget.set(surface=surface, scale=scale)
    result = widget.result
    assert set(result) == {"momentum", "rmsprop", "adam"}
    for rule, r in result.items():
        lr = RACE_LR[surface][rule] * scale
        assert r["lr"] == pytest.approx(lr)
        np.testing.assert_allclose(r["path"], torch_path(surface, rule, lr, 60), rtol=1e-9, atol=1e-12)
        values = RACE_SURFACES[surface].value(r["path"]).numpy()
        np.testing.assert_allclose(r["loss"], values, rtol=1e-12)
        np.testing.assert_allclose(r["gap"], values - RACE_SURFACES[surface].minimum_value, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("rule", ["sgd", "nesterov", "adagrad", "adadelta", "amsgrad"])
def test_every_rule_of_the_race_equals_torch(rule):
    r = race_result("Rosenbrock", [rule], 1.0, steps=40)[rule]
    np.testing.assert_allclose(r["path"], torch_path("Rosenbrock", rule, RACE_LR["Rosenbrock"][rule], 40),
                               rtol=1e-9, atol=1e-12)


def test_a_too_large_rate_diverges_and_is_marked():
    r = race_result("ravine", ["sgd"], 2.0)["sgd"]  # lr 0.8 > 2 / L = 0.5 on the ravine
    assert r["diverged"] and np.isnan(r["path"][-1]).all()
    assert not race_result("ravine", ["sgd"], 1.0)["sgd"]["diverged"]


def test_default_steps():
    r = race_result("Rosenbrock", ["adam"])["adam"]
    assert r["path"].shape == (RACE_STEPS["Rosenbrock"] + 1, 2)


def test_frames_follow_the_controls(widget):
    widget.set(surface="ravine", scale=1.0)
    a = widget.frame
    assert a == widget.frame_for(surface="ravine", optimizers="momentum, RMSProp, Adam", scale=1.0)
    widget.set(surface="saddle", scale=0.5)
    b = widget.frame
    assert b == widget.frame_for(surface="saddle", scale=0.5)
    assert a != b
    assert widget.frame == widget.render(**widget.values)
    assert widget.n_frames == 4


def test_invalid_set_is_refused():
    with pytest.raises(ValueError, match="optimizer set"):
        optimizer_race(sets=("Lion",))


def test_race_animation_is_small_and_deterministic():
    a = race_animation(frames=3, steps=30).data
    b = race_animation(frames=3, steps=30).data
    assert a == b
    assert a.count("data:image/png") == 3  # palette PNG frames
    assert len(a) < 200_000
