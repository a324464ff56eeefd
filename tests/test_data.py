"""Unit tests of the samplers and targets (nndyn.data)."""

import math

import pytest
import torch

from nndyn import data


def test_sphere_points_have_unit_norm_and_are_centred():
    x = data.sample_sphere(20_000, 5, seed=1)
    assert x.shape == (20_000, 5)
    assert torch.allclose(x.norm(dim=1), torch.ones(20_000, dtype=torch.float64))
    # E[x] = 0 and E[x x^T] = I/d for the uniform law on the sphere.
    assert x.mean(0).abs().max() < 0.03
    cov = x.T @ x / x.shape[0]
    assert torch.allclose(cov, torch.eye(5, dtype=torch.float64) / 5, atol=0.01)


def test_sphere_is_symmetric_under_reflection():
    x = data.sample_sphere(40_000, 3, seed=2)
    frac_positive = (x[:, 0] > 0).double().mean().item()
    assert abs(frac_positive - 0.5) < 0.01


def test_samplers_are_seeded():
    assert torch.equal(data.sample_sphere(10, 4, seed=3), data.sample_sphere(10, 4, seed=3))
    assert not torch.equal(data.sample_sphere(10, 4, seed=3), data.sample_sphere(10, 4, seed=4))
    assert torch.equal(data.sample_hypercube(10, 4, seed=3), data.sample_hypercube(10, 4, seed=3))


def test_hypercube_values_and_balance():
    x = data.sample_hypercube(50_000, 6, seed=0)
    assert set(x.unique().tolist()) == {-1.0, 1.0}
    assert x.mean(0).abs().max() < 0.02
    b = data.sample_hypercube(100, 3, seed=0, values="01")
    assert set(b.unique().tolist()) <= {0.0, 1.0}


def test_hypercube_points_enumerates_every_point_once():
    pts = data.hypercube_points(5, values="01")
    assert pts.shape == (32, 5)
    codes = (pts * 2 ** torch.arange(4, -1, -1)).sum(1)
    assert torch.equal(codes, torch.arange(32, dtype=torch.float64))


def test_parity_matches_definition_on_both_cubes():
    v = torch.tensor([1.0, 0.0, 1.0, 1.0], dtype=torch.float64)
    b = data.hypercube_points(4, values="01")
    expected = torch.tensor([(-1.0) ** int(row @ v) for row in b], dtype=torch.float64)
    assert torch.equal(data.parity_target(b, v, values="01"), expected)
    x = 1 - 2 * b  # the change of variables x = 1 - 2b
    assert torch.equal(data.parity_target(x, v), expected)


def test_single_neuron_target():
    x = torch.tensor([[0.5, -1.0], [-0.3, 2.0]], dtype=torch.float64)
    assert torch.equal(data.single_neuron_target(x), torch.tensor([0.5, 0.0], dtype=torch.float64))


def test_single_neuron_data_shapes_and_independent_test_set():
    ds = data.single_neuron_data(30, 7, n_test=40, seed=5)
    assert ds.x_train.shape == (30, 7) and ds.y_train.shape == (30,)
    assert ds.x_test.shape == (40, 7) and ds.n == 30 and ds.d == 7
    assert not torch.allclose(ds.x_train, ds.x_test[:30])


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: data.sample_sphere(0, 3), "n"),
        (lambda: data.sample_sphere(5, -1), "d"),
        (lambda: data.sample_sphere(5, 2.5), "d"),
        (lambda: data.sample_gaussian(5, 3, seed=-1), "seed"),
        (lambda: data.sample_hypercube(5, 3, values="bits"), "values"),
        (lambda: data.hypercube_points(30), "d"),
        (lambda: data.single_neuron_target(torch.zeros(3)), "x"),
        (lambda: data.single_neuron_target(torch.zeros(3, 2), coordinate=2), "coordinate"),
        (lambda: data.parity_target(torch.zeros(3, 2), torch.ones(3)), "v"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_no_nan_in_high_dimension():
    x = data.sample_sphere(10, 10_000, seed=0)
    assert torch.isfinite(x).all() and math.isclose(x.norm(dim=1)[0].item(), 1.0, rel_tol=1e-12)


def test_prose_numbers_read_like_mathematics():
    from nndyn.prose import number, sci

    assert number(-2.1412) == "\u22122.14"
    assert number(1000.0) == "1000" and number(2.0) == "2"
    assert number(-1.002) == "\u22121.00"
    assert number(0.00094, 2) == "9.4 \u00d7 10\u207b\u2074"
    assert sci(7.2e-05) == "7.2 \u00d7 10\u207b\u2075" and sci(250.0, 2) == "2.5 \u00d7 10\u00b2"
    with pytest.raises(ValueError, match="x"):
        number("a lot")
    with pytest.raises(ValueError, match="digits"):
        sci(1.0, 0)
