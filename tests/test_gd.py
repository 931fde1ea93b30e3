"""course_lib.gd against plain loops, the surfaces, run_trajectories and torch.optim.SGD."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib import gd
from course_lib.data import noisy_line, quadratic_grid
from course_lib.optim import run_trajectories
from course_lib.surfaces import LinearRegressionMSE, Parabola, Ravine


@pytest.fixture(scope="module")
def line():
    x, y = noisy_line()
    return x, y, LinearRegressionMSE(x, y)


def seed_loop(x, y, lr, gamma, tol, max_iters):
    """The source's loop, with its stopping rule, in plain floats."""
    t0 = t1 = v0 = v1 = 0.0
    path = [(t0, t1)]
    for it in range(1, max_iters + 1):
        s1 = sum(t0 + t1 * xi - yi for xi, yi in zip(x, y))
        s2 = sum((t0 + t1 * xi - yi) * xi for xi, yi in zip(x, y))
        v0 = gamma * v0 + 2 * lr * s1 / len(x)
        v1 = gamma * v1 + 2 * lr * s2 / len(x)
        n0, n1 = t0 - v0, t1 - v1
        path.append((n0, n1))
        if abs(t0 - n0) < tol and abs(t1 - n1) < tol:
            return it, np.array(path), True
        t0, t1 = n0, n1
    return max_iters, np.array(path), False


# --- descend --------------------------------------------------------------------------------------


@pytest.mark.parametrize("gamma, iterations", [(0.0, 1805), (0.9, 210)])
def test_descend_is_the_seed_loop(line, gamma, iterations):
    x, y, surface = line
    run = gd.descend(surface, (0.0, 0.0), lr=0.01, momentum=gamma, tol=1e-5, max_iters=10_000)
    it, path, converged = seed_loop(list(x), list(y), 0.01, gamma, 1e-5, 10_000)
    assert run.converged and converged
    assert run.iterations == it == iterations
    np.testing.assert_allclose(run.path, path, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(run.losses, [gd.mse(p, x, y) for p in path], rtol=1e-11)
    np.testing.assert_array_equal(run.theta, run.path[-1])


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9])
def test_descend_is_torch_sgd_with_momentum(line, gamma):
    x, y, surface = line
    run = gd.descend(surface, (0.0, 0.0), lr=0.01, momentum=gamma, max_iters=50)
    theta = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([theta], lr=0.01, momentum=gamma)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for k in range(50):
        opt.zero_grad()
        ((theta[0] + theta[1] * xt - yt) ** 2).mean().backward()
        opt.step()
        np.testing.assert_allclose(theta.detach().numpy(), run.path[k + 1], rtol=1e-10, atol=1e-12)
    traj = run_trajectories(surface, "momentum" if gamma else "sgd", starts=[[0.0, 0.0]], steps=50, lr=0.01,
                            momentum=gamma)
    np.testing.assert_allclose(traj.paths[0], run.path, rtol=1e-10, atol=1e-12)


def test_descend_without_tolerance_runs_all_iterations():
    run = gd.descend(Parabola(), (1.0,), lr=0.1, max_iters=7)
    assert run.iterations == 7 and not run.converged and not run.diverged
    np.testing.assert_allclose(run.path[:, 0], 0.8 ** np.arange(8), rtol=1e-14)
    np.testing.assert_allclose(run.losses, 0.64 ** np.arange(8), rtol=1e-13)


def test_descend_marks_divergence(line):
    *_, surface = line
    run = gd.descend(surface, (0.0, 0.0), lr=0.03, tol=1e-5)
    assert run.diverged and not run.converged
    assert np.isfinite(run.path).all() and np.abs(run.losses).max() <= 1e6
    assert len(run.path) == run.iterations + 1 == len(run.losses)
    run = gd.descend(Ravine(), (1.0, 1.0), lr=0.6, max_iters=500)
    assert run.diverged and run.iterations < 500


def test_descend_argument_errors(line):
    *_, surface = line
    for kwargs in [dict(lr=0.0), dict(lr=0.01, momentum=1.0), dict(lr=0.01, tol=0.0), dict(lr=0.01, max_iters=-1)]:
        with pytest.raises(ValueError):
            gd.descend(surface, (0.0, 0.0), **kwargs)


# --- the cost on subsets ---------------------------------------------------------------------------


def test_mse_and_grad_match_the_surface_and_autograd(line):
    x, y, surface = line
    for theta in [(0.0, 0.0), (1.0, 3.0), surface.minimum]:
        assert gd.mse(theta, x, y) == pytest.approx(surface.value(theta).item(), rel=1e-13)
        np.testing.assert_allclose(gd.mse_grad(theta, x, y), surface.grad(theta).numpy(), rtol=1e-12, atol=1e-12)
    t = torch.tensor([0.7, -0.2], dtype=torch.float64, requires_grad=True)
    b = np.array([2, 5, 7])
    ((t[0] + t[1] * torch.from_numpy(x[b]) - torch.from_numpy(y[b])) ** 2).mean().backward()
    np.testing.assert_allclose(gd.mse_grad([0.7, -0.2], x[b], y[b]), t.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError):
        gd.mse_grad((0, 0), x, y[:3])


# --- mini-batches ----------------------------------------------------------------------------------


def plain_epoch(theta, x, y, lr, b, order):
    t0, t1 = theta
    for a in range(0, len(order), b):
        idx = order[a:a + b]
        r = [t0 + t1 * x[i] - y[i] for i in idx]
        g0 = 2 * sum(r) / len(idx)
        g1 = 2 * sum(ri * x[i] for ri, i in zip(r, idx)) / len(idx)
        t0, t1 = t0 - lr * g0, t1 - lr * g1
    return np.array([t0, t1])


@pytest.mark.parametrize("b", [1, 3, 4, 10])
def test_minibatch_epoch_is_a_plain_loop(line, b):
    x, y, _ = line
    order = np.random.default_rng(5).permutation(10)
    got = gd.minibatch_epoch((0.5, 1.0), x, y, 0.004, b, order)
    np.testing.assert_allclose(got, plain_epoch((0.5, 1.0), x, y, 0.004, b, order), rtol=1e-12)
    dropped = gd.minibatch_epoch((0.5, 1.0), x, y, 0.004, b, order, drop_last=True)
    keep = len(order) - len(order) % b
    np.testing.assert_allclose(dropped, plain_epoch((0.5, 1.0), x, y, 0.004, b, order[:keep]), rtol=1e-12)


def test_full_batch_epoch_is_one_gradient_step(line):
    x, y, surface = line
    order = np.random.default_rng(0).permutation(10)
    got = gd.minibatch_epoch((1.0, 1.0), x, y, 0.01, 10, order)
    np.testing.assert_allclose(got, np.array([1.0, 1.0]) - 0.01 * surface.grad([1.0, 1.0]).numpy(), rtol=1e-12)


def test_minibatch_gd_bookkeeping_and_shuffle():
    x, y = noisy_line(n=64, seed=2)
    run = gd.minibatch_gd(x, y, lr=0.01, batch_size=8, epochs=3, seed=4)
    assert run.updates_per_epoch == 8 and run.path.shape == (25, 2)
    rng = np.random.default_rng(4)
    theta = np.zeros(2)
    for e in range(3):
        theta = plain_epoch(theta, x, y, 0.01, 8, rng.permutation(64))
        np.testing.assert_allclose(run.path[8 * (e + 1)], theta, rtol=1e-12)
        assert run.epoch_losses[e + 1] == pytest.approx(gd.mse(theta, x, y), rel=1e-12)
    np.testing.assert_allclose(run.update_losses, [gd.mse(p, x, y) for p in run.path], rtol=1e-12)
    ordered = gd.minibatch_gd(x, y, lr=0.01, batch_size=8, epochs=1, shuffle=False)
    np.testing.assert_allclose(ordered.theta, plain_epoch((0, 0), x, y, 0.01, 8, np.arange(64)), rtol=1e-12)
    bgd = gd.minibatch_gd(x, y, lr=0.01, batch_size=64, epochs=5)
    assert bgd.updates_per_epoch == 1 and len(bgd.path) == 6
    assert gd.minibatch_gd(x, y, lr=0.01, batch_size=5, epochs=1).updates_per_epoch == 13


def test_minibatch_trade_off_on_the_chapter_problem():
    x, y = noisy_line(n=256, seed=0)
    best = LinearRegressionMSE(x, y).minimum_value
    excess = {b: gd.minibatch_gd(x, y, lr=0.01, batch_size=b, epochs=30).epoch_losses[-1] - best for b in (1, 16, 256)}
    assert excess[1] < excess[16] < excess[256]  # per epoch, more updates go further


def test_minibatch_errors(line):
    x, y, _ = line
    for kwargs in [dict(lr=0.01, batch_size=0, epochs=1), dict(lr=0.01, batch_size=11, epochs=1),
                   dict(lr=-1.0, batch_size=2, epochs=1), dict(lr=0.01, batch_size=2, epochs=-1),
                   dict(lr=0.01, batch_size=True, epochs=1)]:
        with pytest.raises(ValueError):
            gd.minibatch_gd(x, y, **kwargs)


# --- seed 002 --------------------------------------------------------------------------------------


def test_quadratic_sgd_is_the_seed_loop_bit_for_bit():
    X, Y = quadratic_grid()
    w1, w2, w3 = 1, 0, -1
    losses = []
    for _ in range(1000):
        epoch_loss = 0
        for x, y_true in zip(X, Y):
            y_pred = w1 * x**2 + w2 * x + w3
            epoch_loss += (y_pred - y_true) ** 2
            grad_w1 = 2 * (y_pred - y_true) * x**2
            grad_w2 = 2 * (y_pred - y_true) * x
            grad_w3 = 2 * (y_pred - y_true)
            w1 = w1 - 0.1 * grad_w1
            w2 = w2 - 0.1 * grad_w2
            w3 = w3 - 0.1 * grad_w3
        epoch_loss /= len(X)
        losses.append(epoch_loss)
        if epoch_loss < 0.0001:
            break
    fit = gd.quadratic_sgd(X, Y)
    assert fit.weights == (w1, w2, w3)
    assert fit.epoch_losses == losses
    assert fit.epochs == 50 and fit.epoch_losses[-1] < 1e-4 <= fit.epoch_losses[-2]
    assert [round(w, 6) for w in fit.weights] == [2.188697, 2.753475, 4.060021]


def test_quadratic_sgd_max_epochs_and_errors():
    X, Y = quadratic_grid()
    fit = gd.quadratic_sgd(X, Y, max_epochs=3)
    assert fit.epochs == 3
    with pytest.raises(ValueError):
        gd.quadratic_sgd(X, Y[:5])


# --- regimes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lr, regime", [(0.05, "monotone"), (0.5, "one step"), (0.7, "oscillates, converges"),
                                        (1.0, "bounces forever"), (1.1, "diverges")])
def test_quadratic_regime_matches_runs(lr, regime):
    assert gd.quadratic_regime(lr) == regime
    xs = run_trajectories(Parabola(), "sgd", starts=[[1.0]], steps=30, lr=lr).paths[0, :, 0]
    np.testing.assert_allclose(xs, (1 - 2 * lr) ** np.arange(31), rtol=1e-12, atol=1e-300)
    if regime == "monotone":
        assert np.all(np.diff(xs) < 0) and xs[-1] > 0
    elif regime == "one step":
        assert xs[1] == 0
    elif regime == "oscillates, converges":
        assert np.all(xs[1::2] < 0) and abs(xs[-1]) < 1e-5
    elif regime == "bounces forever":
        assert np.allclose(np.abs(xs), 1.0)
    else:
        assert abs(xs[-1]) > 10


def test_quadratic_regime_other_curvature_and_errors():
    assert gd.quadratic_regime(0.5, 4.0) == "bounces forever"
    assert gd.quadratic_regime(0.25, 4.0) == "one step"
    with pytest.raises(ValueError):
        gd.quadratic_regime(0.0)
