"""Unit tests of nndyn.kernels, nndyn.theory.kernel_regime, nndyn.regularization and the width helpers."""

import math

import numpy as np
import pytest
import torch

from nndyn import RandomFeatureModel, TwoLayerNet, sample_sphere, single_neuron_data
from nndyn.widths import MultiWidthNet, block_seed, fitted_slope, single_thread, train_widths
from nndyn.kernels import (
    empirical_gram,
    explicit_gram,
    feature_gram,
    kernel_min_eigenvalue,
    min_eigenvalue,
    relu_kernel,
    relu_kernel_mc,
)
from nndyn.regularization import PathNormGD, path_norm_penalty, penalty_weight, train_path_norm
from nndyn.theory import kernel_regime as th


@pytest.fixture(scope="module")
def x():
    return sample_sphere(12, 5, seed=3)


def test_relu_kernel_special_values():
    e = torch.eye(3, dtype=torch.float64)
    k = relu_kernel(e)
    assert torch.allclose(torch.diag(k), torch.full((3,), 1 / 6, dtype=torch.float64))
    assert math.isclose(k[0, 1].item(), 1 / (2 * math.pi * 3))
    # antipodal points: sigma(b.x) sigma(-b.x) = 0
    assert abs(relu_kernel(e[:1], -e[:1]).item()) < 1e-15
    # homogeneous of degree 1 in each argument
    assert torch.allclose(relu_kernel(2 * e, 3 * e), 6 * k)


@pytest.mark.checks(
    "prop-kr-closed-form",
    "closed-form $k(x, x')$ vs a Monte-Carlo average over 200 000 features, 12 points on $S^4$: every entry within "
    "$4 \\times 0.5/\\sqrt{200\\,000}$",
)
def test_relu_kernel_matches_monte_carlo(x):
    k = relu_kernel(x)
    khat = relu_kernel_mc(x, m=200_000, seed=1)
    # Hoeffding: each entry within 4 standard deviations (summands in [0, 1])
    assert (khat - k).abs().max() < 4 * 0.5 / math.sqrt(200_000)
    k2 = relu_kernel(x, x[:4])
    assert k2.shape == (12, 4) and torch.allclose(k2, k[:, :4])


def test_relu_kernel_mc_repeats_and_seed(x):
    a = relu_kernel_mc(x, m=50, seed=0, repeats=3)
    assert a.shape == (3, 12, 12)
    assert torch.equal(relu_kernel_mc(x, m=50, seed=0, repeats=3), a)
    assert not torch.equal(a[0], a[1])
    assert relu_kernel_mc(x, x[:2], m=10).shape == (12, 2)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: relu_kernel(x[0]),
        lambda x: relu_kernel(x, x[:, :2]),
        lambda x: relu_kernel_mc(x, m=0),
        lambda x: relu_kernel_mc(x, m=5, repeats=0),
        lambda x: relu_kernel_mc(x, m=5, seed=-1),
        lambda x: min_eigenvalue(torch.ones(2, 3)),
        lambda x: min_eigenvalue(torch.tensor([[1.0, 2.0], [0.0, 1.0]])),
        lambda x: feature_gram("net", x),
        lambda x: explicit_gram(TwoLayerNet(5, 3), x[0]),
        lambda x: empirical_gram("net", x),
        lambda x: kernel_min_eigenvalue(0, 3),
    ],
)
def test_kernel_value_errors(x, call):
    with pytest.raises(ValueError):
        call(x)


@pytest.mark.checks(
    "lem-kr-error-dynamics",
    "autograd Gram matrix of a two-layer net with random $a$ ($m = 7$, 12 points) equals the formula $m \\hat "
    "K(\\theta)$ (relative tolerance $10^{-12}$)",
)
def test_grams_agree(x):
    net = TwoLayerNet(5, 7, seed=1, output_scale=0.5)
    with torch.no_grad():
        net.a.normal_(generator=torch.Generator().manual_seed(0))
    g = explicit_gram(net, x)
    assert torch.allclose(empirical_gram(net, x), g, rtol=1e-12, atol=1e-14)
    # at the notes' initialisation only the output weights contribute
    net0 = TwoLayerNet(5, 7, seed=1)
    assert torch.allclose(explicit_gram(net0, x), 7 * feature_gram(net0, x))
    assert torch.allclose(explicit_gram(net, x, first_layer=False), 0.25 * 7 * feature_gram(net, x))
    rfm = RandomFeatureModel.from_network(net)
    assert torch.allclose(empirical_gram(rfm, x), explicit_gram(rfm, x, first_layer=False))
    frozen = TwoLayerNet(5, 3)
    for p in frozen.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError):
        empirical_gram(frozen, x)


def test_min_eigenvalue(x):
    k = torch.diag(torch.tensor([3.0, 1.0, 2.0], dtype=torch.float64))
    assert min_eigenvalue(k).item() == 1.0
    assert min_eigenvalue(torch.stack([k, 2 * k])).tolist() == [1.0, 2.0]
    assert kernel_min_eigenvalue(12, 5, seed=3) == pytest.approx(min_eigenvalue(relu_kernel(x)).item())


def test_theory_formulas():
    n, lam, delta, y = 10, 0.01, 0.1, 0.2
    assert th.lemma11_width(n, lam, delta) == pytest.approx(2 * 100 * math.log(200 / 0.1) / 1e-4)
    m = th.lemma11_width(n, lam, delta)
    # at Lemma 11's width the union bound for eps = lam/2 is exactly delta
    assert th.gram_failure_probability(n, m, lam / 2) == pytest.approx(delta)
    assert th.gram_deviation_bound(n, m, delta) == pytest.approx(lam / 2)
    c = th.kernel_time_constant(n, lam, y)
    assert c == pytest.approx(4 * n * y / lam)
    w = th.theorem10_width(n, lam, delta, y)
    assert w >= m and w >= 4 * c**2 and w >= 32 * n * c / lam and w >= 2 * c
    assert th.risk_rate(100, n, lam) == pytest.approx(100 * lam / 20)
    assert th.risk_bound(2.0, [0.0, 1.0], m=100, n=n, lam=lam)[1] == pytest.approx(2 * math.exp(-0.05))
    assert th.parameter_distance_bound(100, n=n, lam=lam, label_rms=y) == pytest.approx(2 * c / 10)
    assert th.output_weight_bound(100, n=n, lam=lam, label_rms=y) == pytest.approx(2 * c / 100)
    assert th.first_layer_move_bound(100, n=n, lam=lam, label_rms=y) == pytest.approx(2 * c**2 / 1e4)
    assert th.kernel_drift_bound(100, n=n, lam=lam, label_rms=y) == pytest.approx(10 * n * c**2 / 1e4)
    assert th.nn_rfm_gap_bound(100, n=n, lam=lam, label_rms=y) == pytest.approx((8 + 8 * n / lam) * c**3 / 1e4)
    assert th.theorem13_bound(100, lam=lam, delta=delta) == pytest.approx((1 + math.sqrt(math.log(10))) / (lam * 10))
    slope = fitted_slope([1e2, 1e4], th.theorem13_bound(np.array([1e2, 1e4]), lam=lam, delta=delta))
    assert slope == pytest.approx(-0.5)


@pytest.mark.parametrize(
    "call",
    [
        lambda: th.lemma11_width(10, 0.0, 0.1),
        lambda: th.lemma11_width(10, 0.1, 1.0),
        lambda: th.lemma11_width(10, 0.1, 0.0),
        lambda: th.gram_failure_probability(0, 10, 0.1),
        lambda: th.gram_failure_probability(3, 0, 0.1),
        lambda: th.gram_deviation_bound(3, 0.5, 0.1),
        lambda: th.theorem10_width(3, 0.1, 0.1, -1.0),
        lambda: th.risk_bound(1.0, [-1.0], m=10, n=3, lam=0.1),
        lambda: th.risk_bound(-1.0, [1.0], m=10, n=3, lam=0.1),
        lambda: th.parameter_distance_bound(0, n=3, lam=0.1, label_rms=1.0),
        lambda: th.theorem13_bound(10, lam=0.1, delta=2.0),
        lambda: th.theorem13_bound(10, lam=0.1, delta=0.1, constant=0.0),
        lambda: fitted_slope([1, 2], [1, -1]),
        lambda: fitted_slope([1], [1]),
    ],
)
def test_theory_value_errors(call):
    with pytest.raises(ValueError):
        call()


def test_penalty_and_regularised_gd():
    data = single_neuron_data(10, 4, n_test=10, seed=0)
    assert penalty_weight(0.5, 10, 4) == pytest.approx(0.5 * math.sqrt(math.log(4) / 10))
    net = TwoLayerNet(4, 6, init="balanced", seed=1)
    assert path_norm_penalty(net).item() == pytest.approx((net.a.abs() * net.B.norm(dim=1)).sum().item())
    module = PathNormGD(net, data.x_train, data.y_train, lr=0.1, weight=0.3)
    plain = 0.5 * (net(data.x_train) - data.y_train).pow(2).mean()
    assert module.training_risk().item() == pytest.approx(plain.item() + 0.3 * path_norm_penalty(net).item())
    # lam = 0 is plain gradient descent, the same as nndyn.train
    from nndyn import train

    a, b = TwoLayerNet(4, 6, init="balanced", seed=2), TwoLayerNet(4, 6, init="balanced", seed=2)
    ta = train_path_norm(a, data.x_train, data.y_train, lr=0.1, steps=20, lam=0.0, record_every=10)
    tb = train(b, data.x_train, data.y_train, lr=0.1, steps=20, record_every=10)
    assert np.allclose(ta.loss, tb.loss) and np.allclose(ta.t, tb.t)
    # the penalty shrinks the path norm
    c = TwoLayerNet(4, 6, init="balanced", seed=2)
    train_path_norm(c, data.x_train, data.y_train, lr=0.1, steps=20, lam=5.0, record_every=10)
    assert c.path_norm() < a.path_norm()
    for call in (
        lambda: penalty_weight(-1.0, 10, 4),
        lambda: penalty_weight(1.0, 0, 4),
        lambda: path_norm_penalty(torch.nn.Linear(2, 1)),
        lambda: PathNormGD(torch.nn.Linear(4, 1), data.x_train, data.y_train, lr=0.1, weight=1.0),
        lambda: PathNormGD(net, data.x_train, data.y_train, lr=0.1, weight=-1.0),
        lambda: train_path_norm(net, data.x_train, data.y_train, lr=0.0, steps=1, lam=0.1),
        lambda: train_path_norm(net, data.x_train, data.y_train, lr=0.1, steps=0, lam=0.1),
        lambda: train_path_norm(net, data.x_train[:, :2], data.y_train, lr=0.1, steps=1, lam=0.1),
    ):
        with pytest.raises(ValueError):
            call()


def test_multi_width_equals_separate_runs():
    data = single_neuron_data(10, 4, n_test=5, seed=0)
    model = MultiWidthNet(4, (3, 7), seed=2)
    for w, m in enumerate((3, 7)):
        assert torch.equal(model.block(w).B, TwoLayerNet(4, m, seed=block_seed(2, m)).B)
    _, traj = train_widths(data.x_train, data.y_train, widths=(3, 7), lr_scale=2.0, steps=30, record_every=10, seed=2,
                           x_probe=data.x_test, y_probe=data.y_test, movement=True)
    assert traj["risk"].shape == (4, 2) and traj["pred"].shape == (4, 5, 2) and traj["movement"].shape == (4, 4, 2)
    from nndyn import train

    for w, m in enumerate((3, 7)):
        net = TwoLayerNet(4, m, seed=block_seed(2, m))
        single = train(net, data.x_train, data.y_train, lr=2.0 / m, steps=30, record_every=10)
        assert np.allclose(single.loss, traj["risk"][:, w], rtol=1e-10)
    _, rf = train_widths(data.x_train, data.y_train, widths=(3,), lr_scale=2.0, steps=10, record_every=5, seed=2,
                         random_features=True, movement=True)
    assert np.all(rf["movement"][:, 1] == 0)  # first layer frozen


def test_single_thread_restores():
    before = torch.get_num_threads()
    with single_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
