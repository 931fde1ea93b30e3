"""course_lib.rates: the closed-form rates of GD and heavy ball against runs, eigenvalues and torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from course_lib import rates
from course_lib.optim import run_trajectories
from course_lib.surfaces import Ravine


def _companion_radius(lr, beta, lam):
    """Spectral radius of the heavy-ball matrix of one eigenvalue, by numpy's eigvals (the reference)."""
    M = np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])
    return max(abs(np.linalg.eigvals(M)))


def _nesterov_radius(lr, beta, lam):
    """(e_t, b_{t-1}) -> (e_{t+1}, b_t) for torch's Nesterov SGD on lam * e^2 / 2, by numpy's eigvals."""
    M = np.array([[1 - lr * lam * (1 + beta), -lr * beta * beta], [lam, beta]])
    return max(abs(np.linalg.eigvals(M)))


def test_heavy_ball_rate_is_the_spectral_radius_of_the_companion_matrices():
    rng = np.random.default_rng(0)
    lam = [0.2, 1.3, 4.0]
    for lr, beta in zip(rng.uniform(0, 1.2, 200), rng.uniform(0, 0.99, 200)):
        expected = max(_companion_radius(lr, beta, v) for v in lam)
        assert math.isclose(rates.heavy_ball_rate(lr, beta, lam), expected, rel_tol=1e-6, abs_tol=1e-7)


def test_nesterov_rate_is_the_spectral_radius_of_its_matrices():
    rng = np.random.default_rng(1)
    lam = [0.2, 4.0]
    for lr, beta in zip(rng.uniform(0, 0.8, 200), rng.uniform(0, 0.99, 200)):
        expected = max(_nesterov_radius(lr, beta, v) for v in lam)
        assert math.isclose(rates.nesterov_rate(lr, beta, lam), expected, rel_tol=1e-6, abs_tol=1e-7)


def test_zero_momentum_is_gradient_descent_and_rates_broadcast():
    lrs = np.linspace(0.01, 0.6, 30)
    np.testing.assert_allclose(rates.heavy_ball_rate(lrs, 0.0, [0.2, 4.0]), rates.gd_rate(lrs, [0.2, 4.0]))
    np.testing.assert_allclose(rates.nesterov_rate(lrs, 0.0, [0.2, 4.0]), rates.gd_rate(lrs, [0.2, 4.0]))
    grid = rates.heavy_ball_rate(lrs[None, :], np.array([0.0, 0.5, 0.9])[:, None], [0.2, 4.0])
    assert grid.shape == (3, 30)


@pytest.mark.parametrize("kappa", [10, 100, 1000])
def test_the_optimal_settings_minimise_the_rate_on_a_grid(kappa):
    mu, L = 0.2, 0.2 * kappa
    lr, rate = rates.gd_optimal(L, mu)
    assert math.isclose(rate, (kappa - 1) / (kappa + 1))
    assert math.isclose(rates.gd_rate(lr, [mu, L]), rate, rel_tol=1e-12)
    assert np.all(rates.gd_rate(np.linspace(1e-4, 2 / L, 2001), [mu, L]) >= rate - 1e-12)
    lr_hb, beta, rate_hb = rates.heavy_ball_optimal(L, mu)
    assert math.isclose(rate_hb, (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1))
    assert math.isclose(beta, rate_hb**2)
    assert math.isclose(rates.heavy_ball_rate(lr_hb, beta, [mu, L]), rate_hb, rel_tol=1e-6)
    lrs = np.linspace(1e-4, 4 / L, 301)[None, :]
    betas = np.linspace(0, 0.999, 301)[:, None]
    assert rates.heavy_ball_rate(lrs, betas, [mu, L]).min() >= rate_hb - 1e-6
    assert rate_hb < rate  # momentum beats the best plain step


@pytest.mark.parametrize("kappa", [10, 100, 1000])
def test_measured_rates_agree_with_the_formulas(kappa):
    surface = Ravine(kappa=kappa)
    mu, L = surface.curvatures
    lr, rate = rates.gd_optimal(L, mu)
    lr_hb, beta, rate_hb = rates.heavy_ball_optimal(L, mu)
    # one batch: momentum 0 (plain GD) and beta*, each with both steps; keep (lr, 0) and (lr_hb, beta*)
    res = run_trajectories(surface, "momentum", None, 2000, grid={"momentum": [0.0, beta], "lr": [lr, lr_hb]})
    measured = rates.trajectory_rates(res)
    assert res.settings[0]["lr"] == lr and res.settings[3] == {"momentum": beta, "lr": lr_hb}
    assert math.isclose(measured[0], rate, rel_tol=1e-6)
    # at the optimum the two roots coincide: the error is ~ t rho^t, so the measured rate is a shade above rho
    assert rate_hb <= measured[3] <= rate_hb * 1.003


def test_heavy_ball_is_torch_sgd_with_lr_alpha_and_momentum_beta():
    """x_{t+1} = x_t - a grad + b (x_t - x_{t-1}) is torch.optim.SGD(lr=a, momentum=b), step for step."""
    A = torch.tensor([[3.0, 1.0], [1.0, 0.5]], dtype=torch.float64)
    a, b = 0.2, 0.8
    x_prev = x = torch.tensor([1.0, -2.0], dtype=torch.float64)
    p = x.clone().requires_grad_(True)
    opt = torch.optim.SGD([p], lr=a, momentum=b)
    for _ in range(100):
        x, x_prev = x - a * (A @ x) + b * (x - x_prev), x
        opt.zero_grad()
        (0.5 * p @ A @ p).backward()
        opt.step()
        torch.testing.assert_close(p.detach(), x, rtol=1e-12, atol=1e-12)


def test_max_stable_lr_is_where_runs_start_to_diverge():
    surface = Ravine()
    L = surface.curvatures[1]
    for beta, nesterov in ((0.0, False), (0.7, False), (0.7, True)):
        edge = rates.max_stable_lr(L, beta, nesterov=nesterov)
        rule = "nesterov" if nesterov else "momentum"
        kw = {"momentum": beta} if beta else {"momentum": 1e-12}
        res = run_trajectories(surface, rule, None, 400, grid={"lr": [edge * 0.97, edge * 1.03]}, **kw)
        assert res.diverged.tolist() == [False, True]
    assert math.isclose(rates.max_stable_lr(4.0), 0.5)


def test_empirical_rate_of_geometric_sequences_and_edge_cases():
    t = np.arange(200)
    seqs = np.stack([3.0 * 0.9**t, 0.5**t, 1.01**t])
    np.testing.assert_allclose(rates.empirical_rate(seqs), [0.9, 0.5, 1.01], rtol=1e-10)
    assert rates.empirical_rate([1.0, 0.0, 0.0]) == 0.0
    assert math.isclose(rates.empirical_rate([1.0, 0.5, np.nan, np.nan]), 0.5)
    # 0.5**t falls below the floor at t ~ 664: the rate is measured before rounding takes over
    assert math.isclose(rates.empirical_rate(0.5 ** np.arange(2000.0)), 0.5, rel_tol=1e-12)
    with pytest.raises(ValueError, match="tail"):
        rates.empirical_rate(seqs, tail=0)
    with pytest.raises(ValueError, match="2 entries"):
        rates.empirical_rate([1.0])


def test_rate_map_matches_theory_and_marks_divergence():
    surface = Ravine(kappa=20)
    mu, L = surface.curvatures
    lrs = np.linspace(0.05, 1.2, 12)
    momenta = np.linspace(0.0, 0.9, 10)
    measured = rates.rate_map(surface, lrs, momenta, steps=600)
    theory = rates.heavy_ball_rate(lrs[None, :], momenta[:, None], [mu, L])
    assert measured.shape == (10, 12)
    assert np.array_equal(np.isinf(measured), theory > 1.0 + 1e-9)
    fine = theory < 0.95
    np.testing.assert_allclose(measured[fine], theory[fine], atol=0.01)
    nest = rates.rate_map(surface, lrs[:4], momenta[1:4], steps=600, rule="nesterov")
    theory_n = rates.nesterov_rate(lrs[None, :4], momenta[1:4, None], [mu, L])
    ok = theory_n < 0.95
    np.testing.assert_allclose(nest[ok], theory_n[ok], atol=0.01)


def test_geometric_sum_steps_per_digit_and_input_checks():
    assert math.isclose(rates.geometric_sum(0.9), 10.0)
    assert math.isclose(rates.geometric_sum(0.5), 2.0)
    assert math.isclose(rates.geometric_sum(0.9, 3), 1 + 0.9 + 0.81)
    assert math.isclose(sum(0.9**k for k in range(1000)), rates.geometric_sum(0.9), rel_tol=1e-12)
    assert math.isclose(rates.steps_per_digit(0.1), 1.0)
    assert rates.steps_per_digit(1.0) == math.inf and rates.steps_per_digit(0.0) == 0.0
    assert math.isclose(rates.condition_number([0.2, 1.0, 4.0]), 20.0)
    vals, vecs = rates.eigen([[2.0, 0.0], [0.0, 0.5]])
    np.testing.assert_allclose(vals, [0.5, 2.0])
    with pytest.raises(ValueError, match="gamma"):
        rates.geometric_sum(1.0)
    with pytest.raises(ValueError, match="curvatures"):
        rates.gd_optimal(1.0, 2.0)
    with pytest.raises(ValueError, match="eigenvalues"):
        rates.gd_rate(0.1, [0.0, 1.0])
    with pytest.raises(ValueError, match="symmetric"):
        rates.eigen([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="rule"):
        rates.rate_map(Ravine(), [0.1], [0.5], rule="adam")


@pytest.mark.parametrize("kappa", [5, 100, 1000])
def test_nesterov_optimal_is_the_grid_minimum(kappa):
    mu, L = 0.2, 0.2 * kappa
    lr, beta, rate = rates.nesterov_optimal(L, mu)
    assert math.isclose(rates.nesterov_rate(lr, beta, [mu, L]), rate, rel_tol=1e-9)
    lrs = np.linspace(1e-5, 2 / L, 400)[None, :]
    betas = np.linspace(0, 0.999, 400)[:, None]
    assert rates.nesterov_rate(lrs, betas, [mu, L]).min() >= rate - 1e-9
    # between plain GD and heavy ball
    assert rates.heavy_ball_optimal(L, mu)[2] < rate < rates.gd_optimal(L, mu)[1]


def test_empirical_rate_follows_the_envelope_of_oscillating_errors():
    t = np.arange(400)
    for freq in (0.05, 0.1, 0.3, 1.0):  # periods of 63 to 6 steps; |cos| comes near 0 on the way
        wobbly = 0.97**t * np.abs(np.cos(freq * t)) + 1e-300
        assert math.isclose(rates.empirical_rate(wobbly), 0.97, rel_tol=1e-3)
    # a growing error gets its growth rate
    assert 1.01 < rates.empirical_rate(1.02**t * (2 + np.cos(t))) < 1.03


def test_heavy_ball_roots_are_the_companion_matrix_eigenvalues():
    rng = np.random.default_rng(3)
    for lr, beta, lam in zip(rng.uniform(0, 1.5, 300), rng.uniform(0, 0.99, 300), rng.uniform(0.05, 5, 300)):
        r1, r2 = rates.heavy_ball_roots(lr, beta, lam)
        M = np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])
        ref = sorted(np.linalg.eigvals(M), key=lambda r: (-abs(r), -r.imag))
        np.testing.assert_allclose([r1, r2], ref, rtol=1e-6, atol=1e-7)
        assert abs(r1) >= abs(r2) - 1e-12
        assert math.isclose(abs(r1), _companion_radius(lr, beta, lam), rel_tol=1e-6, abs_tol=1e-7)


def test_heavy_ball_roots_band_edges_and_errors():
    beta = 0.49  # sqrt = 0.7: the band is ((0.3)^2, (1.7)^2) = (0.09, 2.89)
    lo, hi = rates.heavy_ball_roots(0.09, beta, 1.0), rates.heavy_ball_roots(2.89, beta, 1.0)
    assert all(math.isclose(r.real, 0.7, rel_tol=1e-6) and abs(r.imag) < 1e-6 for r in lo)  # double +sqrt(beta)
    assert all(math.isclose(r.real, -0.7, rel_tol=1e-6) and abs(r.imag) < 1e-6 for r in hi)  # double -sqrt(beta)
    inside = rates.heavy_ball_roots(1.0, beta, 1.0)
    assert inside[0] == inside[1].conjugate() and all(math.isclose(abs(r), 0.7, rel_tol=1e-12) for r in inside)
    # the optimum puts mu and L on the two edges
    L, mu = 4.0, 0.2
    lr, b, rate = rates.heavy_ball_optimal(L, mu)
    for lam, sign in ((mu, 1.0), (L, -1.0)):
        for r in rates.heavy_ball_roots(lr, b, lam):
            assert math.isclose(r.real, sign * rate, rel_tol=1e-6) and abs(r.imag) < 1e-6
    # a root reaches -1 at heavy ball's stable limit
    r1, _ = rates.heavy_ball_roots(rates.max_stable_lr(L, 0.7), 0.7, L)
    assert math.isclose(r1.real, -1.0, rel_tol=1e-12)
    for bad, match in (((float("nan"), 0.5, 1.0), "lr"), ((0.1, -0.5, 1.0), "momentum"),
                       ((0.1, 0.5, float("inf")), "eigenvalue")):
        with pytest.raises(ValueError, match=match):
            rates.heavy_ball_roots(*bad)
