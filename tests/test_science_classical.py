"""Science tests for chapter 1: each bound of Theorems 1-3 holds along computed trajectories."""

import numpy as np
import pytest

from nndyn.experiments import classical_bounds


@pytest.fixture(scope="module")
def result():
    return classical_bounds.run(classical_bounds.Config.preset("quick"))


@pytest.mark.observation(
    "classical_bounds",
    "GD on a two-layer ReLU net ($n = 50$, $d = 20$, $m = 10$, lr 0.2, 2000 steps), not $L$-smooth, so outside "
    "thm-nonconvex: running min of $|\\nabla R| \\le \\sqrt{R(\\theta_0)/t}$, the flow's bound, at every record",
    shown_in=("fig-classical-bounds", "ch1-net-ratio"),
)
def test_theorem1_bound_holds_along_the_network_trajectory(result):
    assert result.worst_ratio()["nonconvex"] <= 1.0
    assert result.network.loss[-1] < result.network.loss[0]


@pytest.mark.checks(
    "thm-convex",
    "GD on an ill-conditioned least squares ($p = 100$, lr $0.5 = 1/(2L)$, 2000 steps): gap $\\le |\\theta^* - "
    "\\theta_0|^2/(2t)$ at every step",
    shown_in=("fig-classical-bounds", "ch1-lsq-ratio"),
)
def test_theorem2_bound_holds_for_convex_least_squares(result):
    assert result.worst_ratio()["convex"] <= 1.0


def test_theorem2_is_the_right_order_for_an_ill_conditioned_problem(result):
    # the gap decays polynomially (not exponentially) over the window: slope between -1.5 and -0.2
    ls = result.least_squares
    window = (ls.t > 10) & (ls.t < 500)
    slope = np.polyfit(np.log(ls.t[window]), np.log(ls.value[window]), 1)[0]
    assert -1.5 < slope < -0.2


@pytest.mark.checks(
    "thm-pl",
    "GD on $\\theta^2 + 3\\sin^2\\theta$ from 4 (lr 0.01, 300 steps): gap $\\le e^{-\\zeta C t}\\,\\mathrm{gap}_0$ "
    "and $\\le e^{-Ct}\\,\\mathrm{gap}_0$ at every step (ratio $\\le 1 + 10^{-12}$)",
    shown_in=("fig-classical-bounds", "ch1-pl-ratio"),
)
def test_theorem3_bound_holds_for_the_pl_objective(result):
    assert result.worst_ratio()["pl"] <= 1.0 + 1e-12
    # and the flow version of the bound also holds for this small step
    flow = result.pl_bound(discrete=False)
    assert np.all(result.pl.value <= flow * (1 + 1e-12))


def test_unsquared_pl_gives_only_a_slower_bound():
    # the remark: delta' <= -C^2 delta^2 integrates to delta0 / (1 + C^2 delta0 t), slower than e^{-Ct}
    t = np.linspace(1, 50, 50)
    C, delta0 = 0.5, 1.0
    assert np.all(delta0 / (1 + C**2 * delta0 * t) > delta0 * np.exp(-C * t))


# ------------------------------------------------------------- the caption of fig-classical-bounds


def test_caption_left_network_risk_and_gradient_fall_far_below_the_bound(result):
    """"falls much faster [than the bound], as it must while the risk falls by orders of magnitude"."""
    net = result.network
    assert net.loss[-1] < 1e-2 * net.loss[0]
    assert result.running_min_gradient()[-1] < 0.1 * result.nonconvex_bound()[-1]


def test_caption_middle_power_law_slower_than_one_over_t_until_1000_then_faster():
    """The middle panel of the full preset (cheap: a 100-dimensional quadratic): log-log slope
    above -1 (slower than 1/t) up to t = 1000, steepening, and below -1 in the last decade."""
    import torch

    from nndyn.experiments.classical_bounds import descend, ill_conditioned_least_squares
    from nndyn.seeding import derive_seed

    c = classical_bounds.Config.preset("full")
    lsq = ill_conditioned_least_squares(c.lsq_dim, seed=derive_seed(c.seed, "least-squares"))
    path = descend(lsq, torch.zeros(c.lsq_dim, dtype=torch.float64), lr=c.lsq_lr, steps=c.lsq_steps)
    t, v = path.t, path.value
    assert t[-1] == pytest.approx(10_000)

    def slope(a, b):
        w = (t >= a) & (t <= b)
        return np.polyfit(np.log(t[w]), np.log(v[w]), 1)[0]

    decades = [slope(1, 10), slope(10, 100), slope(100, 1000), slope(1000, 10_000)]
    assert all(-1 < s < 0 for s in decades[:3])
    assert np.all(np.diff(decades) < 0)       # the exponent steepens
    assert decades[-1] < -1                  # faster than 1/t only in the last decade

    # the caption's reason: the turn comes when t approaches p^2, the inverse of the smallest
    # curvature; with p = 300 (p^2 = 9e4) the same window stays slower than 1/t throughout
    lsq3 = ill_conditioned_least_squares(300, seed=derive_seed(c.seed, "least-squares"))
    path3 = descend(lsq3, torch.zeros(300, dtype=torch.float64), lr=c.lsq_lr, steps=c.lsq_steps)
    w = path3.t >= 1000
    assert np.polyfit(np.log(path3.t[w]), np.log(path3.value[w]), 1)[0] > -1


def test_caption_right_pl_gap_falls_far_faster_than_the_bound_and_zeta_near_one(result):
    pl = result.pl
    keep = pl.value > 1e-12
    assert pl.value[keep][-1] < 1e-6 * result.pl_bound(discrete=False)[keep][-1]
    # near the minimum the local PL ratio R'^2 / R of theta^2 + 3 sin^2 theta tends to 16,
    # above the global constant C: "the local curvature is larger than the global constant"
    theta = 1e-4
    ratio = (2 * theta + 3 * np.sin(2 * theta)) ** 2 / (theta**2 + 3 * np.sin(theta) ** 2)
    assert ratio == pytest.approx(16, rel=1e-6)
    assert result.pl_constant < 16
    zeta = 1 - result.pl_smoothness * result.config.pl_lr / 2
    assert zeta > 0.95                      # "the factor zeta is close to 1"


def test_text_below_the_figure_worst_ratios_and_the_flat_region(result):
    """The table and the paragraphs under fig-classical-bounds: the PL ratio to the bound is
    largest at t = 0 (equality there); the nearly flat region the PL run crosses is where the
    local PL ratio |grad R|^2 / (R - inf R) is worst, i.e. where it comes down to the global
    constant C; and the least-squares gap ends well below its bound."""
    pl = result.pl
    ratio = pl.value / result.pl_bound()
    assert np.argmax(ratio) == 0 and ratio[0] == pytest.approx(1.0, rel=1e-12)
    keep = pl.value > 1e-12
    local = pl.grad_norm[keep] ** 2 / pl.value[keep]
    assert local.min() == pytest.approx(result.pl_constant, rel=1e-3)
    worst = pl.t[keep][np.argmin(local)]
    assert 0 < worst < pl.t[keep][-1] / 2  # crossed early, before the fast fall
    convex = result.least_squares.value[1:] / result.convex_bound()
    assert convex[-1] < 0.2
