"""Unit tests of nndyn.constructions and nndyn.theory.hardness (path norms)."""

from __future__ import annotations

import pytest
import torch

from nndyn.constructions import (
    HalfspaceIntersectionNet,
    ParityNet,
    halfspace_intersection,
    hat,
    path_norm,
    random_integer_halfspaces,
    relu_step,
    triangle_wave,
)
from nndyn.data import hypercube_points, parity_target
from nndyn.theory.hardness import (
    gradient_variance_bound,
    halfspace_path_norm,
    halfspace_path_norm_bound,
    notes_halfspace_path_norm,
    parity_path_norm,
)


@pytest.mark.checks(
    "lem-relu-step",
    "$\\sigma(2z) - \\sigma(2z-1)$ equals $\\mathbf{1}(z \\ge 0)$ exactly (torch.equal) at $z = -3, -1, -1/2, 1/2, "
    "1, 5/2$",
)
def test_relu_step_exact_away_from_zero():
    z = torch.tensor([-3.0, -1.0, -0.5, 0.5, 1.0, 2.5], dtype=torch.float64)
    assert torch.equal(relu_step(z), (z >= 0).double())
    assert relu_step(torch.tensor(0.25), slope=2.0) == pytest.approx(0.5)
    assert relu_step(torch.tensor(0.5), slope=1.0) == pytest.approx(0.5)


def test_relu_step_rejects_bad_slope():
    with pytest.raises(ValueError, match="slope"):
        relu_step(torch.zeros(3), slope=0.0)


def test_hat_and_triangle_wave_values():
    z = torch.tensor([-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0], dtype=torch.float64)
    assert torch.allclose(hat(z), torch.tensor([0, 0, 0.5, 1, 0.5, 0, 0], dtype=torch.float64))
    s = torch.arange(7, dtype=torch.float64)
    assert torch.equal(triangle_wave(s, 6), (-1.0) ** s)
    assert torch.allclose(triangle_wave(s + 0.5, 6)[:-1], torch.zeros(6, dtype=torch.float64))
    with pytest.raises(ValueError, match="levels"):
        triangle_wave(s, -1)


def test_random_halfspaces_shapes_and_determinism():
    W, b = random_integer_halfspaces(4, 7, weight_bound=2, seed=3)
    assert W.shape == (4, 7) and b.shape == (4,)
    assert W.abs().max() <= 2 and W.dtype == torch.int64
    W2, b2 = random_integer_halfspaces(4, 7, weight_bound=2, seed=3)
    assert torch.equal(W, W2) and torch.equal(b, b2)
    for kwargs in ({"r": 0, "d": 3}, {"r": 2, "d": 0}, {"r": 2, "d": 3, "weight_bound": 0}, {"r": 2, "d": 3, "seed": -1}):
        with pytest.raises(ValueError):
            random_integer_halfspaces(**kwargs)


def test_random_halfspaces_nonempty_contain_a_point():
    x = hypercube_points(6)
    emptied = 0
    for seed in range(40):
        W, b = random_integer_halfspaces(8, 6, seed=seed)
        W2, b2 = random_integer_halfspaces(8, 6, nonempty=True, seed=seed)
        assert torch.equal(W, W2) and torch.all(b2 <= b)
        assert bool((halfspace_intersection(x, W2, b2) > 0).any())
        emptied += int(not bool((halfspace_intersection(x, W, b) > 0).any()))
    assert emptied > 0  # without the option, many intersections of 8 halfspaces are empty
    with pytest.raises(ValueError, match="nonempty"):
        random_integer_halfspaces(2, 3, nonempty=1)


def test_halfspace_intersection_by_hand():
    x = hypercube_points(2)  # (-1,-1), (-1,1), (1,-1), (1,1)
    W = torch.tensor([[1, 0], [0, 1]])
    b = torch.tensor([0, 0])
    assert torch.equal(halfspace_intersection(x, W, b), torch.tensor([-1.0, -1.0, -1.0, 1.0], dtype=torch.float64))
    with pytest.raises(ValueError, match="b must"):
        halfspace_intersection(x, W, torch.tensor([0]))
    with pytest.raises(ValueError, match="x must"):
        halfspace_intersection(hypercube_points(3), W, b)
    with pytest.raises(ValueError, match="integer"):
        halfspace_intersection(x, W.double() + 0.5, b)


@pytest.mark.parametrize("d,r,seed", [(1, 1, 0), (5, 3, 1), (9, 4, 2)])
@pytest.mark.checks(
    "lem-halfspace-network",
    "sign of the $(2r+1)$-neuron network equals the intersection of $r$ random integer halfspaces on all of "
    "$\\{-1,1\\}^d$, $(d, r) = (1, 1), (5, 3), (9, 4)$: exact equality",
)
def test_halfspace_network_is_exact(d, r, seed):
    W, b = random_integer_halfspaces(r, d, seed=seed)
    net = HalfspaceIntersectionNet(W, b)
    x = hypercube_points(d)
    with torch.no_grad():
        assert torch.equal(net.classify(x), net.target(x))
        g = net(x)
    # |g| >= 1/(6r) on the intersection and >= 1/(3r) outside
    assert float(g.abs().min()) >= 1 / (6 * r) - 1e-12
    assert isinstance(net.hidden, torch.nn.Linear) and net.hidden.weight.shape == (2 * r + 1, d)
    assert net.output.bias is None


def test_halfspace_network_path_norm_formulas():
    W = torch.tensor([[1]])
    b = torch.tensor([0])
    net = HalfspaceIntersectionNet(W, b)
    assert float(net.path_norm()) == pytest.approx(23 / 6)
    assert halfspace_path_norm(W, b) == pytest.approx(23 / 6)
    assert halfspace_path_norm_bound(W, b) == pytest.approx(23 / 6)
    assert notes_halfspace_path_norm(W, b) == pytest.approx(11 / 3)
    W, b = random_integer_halfspaces(5, 6, seed=4)
    net = HalfspaceIntersectionNet(W, b)
    assert float(net.path_norm()) == pytest.approx(halfspace_path_norm(W, b))
    assert halfspace_path_norm(W, b) <= halfspace_path_norm_bound(W, b) + 1e-12
    assert halfspace_path_norm_bound(W, b) <= 2 * float((W.abs().sum(1) + b.abs()).max()) + 2


def test_halfspace_network_rejects_bad_input():
    W = torch.ones(2, 3, dtype=torch.int64)
    with pytest.raises(ValueError, match="b must"):
        HalfspaceIntersectionNet(W, torch.zeros(3, dtype=torch.int64))
    with pytest.raises(ValueError, match="integer"):
        HalfspaceIntersectionNet(W * 0.5, torch.zeros(2))
    with pytest.raises(ValueError, match="W must"):
        HalfspaceIntersectionNet(torch.ones(3, dtype=torch.int64), torch.zeros(3, dtype=torch.int64))
    with pytest.raises(ValueError, match="slope"):
        HalfspaceIntersectionNet(W, torch.zeros(2, dtype=torch.int64), slope=-1)
    with pytest.raises(ValueError, match="margin"):
        HalfspaceIntersectionNet(W, torch.zeros(2, dtype=torch.int64), margin=3)
    net = HalfspaceIntersectionNet(W, torch.zeros(2, dtype=torch.int64))
    with pytest.raises(ValueError, match="x must"):
        net(torch.zeros(4, 2, dtype=torch.float64))


def test_halfspace_theory_rejects_bad_shapes():
    with pytest.raises(ValueError, match="b must"):
        halfspace_path_norm(torch.ones(2, 3), torch.ones(3))
    with pytest.raises(ValueError, match="W must"):
        halfspace_path_norm_bound(torch.ones(3), torch.ones(3))
    with pytest.raises(ValueError, match="margin"):
        halfspace_path_norm(torch.ones(2, 3), torch.ones(2), margin=5)


@pytest.mark.parametrize("d", [1, 3, 6])
@pytest.mark.checks(
    "lem-parity-network",
    "ParityNet($v$) equals the parity $(-1)^{v \\cdot x}$ on all of $\\{0,1\\}^d$ for every $v$, $d = 1, 3, 6$ "
    "(torch.equal)",
)
def test_parity_network_is_exact_for_all_v(d):
    x = hypercube_points(d, values="01")
    for v in hypercube_points(d, values="01").long():
        net = ParityNet(v)
        with torch.no_grad():
            assert torch.equal(net(x), parity_target(x, v, values="01"))


@pytest.mark.checks(
    "lem-parity-network",
    "path norm of ParityNet($v$), $|v| = 4$, $d = 7$, equals $8|v|(d+1) + 4d^2 + 4d + 2$ (to $10^{-6}$); full parity "
    "$12d^2 + 12d + 2$",
)
def test_parity_network_path_norm_and_levels():
    d = 7
    v = torch.tensor([1, 0, 1, 1, 0, 0, 1])
    net = ParityNet(v)
    assert float(net.path_norm()) == pytest.approx(parity_path_norm(4, d))
    assert parity_path_norm(d, d) == 12 * d * d + 12 * d + 2
    pruned = ParityNet(v, levels=4)
    x = hypercube_points(d, values="01")
    with torch.no_grad():
        assert torch.equal(pruned(x), parity_target(x, v, values="01"))
        assert not torch.equal(ParityNet(v, levels=3)(x), parity_target(x, v, values="01"))
    assert float(pruned.path_norm()) == pytest.approx(parity_path_norm(4, 4))
    assert pruned.hidden.weight.shape == (15, d)


def test_parity_network_rejects_bad_input():
    with pytest.raises(ValueError, match="v must"):
        ParityNet(torch.tensor([0, 2, 1]))
    with pytest.raises(ValueError, match="levels"):
        ParityNet(torch.tensor([1, 1]), levels=-1)
    with pytest.raises(ValueError, match="x must"):
        ParityNet(torch.tensor([1, 1]))(torch.zeros(3, 3, dtype=torch.float64))
    with pytest.raises(ValueError):
        parity_path_norm(-1, 3)


def test_path_norm_function_and_shape_check():
    hidden = torch.nn.Linear(2, 3, dtype=torch.float64)
    output = torch.nn.Linear(3, 1, bias=False, dtype=torch.float64)
    with torch.no_grad():
        hidden.weight.copy_(torch.tensor([[1.0, -2.0], [0.0, 1.0], [3.0, 0.0]]))
        hidden.bias.copy_(torch.tensor([1.0, -1.0, 0.0]))
        output.weight.copy_(torch.tensor([[2.0, -1.0, 0.5]]))
    assert float(path_norm(hidden, output).detach()) == pytest.approx(2 * 4 + 1 * 2 + 0.5 * 3)
    with pytest.raises(ValueError, match="output"):
        path_norm(hidden, torch.nn.Linear(3, 2))


def test_gradient_variance_bound_values():
    assert gradient_variance_bound(2.0, 8) == pytest.approx(1.0)
    assert gradient_variance_bound(2.0, 8, half_risk=True) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="class_size"):
        gradient_variance_bound(1.0, 0)
    with pytest.raises(ValueError, match="mean_squared_gradient"):
        gradient_variance_bound(-1.0, 4)
