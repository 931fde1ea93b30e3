"""The widgets and animations of the momentum chapter: what they compute (against torch, plain loops and
the closed-form rates) and what they show."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import inspect
import math

import numpy as np
import pytest
import torch

from course_lib import rates
from course_lib.surfaces import PittedCurve, Ravine
from course_lib.widgets import momentum as WM


def plain_loop(grad, x0, lr, momentum, steps, nesterov=False):
    """torch's SGD with momentum written out in Python floats (buffer starts at the first gradient)."""
    x = [float(v) for v in x0]
    buf = None
    path = [list(x)]
    for _ in range(steps):
        g = [float(v) for v in grad(x)]
        if momentum:
            buf = g if buf is None else [momentum * b + gi for b, gi in zip(buf, g)]
            d = [gi + momentum * b for gi, b in zip(g, buf)] if nesterov else buf
        else:
            d = g
        x = [xi - lr * di for xi, di in zip(x, d)]
        path.append(list(x))
    return np.array(path)


def torch_path(surface, start, steps, **kwargs):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], **kwargs)
    out = [p.detach().clone().numpy()]
    for _ in range(steps):
        opt.zero_grad()
        surface.value(p).backward()
        opt.step()
        out.append(p.detach().clone().numpy())
    return np.array(out)


# --------------------------------------------------------------------------- pitted curve


@pytest.fixture(scope="module")
def pitted():
    return WM.pitted_widget(momenta=(0.0, 0.9), steps=150)


def test_pitted_result_is_the_plain_loop_and_the_story_holds(pitted):
    surface = PittedCurve()
    for m, final in ((0.0, -1.8701), (0.9, 0.0)):
        r = pitted.set(momentum=m).result
        ref = plain_loop(lambda x: surface.grad(x).numpy(), [-5.0], 0.1, m, 150)[:, 0]
        np.testing.assert_allclose(r["x"], ref, rtol=1e-10, atol=1e-12)
        assert abs(r["final"] - final) < 2e-3
    # and against torch.optim.SGD
    np.testing.assert_allclose(pitted.result["x"], torch_path(surface, [-5.0], 150, lr=0.1, momentum=0.9)[:, 0],
                               rtol=1e-10, atol=1e-12)


def test_pitted_frames(pitted):
    w = pitted
    assert w.n_frames == 2
    w.set(momentum=0.9)
    assert w.frame == w.frame_for(momentum=0.9)
    assert w.frame == w.render(**w.values)
    w.set(momentum=0.0)
    assert w.frame == w.frame_for(momentum=0.0)
    assert w.frame_for(momentum=0.0) != w.frame_for(momentum=0.9)
    assert repr(w).startswith("FrameWidget(")


def test_the_default_pitted_grid_shows_stuck_and_rolling():
    finals = {m: WM.pitted_run(m)["final"] for m in (0.0, 0.7, 0.8, 0.9)}
    assert finals[0.0] < -1.8 and finals[0.7] < -1.8
    assert abs(finals[0.8]) < 1e-2 and abs(finals[0.9]) < 1e-2


# --------------------------------------------------------------------------- ravine


@pytest.fixture(scope="module")
def ravine():
    return WM.ravine_widget(lrs=(0.2, 0.6), momenta=(0.7,), steps=40)


@pytest.mark.parametrize("optimizer, kwargs", [("plain GD", {}), ("momentum", {"momentum": 0.7}),
                                               ("Nesterov", {"momentum": 0.7, "nesterov": True})])
def test_ravine_result_matches_torch(ravine, optimizer, kwargs):
    r = ravine.set(optimizer=optimizer, lr=0.2, momentum=0.7).result
    ref = torch_path(Ravine(), [-5.0, -2.0], 40, lr=0.2, **kwargs)
    np.testing.assert_allclose(r["path"], ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r["loss"], 0.1 * ref[:, 0] ** 2 + 2 * ref[:, 1] ** 2, rtol=1e-10, atol=1e-14)
    assert r["diverged_at"] == -1


def test_ravine_large_step_diverges_for_plain_gd_only(ravine):
    """lr 0.6 > 2/L = 0.5: plain GD blows up; heavy ball (limit 2(1 + 0.7)/4 = 0.85) does not."""
    r = ravine.set(optimizer="plain GD", lr=0.6).result
    assert r["diverged_at"] > 0 and np.isnan(r["path"][-1]).all()
    ys = r["path"][: r["diverged_at"], 1]
    np.testing.assert_allclose(ys[1:] / ys[:-1], 1 - 0.6 * 4.0, rtol=1e-12)  # y is multiplied by -1.4 per step
    assert ravine.set(optimizer="momentum").result["diverged_at"] == -1


def test_ravine_frames(ravine):
    w = ravine
    assert w.n_frames == 6
    w.set(optimizer="momentum", lr=0.6, momentum=0.7)
    assert w.frame == w.frame_for(optimizer="momentum", lr=0.6, momentum=0.7)
    assert w.frame == w.render(**w.values)
    w.set(optimizer="Nesterov")
    assert w.frame == w.frame_for(optimizer="Nesterov", lr=0.6, momentum=0.7)
    assert w.frame != w.frame_for(optimizer="momentum")
    assert w.frame_for(lr=0.2) != w.frame_for(lr=0.6)
    with pytest.raises(ValueError, match="optimizer"):
        WM.ravine_widget(optimizers=("Adam",))


# --------------------------------------------------------------------------- rate map


@pytest.fixture(scope="module")
def rate_map():
    return WM.rate_map_widget(kappas=(20.0, 100.0), n=10)


@pytest.mark.parametrize("kappa", [20.0, 100.0])
@pytest.mark.parametrize("method, theory_fn", [("heavy ball (momentum)", rates.heavy_ball_rate),
                                               ("Nesterov", rates.nesterov_rate)])
def test_rate_map_agrees_with_the_closed_form(rate_map, kappa, method, theory_fn):
    d = rate_map.set(kappa=kappa, method=method).result
    mu, L = 0.2, 0.2 * kappa
    theory = theory_fn(d["lrs"][None, :], d["momenta"][:, None], [mu, L])
    np.testing.assert_allclose(d["theory"], theory)
    fine = theory < 0.97
    assert fine.sum() > 8
    np.testing.assert_allclose(d["measured"][fine], theory[fine], atol=0.02)
    assert np.isinf(d["measured"][theory > 1.05]).all()
    # the marked optimum is the closed form
    want = rates.heavy_ball_optimal(L, mu) if "heavy" in method else rates.nesterov_optimal(L, mu)
    assert d["optimal"] == pytest.approx(want)


def test_rate_map_cell_is_a_plain_loop_run(rate_map):
    d = rate_map.set(kappa=20.0, method="heavy ball (momentum)").result
    i, j = 6, 4
    surface = Ravine(kappa=20.0)
    path = plain_loop(lambda x: surface.grad(x).numpy(), [-5.0, -2.0], d["lrs"][j], d["momenta"][i], d["steps"])
    errors = np.hypot(path[:, 0], path[:, 1])
    assert math.isclose(rates.empirical_rate(errors), d["measured"][i, j], rel_tol=1e-9)


def test_rate_map_frames(rate_map):
    w = rate_map
    assert w.n_frames == 4
    w.set(kappa=100.0, method="Nesterov")
    assert w.frame == w.frame_for(kappa=100.0, method="Nesterov")
    assert w.frame == w.render(**w.values)
    assert w.frame != w.frame_for(kappa=20.0)
    assert w.frame != w.frame_for(method="heavy ball (momentum)")


def test_map_grid_and_steps():
    lrs, momenta = WM.map_grid(L=4.0, n=30)
    assert lrs[-1] == pytest.approx(1.0) and lrs[0] > 0 and momenta[0] == 0.0 and momenta[-1] == pytest.approx(0.98)
    assert np.all(np.diff(momenta) > 0)
    assert WM.map_steps(5) == 300 and WM.map_steps(1000) == 1265 and WM.map_steps(1e6) == 1500


# --------------------------------------------------------------------------- animations


def _frames(html) -> int:
    return html.data.count("data:image/png;base64")


def test_animations_have_at_most_40_deterministic_frames():
    a = WM.rolling_ball_animation(steps=12, frames=4)
    assert _frames(a) == 4
    b = WM.ravine_animation(steps=3)
    assert _frames(b) == 4
    assert b.data == WM.ravine_animation(steps=3).data  # element ids hashed: identical bytes on a rebuild
    ravine = inspect.signature(WM.ravine_animation).parameters
    ball = inspect.signature(WM.rolling_ball_animation).parameters
    assert ravine["steps"].default + 1 <= 40 and ball["frames"].default <= 40
