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
    assert np.all(mu[3::2] == 0)
    assert np.all(mu[::2] > 0)  # the closed form: every even degree, in every dimension


def test_constant_profile_has_one_eigenvalue():
    mu = spectral.zonal_kernel_eigenvalues(lambda phi: np.ones_like(phi), 4, [0, 1, 2, 3])
    assert mu == pytest.approx([1, 0, 0, 0], abs=1e-13)


def test_closed_form_on_the_two_sphere():
    # d = 3: mu_0 = 1/16, mu_1 = 1/36 (exact values of the Funk-Hecke integral)
    mu = spectral.relu_kernel_eigenvalues(3, [0, 1])
    assert mu == pytest.approx([1 / 16, 1 / 36], rel=1e-12)


# nu_l = E[sigma(t) P_l(t)] computed by mpmath at 60 digits (adaptive quadrature of the
# Funk-Hecke integral), independently of the closed form, and stored here to 12 significant
# digits: the test checks the closed form to about 1e-11
FUNK_HECKE_60_DIGITS = {
    (3, 2): 1 / 16, (3, 4): 1 / 96, (3, 6): 1 / 256, (3, 20): 0.000210762023926,
    (5, 2): 1 / 32, (5, 4): 1 / 256, (5, 6): 0.001171875, (5, 20): 2.63452529907e-5,
    (20, 2): 0.00430132441365, (20, 10): 1.00314079279e-6, (20, 20): 6.37192432834e-9,
}


@pytest.mark.parametrize("key", sorted(FUNK_HECKE_60_DIGITS))
@pytest.mark.checks(
    "prop-kr-mercer-closed-form",
    "closed-form $|\\nu_l|$ vs a 60-digit mpmath Funk-Hecke integral, $d = 3, 5, 20$, $l \\le 20$: relative "
    "$10^{-11}$; $\\mu_l = \\nu_l^2$ to relative $10^{-10}$",
    shown_in=("fig-nn-rfm-mercer",),
)
def test_closed_form_matches_an_independent_high_precision_integral(key):
    d, ell = key
    assert abs(spectral.relu_feature_coefficients(d, ell)[0]) == pytest.approx(FUNK_HECKE_60_DIGITS[key], rel=1e-11)
    assert spectral.relu_kernel_eigenvalues(d, ell)[0] == pytest.approx(FUNK_HECKE_60_DIGITS[key] ** 2, rel=1e-10)


def test_closed_form_signs_and_low_degrees():
    nu = spectral.relu_feature_coefficients(5, range(9))
    assert nu[1] == pytest.approx(1 / 10) and nu[0] == pytest.approx(0.1875)  # E[sigma(z)] in d = 5
    assert np.all(nu[3::2] == 0)
    assert list(np.sign(nu[2::2])) == [1, -1, 1, -1]


@pytest.mark.parametrize("d", [3, 5, 20])
@pytest.mark.checks(
    "prop-kr-mercer-closed-form",
    "closed-form $\\mu_l$ vs Gauss quadrature of the Funk-Hecke integral of the kernel, $d = 3, 5, 20$, $l = 0, "
    "\\dots, 120$: absolute error $< 10^{-13}/(2d)$",
)
def test_quadrature_agrees_with_the_closed_form_to_an_absolute_error(d):
    # the documented accuracy of zonal_kernel_eigenvalues: absolute, below 1e-13 k(1)
    ell = np.arange(0, 121)
    exact = spectral.relu_kernel_eigenvalues(d, ell)
    quad = spectral.zonal_kernel_eigenvalues(spectral.relu_profile(d), d, ell)
    assert np.max(np.abs(quad - exact)) * 2 * d < 1e-13


def test_quadrature_loses_relative_accuracy_in_high_dimension_but_the_closed_form_does_not():
    # d = 20: the quadrature is off by more than 1e-3 at degree 60 (documented: 2 %), not the
    # closed form, which keeps its asymptote
    ell = [40, 60]
    exact = spectral.relu_kernel_eigenvalues(20, ell)
    quad = spectral.zonal_kernel_eigenvalues(spectral.relu_profile(20), 20, ell)
    rel = np.abs(quad / exact - 1)
    assert rel[0] < 1e-4 and rel[1] > 1e-3
    assert np.all(exact / spectral.relu_eigenvalue_asymptote(20, ell) < 2)


@pytest.mark.parametrize("d", [3, 5, 20])
@pytest.mark.checks(
    "prop-kr-mercer-closed-form",
    "$\\mu_l/\\mathrm{asymptote} \\to 1$ at $l = 10^4, 10^5$ (error $< 50 d^2/l$, shrinking), local log-slope "
    "$-(d+2) \\pm 0.01$, $d = 3, 5, 20$",
)
def test_eigenvalues_approach_the_asymptote_l_to_the_minus_d_plus_2(d):
    ell = np.array([10**4, 10**5])
    ratio = spectral.relu_kernel_eigenvalues(d, ell) / spectral.relu_eigenvalue_asymptote(d, ell)
    assert np.all(np.abs(ratio - 1) < 50 * d**2 / ell)
    assert abs(ratio[1] - 1) < abs(ratio[0] - 1)
    # the local slope over a decade tends to -(d+2), from above
    local = np.log(spectral.relu_kernel_eigenvalues(d, 10 * ell) / spectral.relu_kernel_eigenvalues(d, ell)) / np.log(10)
    assert np.all(local < -(d + 2) + 0.01) and np.all(local > -(d + 2) - 0.01)


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


def test_eigenvalue_scan_respects_the_closest_pair_bound():
    """The scan is the experiment eigenvalue_scan (chapter 6); spectral keeps its math."""
    from nndyn.experiments.eigenvalue_scan import scan_dimension

    scan = scan_dimension(3, (20, 60), seed=0, draws=3)
    assert scan.lam.shape == scan.pair.shape == (3, 2)
    assert np.all(scan.lam > 0)
    assert np.all(scan.lam <= scan.pair + 1e-12)
    assert np.all(scan.n_mu > 0)
    assert scan.lam_slopes().shape == (3,)
    # draws differ, and the first draw does not depend on how many follow
    assert len(set(scan.lam[:, 0])) == 3
    assert np.array_equal(scan_dimension(3, (20, 60), seed=0).lam[0], scan.lam[0])
    with pytest.raises(ValueError):
        scan_dimension(3, (1,))
    with pytest.raises(ValueError):
        scan_dimension(3, (20,), draws=0)


def test_closest_pair_bound_and_nth_mercer_eigenvalue():
    """v = (e_x - e_x')/sqrt(2) gives v^T K v = k(x,x) - k(x,x'); mu_(n) counts multiplicities."""
    from nndyn.data import sample_sphere
    from nndyn.kernels import min_eigenvalue, relu_kernel

    x = sample_sphere(30, 4, seed=1)
    k = relu_kernel(x).numpy()
    i, j = np.unravel_index(np.argmax(np.where(np.eye(30, dtype=bool), -2.0, (x @ x.T).numpy())), (30, 30))
    assert np.isclose(spectral.closest_pair_bound(x.numpy()), k[i, i] - k[i, j], rtol=1e-9)
    assert float(min_eigenvalue(relu_kernel(x))) <= spectral.closest_pair_bound(x.numpy())
    mu = spectral.sorted_eigenvalues(4, 12)
    assert np.array_equal(spectral.nth_mercer_eigenvalues(4, [1, 2, 5, 40]), mu[[0, 1, 4, 39]])
    with pytest.raises(ValueError):
        spectral.closest_pair_bound(x.numpy()[:1])
    with pytest.raises(ValueError):
        spectral.nth_mercer_eigenvalues(4, [0])
    with pytest.raises(ValueError):
        spectral.decay_summary(kernel="tanh")
