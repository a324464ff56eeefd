"""Unit tests of the two-layer network and the random feature model (nndyn.models)."""

import pytest
import torch

from nndyn import RandomFeatureModel, TwoLayerNet


def test_notes_initialisation():
    net = TwoLayerNet(d=6, m=50, init="notes", seed=0)
    assert torch.count_nonzero(net.a) == 0
    assert torch.allclose(net.B.norm(dim=1), torch.ones(50, dtype=torch.float64))


def test_balanced_initialisation_variances():
    net = TwoLayerNet(d=10, m=20_000, init="balanced", seed=0)
    assert abs(net.a.var().item() * 20_000 - 1) < 0.05
    assert abs(net.B.var().item() * 20_000 * 10 - 1) < 0.05


def test_standard_initialisation_is_pytorchs_uniform_default():
    net = TwoLayerNet(d=10, m=20_000, init="standard", seed=0)
    assert net.B.abs().max().item() <= 10**-0.5 and net.a.abs().max().item() <= 20_000**-0.5
    assert abs(net.B.var().item() * 3 * 10 - 1) < 0.05  # U(-c, c) has variance c^2/3
    assert abs(net.a.var().item() * 3 * 20_000 - 1) < 0.05
    linear = torch.nn.Linear(10, 20_000, bias=False)
    assert abs(net.B.var().item() / linear.weight.var().item() - 1) < 0.05


def test_forward_matches_hand_computation():
    net = TwoLayerNet(d=2, m=2, output_scale=0.5)
    with torch.no_grad():
        net.a.copy_(torch.tensor([2.0, -1.0]))
        net.B.copy_(torch.tensor([[1.0, 0.0], [1.0, 1.0]]))
    x = torch.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=torch.float64)
    # x1: relu(1)=1, relu(3)=3 -> 0.5*(2*1 - 1*3) = -0.5 ; x2: relu(-1)=0, relu(-0.5)=0 -> 0
    assert torch.allclose(net(x), torch.tensor([-0.5, 0.0], dtype=torch.float64))
    assert torch.isclose(net.path_norm(), torch.tensor(0.5 * (2 * 1 + 1 * 2**0.5), dtype=torch.float64))


def test_random_feature_model_freezes_first_layer():
    net = TwoLayerNet(d=4, m=8, init="balanced", seed=1)
    rfm = RandomFeatureModel.from_network(net)
    assert torch.equal(rfm.B, net.B) and not rfm.B.requires_grad
    assert torch.count_nonzero(rfm.a) == 0
    trainable = [p for p in rfm.parameters() if p.requires_grad]
    assert len(trainable) == 1 and trainable[0] is rfm.a
    copy = RandomFeatureModel.from_network(net, zero_output=False)
    x = torch.randn(5, 4, dtype=torch.float64)
    assert torch.allclose(copy(x), net(x))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"d": 0, "m": 3}, "d"),
        ({"d": 3, "m": -2}, "m"),
        ({"d": 3, "m": 2, "init": "xavier"}, "init"),
        ({"d": 3, "m": 2, "output_scale": 0.0}, "output_scale"),
        ({"d": 3, "m": 2, "seed": -3}, "seed"),
    ],
)
def test_bad_model_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        TwoLayerNet(**kwargs)


def test_input_shape_is_checked():
    net = TwoLayerNet(d=3, m=2)
    with pytest.raises(ValueError, match="shape"):
        net(torch.zeros(4, 5, dtype=torch.float64))
