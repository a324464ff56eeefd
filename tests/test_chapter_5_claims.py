"""Chapter 5: the caption sentences and typed prose claims about the data, read from the results (quick preset).

Each test names the figure or passage whose sentence it checks, so that a change of the
data that falsifies the sentence fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

from nndyn import landscape as ls
from nndyn.experiments import cosine_gd_starts, cosine_gradient_information, cosine_landscape


@pytest.fixture(scope="module")
def land():
    return cosine_landscape.run(cosine_landscape.Config.preset("quick"))


@pytest.fixture(scope="module")
def starts():
    return cosine_gd_starts.run(cosine_gd_starts.Config.preset("quick"))


def test_landscape_caption_plateau_well_bump_and_dip(land):
    """fig-cosine-landscape: at large L the population landscape is a flat plateau with a narrow
    well at the target, a bump at -w_* and a shallow dip at the origin."""
    cfg = land.config
    L = cfg.frequencies[-1]
    w_star = np.asarray(cfg.w_star)
    grid = land.grid.reshape(-1, 2)
    risk = land.population[L].reshape(-1)
    plateau = 0.5 + 0.5 * (1 - np.exp(-2 * L**2 * w_star @ w_star))
    far = (
        (np.linalg.norm(grid - w_star, axis=1) > 3 / L)
        & (np.linalg.norm(grid + w_star, axis=1) > 3 / L)
        & (np.linalg.norm(grid, axis=1) > 3 / L)
    )
    assert far.mean() > 0.8  # the plateau is most of the square
    assert np.all(np.abs(risk[far] - plateau) < 0.02)  # and flat
    # the well: the global minimum (value 0) at w_*, and the risk above the plateau's half
    # already at distance 2/L (narrow)
    assert risk.min() == pytest.approx(0.0, abs=1e-12)
    assert np.allclose(grid[np.argmin(risk)], w_star)
    ring = np.abs(np.linalg.norm(grid - w_star, axis=1) - 2 / L) < 0.5 / L
    assert np.all(risk[ring] > 0.5 * plateau)
    # the bump: the largest value, within 1/L of -w_*, well above the plateau
    assert np.linalg.norm(grid[np.argmax(risk)] + w_star) < 1 / L
    assert risk.max() > plateau + 0.5
    # the dip: a local minimum within 1/(2L) of the origin, below the plateau but far above 0
    minima = land.population_minima[L]
    near_origin = minima[np.linalg.norm(minima, axis=1) < 1 / (2 * L)]
    assert len(near_origin) == 1
    dip = float(ls.population_risk(near_origin[0], w_star, L))
    assert 0.3 < dip < plateau


def test_gradient_information_caption(tmp_path):
    """fig-cosine-gradient-information: beyond L = 1/r the information falls like a Gaussian in
    L, faster for the farther target, and the sampled gradients lose it in their own noise."""
    res = cosine_gradient_information.run(cosine_gradient_information.Config.preset("quick"))
    radii = sorted(res.config.radii)
    rates = [res.fitted_rate[r] for r in radii]
    assert all(b < a < 0 for a, b in zip(rates, rates[1:]))  # faster the farther
    # "like a Gaussian in L": log(spread / (L^2 r)) is linear in L^2 with the slope -r^2/2 of
    # the proposition (an exponential or power-law decay would be ordered too, but fail here)
    assert all(rate == pytest.approx(-(r**2) / 2, rel=0.05) for r, rate in zip(radii, rates))
    lost = False
    for r in radii:
        below = res.spread[r] < 0.1 * res.noise_floor
        if below.any():
            ratio = res.mc_spread[r][below] / res.noise_floor[below]
            assert np.all((ratio > 0.5) & (ratio < 2.0))
            lost = True
    assert lost  # at least one distance shows the sampled gradient at the noise level


def test_gd_starts_caption_only_a_small_disk_leads_to_the_target(starts):
    """fig-cosine-gd-starts: for the largest L only a small disk around the target leads to it
    (every successful start within 4.5/L of w_* on the population risk, 6/L on the empirical one)."""
    cfg = starts.config
    w_star = np.asarray(cfg.w_star)
    for L in cfg.frequencies:  # the prose: at every L only starts within order 1/L of w_* succeed
        # (population risk within 4.5/L on every seed tried; the empirical risk's wells reach
        # up to 5/L on other seeds, so its constant is 6)
        for success, radius in ((starts.population_success[L], 4.5), (starts.empirical_success[L], 6.0)):
            assert success.any()
            assert np.all(np.linalg.norm(starts.starts[success] - w_star, axis=1) <= radius / L)
    # "so the fraction falls roughly like L^-2": a factor near 4 when L doubles, at the largest L
    frac = starts.fractions("population")
    assert cfg.frequencies[-1] == 2 * cfg.frequencies[-2] and 2.5 < frac[-2] / frac[-1] < 8


def test_gd_starts_prose_elsewhere_starts_near_the_bump_and_stall_on_the_plateau(starts):
    """Chapter 5 prose: on the population risk at the largest L, most starts that move but end
    elsewhere start within 4/L of the bump at -w_*, and stall where the risk is about 1."""
    cfg = starts.config
    w_star = np.asarray(cfg.w_star)
    tol = cfg.tolerance
    L = cfg.frequencies[-1]
    end = starts.population_end[L]
    moved = np.linalg.norm(end - starts.starts, axis=1) >= tol
    target = np.linalg.norm(end - w_star, axis=1) < tol
    origin = np.linalg.norm(end - starts.spurious_minimum[L], axis=1) < tol
    elsewhere = moved & ~target & ~origin
    assert elsewhere.any()
    near_bump = np.linalg.norm(starts.starts[elsewhere] + w_star, axis=1) <= 4 / L
    assert near_bump.mean() > 0.5
    risk = np.array([ls.population_risk(e, w_star, L) for e in end[elsewhere]])
    assert np.all(np.abs(risk - 1) < 0.05)
    # errata/ch05: only about one per cent or less reach the spurious minimum at the largest L
    assert starts.outcomes("population")["origin"][-1] <= 0.02


def test_gd_starts_prose_a_step_moves_omega_w_alike_at_every_frequency():
    """Chapter 5 prose on the starts that end elsewhere: with the step eta_0/omega^2 the change of
    omega*w in a step depends only on omega*w and omega*w_* (gradient descent in units of 1/omega
    is the same at every frequency)."""
    eta0 = cosine_gd_starts.Config.preset("quick").lr_times_omega2
    u_star = np.array([2.0, 1.0])
    u = ls.grid(3.0, 9).reshape(-1, 2)
    ends = []
    for omega in (1.0, 2.0, 8.0):
        end = ls.gradient_descent(lambda w: ls.population_gradient(w, u_star / omega, omega), u / omega,
                                  lr=eta0 / omega**2, steps=50)
        ends.append(omega * end)
    assert np.allclose(ends[0], ends[1], atol=1e-9) and np.allclose(ends[0], ends[2], atol=1e-9)
    assert np.abs(ends[0] - u).max() > 0.1  # and they did move


def test_gd_starts_prose_the_share_that_leaves_the_square_is_a_matter_of_steps(starts):
    """Chapter 5 prose: at the first frequency with starts that end elsewhere they all leave the square
    (ch5-gd-else-left, quick: 100 %), and where fewer leave, a longer run carries more out: the share is
    steps against the size of the square in units of 1/omega, not the width of the bump alone."""
    cfg = starts.config
    w_star = np.asarray(cfg.w_star)

    def leave(omega, steps):  # the share of the starts ending elsewhere that end outside the square
        lr = cfg.lr_times_omega2 / omega**2
        end = ls.gradient_descent(lambda w: ls.population_gradient(w, w_star, omega), starts.starts, lr=lr, steps=steps)
        w0 = starts.spurious_minimum[omega]
        target = np.linalg.norm(end - w_star, axis=1) < cfg.tolerance
        origin = ~target & (np.linalg.norm(end - w0, axis=1) < cfg.tolerance) & (np.linalg.norm(w0 - w_star) >= cfg.tolerance)
        unmoved = ~target & ~origin & (np.linalg.norm(end - starts.starts, axis=1) < cfg.tolerance)
        elsewhere = ~(target | origin | unmoved)
        return float(np.mean(np.abs(end[elsewhere]).max(axis=1) > cfg.limit))

    first = cfg.frequencies[0]
    assert leave(first, cfg.steps) == 1.0  # the chapter's glued 100 %
    # quick (300 steps, then 3000): omega = 2: 58 % -> 70 %, omega = 4: 0 % -> 14.5 %
    for omega in cfg.frequencies[1:3]:
        assert leave(omega, 10 * cfg.steps) > leave(omega, cfg.steps) + 0.05
    assert leave(cfg.frequencies[2], cfg.steps) == 0.0


def test_landscape_prose_second_minimum_and_growth_of_the_empirical_wells(land):
    """Chapter 5 prose: for L >= 2 the population risk has a second local minimum near the
    origin (within 1/L of it), displaced towards w_* at L = 2 and within 1/(2L) of it from L = 4 on (where the
    proposition applies); at L = 1 the well of w_* swallows the origin. The empirical wells
    multiply roughly like L^2 (a factor near 4 when L doubles, at the largest frequencies)."""
    cfg = land.config
    w_star = np.asarray(cfg.w_star)
    spacing = 2 * cfg.limit / (cfg.points - 1)
    for L in cfg.frequencies:
        minima = land.population_minima[L]
        others = minima[np.linalg.norm(minima - w_star, axis=1) > 1e-9]
        if L < 2:
            assert len(others) == 0
            continue
        assert len(others) == 1
        m = others[0]
        assert np.linalg.norm(m) < 1 / L  # issue 24: "near w = 0" means within 1/omega for every omega that has it
        if L * np.linalg.norm(w_star) >= 2.5:
            assert np.linalg.norm(m) < 1 / (2 * L)
        else:
            assert m @ w_star > 0 and np.linalg.norm(m) >= 2 * spacing
    counts = land.counts("empirical")
    L = cfg.frequencies
    growth = counts[-1] / counts[-2]
    assert L[-1] == 2 * L[-2] and 2.5 < growth < 8


def test_landscape_caption_more_samples_fade_the_speckle_but_not_the_wells(land):
    """fig-cosine-landscape and the prose after it: at the largest L, more samples bring the
    empirical risk towards the population risk at about the Monte Carlo rate n^{-1/2} (the
    speckle fades), while the number of local minima does not follow (the dots stay)."""
    L = land.config.frequencies[-1]
    sizes = np.asarray(land.config.sample_sizes, dtype=float)
    deviations = np.asarray(land.deviations_by_n(L))
    assert np.all(np.diff(deviations) < 0)
    slope = np.polyfit(np.log(sizes), np.log(deviations), 1)[0]
    assert -0.7 < slope < -0.3  # "close to the Monte Carlo rate n^{-1/2}"
    counts = np.asarray(land.counts_by_n(L))
    # a hundredfold more samples cut the deviation by about ten, the wells by far less
    assert counts[-1] >= 0.5 * counts.max()
    assert counts[-1] / counts[0] > 2 * deviations[-1] / deviations[0]
