"""Every random object draws from its own stream of the one user seed (nndyn.seeding)."""

import numpy as np
import pytest
import torch

from nndyn import TwoLayerNet, sample_gaussian, sample_sphere, single_neuron_data
from nndyn.deep import DeepReLUNet
from nndyn.mean_field import scaled_two_layer
from nndyn.seeding import derive_seed, numpy_generator, torch_generator


def max_abs_cosine(rows_a: torch.Tensor, rows_b: torch.Tensor) -> float:
    """The largest |cos| between a row of ``rows_a`` and a row of ``rows_b``."""
    a = rows_a / rows_a.norm(dim=1, keepdim=True)
    b = rows_b / rows_b.norm(dim=1, keepdim=True)
    return float((a @ b.T).abs().max())


def test_roles_and_indices_give_different_seeds():
    seeds = {derive_seed(0, "data"), derive_seed(0, "init"), derive_seed(0, "test"),
             derive_seed(0, "init", 0), derive_seed(0, "init", 1), derive_seed(1, "init", 0)}
    assert len(seeds) == 6
    assert all(0 <= s < 2**63 for s in seeds)


def test_same_name_same_seed():
    assert derive_seed(3, "batches", 7) == derive_seed(3, "batches", 7)
    assert torch.equal(torch.rand(5, generator=torch_generator(3, "x")), torch.rand(5, generator=torch_generator(3, "x")))
    assert np.array_equal(numpy_generator(3, "x").random(5), numpy_generator(3, "x").random(5))


@pytest.mark.parametrize("bad", [-1, 1.5, "0", None, True])
def test_bad_seed_is_rejected(bad):
    with pytest.raises(ValueError, match="seed"):
        derive_seed(bad, "data")


@pytest.mark.parametrize("bad", ["", 3, None])
def test_bad_role_is_rejected(bad):
    with pytest.raises(ValueError, match="role"):
        derive_seed(0, bad)


@pytest.mark.parametrize("init", ["notes", "balanced", "standard"])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_network_and_data_with_the_same_seed_are_unrelated(init, seed):
    x = sample_sphere(50, 20, seed=seed)
    net = TwoLayerNet(20, 200, init=init, seed=seed)
    assert max_abs_cosine(net.B.detach(), x) < 0.999
    data = single_neuron_data(50, 20, seed=seed)
    assert max_abs_cosine(net.B.detach(), data.x_train) < 0.999
    assert max_abs_cosine(data.x_test, data.x_train) < 0.999
    g = sample_gaussian(50, 20, seed=seed)
    assert max_abs_cosine(DeepReLUNet(20, 64, 3, seed=seed).weights[0].detach(), g) < 0.999
    assert max_abs_cosine(scaled_two_layer(20, 64, scaling="ntk", seed=seed).B.detach(), g) < 0.999


@pytest.mark.parametrize("init", ["notes", "balanced", "standard"])
def test_same_initialisation_in_every_dtype(init):
    a = TwoLayerNet(5, 30, init=init, seed=4, dtype=torch.float64)
    b = TwoLayerNet(5, 30, init=init, seed=4, dtype=torch.float32)
    torch.testing.assert_close(b.B.detach().double(), a.B.detach(), rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(b.a.detach().double(), a.a.detach(), rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(sample_sphere(4, 3, seed=2, dtype=torch.float32).double(),
                               sample_sphere(4, 3, seed=2), rtol=1e-6, atol=1e-7)
