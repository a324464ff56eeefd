"""Unit tests of nndyn.orthonormal."""

from __future__ import annotations

import math

import pytest
import torch

from nndyn.data import hypercube_points, parity_target
from nndyn.experiments.gradient_variance import tanh_network
from nndyn.orthonormal import (
    cosine_family_size,
    cosine_features,
    cosine_frequencies,
    cosine_gram_exact,
    cosine_gram_monte_carlo,
    parameter_count,
    parity_gradient_coefficients,
    parity_gradient_variance,
    parity_gram,
    parity_table,
    per_example_gradients,
    walsh_hadamard,
)


def test_walsh_hadamard_matches_parity_table():
    u = torch.randn(32, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert torch.allclose(walsh_hadamard(u), parity_table(5) @ u)
    assert torch.allclose(walsh_hadamard(u[:, 0]), parity_table(5) @ u[:, 0])
    # the transform is its own inverse up to 2^d
    assert torch.allclose(walsh_hadamard(walsh_hadamard(u)) / 32, u)
    with pytest.raises(ValueError, match="2\\*\\*d"):
        walsh_hadamard(torch.zeros(6))
    with pytest.raises(ValueError, match="2\\*\\*d"):
        walsh_hadamard(torch.zeros(1))


def test_parity_table_rows_are_parities():
    d = 4
    x = hypercube_points(d, values="01")
    table = parity_table(d)
    for k, v in enumerate(x):
        assert torch.equal(table[k], parity_target(x, v, values="01"))
    with pytest.raises(ValueError, match="d must"):
        parity_table(13)


@pytest.mark.checks(
    "lem-parity-orthonormal",
    "exact Gram matrix of the 64 parities of $d = 6$ under the uniform law equals the identity (torch.equal)",
)
def test_parity_gram_uniform_and_biased():
    assert torch.equal(parity_gram(6), torch.eye(64, dtype=torch.float64))
    G = parity_gram(2, p=0.8)
    assert G[0, 3] == pytest.approx((1 - 2 * 0.8) ** 2)
    assert torch.allclose(torch.diagonal(G), torch.ones(4, dtype=torch.float64))
    with pytest.raises(ValueError, match="p must"):
        parity_gram(3, p=1.5)


@pytest.mark.parametrize("d", [1, 2, 3, 5, 6])
def test_cosine_frequencies_count(d):
    W = cosine_frequencies(d)
    assert W.shape == (cosine_family_size(d), d) == (math.comb(2 * d, d), d)
    assert int(W.sum(1).max()) <= d and int(W.min()) >= 0
    assert torch.equal(W[0], torch.zeros(d, dtype=torch.int64))
    assert len({tuple(w.tolist()) for w in W}) == W.shape[0]


def test_cosine_family_validation():
    with pytest.raises(ValueError, match="d must"):
        cosine_frequencies(11)
    with pytest.raises(ValueError, match="d must"):
        cosine_family_size(0)
    with pytest.raises(ValueError, match="d must"):
        cosine_gram_exact(5)
    with pytest.raises(ValueError, match="n must"):
        cosine_gram_monte_carlo(2, 0)
    with pytest.raises(ValueError, match="frequencies"):
        cosine_features(torch.zeros(4, 2, dtype=torch.float64), torch.zeros(3, 3, dtype=torch.int64))


def test_cosine_features_normalisation():
    x = torch.zeros(2, 2, dtype=torch.float64)
    W = torch.tensor([[0, 0], [1, 0]])
    assert torch.allclose(cosine_features(x, W), torch.tensor([[1.0, math.sqrt(2)]] * 2, dtype=torch.float64))
    assert torch.allclose(cosine_features(x, W, normalize=False), torch.ones(2, 2, dtype=torch.float64))


@pytest.mark.parametrize("d", [1, 2, 3])
def test_cosine_gram_exact_is_identity(d):
    G = cosine_gram_exact(d)
    assert torch.allclose(G, torch.eye(G.shape[0], dtype=G.dtype), atol=1e-12)


def test_cosine_gram_monte_carlo_deterministic_and_close():
    G1 = cosine_gram_monte_carlo(2, 20_000, seed=1)
    G2 = cosine_gram_monte_carlo(2, 20_000, seed=1)
    assert torch.equal(G1, G2)
    assert float((G1 - torch.eye(6, dtype=G1.dtype)).abs().max()) < 0.05


def test_per_example_gradients_match_autograd():
    model = tanh_network(3, 4, seed=0)
    x = hypercube_points(3, values="01")
    J = per_example_gradients(model, x, chunk_size=3)
    assert J.shape == (8, parameter_count(model)) == (8, 3 * 4 + 4 + 4 + 1)
    model.zero_grad()
    model(x[5:6]).sum().backward()
    flat = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    assert torch.allclose(J[5], flat)
    with pytest.raises(ValueError, match="x must"):
        per_example_gradients(model, torch.zeros(3))
    with pytest.raises(ValueError, match="chunk_size"):
        per_example_gradients(model, x, chunk_size=0)


def test_parity_gradient_variance_matches_direct_computation():
    d = 4
    model = tanh_network(d, 3, seed=2)
    x = hypercube_points(d, values="01")
    grads = []
    for v in x:
        f = parity_target(x, v, values="01")
        model.zero_grad()
        ((model(x) - f) ** 2).mean().backward()
        grads.append(torch.cat([p.grad.reshape(-1) for p in model.parameters()]))
    grads = torch.stack(grads)
    direct = float(((grads - grads.mean(0)) ** 2).sum(1).mean())
    r = parity_gradient_variance(model, d)
    assert r.variance == pytest.approx(direct, rel=1e-10)
    assert r.mean_gradient_norm == pytest.approx(float(grads.mean(0).norm()), rel=1e-10)
    half = parity_gradient_variance(model, d, half_risk=True)
    assert half.variance == pytest.approx(direct / 4, rel=1e-10)
    assert half.bound == pytest.approx(r.bound / 4)
    c = parity_gradient_coefficients(model, d)
    assert c.shape == (2**d, parameter_count(model))
    with pytest.raises(ValueError, match="d must"):
        parity_gradient_variance(model, 21)
