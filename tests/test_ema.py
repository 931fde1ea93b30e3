"""course_lib.ema: the recursion, its two starts, bias correction and the weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.data import TEMPERATURES
from course_lib.ema import effective_window, ema, ema_weights

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
sequences = st.lists(finite, min_size=1, max_size=40)
betas = st.floats(0.0, 0.999)


def loop_reference(values, beta, start="first", bias_correction=False):
    """The textbook loop, written as plainly as possible."""
    out = []
    s = values[0] if start == "first" else 0.0
    for t, y in enumerate(values, start=1):
        if start == "first" and t == 1:
            out.append(s)
            continue
        s = beta * s + (1 - beta) * y
        out.append(s / (1 - beta**t) if bias_correction else s)
    return np.array(out)


# --------------------------------------------------------------------------- examples


def test_source_convention_on_the_temperatures():
    s = ema(TEMPERATURES, 0.9)
    assert s.shape == (20,) and s.dtype == np.float64
    assert s[0] == 10.0
    assert s[1] == pytest.approx(0.9 * 10 + 0.1 * 10.5)
    np.testing.assert_allclose(s, loop_reference(list(TEMPERATURES), 0.9), rtol=1e-13)


def test_zero_start_and_bias_correction_by_hand():
    np.testing.assert_allclose(ema([1, 2, 3], 0.5, start="zero"), [0.5, 1.25, 2.125])
    np.testing.assert_allclose(
        ema([1, 2, 3], 0.5, start="zero", bias_correction=True), [1.0, 1.25 / 0.75, 2.125 / 0.875]
    )


def test_beta_zero_returns_the_values():
    y = np.array([3.0, -1.0, 1e20, 1.0])
    for start in ("first", "zero"):
        np.testing.assert_array_equal(ema(y, 0.0, start=start), y)


def test_accepts_lists_and_does_not_modify_input():
    y = np.array([1.0, 2.0, 3.0])
    ema(y, 0.5)
    np.testing.assert_array_equal(y, [1.0, 2.0, 3.0])
    assert ema([1, 2], 0.5).dtype == np.float64


def test_weights_and_effective_window():
    np.testing.assert_allclose(ema_weights(0.9, 3), [0.1, 0.09, 0.081])
    assert effective_window(0.9) == pytest.approx(10)
    assert effective_window(0.98) == pytest.approx(50)
    assert effective_window(0.0) == 1.0


# --------------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(finite, st.integers(1, 40), betas)
def test_constant_sequence_stays_constant_with_first_start(c, n, beta):
    np.testing.assert_array_equal(ema([c] * n, beta), np.full(n, c))


@settings(max_examples=60, deadline=None)
@given(finite, st.integers(1, 40), betas)
def test_bias_correction_recovers_a_constant(c, n, beta):
    got = ema([c] * n, beta, start="zero", bias_correction=True)
    np.testing.assert_allclose(got, np.full(n, c), rtol=1e-12, atol=1e-300)


@settings(max_examples=60, deadline=None)
@given(betas, st.integers(1, 200))
def test_weights_sum_to_one_minus_beta_to_the_n(beta, n):
    w = ema_weights(beta, n)
    assert w.shape == (n,)
    assert (w >= 0).all()
    assert w.sum() == pytest.approx(1 - beta**n, rel=1e-12, abs=1e-14)


@settings(max_examples=60, deadline=None)
@given(sequences, betas)
def test_zero_start_ema_is_the_weighted_sum(values, beta):
    n = len(values)
    last = ema(values, beta, start="zero")[-1]
    want = float(np.dot(ema_weights(beta, n), np.asarray(values)[::-1]))
    scale = max(1.0, float(np.max(np.abs(values))))
    assert last == pytest.approx(want, rel=1e-9, abs=1e-9 * scale)


@settings(max_examples=60, deadline=None)
@given(sequences, betas)
def test_first_start_stays_within_the_range_of_the_inputs(values, beta):
    s = ema(values, beta)
    lo, hi = min(values), max(values)
    tol = 1e-12 * max(1.0, abs(lo), abs(hi))
    assert (s >= lo - tol).all() and (s <= hi + tol).all()


@settings(max_examples=60, deadline=None)
@given(sequences, betas, st.sampled_from([("first", False), ("zero", False), ("zero", True)]))
def test_matches_a_plain_loop(values, beta, variant):
    start, bc = variant
    got = ema(values, beta, start=start, bias_correction=bc)
    want = loop_reference(values, beta, start, bc)
    assert got.shape == (len(values),)
    scale = max(1.0, float(np.max(np.abs(values))))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * scale)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("beta", [-0.1, 1.0, 1.5, float("nan"), float("inf")])
def test_bad_beta(beta):
    with pytest.raises(ValueError, match="Invalid beta"):
        ema([1.0, 2.0], beta)
    with pytest.raises(ValueError, match="Invalid beta"):
        ema_weights(beta, 3)
    with pytest.raises(ValueError, match="Invalid beta"):
        effective_window(beta)


def test_bad_beta_message():
    with pytest.raises(ValueError, match=r"^Invalid beta: -0\.1 \(expected 0 <= beta < 1\)$"):
        ema([1.0], -0.1)
    with pytest.raises(TypeError, match="beta"):
        ema([1.0], "0.9")
    with pytest.raises(TypeError, match="beta"):
        ema([1.0], True)


@pytest.mark.parametrize("values", [[], np.array([])])
def test_empty_sequence(values):
    with pytest.raises(ValueError, match="values must not be empty"):
        ema(values, 0.9)


def test_bad_values():
    with pytest.raises(ValueError, match="1-D"):
        ema([[1.0, 2.0]], 0.9)
    with pytest.raises(ValueError, match="1-D"):
        ema(3.0, 0.9)
    with pytest.raises(ValueError, match="finite"):
        ema([1.0, float("nan")], 0.9)
    with pytest.raises(TypeError, match="values"):
        ema(["a", "b"], 0.9)
    with pytest.raises(TypeError, match="values"):
        ema([[1.0], [2.0, 3.0]], 0.9)


def test_bad_start_and_bias_correction():
    with pytest.raises(ValueError, match="start"):
        ema([1.0], 0.9, start="one")
    with pytest.raises(ValueError, match="bias_correction"):
        ema([1.0], 0.9, bias_correction=True)
    with pytest.raises(TypeError, match="bias_correction"):
        ema([1.0], 0.9, start="zero", bias_correction="yes")


def test_bad_n():
    with pytest.raises(ValueError, match="Invalid n"):
        ema_weights(0.9, 0)
    with pytest.raises(TypeError, match="n"):
        ema_weights(0.9, 2.5)
