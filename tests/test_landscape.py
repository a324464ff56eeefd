"""Unit tests of nndyn.landscape (the sine neuron in two dimensions)."""

import numpy as np
import pytest

from nndyn import landscape as ls

W_STAR = np.array([1.0, 0.5])


@pytest.mark.checks(
    "lem-sin-sin",
    "$\\mathbb{E}[\\sin(v \\cdot x) \\sin(v' \\cdot x)]$, $x \\sim N(0, I_2)$, closed form vs 200 000 samples for 4 "
    "pairs $(v, v')$: within 4 standard errors",
    shown_in=("ch5-mc-z",),
)
def test_sin_sin_closed_form_matches_monte_carlo():
    # the four pairs of chapter 5's footnote, with the same seeds
    pairs = [((1.0, 0.0), (0.5, 0.5)), ((2.0, 1.0), (1.5, 0.5)), ((0.3, -0.4), (0.1, 0.2)), ((1.0, 1.0), (-1.0, 0.5))]
    for i, (a, b) in enumerate(pairs):
        est, se = ls.monte_carlo_sin_sin(a, b, n=200_000, seed=i)
        assert abs(est - ls.sin_sin_expectation(a, b)) < 4 * se


def test_sin_sin_special_values():
    a = np.array([0.7, -0.2])
    assert ls.sin_sin_expectation(a, np.zeros(2)) == pytest.approx(0.0)
    assert ls.sin_sin_expectation(a, a) == pytest.approx(0.5 * (1 - np.exp(-2 * a @ a)))
    assert ls.sin_sin_expectation(a, -a) == pytest.approx(-0.5 * (1 - np.exp(-2 * a @ a)))


def test_population_risk_values():
    assert ls.population_risk(W_STAR, W_STAR, 3.0) == pytest.approx(0.0, abs=1e-15)
    s = W_STAR @ W_STAR
    assert ls.population_risk(np.zeros(2), W_STAR, 2.0) == pytest.approx(0.5 * (1 - np.exp(-8 * s)))
    assert ls.population_risk(-W_STAR, W_STAR, 2.0) == pytest.approx(2 * (1 - np.exp(-8 * s)))
    g = ls.grid(2.0, 21)
    assert ls.population_risk(g, W_STAR, 2.0).shape == (21, 21)
    assert np.all(ls.population_risk(g, W_STAR, 2.0) >= 0)


@pytest.mark.checks(
    "prop-cosine-risk",
    "closed-form $R_\\omega(w)$ vs the empirical risk on 400 000 Gaussian inputs, 3 points $w$, $\\omega = 1, 2, 4$: within $6 "
    "\\times 10^{-3}$",
    shown_in=("fig-cosine-landscape",),
)
def test_population_risk_matches_large_sample_empirical_risk():
    x = ls.sample_inputs(400_000, seed=3)
    w = np.array([[0.3, -0.7], [0.9, 0.6], [-1.0, 0.2]])
    for L in (1.0, 2.0, 4.0):
        assert np.allclose(ls.empirical_risk(w, W_STAR, L, x), ls.population_risk(w, W_STAR, L), atol=6e-3)


@pytest.mark.checks(
    "prop-cosine-risk",
    "the gradient $\\Phi_\\omega + \\Psi_\\omega$ vs central differences ($\\varepsilon = 10^{-6}$) of the closed-form risk, 3 points, "
    "$\\omega = 1, 2.5, 6$: within $10^{-6} \\max(1, \\omega^2)$",
)
def test_gradients_match_finite_differences():
    w = np.array([[0.3, -0.7], [1.1, 0.4], [-0.2, 0.1]])
    x = ls.sample_inputs(50, seed=1)
    eps = 1e-6
    for L in (1.0, 2.5, 6.0):
        for risk, grad in ((lambda v: ls.population_risk(v, W_STAR, L), ls.population_gradient(w, W_STAR, L)),
                           (lambda v: ls.empirical_risk(v, W_STAR, L, x), ls.empirical_gradient(w, W_STAR, L, x))):
            fd = np.stack([(risk(w + eps * e) - risk(w - eps * e)) / (2 * eps) for e in np.eye(2)], axis=-1)
            assert np.allclose(grad, fd, atol=1e-6 * max(1.0, L**2))


def test_gradient_parts_split():
    w = np.array([0.4, -0.3])
    target, self_part = ls.gradient_parts(w, W_STAR, 2.0)
    target2, self2 = ls.gradient_parts(w, np.array([-0.5, 1.5]), 2.0)
    assert np.allclose(self_part, self2)  # the self part does not depend on the target
    assert not np.allclose(target, target2)
    assert np.allclose(target + self_part, ls.population_gradient(w, W_STAR, 2.0))


def test_local_minima_on_a_known_function():
    g = ls.grid(1.0, 41)
    values = np.sum((g - 0.5) ** 2, axis=-1) * np.sum((g + 0.5) ** 2, axis=-1)
    minima = g[ls.local_minima(values)]
    assert len(minima) == 2
    assert np.allclose(sorted(minima[:, 0]), [-0.5, 0.5])
    flat = np.ones((5, 5))
    assert not ls.local_minima(flat).any()  # ties are not strict minima


def test_gradient_descent_converges_on_a_quadratic():
    starts = np.array([[1.0, 2.0], [-3.0, 0.5]])
    end = ls.gradient_descent(lambda w: 2 * (w - np.array([0.2, -0.1])), starts, lr=0.1, steps=200)
    assert np.allclose(end, [[0.2, -0.1], [0.2, -0.1]])
    assert np.array_equal(ls.gradient_descent(lambda w: w, starts, lr=0.1, steps=0), starts)


def test_grid_and_samples():
    g = ls.grid(2.0, 5)
    assert g.shape == (5, 5, 2)
    assert g[0, -1, 0] == 2.0 and g[-1, 0, 1] == 2.0
    assert np.array_equal(ls.sample_inputs(10, seed=4), ls.sample_inputs(10, seed=4))


@pytest.mark.parametrize(
    "call",
    [
        lambda: ls.population_risk(np.zeros(3), W_STAR, 1.0),
        lambda: ls.population_risk(np.zeros(2), W_STAR, 0.0),
        lambda: ls.population_risk(np.array([np.nan, 0.0]), W_STAR, 1.0),
        lambda: ls.empirical_risk(np.zeros(2), W_STAR, 1.0, np.zeros((5, 3))),
        lambda: ls.empirical_gradient(np.zeros(2), W_STAR, -1.0, np.zeros((5, 2))),
        lambda: ls.sin_sin_expectation(np.zeros(2), np.zeros(3)),
        lambda: ls.monte_carlo_sin_sin([1.0], [1.0], n=1),
        lambda: ls.monte_carlo_sin_sin([1.0], [1.0, 2.0]),
        lambda: ls.grid(0.0, 11),
        lambda: ls.grid(1.0, 2),
        lambda: ls.local_minima(np.zeros((2, 5))),
        lambda: ls.gradient_descent(lambda w: w, np.zeros(2), lr=0.0, steps=1),
        lambda: ls.gradient_descent(lambda w: w, np.zeros(2), lr=0.1, steps=-1),
        lambda: ls.sample_inputs(0),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()
