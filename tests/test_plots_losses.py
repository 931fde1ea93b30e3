"""course_lib.plots.losses: chapter 2's figure draws exactly the values it is given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from course_lib.plots import losses as P  # noqa: E402


def test_naive_vs_stable_draws_both_losses_and_gradients():
    zs = torch.linspace(0, 40, 81, requires_grad=True)
    zero = torch.zeros_like(zs)
    naive = F.binary_cross_entropy(torch.sigmoid(zs), zero, reduction="none")
    stable = F.binary_cross_entropy_with_logits(zs, zero, reduction="none")
    (g_naive,) = torch.autograd.grad(naive.sum(), zs)
    (g_stable,) = torch.autograd.grad(stable.sum(), zs)
    fig = P.naive_vs_stable(zs, (naive, stable), (g_naive, g_stable), labels=("BCELoss", "BCEWithLogitsLoss"))
    ax1, ax2 = fig.axes
    np.testing.assert_array_equal(ax1.lines[0].get_ydata(), naive.detach().numpy())
    np.testing.assert_array_equal(ax1.lines[1].get_ydata(), stable.detach().numpy())
    np.testing.assert_array_equal(ax2.lines[1].get_ydata(), g_stable.numpy())
    # what the chapter reads off the figure: the stable gradient is sigma(z) - 0, the naive one collapses to 0
    np.testing.assert_allclose(ax2.lines[1].get_ydata(), torch.sigmoid(zs).detach().numpy(), atol=1e-6)
    assert ax2.lines[0].get_ydata()[-1] == 0.0 and ax1.lines[0].get_ydata()[-1] == pytest.approx(100.0)
    assert [t.get_text() for t in ax1.get_legend().get_texts()] == ["BCELoss", "BCEWithLogitsLoss"]
    assert ax1.get_xlabel() == "logit $z$ (target 0)" and ax2.get_title() == "gradient, float32"
    plt.close(fig)


def test_naive_vs_stable_refuses_mismatched_input():
    with pytest.raises(ValueError, match="2 values for 3 logits"):
        P.naive_vs_stable([0, 1, 2], ([0, 1], [0, 1, 2]), ([0, 1, 2], [0, 1, 2]))
    with pytest.raises(ValueError, match="two losses"):
        P.naive_vs_stable([0, 1, 2], ([0, 1, 2],), ([0, 1, 2], [0, 1, 2]))
    plt.close("all")
