"""course_lib.surfaces.stationary_points: every zero of a 1-D slope, against closed forms and a dense scan."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from course_lib.surfaces import Parabola, PittedCurve, Ravine, stationary_points


def _autograd_slope(surface, x: float) -> float:
    t = torch.tensor([x], dtype=torch.float64, requires_grad=True)
    surface.value(t).backward()
    return float(t.grad[0])


def test_the_pitted_curve_has_two_pits_and_two_rims():
    surface = PittedCurve()
    points = stationary_points(surface)
    assert [kind for _, kind in points] == ["minimum", "maximum", "minimum", "maximum", "minimum"]
    xs = [x for x, _ in points]
    assert xs[2] == 0.0
    assert math.isclose(xs[0], -xs[4], rel_tol=1e-12) and math.isclose(xs[1], -xs[3], rel_tol=1e-12)
    assert round(xs[4], 4) == 1.8701 and round(xs[3], 4) == 1.1822
    for x in xs:  # zeros of the slope as autograd computes it, to float64 precision
        assert abs(_autograd_slope(surface, x)) < 1e-14
    # no zero beyond |x| = 3: there |0.2 x| > 0.6 >= |0.6 sin 3x|, and a scan of 10^6 points agrees
    dense = np.linspace(-50, 50, 1_000_001)
    slope = 0.2 * dense + 0.6 * np.sin(3 * dense)
    changes = np.concatenate([dense[:-1][np.sign(slope[:-1]) * np.sign(slope[1:]) < 0], dense[slope == 0]])
    assert len(changes) == 5 and np.abs(changes).max() < 3


def test_closed_form_zeros_of_a_pure_ripple():
    # a = 0: f = b - b cos(cx), f' = bc sin(cx), zeros at k pi / c; minima for even k
    surface = PittedCurve(a=0.0, b=0.2, c=3.0)
    points = stationary_points(surface)
    ks = range(-5, 6)  # k pi / 3 inside the window [-5.5, 5.5]
    assert len(points) == len(ks)
    for (x, kind), k in zip(points, ks):
        assert math.isclose(x, k * math.pi / 3, abs_tol=1e-12)
        assert kind == ("minimum" if k % 2 == 0 else "maximum")


def test_a_range_and_the_parabola():
    assert stationary_points(Parabola()) == [(0.0, "minimum")]
    right = stationary_points(PittedCurve(), 0.5, 3.0)
    assert [kind for _, kind in right] == ["maximum", "minimum"]
    assert stationary_points(PittedCurve(), 2.0, 5.0) == []


@pytest.mark.parametrize("kwargs, match", [
    ({"surface": Ravine()}, "1-D surface"),
    ({"n": 2}, "n"),
    ({"n": 10.0}, "n"),
    ({"lo": 1.0, "hi": 1.0}, "range"),
    ({"lo": float("nan")}, "range"),
])
def test_bad_arguments_name_the_parameter(kwargs, match):
    surface = kwargs.pop("surface", PittedCurve())
    with pytest.raises(ValueError, match=match):
        stationary_points(surface, **kwargs)
