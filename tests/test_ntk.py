"""Unit tests of nndyn.ntk, nndyn.deep and nndyn.mean_field."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from nndyn.data import sample_sphere, single_neuron_data
from nndyn.deep import CenteredModel, DeepReLUNet, LinearizedModel, centered, linearize, parameter_distance
from nndyn.mean_field import SCALINGS, alignment, learning_rate, neuron_movement, scaled_two_layer
from nndyn.models import TwoLayerNet
from nndyn.ntk import analytic_nngp, analytic_ntk, arccos_step, empirical_ntk, relative_error
from nndyn.training import train


# ---------------------------------------------------------------- analytic NTK
def test_analytic_ntk_orthogonal_and_diagonal():
    x = torch.eye(2, dtype=torch.float64)
    K = analytic_ntk(x, depth=2)
    assert torch.allclose(K, torch.tensor([[2.0, 1 / math.pi], [1 / math.pi, 2.0]], dtype=torch.float64))
    for depth in (2, 3, 5):
        xs = sample_sphere(7, 4, seed=1)
        assert torch.allclose(torch.diagonal(analytic_ntk(xs, depth=depth)), torch.full((7,), float(depth), dtype=torch.float64))
        assert torch.allclose(torch.diagonal(analytic_nngp(xs, depth=depth)), torch.ones(7, dtype=torch.float64))


def test_analytic_ntk_symmetric_psd_and_cross():
    x = sample_sphere(12, 5, seed=2)
    y = sample_sphere(3, 5, seed=3)
    K = analytic_ntk(x, depth=3)
    assert torch.allclose(K, K.T)
    assert torch.linalg.eigvalsh(K).min() > 0
    full = analytic_ntk(torch.cat([x, y]), depth=3)
    assert torch.allclose(analytic_ntk(x, y, depth=3), full[:12, 12:])


def test_arccos_step_matches_monte_carlo():
    g = torch.Generator().manual_seed(0)
    cov = torch.tensor([[0.3]], dtype=torch.float64)
    var = torch.tensor([1.0], dtype=torch.float64)
    sigma, sigma_dot = arccos_step(cov, var, var)
    z = torch.randn(400_000, 2, generator=g, dtype=torch.float64)
    u = z[:, 0]
    v = 0.3 * z[:, 0] + math.sqrt(1 - 0.09) * z[:, 1]
    assert abs(2 * (torch.relu(u) * torch.relu(v)).mean() - sigma[0, 0]) < 5e-3
    assert abs(2 * ((u > 0) & (v > 0)).double().mean() - sigma_dot[0, 0]) < 5e-3


def test_arccos_step_and_ntk_errors():
    with pytest.raises(ValueError, match="var_x"):
        arccos_step(torch.zeros(2, 2), torch.ones(3), torch.ones(2))
    with pytest.raises(ValueError, match="var_x and var_y"):
        arccos_step(torch.zeros(1, 1), torch.zeros(1), torch.ones(1))
    x = sample_sphere(3, 4)
    with pytest.raises(ValueError, match="depth"):
        analytic_ntk(x, depth=1)
    with pytest.raises(ValueError, match="x must"):
        analytic_ntk(torch.ones(3))
    with pytest.raises(ValueError, match="y must"):
        analytic_ntk(x, sample_sphere(2, 5))


def test_empirical_ntk_two_layer_closed_form():
    net = TwoLayerNet(4, 6, init="balanced", seed=0)
    x = sample_sphere(5, 4, seed=1)
    K = empirical_ntk(net, x)
    phi = torch.relu(x @ net.B.T).detach()
    act = (x @ net.B.T > 0).double()
    expected = phi @ phi.T + ((act * net.a.detach() ** 2) @ act.T) * (x @ x.T)
    assert torch.allclose(K, expected)
    assert torch.allclose(empirical_ntk(net, x, x[:2], chunk_size=2), expected[:, :2])


def test_empirical_ntk_errors():
    x = sample_sphere(3, 4)
    with pytest.raises(ValueError, match="model"):
        empirical_ntk("net", x)
    with pytest.raises(ValueError, match="chunk_size"):
        empirical_ntk(DeepReLUNet(4, 3), x, chunk_size=0)
    frozen = DeepReLUNet(4, 3)
    frozen.requires_grad_(False)
    with pytest.raises(ValueError, match="requires_grad"):
        empirical_ntk(frozen, x)

    class Vector(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(4, 2, dtype=torch.float64))

        def forward(self, x):
            return x @ self.w

    with pytest.raises(ValueError, match="one scalar"):
        empirical_ntk(Vector(), x)


def test_relative_error():
    a = torch.eye(2)
    assert relative_error(a, a) == 0
    assert relative_error(2 * a, a) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shape"):
        relative_error(a, torch.eye(3))
    with pytest.raises(ValueError, match="non-zero"):
        relative_error(a, torch.zeros(2, 2))


# ---------------------------------------------------------------- deep networks
def test_deep_net_shapes_and_determinism():
    net = DeepReLUNet(3, 8, 4, seed=5)
    assert [tuple(w.shape) for w in net.weights] == [(8, 3), (8, 8), (8, 8), (8,)]
    x = sample_sphere(6, 3)
    assert net(x).shape == (6,)
    assert torch.equal(net(x), DeepReLUNet(3, 8, 4, seed=5)(x))
    assert net.weights[0].dtype == torch.float64
    scaled = DeepReLUNet(3, 8, 4, seed=5, output_scale=3.0)
    assert torch.allclose(scaled(x), 3 * net(x))
    assert "depth=4" in repr(net)


def test_deep_net_nngp_variance():
    x = sample_sphere(2, 3, seed=0)
    outs = torch.stack([DeepReLUNet(3, 256, 3, seed=s)(x).detach() for s in range(300)])
    cov = outs.T @ outs / 300
    assert torch.allclose(cov, analytic_nngp(x, depth=3), atol=0.25)


def test_deep_net_errors():
    for kwargs, name in [({"d": 0, "width": 2}, "d"), ({"d": 2, "width": 0}, "width"), ({"d": 2, "width": 2, "depth": 1}, "depth")]:
        with pytest.raises(ValueError, match=name):
            DeepReLUNet(**kwargs)
    with pytest.raises(ValueError, match="output_scale"):
        DeepReLUNet(2, 2, output_scale=0)
    with pytest.raises(ValueError, match="seed"):
        DeepReLUNet(2, 2, seed=-1)
    with pytest.raises(ValueError, match="x must"):
        DeepReLUNet(2, 2)(torch.ones(3, 5, dtype=torch.float64))


def test_linearize_is_affine_and_trains():
    net = DeepReLUNet(4, 16, 3, seed=0)
    lin = linearize(net)
    assert isinstance(lin, LinearizedModel) and lin.d == 4
    x = sample_sphere(5, 4, seed=1)
    assert torch.allclose(lin(x), net(x))
    assert torch.allclose(empirical_ntk(lin, x), empirical_ntk(net, x))
    # affine in theta: f(theta0 + 2 v) - f(theta0) = 2 (f(theta0 + v) - f(theta0))
    f0 = lin(x).detach()
    with torch.no_grad():
        directions = [torch.randn_like(p) for p in lin.parameters()]
        for p, v in zip(lin.parameters(), directions):
            p.add_(v)
    f1 = lin(x).detach()
    with torch.no_grad():
        for p, v in zip(lin.parameters(), directions):
            p.add_(v)
    f2 = lin(x).detach()
    assert torch.allclose(f2 - f0, 2 * (f1 - f0))
    data = single_neuron_data(10, 4, seed=0)
    lin = linearize(net)
    traj = train(lin, data.x_train, data.y_train, lr=0.3, steps=50)
    assert traj.loss[-1] < 0.2 * traj.loss[0]
    assert torch.allclose(net(x), f0)  # the original model is untouched


@pytest.mark.checks(
    "lem-two-layer-linearisation",
    "$\\alpha = 0.7$, $m = 30$, random $(a, B - B_0)$, 50 unit $x$: $f_{\\mathrm{lin}}$ is the RFM with $B_0$ "
    "(allclose) and $\\max |f - f_{\\mathrm{lin}}|$ $\\le \\alpha |a|\\, \\|B - B_0\\|_F + 10^{-12}$",
)
def test_linearize_two_layer_error_bound():
    """Lemma lem-two-layer-linearisation: |f - f_lin| <= alpha |x| ||a|| ||B - B0||."""
    net = TwoLayerNet(5, 30, init="notes", output_scale=0.7, seed=0)
    lin = linearize(net)
    g = torch.Generator().manual_seed(1)
    x = sample_sphere(50, 5, seed=2)
    with torch.no_grad():
        for model in (net, lin):
            pass
        da = torch.randn(30, generator=g, dtype=torch.float64)
        dB = 0.3 * torch.randn(30, 5, generator=g, dtype=torch.float64)
        net.a.add_(da)
        net.B.add_(dB)
        lin.params["a"].add_(da)
        lin.params["B"].add_(dB)
        gap = (net(x) - lin(x)).abs().max()
        # the linearisation is the random feature model with the initial B
        rfm = 0.7 * torch.relu(x @ (net.B - dB).T) @ net.a
    assert torch.allclose(lin(x).detach(), rfm)
    assert gap <= 0.7 * da.norm() * dB.norm() + 1e-12
    assert gap > 0


def test_linearize_errors():
    with pytest.raises(ValueError, match="model"):
        linearize(3)
    frozen = DeepReLUNet(2, 2)
    frozen.requires_grad_(False)
    with pytest.raises(ValueError, match="requires_grad"):
        linearize(frozen)


def test_centered_and_parameter_distance():
    net = DeepReLUNet(3, 8, 2, seed=0)
    c = centered(net)
    assert isinstance(c, CenteredModel)
    x = sample_sphere(4, 3)
    assert torch.equal(c(x), torch.zeros(4, dtype=torch.float64))
    assert len(list(c.parameters())) == len(list(net.parameters()))
    ref = copy.deepcopy(net)
    with torch.no_grad():
        net.weights[-1].add_(1.0)
    assert parameter_distance(net, ref) == pytest.approx(math.sqrt(8))
    assert torch.allclose(c(x), net(x) - ref(x))
    with pytest.raises(ValueError, match="same shapes"):
        parameter_distance(net, DeepReLUNet(3, 9, 2))
    with pytest.raises(ValueError, match="model"):
        centered(None)


# ---------------------------------------------------------------- mean field
def test_scaled_two_layer():
    for scaling, beta in SCALINGS.items():
        net = scaled_two_layer(6, 10, scaling=scaling, seed=3)
        assert net.output_scale == pytest.approx(10**-beta)
        assert torch.equal(net.B[:5], net.B[5:]) and torch.equal(net.a[:5], -net.a[5:])
        assert net(sample_sphere(4, 6)).abs().max() < 1e-12
    asym = scaled_two_layer(6, 7, symmetric=False, seed=0)
    assert not torch.allclose(asym(sample_sphere(4, 6)), torch.zeros(4, dtype=torch.float64))
    assert torch.equal(scaled_two_layer(6, 10, seed=3).B, scaled_two_layer(6, 10, scaling="ntk", seed=3).B)
    with pytest.raises(ValueError, match="even"):
        scaled_two_layer(3, 5)
    with pytest.raises(ValueError, match="scaling"):
        scaled_two_layer(3, 4, scaling="lazy")
    with pytest.raises(ValueError, match="m must"):
        scaled_two_layer(3, 0)


def test_learning_rate():
    assert learning_rate(0.5, 100, "mean_field") == pytest.approx(50.0)
    assert learning_rate(0.5, 100, "ntk") == pytest.approx(0.5)
    with pytest.raises(ValueError, match="base_lr"):
        learning_rate(0, 10, "ntk")
    with pytest.raises(ValueError, match="m must"):
        learning_rate(0.1, 0, "ntk")


def test_alignment_and_movement():
    net = TwoLayerNet(3, 2, init="balanced", seed=0)
    with torch.no_grad():
        net.a.copy_(torch.tensor([1.0, -2.0]))
        net.B.copy_(torch.tensor([[3.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    assert alignment(net) == pytest.approx(3 / 5)
    assert alignment(net, coordinate=1) == pytest.approx(2 / 5)
    ref = copy.deepcopy(net)
    with torch.no_grad():
        net.a.add_(torch.tensor([3.0, 0.0]))
        net.B[1, 2] += 4.0
    assert neuron_movement(net, ref) == pytest.approx(math.sqrt(25 / 2))
    with pytest.raises(ValueError, match="coordinate"):
        alignment(net, coordinate=3)
    with pytest.raises(ValueError, match="TwoLayerNet"):
        alignment(DeepReLUNet(3, 2))
    with pytest.raises(ValueError, match="same shape"):
        neuron_movement(net, TwoLayerNet(3, 4))
    zero = TwoLayerNet(3, 2)  # a = 0
    with pytest.raises(ValueError, match="undefined"):
        alignment(zero)
