"""course_lib.training.sensitivity: the numbers chapter 8 reads off a learning-rate grid."""

from __future__ import annotations

import inspect
import itertools
import math

import numpy as np
import pytest
import torch

from course_lib import training
from course_lib.training.fit import History

HALF = [10 ** (k / 2) for k in range(-4, 3)]  # 0.01 ... 10, half a decade apart


def _widest_band(losses, lrs, factor):
    """Brute force: of all runs of consecutive grid points that contain the best and lie within factor × best,
    the widest."""
    finite = [math.inf if math.isnan(v) else v for v in losses]
    best = min(range(len(finite)), key=lambda i: (finite[i], i))
    widest = (best, best)
    for lo, hi in itertools.combinations_with_replacement(range(len(lrs)), 2):
        if lo <= best <= hi and all(finite[i] <= factor * finite[best] for i in range(lo, hi + 1)):
            if hi - lo > widest[1] - widest[0]:
                widest = (lo, hi)
    return widest


def test_tolerance_band_spans_first_to_last_point_not_points_times_spacing():
    losses = [0.5, 0.1, 0.04, 0.02, 0.03, 0.035, 0.3]  # 0.02 .. 0.04 from 0.1 to 3.16: four points
    band = training.tolerance_band(losses, HALF)
    assert band["best"] == 3 and band["lo"] == pytest.approx(0.1) and band["hi"] == pytest.approx(10**0.5)
    assert band["decades"] == pytest.approx(1.5)  # three spacings of half a decade, not four
    assert not band["at_edge"]


def test_tolerance_band_is_contiguous_and_flags_the_edge():
    losses = [0.03, 0.5, 0.02, 0.5, 0.03, 0.039, 0.04]  # 0.03 at the far left is cut off by the 0.5
    band = training.tolerance_band(losses, HALF)
    assert (band["lo"], band["decades"]) == (HALF[2], 0.0)
    losses = [0.5, 0.5, 0.5, 0.5, 0.03, 0.039, 0.02]
    band = training.tolerance_band(losses, HALF)
    assert band["at_edge"] and band["decades"] == pytest.approx(1.0)
    nan = training.tolerance_band([0.04, 0.02, float("nan"), 0.03], HALF[:4])
    assert nan["hi"] == HALF[1] and nan["lo"] == HALF[0]


@pytest.mark.parametrize("seed", range(20))
def test_tolerance_band_equals_a_brute_force_search(seed):
    rng = np.random.default_rng(seed)
    losses = np.exp(rng.normal(-3, 1, size=9))
    losses[rng.random(9) < 0.15] = np.nan
    if np.isnan(losses).all():
        losses[0] = 0.1
    lrs = np.logspace(-3, 1, 9)
    factor = float(rng.choice([1.5, 2.0, 3.0]))
    lo, hi = _widest_band(list(losses), lrs, factor)
    band = training.tolerance_band(losses, lrs, factor)
    assert (band["lo"], band["hi"]) == (lrs[lo], lrs[hi])
    assert band["decades"] == pytest.approx(math.log10(lrs[hi] / lrs[lo]))


def test_tolerance_band_rejects_bad_input():
    with pytest.raises(ValueError, match="same non-zero length"):
        training.tolerance_band([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="increasing"):
        training.tolerance_band([0.1, 0.2], [1.0, 0.1])
    with pytest.raises(ValueError, match="factor"):
        training.tolerance_band([0.1, 0.2], [0.1, 1.0], factor=0.5)
    with pytest.raises(ValueError, match="NaN"):
        training.tolerance_band([float("nan")] * 2, [0.1, 1.0])


def test_default_lr_is_torchs_own_default():
    torch_classes = {"SGD": torch.optim.SGD, "Momentum": torch.optim.SGD, "Nesterov": torch.optim.SGD,
                     "AdaGrad": torch.optim.Adagrad, "RMSProp": torch.optim.RMSprop, "Adadelta": torch.optim.Adadelta,
                     "Adam": torch.optim.Adam, "AMSGrad": torch.optim.Adam, "AdamW": torch.optim.AdamW}
    assert set(torch_classes) == set(training.OPTIMIZERS)
    for name, cls in torch_classes.items():
        assert training.default_lr(name) == inspect.signature(cls).parameters["lr"].default
    with pytest.raises(ValueError, match="optimizer name"):
        training.default_lr("Lion")


def _fake_results():
    """Two optimizers, three learning rates, two seeds, with known final numbers."""
    def h(loss, acc):
        return History(train_loss=[1.0, loss], valid_loss=[1.0, loss], valid_accuracy=[0.5, acc], lr=[0.1, 0.1])

    return {"SGD": [[h(0.4, 0.6), h(0.03, 0.97), h(0.05, 0.96)], [h(0.4, 0.6), h(0.05, 0.99), h(0.07, 0.94)]],
            "Adam": [[h(0.02, 0.98), h(0.1, 0.9), h(0.5, 0.5)], [h(0.04, 0.96), h(0.2, 0.8), h(0.5, 0.5)]]}


def test_summary_is_mean_sample_std_min_and_max_over_seeds():
    s = training.summary(_fake_results())
    np.testing.assert_allclose(s["SGD"]["mean"], [0.4, 0.04, 0.06])
    np.testing.assert_allclose(s["SGD"]["std"], [0.0, math.sqrt(2) * 0.01, math.sqrt(2) * 0.01])
    np.testing.assert_allclose(s["Adam"]["min"], [0.02, 0.1, 0.5])
    np.testing.assert_allclose(training.summary(_fake_results(), "valid_accuracy")["Adam"]["max"], [0.98, 0.9, 0.5])
    one = training.summary({"SGD": _fake_results()["SGD"][:1]})
    np.testing.assert_array_equal(one["SGD"]["std"], 0.0)


def test_sensitivity_table_reads_the_grid():
    lrs = [0.001, 0.01, 0.1]
    rows = training.sensitivity_table(_fake_results(), lrs)
    sgd, adam = rows["SGD"], rows["Adam"]
    assert sgd["default_lr"] == 0.001 and sgd["default"] == pytest.approx(0.4)
    assert sgd["best_lr"] == 0.01 and sgd["best"] == pytest.approx(0.04) and sgd["acc"] == pytest.approx(0.98)
    assert sgd["std"] == pytest.approx(math.sqrt(2) * 0.01)
    assert (sgd["band"]["lo"], sgd["band"]["hi"]) == (0.01, 0.1)  # 0.06 <= 2 × 0.04; 0.4 is not
    assert adam["best_lr"] == 0.001 and adam["band"]["decades"] == 0.0 and adam["band"]["at_edge"]
    text = training.format_sensitivity_table(rows)
    assert text.splitlines()[1].startswith("SGD") and "0.01 to 0.1 (1.0 dec)" in text
    assert "0.001 to 0.001 (0.0 dec)*" in text
    nan = training.sensitivity_table(_fake_results(), [0.002, 0.01, 0.1])
    assert math.isnan(nan["SGD"]["default"])


def test_sensitivity_results_reject_unknown_names_and_no_seeds():
    with pytest.raises(ValueError, match="optimizers"):
        training.sensitivity_results(None, [0.1], optimizers=["Lion"])
    with pytest.raises(ValueError, match="seeds"):
        training.sensitivity_results(None, [0.1], seeds=())
