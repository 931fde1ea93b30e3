"""course_lib.widgets.ema: the β slider computes the EMA it shows, and shows what draw makes."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.data import TEMPERATURES
from course_lib.widgets.ema import BETAS, beta_slider, ema_frame_data


def plain_loop(values, beta):
    out = [values[0]]
    for y in values[1:]:
        out.append(beta * out[-1] + (1 - beta) * y)
    return np.array(out)


@pytest.fixture(scope="module")
def widget():
    return beta_slider((0.5, 0.9, 0.98))


def test_default_grid_is_small():
    assert len(BETAS) <= 60 and 0.5 in BETAS and 0.9 in BETAS


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98])
def test_result_is_the_ema_of_the_temperatures(widget, beta):
    widget.set(beta=beta)
    r = widget.result
    np.testing.assert_allclose(r["ema"], plain_loop(list(TEMPERATURES), beta), rtol=1e-12)
    np.testing.assert_allclose(r["weights"], [(1 - beta) * beta**k for k in range(20)], rtol=1e-12)
    assert r["window"] == pytest.approx(1 / (1 - beta))
    s = plain_loop(list(TEMPERATURES), beta)
    assert r["lag"] == pytest.approx(np.mean(TEMPERATURES[10:] - s[10:]))


def test_larger_beta_lags_more(widget):
    lags = [ema_frame_data(b)["lag"] for b in (0.5, 0.9, 0.98)]
    assert lags[0] < lags[1] < lags[2]


def test_frames_follow_the_slider(widget):
    widget.set(beta=0.5)
    a = widget.frame
    assert a == widget.frame_for(beta=0.5)
    widget.set(beta=0.9)
    b = widget.frame
    assert b == widget.frame_for(beta=0.9)
    assert a != b
    assert widget.frame == widget.render(**widget.values)
    assert widget.values == {"beta": 0.9}


def test_widget_is_small(widget):
    assert widget.n_frames == 3
    assert widget.nbytes < 3 * 60_000


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.98])
def test_the_bars_are_the_weights_of_the_last_average(beta):
    """The right panel's bars, day 1's included, weigh the temperatures into the EMA's last value
    (the S_1 = Y_1 start leaves day 1 beta^(n-1)), and they sum to 1."""
    d = ema_frame_data(beta)
    bars = d["weights"].copy()
    bars[-1] = d["first_weight"]
    newest_first = np.asarray(TEMPERATURES)[::-1]
    assert bars @ newest_first == pytest.approx(plain_loop(list(TEMPERATURES), beta)[-1], rel=1e-12)
    assert bars.sum() == pytest.approx(1.0, rel=1e-12)
