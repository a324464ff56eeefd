"""Science tests of chapters 8 (lazy training, NTK) and 9 (beyond the kernel regime).

Each test checks a claim of the book in the ``quick`` preset and fails if the claim is false.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from nndyn.data import sample_sphere, single_neuron_data
from nndyn.deep import DeepReLUNet, centered, linearize
from nndyn.experiments import lazy_dynamics, mean_field_vs_ntk, ntk_convergence, output_scale, registry
from nndyn.mean_field import learning_rate, neuron_movement, scaled_two_layer
from nndyn.ntk import analytic_ntk, empirical_ntk
from nndyn.seeding import derive_seed
from nndyn.training import train

CHAPTER8 = Path(__file__).resolve().parents[1] / "book" / "08_lazy_training_ntk.md"


@pytest.fixture(scope="module")
def ntk_result():
    return ntk_convergence.run(ntk_convergence.Config.preset("quick"))


@pytest.fixture(scope="module")
def lazy_result():
    return lazy_dynamics.run(lazy_dynamics.Config.preset("quick"))


@pytest.fixture(scope="module")
def alpha_result():
    return output_scale.run(output_scale.Config.preset("quick"))


@pytest.fixture(scope="module")
def mf_result():
    return mean_field_vs_ntk.run(mean_field_vs_ntk.Config.preset("quick"))


def test_registry_and_presets():
    found = registry()
    for name, chapter in [("ntk_convergence", 8), ("lazy_dynamics", 8), ("output_scale", 8), ("mean_field_vs_ntk", 9)]:
        assert found[name].CHAPTER == chapter
        for preset in ("quick", "full", "lecture"):
            found[name].Config.preset(preset)
    with pytest.raises(ValueError, match="unknown parameter"):
        ntk_convergence.Config.preset("quick", width=3)


# ---------------------------------------------------------------- chapter 8
@pytest.mark.checks(
    "thm-ntk-init",
    "relative error of the empirical NTK against the limit $\\Theta_D$, depths 2-4, widths 64-512 (4 seeds): falls "
    "like $\\mathrm{width}^{-1/2}$ (slope $-0.7$ to $-0.3$)",
    shown_in=("fig-ntk-convergence", "ch8-ntk-err-max-4"),
)
def test_ntk_relative_error_slope(ntk_result):
    """Fig. fig-ntk-convergence: the relative error falls like width^(-1/2) for depths 2, 3, 4."""
    for depth, slope in ntk_result.slopes().items():
        assert -0.7 <= slope <= -0.3, (depth, slope)
    mean = ntk_result.mean_errors()
    assert np.all(mean[:, -1] < mean[:, 0])
    assert mean[-1, -1] > mean[0, -1]  # depth 4 is further from its limit than depth 2


@pytest.mark.checks(
    "prop-ntk-rate-two-layer",
    "orthogonal unit $x, x' \\in \\mathbb{R}^5$, 200 seeds, $m = 16, 128$: error unbiased (4 s.e.) and $m\\, "
    "\\mathbb{E}|\\mathrm{err}|^2 = V = 1 - 1/\\pi^2$ within 25 %",
)
def test_two_layer_ntk_rate_constant():
    """Proposition prop-ntk-rate-two-layer: m * E|err|^2 = V, for orthogonal inputs V = 1 - 1/pi^2."""
    x = torch.eye(2, 5, dtype=torch.float64)
    target = float(analytic_ntk(x, depth=2)[0, 1])
    for m in (16, 128):
        errs = np.array([float(empirical_ntk(DeepReLUNet(5, m, 2, seed=s), x)[0, 1]) - target for s in range(200)])
        assert abs(errs.mean()) < 4 * errs.std() / math.sqrt(200)  # unbiased
        assert m * np.mean(errs**2) == pytest.approx(1 - 1 / math.pi**2, rel=0.25)


@pytest.mark.checks(
    "prop-linear-dynamics",
    "GD (lr 0.05, 100 steps) on the linearisation of a depth-3 net ($n = 12$, $d = 6$, width 32): residuals vs "
    "$\\exp(-t G_0/n)\\, e(0)$, relative error $< 0.05$",
)
def test_linear_dynamics_closed_form():
    """Proposition prop-linear-dynamics: GD on the linearisation follows exp(-t G0 / n) e(0)."""
    data = single_neuron_data(12, 6, seed=0)
    net = DeepReLUNet(6, 32, 3, seed=0)
    G0 = empirical_ntk(net, data.x_train)
    e0 = net(data.x_train).detach() - data.y_train
    lin = linearize(net)
    lr, steps = 0.05, 100
    train(lin, data.x_train, data.y_train, lr=lr, steps=steps)
    e = lin(data.x_train).detach() - data.y_train
    closed = torch.linalg.matrix_exp(-lr * steps * G0 / 12) @ e0
    assert float((e - closed).norm() / closed.norm()) < 0.05
    assert float(closed.norm()) < 0.5 * float(e0.norm())


def test_gd_discrepancy_prefactor():
    """Solution of ex-linear-closed-form: GD on f_lin differs from exp(-t G0/n) e(0) by a relative
    amount t*eta/(2 n^2) * (weighted mean of mu_i^4)^(1/2), proportional to eta (not eta*lambda_max/n)."""
    n, T = 12, 8.0
    data = single_neuron_data(n, 6, seed=0)
    net = DeepReLUNet(6, 32, 3, seed=0)
    G0 = empirical_ntk(net, data.x_train)
    e0 = net(data.x_train).detach() - data.y_train
    mu, U = torch.linalg.eigh(G0)
    w = torch.exp(-2 * T * mu / n) * (U.T @ e0) ** 2
    measured = {}
    for lr in (0.2, 0.02):
        lin = linearize(net)
        steps = round(T / lr)
        train(lin, data.x_train, data.y_train, lr=lr, steps=steps)
        e = lin(data.x_train).detach() - data.y_train
        closed = torch.linalg.matrix_exp(-lr * steps * G0 / n) @ e0
        measured[lr] = float((e - closed).norm() / closed.norm())
        predicted = lr * T / (2 * n**2) * float(torch.sqrt((w * mu**4).sum() / w.sum()))
        assert measured[lr] == pytest.approx(predicted, rel=0.1)
        assert measured[lr] < 0.5 * lr * float(mu.max()) / n  # the old prefactor is far too large
    assert measured[0.2] / measured[0.02] == pytest.approx(10, rel=0.1)


def test_caption_of_the_ntk_figure(ntk_result):
    """fig-ntk-convergence: empirical entries scatter around the limit (on both sides), and
    depth 4 is further from its limit than depth 2 at every width (the caption says nothing of
    depth 3)."""
    mean = ntk_result.mean_errors()
    assert np.all(mean[-1] > mean[0])
    # issue 24: the clause is glued from the result (caption, text and Summary), here the case "at every width"
    assert ntk_result.depth_comparison() == "depth 4 is further from its limit than depth 2 at every width"
    text = CHAPTER8.read_text()
    assert text.count("{glue:text}`ch8-ntk-depth-clause`") == 3 and "than depth 2 at every width" not in text
    order = np.argsort(ntk_result.grid)
    for depth, values in ntk_result.empirical.items():
        limit = np.interp(ntk_result.cosines, ntk_result.grid[order], ntk_result.analytic[depth][order])
        residual = values - limit
        assert (residual > 0).any() and (residual < 0).any()          # on both sides of the limit
        assert np.abs(residual).max() < 0.5 * np.abs(limit).max()     # and close to it



def test_depth_comparison_words_every_case(ntk_result):
    def clause(errors_by_width):  # mean errors of depths 2 and 4 at each width of the quick preset
        errors = np.zeros((3, len(errors_by_width), 1))
        errors[0, :, 0], errors[-1, :, 0] = zip(*errors_by_width)
        return ntk_convergence.Result(ntk_result.config, errors, ntk_result.cosines, ntk_result.grid,
                                      ntk_result.analytic, ntk_result.empirical).depth_comparison()

    assert clause([(0.1, 0.2)] * 4) == "depth 4 is further from its limit than depth 2 at every width"
    assert clause([(0.2, 0.1)] * 4) == "depth 4 is not further from its limit than depth 2 at any width"
    assert clause([(0.1, 0.2), (0.2, 0.1), (0.1, 0.2), (0.1, 0.2)]) == (
        "depth 4 is further from its limit than depth 2 at widths 64, 256 and 512, but not at width 128")
    assert clause([(0.1, 0.2), (0.2, 0.1), (0.2, 0.1), (0.2, 0.1)]) == (
        "depth 4 is further from its limit than depth 2 at width 64, but not at widths 128, 256 and 512")


@pytest.mark.checks(
    "thm-ntk-training",
    "the conclusion only, outside both items' hypotheses (ReLU, output scale 1, GD): depth 3, $n = 20$, widths "
    "32-256, lr 0.5, 100 steps: the change of the tangent kernel during training and the distance to "
    "$f_{\\mathrm{lin}}$ fall at least like $\\mathrm{width}^{-0.45}$",
    shown_in=("fig-lazy-dynamics", "ch8-lazy-kslope"),
)
def test_lazy_dynamics_claims(lazy_result):
    """Fig. fig-lazy-dynamics: kernel change, movement and distance to f_lin fall with width."""
    s = lazy_result.slopes()
    assert s["kernel_change"] < -0.45  # at least as fast as m^(-1/2), with tolerance
    assert s["lin_distance"] < -0.45
    assert -1.3 < s["movement"] < -0.7
    # chapter 8: the slope is shallower than -1; the measured norm of theta_0 (mean square m(d+1) + (D-2)m^2)
    # grows with a slope below 1, and the rest of the gap is the movement |theta_T - theta_0| growing
    # (issue 24: the glued slopes are those of the measured norm and movement, not of the expected norm)
    c = lazy_result.config
    w = np.asarray(c.widths, dtype=float)
    assert np.array_equal(lazy_result.initial_norm, [
        float(torch.sqrt(sum((p.detach() ** 2).sum() for p in
                             DeepReLUNet(c.d, m, c.depth, seed=derive_seed(c.seed, "network", j)).parameters())))
        for j, m in enumerate(c.widths)])
    expected = np.sqrt(w * (c.d + 1) + (c.depth - 2) * w**2)
    assert np.allclose(lazy_result.initial_norm, expected, rtol=0.1)  # near its expected value
    assert s["movement"] > -1 and s["initial_norm"] < 1
    assert s["distance"] == pytest.approx(s["movement"] + s["initial_norm"])
    assert s["distance"] > 0.05  # the glued verdict: the movement "still grows" over these widths
    assert lazy_result.kernel_change[-1] < 0.5 * lazy_result.kernel_change[0]
    assert lazy_result.lin_distance[-1] < 0.5 * lazy_result.lin_distance[0]
    assert lazy_result.final_loss.max() < 0.01 * lazy_result.loss[:, 0].min()
    assert lazy_result.lin_final_loss.max() < 0.01 * lazy_result.lin_loss[:, 0].min()


@pytest.mark.parametrize("preset", ["quick", "full", "lecture"])
def test_lazy_training_keeps_the_learning_rate_of_the_output_scale_experiment(preset):
    """Chapter 8 says the learning rate "stays" that of the output-scale experiment (issue 24).
    Measured before the change (quick and full presets, seed 0): at lr 0.25 (200 steps) and at lr 0.5
    (100 steps), the same time T = 50, kernel change, movement and distance to f_lin agree to
    within 4 % at every width (kernel change 3.9 %), and no run diverges or oscillates; 0.25 had no reason.
    Not a law of the experiment: with seeds 1 and 2 (quick) the kernel change moves by 8.2 % and 8.9 %
    between the two rates (movement and distance by at most 1.5 %), and lr 1.0 is not equivalent
    (seed 2: the distance to f_lin at width 64 goes from 0.060 to 0.135; gradient descent on that width's linearisation
    diverges above lr 1.57)."""
    assert lazy_dynamics.Config.preset(preset).lr == output_scale.Config.preset(preset).lr


@pytest.mark.checks(
    "prop-alpha-movement",
    "GD (the statement is for the flow) on $F_\\alpha$, centred depth-2 ReLU net ($n = 20$, $d = 10$, width 128, "
    "$\\alpha = 0.5, \\dots, 16$, 200 steps): $|\\theta_T - \\theta_0| \\le \\sqrt{T R(0)}/\\alpha$ for every "
    "$\\alpha$; slope $-1 \\pm 0.1$",
    shown_in=("fig-output-scale", "ch8-alpha-mslope"),
)
def test_output_scale_claims(alpha_result):
    """Fig. fig-output-scale and Proposition prop-alpha-movement."""
    assert np.all(alpha_result.movement <= alpha_result.bound)
    s = alpha_result.slopes()
    assert -1.1 < s["movement"] < -0.9
    assert s["feature_change"] < -0.8
    assert np.all(np.diff(alpha_result.movement) < 0)
    assert np.all(np.diff(alpha_result.feature_change) < 0)
    assert alpha_result.final_risk.max() / alpha_result.final_risk.min() < 1.5
    assert alpha_result.final_risk.max() < 0.01 * alpha_result.risk[0, 0]


@pytest.mark.checks(
    "thm-alpha-lazy",
    "the $O(1/\\alpha)$ rate only (the ReLU Jacobian has no Lipschitz constant): $|\\alpha h - \\alpha "
    "h_{\\mathrm{lin}}|$ on 10 points after 30 GD steps, $\\alpha = 1, 4, 16$: log-log slope $< -0.8$",
)
def test_lazy_theorem_distance_falls_like_one_over_alpha():
    """Theorem thm-alpha-lazy: the outputs of alpha*h and alpha*h_lin differ by O(1/alpha)."""
    data = single_neuron_data(10, 5, seed=0)
    gaps = []
    alphas = (1.0, 4.0, 16.0)
    for alpha in alphas:
        net = DeepReLUNet(5, 16, 2, output_scale=alpha, seed=0)
        model, lin = centered(net), centered(linearize(net))
        risk = output_scale.scaled_risk(alpha)
        train(model, data.x_train, data.y_train, lr=1.0, steps=30, risk=risk)
        train(lin, data.x_train, data.y_train, lr=1.0, steps=30, risk=risk)
        gaps.append(float((model(data.x_train) - lin(data.x_train)).norm().detach()))
    slope = np.polyfit(np.log(alphas), np.log(gaps), 1)[0]
    assert slope < -0.8, gaps


@pytest.mark.checks(
    "lem-two-layer-linearisation",
    "notes' net ($d = 5$, $m = 40$) after 200 GD steps: $\\max_x |f - f_{\\mathrm{lin}}| \\le |a|\\, \\|B - "
    "B_0\\|_F$ over test $x$ (unit $x$, $\\alpha = 1$), gap $> 0$",
)
def test_two_layer_linearisation_is_rfm_bound_on_trajectory():
    """Lemma lem-two-layer-linearisation along a GD trajectory of the notes' network."""
    from nndyn.models import TwoLayerNet

    data = single_neuron_data(20, 5, seed=1)
    net = TwoLayerNet(5, 40, init="notes", seed=0)
    B0 = net.B.detach().clone()
    lin = linearize(net)
    train(net, data.x_train, data.y_train, lr=0.05, steps=200)
    with torch.no_grad():
        lin.params["a"].copy_(net.a)
        lin.params["B"].copy_(net.B)
        gap = (net(data.x_test) - lin(data.x_test)).abs().max()
        bound = net.a.norm() * (net.B - B0).norm()
    assert 0 < gap <= bound


# ---------------------------------------------------------------- chapter 9
def test_caption_output_scale_risk_curves_nearly_coincide(alpha_result):
    """fig-output-scale: the training risk is almost the same curve for every alpha, within a
    factor of 2 at every time (quick 1.22, full 1.68, the largest at the end)."""
    risk = alpha_result.risk
    assert np.all(risk.max(axis=0) < 2 * risk.min(axis=0))


def test_caption_mean_field_test_risk_falls_faster_and_further(mf_result):
    """fig-mean-field-vs-ntk, top left (widest network): the mean-field test risk is below the
    NTK one from early on (faster) and at the end (further)."""
    mf, ntk = mf_result.test_curve["mean_field"], mf_result.test_curve["ntk"]
    start = len(mf) // 10
    assert np.all(mf[start:] < ntk[start:])
    assert mf[-1] < 0.5 * ntk[-1]


@pytest.mark.observation(
    "mean_field_vs_ntk",
    "neuron movement against width 40-640: NTK slope $-0.7$ to $-0.3$, mean field $|\\mathrm{slope}| < 0.15$ and $> "
    "4\\times$ the NTK movement",
    shown_in=("fig-mean-field-vs-ntk", "ch9-slope-mf"),
)
def test_movement_scaling(mf_result):
    """Fig. fig-mean-field-vs-ntk: NTK neurons move O(m^-1/2), mean-field neurons O(1)."""
    s = mf_result.movement_slopes()
    assert -0.7 <= s["ntk"] <= -0.3
    assert abs(s["mean_field"]) < 0.15
    assert mf_result.movement["mean_field"].min() > 0.5
    assert np.all(mf_result.movement["mean_field"] > 4 * mf_result.movement["ntk"])


@pytest.mark.observation(
    "mean_field_vs_ntk",
    "$n = 100$, $d = 10$, widths 40-640: only the mean-field network aligns its first layer with $e_1$ (alignment "
    "$+0.1$ over init; NTK within $0.02$ of init)",
    shown_in=("fig-mean-field-vs-ntk", "ch9-align-mf"),
)
def test_feature_learning(mf_result):
    """Only the mean-field network aligns its first layer with e_1."""
    mf, ntk, init = mf_result.alignment["mean_field"], mf_result.alignment["ntk"], mf_result.alignment0["ntk"]
    assert np.all(mf > init + 0.1)
    assert np.all(np.abs(ntk - init) < 0.02)
    assert np.all(mf > ntk + 0.1)


@pytest.mark.observation(
    "mean_field_vs_ntk",
    "the mean-field network's test risk is below the NTK one at every width ($> 2\\times$ at 640); both fit the "
    "training set (risk $< 10^{-3}$)",
    shown_in=("fig-mean-field-vs-ntk", "ch9-test-ratio"),
)
def test_test_risk(mf_result):
    """Mean-field test risk is lower at every width; every network fits the training set."""
    assert np.all(mf_result.test_risk["mean_field"] < mf_result.test_risk["ntk"])
    assert mf_result.test_risk["ntk"][-1] / mf_result.test_risk["mean_field"][-1] > 2
    assert max(mf_result.train_risk["ntk"].max(), mf_result.train_risk["mean_field"].max()) < 1e-3
    assert mf_result.test_risk["ntk"].max() < 0.2 * mf_result.zero_risk


@pytest.mark.checks(
    "prop-neuron-speed",
    "GD ($n = 30$, $d = 5$, $m = 40$, 200 steps, $\\eta_0 = 0.01$), NTK and mean-field scalings: every neuron's "
    "$|w_j(t) - w_j(0)|$ $\\le |w_j(0)| (e^{m^{\\beta-1}\\sqrt{2R_0}\\, t} - 1)$, the largest ratio "
    "above 0.1 (the bound is not vacuous; it is about 0.2)",
)
def test_neuron_speed_bound():
    """Proposition prop-neuron-speed, on a gradient-descent trajectory with a small step."""
    data = single_neuron_data(30, 5, seed=0)
    for scaling in ("ntk", "mean_field"):
        m = 40
        net = scaled_two_layer(5, m, scaling=scaling, seed=1)
        start = copy.deepcopy(net)
        risk0 = float(0.5 * (data.y_train**2).mean())  # f = 0 at initialisation
        base_lr, steps = 0.01, 200
        train(net, data.x_train, data.y_train, lr=learning_rate(base_lr, m, scaling), steps=steps)
        beta = 0.5 if scaling == "ntk" else 1.0
        c = m ** (beta - 1) * math.sqrt(2 * risk0)
        t = base_lr * steps
        theta0 = torch.cat([start.a.detach()[:, None], start.B.detach()], 1)
        theta = torch.cat([net.a.detach()[:, None], net.B.detach()], 1)
        moved = (theta - theta0).norm(dim=1)
        bound = theta0.norm(dim=1) * (math.exp(c * t) - 1)
        assert torch.all(moved <= bound)
        assert float((moved / bound).max()) > 0.1  # the bound is within a factor 10 for some neuron


@pytest.mark.checks(
    "prop-mean-field-particles",
    "$m \\nabla_{w_j} R = \\nabla \\Psi(w_j; \\rho^m)$ for every neuron, by autograd vs the formula ($n "
    "= 15$, $d = 4$, $m = 12$): allclose",
)
def test_mean_field_particle_identity():
    """Proposition prop-mean-field-particles: m grad_j R = grad Psi(w_j; rho^m)."""
    data = single_neuron_data(15, 4, seed=0)
    m = 12
    net = scaled_two_layer(4, m, scaling="mean_field", symmetric=False, seed=2)
    x, y = data.x_train, data.y_train
    loss = 0.5 * (net(x) - y).pow(2).mean()
    ga, gB = torch.autograd.grad(loss, (net.a, net.B))
    e = (net(x) - y).detach()
    a, B = net.a.detach(), net.B.detach()
    pre = x @ B.T
    psi_a = (e[:, None] * torch.relu(pre)).mean(0)
    psi_B = ((e[:, None] * (pre > 0) * a[None, :]).T @ x) / x.shape[0]
    assert torch.allclose(m * ga, psi_a)
    assert torch.allclose(m * gB, psi_B)


@pytest.mark.checks(
    "prop-mean-field-particles",
    "mean-field nets, 100 GD steps: with lr $\\eta_0 m$ the movement at $m = 400$ matches $m = 40$ (relative 0.5); "
    "with lr $\\eta_0$ it is $O(1/m)$ (ratio $10 \\pm 30$ %)",
)
def test_mean_field_needs_lr_proportional_to_m():
    """With lr = eta_0 (not eta_0 m) mean-field neurons move O(1/m) in a fixed number of steps."""
    data = single_neuron_data(30, 5, seed=0)
    moves = {}
    for m in (40, 400):
        for scaled in (True, False):
            net = scaled_two_layer(5, m, scaling="mean_field", seed=0)
            start = copy.deepcopy(net)
            lr = learning_rate(0.2, m, "mean_field") if scaled else 0.2
            train(net, data.x_train, data.y_train, lr=lr, steps=100)
            moves[m, scaled] = neuron_movement(net, start)
    assert moves[400, True] == pytest.approx(moves[40, True], rel=0.5)
    assert moves[400, False] < 0.05 * moves[400, True]
    assert moves[40, False] / moves[400, False] == pytest.approx(10, rel=0.3)


def test_particles_are_the_training_run_itself():
    """Fig. fig-mean-field-neurons: the recorded particles are those of the run; the last one is the final network.

    The network is trained again here without the particle probe: its final parameters equal
    the last snapshot bitwise, so recording the particles does not change the trajectory.
    """
    from nndyn.experiments.mean_field_vs_ntk import particle_alignment, particle_coordinates, particle_raw
    from nndyn.mean_field import alignment
    from nndyn.seeding import derive_seed

    config = mean_field_vs_ntk.Config(n=20, d=4, n_test=20, widths=(8, 16, 400), steps=30, seed=3)
    result = mean_field_vs_ntk.run(config)
    assert result.particle_width == 16
    data = single_neuron_data(config.n, config.d, n_test=config.n_test, seed=config.seed)
    for s in ("ntk", "mean_field"):
        net = scaled_two_layer(config.d, 16, scaling=s, seed=derive_seed(config.seed, "network", 1))
        first = particle_raw(net).numpy()
        traj = train(net, data.x_train, data.y_train, lr=learning_rate(config.base_lr, 16, s), steps=config.steps,
                     record_every=max(1, config.steps // 60))
        raw = result.particles[s]
        assert raw.shape == (len(traj.t), 16, 3)
        assert np.array_equal(raw[0], first)
        assert np.array_equal(raw[-1], particle_raw(net).numpy())
        a, B = net.a.detach().numpy(), net.B.detach().numpy()
        expected = np.abs(a)[:, None] * np.stack([B[:, 0], np.linalg.norm(B[:, 1:], axis=1)], 1)
        assert np.allclose(particle_coordinates(raw[-1]), expected)
        assert particle_alignment(raw[-1]) == pytest.approx(alignment(net))
        assert particle_alignment(raw[-1]) == pytest.approx(result.alignment[s][1])
        assert np.array_equal(result.particle_t, traj.t / learning_rate(1.0, 16, s))


def test_particles_travel_in_mean_field_only(mf_result):
    """Fig. fig-mean-field-neurons and its prose, on the quick preset: the mean-field particles move
    more than ten times as far as the NTK ones, the ones with a_j > 0 do the travelling, half of it
    in the first tenth of the time, and they turn towards e_1."""
    from nndyn.experiments.mean_field_vs_ntk import (particle_alignment, particle_coordinates, particle_displacement,
                                                     particle_frames)

    r = mf_result
    jp = list(r.config.widths).index(r.particle_width)
    assert r.particle_width <= mean_field_vs_ntk.MAX_PARTICLES
    ntk, mf = particle_displacement(r, "ntk"), particle_displacement(r, "mean_field")
    assert mf > 10 * ntk
    plus = r.particles["mean_field"][0, :, 0] > 0
    p = particle_coordinates(r.particles["mean_field"])
    moved = np.sqrt(((p - p[0]) ** 2).sum(-1))
    assert np.sqrt((moved[-1, plus] ** 2).mean()) > 1.5 * np.sqrt((moved[-1, ~plus] ** 2).mean())
    travel = np.sqrt((moved**2).mean(-1))
    assert r.particle_t[np.argmax(travel >= travel[-1] / 2)] <= r.particle_t[-1] / 10
    last = r.particles["mean_field"][-1]
    assert particle_alignment(last[plus]) > particle_alignment(r.particles["mean_field"][0]) + 0.15
    assert p[-1, plus, 0].mean() > p[0, plus, 0].mean() + 1  # they travel to the right ...
    assert np.linalg.norm(p[-1, plus], axis=1).mean() > 1.3 * np.linalg.norm(p[0, plus], axis=1).mean()  # ... and grow
    assert particle_alignment(last[plus]) > particle_alignment(last[~plus])
    # "turn towards the direction of e_1": the angle to the horizontal axis shrinks (median, and
    # for most of them) and the signed alignment grows; the distance from the axis need not shrink
    first = r.particles["mean_field"][0]
    angle = np.arctan2(p[..., 1], p[..., 0])
    assert np.median(angle[-1, plus]) < np.median(angle[0, plus]) - np.radians(5)
    assert np.mean(angle[-1, plus] < angle[0, plus]) > 0.75
    # chapter 9: the NTK neurons' angle also shrinks for most of them, but by little (median)
    p_ntk = particle_coordinates(r.particles["ntk"])
    angle_ntk = np.arctan2(p_ntk[..., 1], p_ntk[..., 0])
    assert np.mean(angle_ntk[-1, plus] < angle_ntk[0, plus]) > 0.5
    ntk_turn = np.median(angle_ntk[0, plus]) - np.median(angle_ntk[-1, plus])
    mf_turn = np.median(angle[0, plus]) - np.median(angle[-1, plus])
    assert ntk_turn < mf_turn / 3
    assert particle_alignment(last[plus], signed=True) > particle_alignment(first[plus], signed=True) + 0.2
    assert particle_alignment(first, signed=True) <= particle_alignment(first) + 1e-12
    assert particle_alignment(np.abs(last), signed=True) == pytest.approx(particle_alignment(last))
    for s in ("ntk", "mean_field"):
        assert particle_alignment(r.particles[s][-1]) == pytest.approx(r.alignment[s][jp])
        assert particle_alignment(r.particles[s][0]) == pytest.approx(r.alignment0[s][jp])
    frames = particle_frames(len(r.particle_t))
    assert frames[0] == 0 and frames[-1] == len(r.particle_t) - 1 and 30 <= len(frames) <= 40
    fig = mean_field_vs_ntk.interactive(r)
    assert fig.nbytes < 1_000_000
    shown = fig.spec["frames"][str(len(frames) - 1)]  # mean field, a_j > 0, at the last position
    assert np.allclose(shown[2]["x"], p[-1, plus, 0], rtol=5e-3, atol=1e-3)  # 3 significant digits


def test_particle_helpers_reject_bad_input():
    from nndyn.experiments.mean_field_vs_ntk import particle_coordinates, particle_displacement, particle_frames, particle_raw

    with pytest.raises(ValueError, match="raw"):
        particle_coordinates(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="n_records"):
        particle_frames(1)
    with pytest.raises(ValueError, match="n_frames"):
        particle_frames(10, 1)
    with pytest.raises(ValueError, match="net"):
        particle_raw(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="scaling"):
        particle_displacement(None, "lazy")
