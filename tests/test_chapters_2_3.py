"""Science tests of chapters 2 and 3: every claim the chapters make, in the quick preset."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from nndyn.constructions import HalfspaceIntersectionNet, random_integer_halfspaces
from nndyn.data import hypercube_points
from nndyn.experiments import cosine_family, gradient_variance, halfspace_network, parity_network
from nndyn.experiments.base import registry


@pytest.fixture(scope="module")
def halfspaces():
    return halfspace_network.run(halfspace_network.Config.preset("quick"))


@pytest.fixture(scope="module")
def parity():
    return parity_network.run(parity_network.Config.preset("quick"))


@pytest.fixture(scope="module")
def cosines():
    return cosine_family.run(cosine_family.Config.preset("quick"))


@pytest.fixture(scope="module")
def variance():
    return gradient_variance.run(gradient_variance.Config.preset("quick"))


# ---------------------------------------------------------------- chapter 2


@pytest.mark.checks(
    "lem-halfspace-network",
    "$\\operatorname{sign} g(x)$ equals the AND of the $r$ halfspaces on every point of $\\{-1,1\\}^d$, $d = 2, 4, "
    "\\dots, 12$, $r = 1, 2, 3, 5$, 4 instances each ($\\ge 50\\,000$ points): 0 mismatches",
    shown_in=("fig-halfspace-network", "ch2-mismatches"),
)
def test_sign_of_network_is_intersection_on_every_point(halfspaces):
    assert max(halfspaces.config.dims) >= 12
    assert halfspaces.points_checked >= 50_000
    assert halfspaces.total_mismatches == 0
    # the check is not vacuous: every intersection contains a point of the cube, so both
    # signs of the network are tested, although independent offsets would empty many of them
    assert halfspaces.empty_intersections == 0
    assert np.all(halfspaces.positive_fraction > 0) and np.mean(halfspaces.positive_fraction < 1) > 0.9
    assert halfspaces.empty_if_independent > 0


@pytest.mark.checks(
    "lem-halfspace-network",
    "path norm of the built network equals the closed form (relative tolerance $10^{-12}$) and is $\\le$ the "
    "corrected bound (ratio $\\le 1 + 10^{-12}$), $d = 2, 4, \\dots, 12$, $r = 1, 2, 3, 5$",
    shown_in=("fig-halfspace-network", "ch2-worst-bound-ratio"),
)
def test_path_norm_matches_closed_form_and_corrected_bound(halfspaces):
    assert np.allclose(halfspaces.path_norm, halfspaces.exact_formula, rtol=1e-12)
    assert halfspaces.worst_bound_ratio <= 1 + 1e-12


def test_notes_expression_is_not_a_bound(halfspaces):
    assert halfspaces.notes_violations > len(halfspaces.d) // 2
    assert np.max(halfspaces.path_norm / halfspaces.notes_expression) > 1.05


def test_slope_one_step_fails_but_slope_two_is_exact():
    x = hypercube_points(4)
    # at x = (1, 1, ., .) both z_i equal 1/2 and g = (a - 5/3) / 4
    W, b = torch.tensor([[1, 0, 0, 0], [0, 1, 0, 0]]), torch.tensor([0, 0])
    with torch.no_grad():
        for a, ok in [(1.0, False), (1.5, False), (1.8, True), (2.0, True), (8.0, True)]:
            net = HalfspaceIntersectionNet(W, b, slope=a)
            assert torch.equal(net.classify(x), net.target(x)) == ok, a


def test_margin_outside_unit_interval_fails():
    d = 6
    x = hypercube_points(d)
    W, b = random_integer_halfspaces(3, d, seed=5)
    with torch.no_grad():
        for tau, ok in [(0.05, True), (0.5, True), (0.95, True), (0.0, False), (1.0, False)]:
            net = HalfspaceIntersectionNet(W, b, margin=tau)
            assert torch.equal(net.classify(x), net.target(x)) == ok, tau


def test_path_norm_does_not_grow_with_r():
    norms = [
        np.mean([float(HalfspaceIntersectionNet(*random_integer_halfspaces(r, 10, seed=s)).path_norm()) for s in range(10)])
        for r in (1, 8, 32)
    ]
    assert max(norms) < 1.3 * min(norms)


# ---------------------------------------------------------------- chapter 3


@pytest.mark.checks(
    "lem-parity-orthonormal",
    "Gram matrix of all $2^d$ parities under the uniform law, computed exactly over the cube, $d = 1, \\dots, 8$: "
    "$\\max |G - I| = 0$",
    shown_in=("ch3-gram-error",),
)
def test_parities_are_orthonormal(parity):
    assert parity.gram_dims.max() >= 8
    assert parity.gram_error.max() == 0.0


@pytest.mark.checks(
    "lem-parity-network",
    "the $3(d+1)$-neuron ReLU network equals $(-1)^{v \\cdot x}$ at every $x \\in \\{0,1\\}^d$, $d = 2, \\dots, 10$, "
    "up to 32 vectors $v$ per $d$ ($> 10\\,000$ points): max error 0",
    shown_in=("fig-parity-network", "ch3-check-error"),
)
def test_parity_network_is_exact(parity):
    assert parity.check_dims.max() >= 10
    assert parity.max_error.max() == 0.0
    assert parity.points_checked > 10_000


@pytest.mark.checks(
    "lem-parity-network",
    "path norm of the full-parity network equals $12d^2 + 12d + 2$ exactly, $d = 2, \\dots, 30$",
    shown_in=("fig-parity-network", "ch3-path-formula-error"),
)
def test_parity_path_norm_grows_quadratically(parity):
    d = parity.path_dims
    assert np.array_equal(parity.path_norm, 12.0 * d**2 + 12.0 * d + 2)
    assert 1.75 <= parity.slope < 2.0  # the 12d term pulls the fit below 2 (chapter 3 prose)
    assert 12.0 <= parity.leading_constant <= 13.0
    ratios = parity.path_norm / d**2
    assert np.all(np.diff(ratios) < 0)


@pytest.mark.checks(
    "lem-cosine-family",
    "(i): $|\\mathcal{C}_d|$ counted by enumeration equals $\\binom{2d}{d}$ and is $\\ge 4^d/(2\\sqrt{d}) \\ge "
    "2^d/\\sqrt{d}$, $d = 1, \\dots, 30$",
    shown_in=("fig-cosine-family", "ch3-cos-enum-mismatch"),
)
def test_cosine_family_size(cosines):
    d = cosines.count_dims
    assert np.array_equal(cosines.enumerated, cosines.sizes[: len(cosines.enumerated)])
    assert np.all(cosines.sizes >= 4.0**d / (2 * np.sqrt(d)))
    assert np.all(cosines.sizes >= cosines.notes_lower_bound)
    assert np.allclose(cosines.sizes[-5:] / cosines.asymptotic[-5:], 1, atol=0.02)
    assert cosines.sizes[19] == math.comb(40, 20)
    # fig-cosine-family: "far above the lower bound of the notes", by a factor that grows with d
    ratio = cosines.sizes / cosines.notes_lower_bound
    assert np.all(np.diff(ratio) > 0) and ratio[-1] > 1e3


@pytest.mark.checks(
    "lem-cosine-family",
    "(ii): exact Gram matrix of $\\sqrt{2}\\cos(w \\cdot x)$ on $[0, 2\\pi]^d$, $d \\le 3$: $\\max |G - I| < "
    "10^{-10}$; Monte-Carlo error ($d = 4$) falls like $n^{-1/2}$ (slope $-0.7$ to $-0.3$)",
    shown_in=("fig-cosine-family", "ch3-cos-exact-error"),
)
def test_cosine_family_is_orthonormal(cosines):
    assert cosines.exact_error.max() < 1e-10
    assert -0.7 <= cosines.mc_slope <= -0.3
    assert cosines.mc_error[-1] < cosines.mc_error[0]


@pytest.mark.checks(
    "thm-gradient-variance",
    "variance over all $2^d$ parities of the exact gradient of a tanh net (width 8), $d = 2, \\dots, 12$: "
    "$\\mathrm{variance}/\\mathrm{bound} \\le 1 + 10^{-9}$, and $\\ge 0.99$ for $d \\ge 8$",
    shown_in=("fig-gradient-variance", "ch3-gv-ratio"),
)
def test_gradient_variance_never_exceeds_bound(variance):
    assert variance.worst_ratio <= 1 + 1e-9
    # the bound is tight for the complete parity basis (Parseval)
    large = variance.dims >= 8
    assert np.all(variance.variance[large] / variance.bound[large] >= 0.99)


def test_gradient_variance_decays_like_two_to_minus_d(variance):
    assert -1.2 <= variance.log2_slope <= -0.8
    assert variance.normalised[-1] == pytest.approx(4.0, rel=1e-2)
    # the target-independent part stays much larger
    assert variance.mean_gradient_norm[-1] ** 2 > 20 * variance.variance[-1]


def test_gradient_variance_caption_verdicts(variance):
    """fig-gradient-variance: each sentence of the caption, read from the result.

    The variance approaches the bound (within 1 % from a dimension on); the common part
    ||g||^2 does not decay, spans a range set by the networks drawn, is below the variance in
    some dimension (so "of order one" or "always larger" would be false), and exceeds ten
    times the variance from some dimension on, up to the largest.
    """
    d0 = variance.tight_from(0.01)
    assert d0 is not None and d0 < variance.dims[-1]
    ratio = variance.variance / variance.bound
    assert np.all(ratio[variance.dims >= d0] >= 0.99) and ratio[variance.dims == d0 - 1][0] < 0.99
    # "does not decay", "no comparable trend" (the slope itself is not printed, only the range):
    # no trend comparable with the variance's (slope about -1)
    assert abs(variance.common_log2_slope) < 0.5
    assert variance.common_log2_slope > variance.log2_slope + 0.5
    common = variance.common_squared_norm
    assert common.max() / common.min() > 10  # it depends on the network, not of order one
    assert np.any(common < variance.variance)  # "not always above the variance"
    d1 = variance.separated_from(10.0)
    assert d1 is not None and d1 < variance.dims[-1]
    after = variance.dims >= d1
    assert np.all(common[after] >= 10 * variance.variance[after])
    assert common[variance.dims == d1 - 1][0] < 10 * variance.variance[variance.dims == d1 - 1][0]


def test_from_on_helper():
    from nndyn.experiments.gradient_variance import _from_on

    dims = np.arange(2, 7)
    assert _from_on(dims, np.array([True, False, True, True, True])) == 4
    assert _from_on(dims, np.array([True] * 5)) == 2
    assert _from_on(dims, np.array([True, True, True, True, False])) is None


def test_experiments_are_deterministic_and_registered():
    names = registry()
    for module in (halfspace_network, parity_network, cosine_family, gradient_variance):
        assert module.__name__.rsplit(".", 1)[1] in names
        assert module.CHAPTER in (2, 3)
    cfg = gradient_variance.Config.preset("quick", dims=(2, 3, 4))
    a, b = gradient_variance.run(cfg), gradient_variance.run(cfg)
    assert np.array_equal(a.variance, b.variance)


@pytest.mark.parametrize(
    "module,bad",
    [
        (halfspace_network, {"dims": (0, 3)}),
        (halfspace_network, {"rs": ()}),
        (halfspace_network, {"instances": 0}),
        (halfspace_network, {"nonempty": "yes"}),
        (parity_network, {"path_dims": (3,)}),
        (parity_network, {"gram_dims": (13,)}),
        (cosine_family, {"max_exact_dim": 5}),
        (cosine_family, {"mc_sizes": (10,)}),
        (gradient_variance, {"dims": (2, 21)}),
        (gradient_variance, {"width": 0}),
    ],
)
def test_configs_reject_bad_values(module, bad):
    with pytest.raises(ValueError):
        module.Config.preset("quick", **bad)


def test_plots_return_figures(halfspaces, parity, cosines, variance):
    for module, result in ((halfspace_network, halfspaces), (parity_network, parity),
                           (cosine_family, cosines), (gradient_variance, variance)):
        fig = module.plot(result)
        assert len(fig.axes) >= 1
        plt.close(fig)


def test_chapter_2_names_the_implication_that_holds():
    # issue 24 (referee 4): "Only the converse holds" named the wrong implication
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "book" / "02_barron_hardness.md").read_text()
    assert "Only the converse holds" not in text
    assert "What does hold is the opposite\n  implication: a good approximation in $L^2(\\mathcal D)$ is a good classifier." in text
