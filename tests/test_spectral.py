"""Mercer eigenvalues of the ReLU kernel on the sphere (nndyn.spectral)."""

import math

import numpy as np
import pytest

from nndyn import spectral
from nndyn.data import sample_sphere
from nndyn.kernels import relu_kernel


def test_harmonic_dimension_small_cases():
    # S^2: 2l+1; S^3: (l+1)^2
    assert [spectral.harmonic_dimension(3, k) for k in range(5)] == [1, 3, 5, 7, 9]
    assert [spectral.harmonic_dimension(4, k) for k in range(5)] == [1, 4, 9, 16, 25]
    assert spectral.harmonic_dimension(20, 1) == 20
    assert spectral.harmonic_dimension(20, 2) == 20 * 21 // 2 - 1


def test_legendre_is_normalised_and_matches_classical_legendre():
    t = np.linspace(-1, 1, 7)
    assert np.allclose(spectral.legendre_sphere(5, 7, np.ones(1)), 1.0)
    # d = 3: the classical Legendre polynomials
    assert np.allclose(spectral.legendre_sphere(2, 3, t), (3 * t**2 - 1) / 2)


@pytest.mark.parametrize("d", [3, 5, 20])
def test_eigenvalues_sum_to_the_trace_and_odd_ones_vanish(d):
    ell = np.arange(0, 121)
    mu = spectral.relu_kernel_eigenvalues(d, ell)
    trace = sum(spectral.harmonic_dimension(d, int(k)) * mu[k] for k in ell)
    assert trace == pytest.approx(1 / (2 * d), rel=1e-4)
    assert np.all(np.abs(mu[3::2]) < 1e-15)
    assert np.all(mu[:21:2] > 0)  # beyond, in d = 20, below rounding error


def test_constant_profile_has_one_eigenvalue():
    mu = spectral.zonal_kernel_eigenvalues(lambda phi: np.ones_like(phi), 4, [0, 1, 2, 3])
    assert mu == pytest.approx([1, 0, 0, 0], abs=1e-13)


def test_closed_form_on_the_two_sphere():
    # d = 3: mu_0 = 1/16, mu_1 = 1/36 (exact values of the Funk-Hecke integral)
    mu = spectral.relu_kernel_eigenvalues(3, [0, 1])
    assert mu == pytest.approx([1 / 16, 1 / 36], rel=1e-12)


def test_eigenvalues_match_the_spectrum_of_a_large_kernel_matrix():
    n = 1500
    x = sample_sphere(n, 3, seed=0)
    top = np.sort(np.linalg.eigvalsh(relu_kernel(x).numpy() / n))[::-1][:9]
    predicted = spectral.sorted_eigenvalues(3, 4)[:9]
    assert np.allclose(top, predicted, rtol=0.15)


def test_decay_slopes_near_the_predictions():
    summary = spectral.decay_summary(dims=(3, 4), degrees=tuple(range(30, 61, 2)))
    assert np.allclose(summary.degree_slopes, summary.predicted_degree_slopes(), atol=0.15)
    assert np.allclose(summary.index_slopes, summary.predicted_index_slopes(), atol=0.1)


def test_tail_sums_decrease_and_match_a_direct_sum():
    d = 3
    tails = spectral.tail_sums(d, [0, 1, 4, 9])
    assert tails[0] == pytest.approx(1 / (2 * d))
    mu = spectral.relu_kernel_eigenvalues(d, [0, 1])
    assert tails[1] == pytest.approx(1 / (2 * d) - mu[0])
    assert tails[2] == pytest.approx(1 / (2 * d) - mu[0] - 3 * mu[1])
    assert np.all(np.diff(tails) < 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: spectral.harmonic_dimension(2, 1),
        lambda: spectral.harmonic_dimension(3, -1),
        lambda: spectral.relu_kernel_eigenvalues(3, [-1]),
        lambda: spectral.relu_kernel_eigenvalues(3, [1.5]),
        lambda: spectral.zonal_kernel_eigenvalues("x", 3, [0]),
        lambda: spectral.decay_summary(degrees=(3, 5)),
        lambda: spectral.sorted_eigenvalues(3, 2, np.ones(5)),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()


def test_first_layer_part_of_tangent_kernel_decays_like_minus_d():
    summary = spectral.decay_summary(dims=(3, 4), degrees=tuple(range(30, 61, 2)), kernel="derivative")
    assert np.allclose(summary.degree_slopes, [-3, -4], atol=0.2)


def test_smallest_eigenvalue_scan_respects_the_closest_pair_bound():
    scan = spectral.smallest_eigenvalue_scan(3, (20, 60), seed=0)
    assert np.all(scan["lam"] > 0)
    assert np.all(scan["lam"] <= scan["pair"] + 1e-12)
    assert np.all(scan["n_mu"] > 0)
    with pytest.raises(ValueError):
        spectral.smallest_eigenvalue_scan(3, (1,))
    with pytest.raises(ValueError):
        spectral.decay_summary(kernel="tanh")
