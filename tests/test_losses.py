"""course_lib.losses against torch.nn.functional, autograd and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_lib import losses as L

REDUCTIONS = ("mean", "sum", "none")
F64 = torch.float64


# --------------------------------------------------------------------------- the cases

# name: (our loss, our gradient, torch's loss, kind of data, extra keyword arguments)
CASES = {
    "mae": (L.mae, L.mae_grad, F.l1_loss, "reg", {}),
    "mse": (L.mse, L.mse_grad, F.mse_loss, "reg", {}),
    "smooth_l1": (L.smooth_l1, L.smooth_l1_grad, F.smooth_l1_loss, "reg", {}),
    "smooth_l1_beta0.3": (L.smooth_l1, L.smooth_l1_grad, F.smooth_l1_loss, "reg", {"beta": 0.3}),
    "smooth_l1_beta0": (L.smooth_l1, L.smooth_l1_grad, F.smooth_l1_loss, "reg", {"beta": 0.0}),
    "huber": (L.huber, L.huber_grad, F.huber_loss, "reg", {}),
    "huber_delta2.5": (L.huber, L.huber_grad, F.huber_loss, "reg", {"delta": 2.5}),
    "cross_entropy": (L.cross_entropy, L.cross_entropy_grad, F.cross_entropy, "ce", {}),
    "cross_entropy_1d": (L.cross_entropy, L.cross_entropy_grad, F.cross_entropy, "ce1d", {}),
    "bce": (L.bce, L.bce_grad, F.binary_cross_entropy, "prob", {}),
    "bce_with_logits": (
        L.bce_with_logits, L.bce_with_logits_grad, F.binary_cross_entropy_with_logits, "logit", {}
    ),
}


def make_data(kind: str, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    if kind == "reg":
        return torch.randn(4, 5, generator=g, dtype=F64) * 2, torch.randn(4, 5, generator=g, dtype=F64) * 2
    if kind == "ce":
        return torch.randn(6, 4, generator=g, dtype=F64) * 2, torch.randint(0, 4, (6,), generator=g)
    if kind == "ce1d":
        return torch.randn(5, generator=g, dtype=F64), torch.tensor(3)
    if kind == "prob":
        return 0.05 + 0.9 * torch.rand(3, 4, generator=g, dtype=F64), torch.rand(3, 4, generator=g, dtype=F64)
    if kind == "logit":
        return torch.randn(3, 4, generator=g, dtype=F64) * 3, torch.rand(3, 4, generator=g, dtype=F64)
    raise AssertionError(kind)


def central_differences(f, x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """d f / d x by central differences; f maps a tensor shaped like x to a scalar."""
    grad = torch.zeros_like(x)
    flat_x, flat_g = x.view(-1), grad.view(-1)
    for i in range(flat_x.numel()):
        old = flat_x[i].item()
        flat_x[i] = old + eps
        up = f(x).item()
        flat_x[i] = old - eps
        down = f(x).item()
        flat_x[i] = old
        flat_g[i] = (up - down) / (2 * eps)
    return grad


# --------------------------------------------------------------------------- agreement on fixed random data


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASES)
def test_loss_matches_torch(name, reduction):
    ours, _, theirs, kind, kw = CASES[name]
    for seed in range(3):
        x, t = make_data(kind, seed)
        got = ours(x, t, reduction=reduction, **kw)
        want = theirs(x, t, reduction=reduction, **kw)
        assert got.shape == want.shape
        assert got.dtype == F64
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASES)
def test_grad_matches_autograd_and_finite_differences(name, reduction):
    ours, ours_grad, theirs, kind, kw = CASES[name]
    x, t = make_data(kind, seed=1)
    g = ours_grad(x, t, reduction=reduction, **kw)
    assert g.shape == x.shape and g.dtype == x.dtype

    # torch's own autograd of torch's own loss
    xr = x.clone().requires_grad_(True)
    theirs(xr, t, reduction=reduction, **kw).sum().backward()
    torch.testing.assert_close(g, xr.grad, rtol=1e-10, atol=1e-12)

    # autograd through our implementation
    xr = x.clone().requires_grad_(True)
    ours(xr, t, reduction=reduction, **kw).sum().backward()
    torch.testing.assert_close(g, xr.grad, rtol=1e-10, atol=1e-12)

    # central finite differences of our loss (the gradient of the sum for 'none')
    fd = central_differences(lambda z: ours(z, t, reduction=reduction, **kw).sum(), x.clone())
    torch.testing.assert_close(g, fd, rtol=1e-5, atol=1e-6)


def test_grad_functions_do_not_build_graphs():
    x = torch.randn(3, dtype=F64, requires_grad=True)
    g = L.mse_grad(x, torch.zeros(3, dtype=F64))
    assert not g.requires_grad


# --------------------------------------------------------------------------- the source's examples


def test_source_mae():
    assert L.mae(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0, 5.0, 6.0])).item() == 3.0


def test_source_mse():
    got = L.mse(torch.tensor([1.0, 4.0, 5.0]), torch.tensor([6.0, 3.0, 2.0]))
    assert got.item() == pytest.approx(35 / 3)


def test_source_smooth_l1():
    pred = torch.tensor([1.0, 2.0, 3.0, 4.0])
    target = torch.tensor([3.0, 2.5, 3.5, 4.5])
    got = L.smooth_l1(pred, target)
    assert got.item() == pytest.approx((1.5 + 3 * 0.125) / 4)
    torch.testing.assert_close(got, F.smooth_l1_loss(pred, target))
    elementwise = L.smooth_l1(pred, target, reduction="none")
    torch.testing.assert_close(elementwise, torch.tensor([1.5, 0.125, 0.125, 0.125]))


def test_source_cross_entropy():
    logits = torch.tensor([[1.5, 2.0, 0.5], [0.5, 1.0, 1.5]])
    labels = torch.tensor([1, 2])
    got = L.cross_entropy(logits, labels)
    torch.testing.assert_close(got, F.cross_entropy(logits, labels))
    row = lambda z, k: -z[k] + math.log(sum(math.exp(v) for v in z))
    assert got.item() == pytest.approx((row([1.5, 2.0, 0.5], 1) + row([0.5, 1.0, 1.5], 2)) / 2, rel=1e-6)


def test_source_bce():
    probs = torch.tensor([0.7, 0.2, 0.9, 0.7])
    targets = torch.tensor([1.0, 0.0, 1.0, 0.0])
    got = L.bce(probs, targets)
    torch.testing.assert_close(got, F.binary_cross_entropy(probs, targets))
    want = -(math.log(0.7) + math.log(0.8) + math.log(0.9) + math.log(0.3)) / 4
    assert got.item() == pytest.approx(want, rel=1e-6)


# --------------------------------------------------------------------------- edge cases


def test_mae_subgradient_at_zero_is_zero_like_torch():
    x = torch.tensor([1.0, 2.0, 3.0], dtype=F64, requires_grad=True)
    t = torch.tensor([1.0, 0.0, 5.0], dtype=F64)
    F.l1_loss(x, t).backward()
    g = L.mae_grad(x, t)
    torch.testing.assert_close(g, x.grad)
    assert g[0].item() == 0.0


def test_bce_clamps_logs_at_minus_100_like_torch():
    p = torch.tensor([0.0, 1.0, 0.0, 1.0, 1e-300], dtype=F64)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0], dtype=F64)
    got = L.bce(p, y, reduction="none")
    torch.testing.assert_close(got, F.binary_cross_entropy(p, y, reduction="none"), rtol=1e-12, atol=0)
    assert got[0].item() == 100.0 and got[1].item() == 100.0
    pr = p.clone().requires_grad_(True)
    F.binary_cross_entropy(pr, y, reduction="sum").backward()
    torch.testing.assert_close(L.bce_grad(p, y, reduction="sum"), pr.grad, rtol=1e-12, atol=0)


def test_bce_with_logits_is_stable_for_huge_logits():
    z = torch.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=F64)
    y = torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0], dtype=F64)
    got = L.bce_with_logits(z, y, reduction="none")
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, F.binary_cross_entropy_with_logits(z, y, reduction="none"))
    zr = z.clone().requires_grad_(True)
    L.bce_with_logits(zr, y, reduction="sum").backward()
    torch.testing.assert_close(zr.grad, L.bce_with_logits_grad(z, y, reduction="sum"))
    assert zr.grad[2].item() == 0.0  # sigmoid(0) - 0.5: autograd gets the slope at z = 0 right


def test_softmax_and_sigmoid_helpers():
    z = torch.tensor([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]], dtype=F64)
    torch.testing.assert_close(L.softmax(z), torch.softmax(z, dim=-1))
    torch.testing.assert_close(L.softmax(z, dim=0), torch.softmax(z, dim=0))
    w = torch.tensor([-1000.0, -3.0, 0.0, 2.0, 1000.0], dtype=F64)
    torch.testing.assert_close(L.sigmoid(w), torch.sigmoid(w))
    wr = w.clone().requires_grad_(True)
    L.sigmoid(wr).sum().backward()
    assert torch.isfinite(wr.grad).all()
    with pytest.raises(ValueError, match="dim"):
        L.softmax(z, dim=2)


def test_lists_and_numpy_are_accepted():
    assert L.mae([1, 2, 3], [4, 5, 6]).dtype == F64
    got = L.mse(np.array([1.0, 4.0, 5.0]), [6, 3, 2])
    assert got.item() == pytest.approx(35 / 3)
    assert L.cross_entropy([[1.5, 2.0, 0.5], [0.5, 1.0, 1.5]], [1, 2]).shape == ()
    assert L.mse(np.array([1.0], dtype=np.float32), np.array([2.0], dtype=np.float32)).dtype == torch.float32


def test_float32_gradient_keeps_dtype():
    x = torch.randn(5)
    assert L.huber_grad(x, torch.zeros(5)).dtype == torch.float32


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "fn, name",
    [(L.mae, "input"), (L.mse_grad, "input"), (L.smooth_l1, "input"), (L.huber_grad, "input"),
     (L.bce, "prob"), (L.bce_with_logits_grad, "logits")],
)  # fmt: skip
def test_mismatched_shapes_name_both_shapes(fn, name):
    with pytest.raises(ValueError) as err:
        fn(torch.full((3,), 0.5), torch.full((4,), 0.5))
    msg = str(err.value)
    assert f"{name} (3,)" in msg and "target (4,)" in msg


def test_mismatched_shapes_exact_message():
    want = r"^input and target must have the same shape, got input \(3,\) and target \(4,\)$"
    with pytest.raises(ValueError, match=want):
        L.mae(torch.zeros(3), torch.zeros(4))


def test_cross_entropy_shape_and_index_errors():
    with pytest.raises(ValueError, match=r"logits \(2, 3\) and target \(3,\)"):
        L.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        L.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 3]))
    with pytest.raises(TypeError, match="target"):
        L.cross_entropy(torch.zeros(2, 3), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="logits"):
        L.cross_entropy_grad(torch.zeros(2, 3, 4), torch.zeros(2, dtype=torch.long))


@pytest.mark.parametrize("fn", [L.mae, L.mse_grad, L.smooth_l1, L.huber, L.bce, L.bce_with_logits_grad])
@pytest.mark.parametrize("reduction", ["average", "MEAN", None, 1])
def test_bad_reduction(fn, reduction):
    with pytest.raises(ValueError, match="reduction"):
        fn(torch.full((2,), 0.5), torch.full((2,), 0.5), reduction=reduction)


def test_bad_reduction_cross_entropy():
    with pytest.raises(ValueError, match="Invalid reduction: 'avg'"):
        L.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), reduction="avg")


def test_bad_beta_and_delta():
    x = torch.zeros(2)
    with pytest.raises(ValueError, match=r"Invalid beta: -0\.1"):
        L.smooth_l1(x, x, beta=-0.1)
    with pytest.raises(ValueError, match="beta"):
        L.smooth_l1_grad(x, x, beta=float("nan"))
    with pytest.raises(TypeError, match="beta"):
        L.smooth_l1(x, x, beta="1")
    for delta in (0, -1.0, float("inf")):
        with pytest.raises(ValueError, match="Invalid delta"):
            L.huber(x, x, delta=delta)


def test_bad_probabilities_and_types():
    with pytest.raises(ValueError, match=r"prob must hold probabilities in \[0, 1\], found 1\.5"):
        L.bce(torch.tensor([0.5, 1.5]), torch.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="prob"):
        L.bce_grad(torch.tensor([float("nan")]), torch.tensor([1.0]))
    with pytest.raises(TypeError, match="input"):
        L.mse("abc", [1.0])


# --------------------------------------------------------------------------- properties

shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
values = st.floats(-20, 20, allow_nan=False, allow_infinity=False)
positive = st.floats(0.01, 5.0)
reductions = st.sampled_from(REDUCTIONS)


@st.composite
def pairs(draw, elements=values, target_elements=None):
    shape = draw(shapes)
    x = draw(hnp.arrays(np.float64, shape, elements=elements))
    t = draw(hnp.arrays(np.float64, shape, elements=elements if target_elements is None else target_elements))
    return torch.from_numpy(x), torch.from_numpy(t)


def close(a, b):
    torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(pairs(), reductions, positive)
def test_property_regression_losses_match_torch(xt, reduction, beta):
    x, t = xt
    close(L.mae(x, t, reduction), F.l1_loss(x, t, reduction=reduction))
    close(L.mse(x, t, reduction), F.mse_loss(x, t, reduction=reduction))
    close(L.smooth_l1(x, t, beta, reduction), F.smooth_l1_loss(x, t, reduction=reduction, beta=beta))
    close(L.huber(x, t, beta, reduction), F.huber_loss(x, t, reduction=reduction, delta=beta))
    for fn in (L.mae, L.mse):
        assert (fn(x, t, "none") >= 0).all()
    assert (L.smooth_l1(x, t, beta, "none") >= 0).all()
    assert (L.huber(x, t, beta, "none") >= 0).all()


@settings(max_examples=60, deadline=None)
@given(pairs(), positive)
def test_property_smooth_l1_between_quadratic_and_linear_bounds(xt, beta):
    x, t = xt
    d = (x - t).abs()
    s = L.smooth_l1(x, t, beta, "none")
    tol = 1e-12 * (1 + d * d / beta)
    assert (s >= torch.clamp(d - beta / 2, min=0) - tol).all()
    assert (s <= torch.minimum(d, d * d / (2 * beta)) + tol).all()


@settings(max_examples=60, deadline=None)
@given(pairs(), positive, reductions)
def test_property_huber_is_delta_times_smooth_l1(xt, delta, reduction):
    x, t = xt
    close(L.huber(x, t, delta, reduction), delta * L.smooth_l1(x, t, beta=delta, reduction=reduction))
    want = delta * L.smooth_l1_grad(x, t, beta=delta, reduction=reduction)
    close(L.huber_grad(x, t, delta, reduction), want)


@settings(max_examples=60, deadline=None)
@given(pairs(elements=st.floats(0, 1), target_elements=st.floats(0, 1)), reductions)
def test_property_bce_matches_torch(pt, reduction):
    p, y = pt  # includes p = 0 and p = 1, where the -100 clamp matters
    got = L.bce(p, y, reduction)
    close(got, F.binary_cross_entropy(p, y, reduction=reduction))
    assert (L.bce(p, y, "none") >= 0).all()


@settings(max_examples=60, deadline=None)
@given(pairs(elements=st.floats(-50, 50), target_elements=st.floats(0, 1)), reductions)
def test_property_bce_with_logits_matches_torch(zt, reduction):
    z, y = zt
    close(L.bce_with_logits(z, y, reduction), F.binary_cross_entropy_with_logits(z, y, reduction=reduction))
    close(L.bce_with_logits_grad(z, y, "none"), torch.sigmoid(z) - y)
    assert (L.bce_with_logits(z, y, "none") >= -1e-12).all()


@st.composite
def ce_data(draw):
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    logits = draw(hnp.arrays(np.float64, (n, c), elements=st.floats(-30, 30)))
    target = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    return torch.from_numpy(logits), torch.from_numpy(target)


@settings(max_examples=60, deadline=None)
@given(ce_data(), reductions)
def test_property_cross_entropy_matches_torch(data, reduction):
    logits, target = data
    close(L.cross_entropy(logits, target, reduction), F.cross_entropy(logits, target, reduction=reduction))
    assert (L.cross_entropy(logits, target, "none") >= 0).all()
    zr = logits.clone().requires_grad_(True)
    F.cross_entropy(zr, target, reduction=reduction).sum().backward()
    close(L.cross_entropy_grad(logits, target, reduction), zr.grad)
