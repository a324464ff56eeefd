"""Science tests for chapter 1: each bound of Theorems 1-3 holds along computed trajectories."""

import numpy as np
import pytest

from nndyn.experiments import classical_bounds


@pytest.fixture(scope="module")
def result():
    return classical_bounds.run(classical_bounds.Config.preset("quick"))


def test_theorem1_bound_holds_along_the_network_trajectory(result):
    assert result.worst_ratio()["nonconvex"] <= 1.0
    assert result.network.loss[-1] < result.network.loss[0]


def test_theorem2_bound_holds_for_convex_least_squares(result):
    assert result.worst_ratio()["convex"] <= 1.0


def test_theorem2_is_the_right_order_for_an_ill_conditioned_problem(result):
    # the gap decays polynomially (not exponentially) over the window: slope between -1.5 and -0.2
    ls = result.least_squares
    window = (ls.t > 10) & (ls.t < 500)
    slope = np.polyfit(np.log(ls.t[window]), np.log(ls.value[window]), 1)[0]
    assert -1.5 < slope < -0.2


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
