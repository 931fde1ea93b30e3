"""course_lib.widgets.adaptive: the race computes what torch.optim computes, tunes honestly, and shows what it says."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib.training import settle_steps
from course_lib.widgets.adaptive import (
    BETAS,
    LR_SCALES,
    RACE_STEPS,
    RACE_SURFACES,
    TOL,
    TUNE_LRS,
    WIDGET_RULES,
    inside_window,
    optimizer_race,
    race_animation,
    race_run,
    tune,
)

TORCH = {
    "sgd": lambda p, lr, b: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr, b: torch.optim.SGD(p, lr=lr, momentum=b),
    "nesterov": lambda p, lr, b: torch.optim.SGD(p, lr=lr, momentum=b, nesterov=True),
    "adagrad": lambda p, lr, b: torch.optim.Adagrad(p, lr=lr),
    "rmsprop": lambda p, lr, b: torch.optim.RMSprop(p, lr=lr),
    "adadelta": lambda p, lr, b: torch.optim.Adadelta(p, lr=lr),
    "adam": lambda p, lr, b: torch.optim.Adam(p, lr=lr, betas=(b, 0.999)),
    "amsgrad": lambda p, lr, b: torch.optim.Adam(p, lr=lr, betas=(b, 0.999), amsgrad=True),
}


def torch_path(surface_name, rule, lr, steps, beta=None):
    """The reference: torch.optim on a 2-vector, the surface's hand-written gradient as .grad."""
    surface = RACE_SURFACES[surface_name]
    p = torch.tensor(surface.start, dtype=torch.float64, requires_grad=True)
    opt = TORCH[rule]([p], lr, beta)
    path = [p.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        p.grad = surface.grad(p.detach()).clone()
        opt.step()
        path.append(p.detach().clone())
    return torch.stack(path).numpy()


@pytest.mark.parametrize("surface, rule, scale, beta", [
    ("ravine", "momentum", 1.0, 0.4), ("ravine", "rmsprop", 2.0, None), ("saddle", "adam", 0.5, 0.6),
    ("Rosenbrock", "adagrad", 1.0, None), ("saddle", "adadelta", 4.0, None), ("ravine", "amsgrad", 1.0, 0.9),
    ("saddle", "sgd", 0.25, None),
])
def test_a_race_run_equals_torch_optim(surface, rule, scale, beta):
    r = race_run(surface, rule, scale, beta, steps=60)
    assert r["lr"] == pytest.approx(tune(surface, rule, beta, steps=60)["lr"] * scale)
    want = torch_path(surface, rule, r["lr"], 60, beta)
    np.testing.assert_allclose(r["path"], want, rtol=1e-9, atol=1e-12)
    values = RACE_SURFACES[surface].value(r["path"]).numpy()
    np.testing.assert_allclose(r["gap"], values - RACE_SURFACES[surface].minimum_value, rtol=1e-9, atol=1e-12)


def _settle_by_hand(gaps, tol):
    """The step from which the gap stays below tol: a plain loop, backwards."""
    last_above = max((t for t, g in enumerate(gaps) if not g <= tol), default=-1)
    return last_above + 1 if last_above + 1 < len(gaps) else -1


def test_tuning_picks_the_fastest_rate_that_stays_in_the_window():
    # momentum on the ravine with beta = 0.4: the tuned rate and its neighbours on the grid, run by torch
    best = tune("ravine", "momentum", 0.4)
    i = TUNE_LRS.index(best["lr"])
    window = RACE_SURFACES["ravine"].window
    low = RACE_SURFACES["ravine"].minimum_value
    found = {}
    for lr in TUNE_LRS[i - 2:i + 3]:
        path = torch_path("ravine", "momentum", lr, RACE_STEPS["ravine"], 0.4)
        gaps = RACE_SURFACES["ravine"].value(path).numpy() - low
        inside = bool(((path[:, 0] >= window[0][0]) & (path[:, 0] <= window[0][1])
                       & (path[:, 1] >= window[1][0]) & (path[:, 1] <= window[1][1])).all())
        found[lr] = _settle_by_hand(gaps, TOL) if inside else -1
    assert found[best["lr"]] == best["steps"] > 0
    assert all(s < 0 or s >= best["steps"] for s in found.values())
    # Chapter 5's heavy-ball optimum for kappa = 20 is beta 0.40, eta 0.67: the grid's nearest do best
    assert best["lr"] == pytest.approx(0.5623, rel=1e-3)
    assert tune("ravine", "momentum")["beta"] == 0.4


def test_a_run_leaving_the_window_does_not_count():
    # RMSProp's first step is 10 lr: at lr 42 it lands at (417, 420), then comes back and settles in 4 steps
    s = RACE_SURFACES["ravine"]
    wild = 10 ** (13 / 8)
    from course_lib.optim import run_trajectories

    runs = run_trajectories(s, "rmsprop", steps=RACE_STEPS["ravine"], lr=wild)
    assert runs.paths[0, 1, 0] > 400 and settle_steps(runs.losses, TOL, s.minimum_value)[0] == 4
    assert not inside_window(runs.paths, s.window)[0]
    assert tune("ravine", "rmsprop")["lr"] < 1


def test_tuning_without_a_settled_run_reports_the_lowest_final_gap():
    r = tune("ravine", "adadelta")
    assert r["steps"] == -1 and 0 < r["final_gap"] < 1e-2
    assert r["final_gap"] == pytest.approx(race_run("ravine", "adadelta")["final_gap"])


def test_bad_arguments_name_the_parameter():
    with pytest.raises(ValueError, match="Invalid surface"):
        tune("bowl", "sgd")
    with pytest.raises(ValueError, match="Invalid rule"):
        tune("ravine", "lion")
    with pytest.raises(ValueError, match="has no beta"):
        tune("ravine", "sgd", 0.9)
    with pytest.raises(ValueError, match="Invalid beta"):
        optimizer_race(beta=0.5)
    with pytest.raises(ValueError, match="Invalid rule"):
        optimizer_race(rules=("sgd", "lion"))


@pytest.fixture(scope="module")
def widget():
    return optimizer_race(surfaces=("ravine", "saddle"), rules=("sgd", "momentum", "rmsprop"),
                          on=("momentum", "rmsprop"), steps=60)


def test_the_widgets_images_add_up(widget):
    # 2 backgrounds; per surface 5 rates for SGD and RMSProp, 5 rates x 5 betas for momentum
    assert widget.n_frames == 2 + 2 * (5 + 25 + 5)
    assert [c.name for c in widget.controls] == ["surface", "sgd_on", "sgd_lr", "momentum_on", "momentum_lr",
                                                 "momentum_beta", "rmsprop_on", "rmsprop_lr"]


def test_setting_the_controls_shows_those_runs(widget):
    widget.set(surface="ravine", sgd_on=True, sgd_lr=2.0, momentum_beta=0.4, momentum_lr=1.0, rmsprop_on=False)
    assert widget.shown_layers == ["sgd", "momentum"]
    result = widget.result
    assert set(result) == {"sgd", "momentum"}
    sgd, mom = result["sgd"], result["momentum"]
    assert sgd["lr"] == pytest.approx(2 * tune("ravine", "sgd", steps=60)["lr"])
    assert sgd["diverged"]  # twice the best rate passes 2 / L = 0.5 on the ravine
    np.testing.assert_allclose(mom["path"], torch_path("ravine", "momentum", mom["lr"], 60, 0.4), rtol=1e-9,
                               atol=1e-12)
    alts = widget.alts
    assert alts[0].startswith("Optimizer race on the ravine")
    assert alts[1].startswith("SGD on the ravine") and "diverges at step" in alts[1] and "2 × its tuned rate" in alts[1]
    assert alts[2].startswith("momentum on the ravine") and "β = 0.4" in alts[2]
    assert f"stays below 1e-6 from step {mom['settle']}" in alts[2]
    assert widget.frame == widget.frame_for(**widget.values)


def test_a_layer_switched_off_is_not_read_nor_drawn(widget):
    widget.set(surface="saddle", sgd_on=False, momentum_on=False, rmsprop_on=True, rmsprop_lr=1.0)
    assert widget.shown_layers == ["rmsprop"] and len(widget.frames) == 2
    assert "momentum" not in widget.alt and "SGD" not in widget.alt
    r = widget.result["rmsprop"]
    assert f"RMSProp on the saddle, learning rate {r['lr']:.3g} (its tuned rate)" in widget.alt


def test_default_widget_is_within_its_share_of_the_page_budget():
    assert len(WIDGET_RULES) == 6 and len(BETAS) == 5 and len(LR_SCALES) == 5
    images = len(RACE_SURFACES) * (1 + 4 * len(LR_SCALES) + 2 * len(LR_SCALES) * len(BETAS))
    assert images == 213  # the page holds them base64-encoded: keep them to about 1.3 MB (optimizer_race().nbytes)


def test_race_animation_is_small_and_deterministic():
    a = race_animation(frames=3, steps=30).data
    b = race_animation(frames=3, steps=30).data
    assert a == b
    assert a.count("data:image/png") == 3  # palette PNG frames
    assert len(a) < 200_000
    assert "Optimizer race on the saddle at tuned settings, step 30 of 30" in a
