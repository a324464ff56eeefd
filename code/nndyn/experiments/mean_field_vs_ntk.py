"""Chapter 9: mean-field against NTK scaling on the single-neuron task.

Two-layer ReLU networks :math:`f(x)=m^{-\\beta}\\sum_j a_j\\sigma(b_j^\\top x)` with the same
:math:`O(1)` symmetric initialisation (:func:`nndyn.mean_field.scaled_two_layer`) are
trained by gradient descent on :math:`f^*(x)=\\sigma(x^{(1)})`, with the learning rate
:math:`\\eta_0 m^{2\\beta-1}` (:func:`nndyn.mean_field.learning_rate`), for
:math:`\\beta=1/2` (NTK) and :math:`\\beta=1` (mean field) and growing widths :math:`m`.
Measured at the final time: the root-mean-square movement of a neuron, the alignment of
the first layer with :math:`e_1` (:func:`nndyn.mean_field.alignment`) and the test risk.
Along the same runs, for one width of at most :data:`MAX_PARTICLES` neurons, every neuron
is recorded as a particle at every record time (:func:`particle_coordinates`), which
:func:`interactive` draws with a slider over time.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from ..data import single_neuron_data
from ..mean_field import alignment, learning_rate, neuron_movement, scaled_two_layer
from ..plotting import BOUND_STYLE, OKABE_ITO, figure, loglog_slope
from ..training import probes, train
from ..plotting import LEGEND_SIZE, PAGE_WIDTH, width_axis
from ..prose import signed
from .base import ExperimentConfig
from ..seeding import derive_seed

TITLE = "Mean-field against NTK scaling: movement, feature learning and test risk"
CHAPTER = 9

SCALING_NAMES = ("ntk", "mean_field")
LABELS = {"ntk": r"NTK ($\beta=1/2$)", "mean_field": r"mean field ($\beta=1$)"}
COLORS = {"ntk": OKABE_ITO[0], "mean_field": OKABE_ITO[1]}
MAX_PARTICLES = 200
"""The particles of the widest network with at most this many neurons are recorded over time."""


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters.

    Attributes
    ----------
    n, d : int
        Training points and input dimension.
    n_test : int
        Test points.
    widths : tuple of int
        Widths :math:`m` (even).
    base_lr : float
        :math:`\\eta_0`; the learning rate is :math:`\\eta_0` (NTK) or :math:`\\eta_0 m` (mean field).
    steps : int
        Gradient steps; the final time is :math:`T=\\eta_0\\times` ``steps`` for both scalings.
    """

    n: int = 100
    d: int = 10
    n_test: int = 1000
    widths: tuple[int, ...] = (40, 80, 160, 320, 640)
    base_lr: float = 0.5
    steps: int = 1500

    PRESETS = {
        "quick": {"widths": (40, 160, 640), "steps": 600, "n_test": 500},
        "full": {},
        "lecture": {"widths": (40, 80, 160, 320, 640, 1280, 2560), "steps": 20000},
    }


@dataclass
class Result:
    """Per scaling, one entry per width.

    Attributes
    ----------
    movement, alignment, alignment0, test_risk, train_risk : dict[str, numpy.ndarray]
        RMS neuron movement, final and initial alignment with :math:`e_1`, final test and
        training risks.
    t : numpy.ndarray
        Record times; ``test_curve[s]`` is the test risk of the widest network over time.
    neurons, neurons0 : dict[str, numpy.ndarray]
        For the widest network, per neuron: :math:`b_j^{(1)}/\\|b_j\\|` and
        :math:`|a_j|\\|b_j\\|` at the end (``neurons``) and at the start (``neurons0``),
        shape ``(m, 2)``.
    zero_risk : float
        Test risk of the zero predictor.
    particle_width : int
        The width whose neurons are recorded over time: the largest width of at most
        :data:`MAX_PARTICLES` (the smallest width if none is that small).
    particle_t : numpy.ndarray
        The record times :math:`t=\\eta_0k` of the particles (those of ``t``).
    particles : dict[str, numpy.ndarray]
        Per scaling, shape ``(len(particle_t), particle_width, 3)``: for every record time and
        neuron, :math:`(a_j,\\ b_j^{(1)},\\ \\|b_j-b_j^{(1)}e_1\\|)` (:func:`particle_raw`), recorded
        during the training run itself.
    """

    config: Config
    movement: dict[str, np.ndarray]
    alignment: dict[str, np.ndarray]
    alignment0: dict[str, np.ndarray]
    test_risk: dict[str, np.ndarray]
    train_risk: dict[str, np.ndarray]
    t: np.ndarray
    test_curve: dict[str, np.ndarray]
    neurons: dict[str, np.ndarray]
    neurons0: np.ndarray
    zero_risk: float
    particle_width: int
    particle_t: np.ndarray
    particles: dict[str, np.ndarray]

    def movement_slopes(self) -> dict[str, float]:
        """Log-log slope of the RMS neuron movement against :math:`m`, per scaling."""
        return {s: loglog_slope(self.config.widths, v) for s, v in self.movement.items()}


def particle_raw(net) -> torch.Tensor:
    """Per neuron :math:`(a_j,\\ b_j^{(1)},\\ \\|b_j-b_j^{(1)}e_1\\|)`, shape ``(m, 3)``: what is recorded of a particle."""
    if not hasattr(net, "a") or not hasattr(net, "B"):
        raise ValueError(f"net must be a two-layer network with parameters a and B, got {type(net).__name__}")
    a, B = net.a.detach(), net.B.detach()
    return torch.stack([a, B[:, 0], B[:, 1:].norm(dim=1)], dim=1).clone()


def particle_coordinates(raw: np.ndarray) -> np.ndarray:
    """The drawn position of each neuron: :math:`|a_j|\\,(b_j^{(1)},\\ \\|b_j-b_j^{(1)}e_1\\|)`.

    The neuron :math:`a_j\\sigma(b_j^\\top x)=\\operatorname{sign}(a_j)\\,\\sigma(|a_j|b_j^\\top x)`
    acts through its sign and the vector :math:`|a_j|b_j`; the point has as coordinates that
    vector's component along :math:`e_1` and its distance from the :math:`e_1` axis, so its distance from the origin
    is the neuron's weight :math:`|a_j|\\|b_j\\|` and its angle from the horizontal axis is the
    angle between :math:`b_j` and :math:`e_1`.

    Parameters
    ----------
    raw : numpy.ndarray
        Shape ``(..., 3)``, as recorded in ``Result.particles``.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., 2)``.
    """
    raw = np.asarray(raw, dtype=float)
    if raw.ndim < 1 or raw.shape[-1] != 3:
        raise ValueError(f"raw must have shape (..., 3), got {raw.shape}")
    return np.abs(raw[..., :1]) * raw[..., 1:]


def particle_displacement(result: "Result", scaling: str, k: int = -1) -> float:
    """Root-mean-square distance of the drawn particles from their initial positions at record ``k``."""
    if scaling not in SCALING_NAMES:
        raise ValueError(f"scaling must be one of {SCALING_NAMES}, got {scaling!r}")
    p = particle_coordinates(result.particles[scaling])
    return float(np.sqrt(((p[k] - p[0]) ** 2).sum(-1).mean()))


def _particle_index(widths) -> int:
    small = [j for j, m in enumerate(widths) if m <= MAX_PARTICLES]
    return small[-1] if small else int(np.argmin(widths))


def _neurons(net) -> np.ndarray:
    B = net.B.detach()
    norms = B.norm(dim=1)
    return np.stack([(B[:, 0] / norms).numpy(), (net.a.detach().abs() * norms).numpy()], axis=1)


def run(config: Config) -> Result:
    """Train both scalings at every width from the same initialisation."""
    data = single_neuron_data(config.n, config.d, n_test=config.n_test, seed=config.seed)
    keys = ("movement", "alignment", "alignment0", "test_risk", "train_risk")
    out = {k: {s: [] for s in SCALING_NAMES} for k in keys}
    test_curve, neurons = {}, {}
    t = np.zeros(0)
    neurons0 = np.zeros((0, 2))
    jp = _particle_index(config.widths)
    particle_t, particles = np.zeros(0), {}
    for j, m in enumerate(config.widths):
        for s in SCALING_NAMES:
            net = scaled_two_layer(config.d, m, scaling=s, seed=derive_seed(config.seed, "network", j))
            initial = copy.deepcopy(net)
            recorded = {"test": probes.risk_on(data.x_test, data.y_test)}
            if j == jp:  # read-only probe: the trajectory is the same with or without it
                recorded["particles"] = lambda module: particle_raw(module.model)
            traj = train(
                net,
                data.x_train,
                data.y_train,
                lr=learning_rate(config.base_lr, m, s),
                steps=config.steps,
                record_every=max(1, config.steps // 60),
                probes=recorded,
            )
            if j == jp:
                particle_t = traj.t / learning_rate(1.0, m, s)
                particles[s] = traj["particles"]
            out["movement"][s].append(neuron_movement(net, initial))
            out["alignment"][s].append(alignment(net))
            out["alignment0"][s].append(alignment(initial))
            out["test_risk"][s].append(float(traj["test"][-1]))
            out["train_risk"][s].append(traj.final_loss)
            if j == len(config.widths) - 1:
                t = traj.t / learning_rate(1.0, m, s)  # the time t = eta_0 k of both scalings
                test_curve[s] = traj["test"]
                neurons[s] = _neurons(net)
                neurons0 = _neurons(initial)
    arrays = {k: {s: np.array(v) for s, v in out[k].items()} for k in keys}
    zero = float(0.5 * (data.y_test**2).mean())
    return Result(config, **arrays, t=t, test_curve=test_curve, neurons=neurons, neurons0=neurons0, zero_risk=zero,
                  particle_width=int(config.widths[jp]), particle_t=particle_t, particles=particles)


def plot(result: Result):
    """Four panels: test risk over time (widest network), neuron movement, alignment with
    :math:`e_1` and final test risk against the width."""
    c = result.config
    fig, axes = figure(2, 2, height=3.0, width=PAGE_WIDTH)
    widths = np.array(c.widths, dtype=float)
    slopes = result.movement_slopes()
    for s in SCALING_NAMES:
        col = COLORS[s]
        axes[0].semilogy(result.t, result.test_curve[s], color=col)
        axes[1].loglog(widths, result.movement[s], "o-", color=col, label=f"slope {signed(slopes[s])}")
        axes[2].semilogx(widths, result.alignment[s], "o-", color=col, label=LABELS[s])
        axes[3].loglog(widths, result.test_risk[s], "o-", color=col)
    axes[0].axhline(result.zero_risk, **BOUND_STYLE)
    axes[0].annotate("zero predictor", (1.0, result.zero_risk), xycoords=("axes fraction", "data"), xytext=(-3, -3),
                     textcoords="offset points", ha="right", va="top", fontsize=LEGEND_SIZE)
    axes[0].set(xlabel=r"time $t=\eta_0 k$", ylabel="test risk", title=f"test risk over time, $m={c.widths[-1]}$")
    axes[1].set(xlabel="width $m$", ylabel="RMS movement of a neuron", title=f"movement at $T={c.base_lr * c.steps:g}$")
    axes[1].legend(loc="center right", fontsize=LEGEND_SIZE)
    axes[2].semilogx(widths, result.alignment0["mean_field"], **BOUND_STYLE, label="at initialisation")
    axes[2].set(xlabel="width $m$", ylabel=r"alignment with $e_1$", title="feature learning", ylim=(0, 1))
    axes[3].set(xlabel="width $m$", ylabel="test risk", title=f"test risk at $T={c.base_lr * c.steps:g}$")
    for ax in axes[1:]:
        width_axis(ax, c.widths)
    handles, labels = axes[2].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=LEGEND_SIZE)
    return fig


PARTICLE_COLORS = (OKABE_ITO[2], OKABE_ITO[3])
"""Colours of the neurons with :math:`a_j>0` and :math:`a_j<0` at initialisation."""

PANEL_TITLES = {"ntk": "NTK scaling (β = 1/2)", "mean_field": "mean-field scaling (β = 1)"}


def particle_alignment(raw: np.ndarray, signed: bool = False) -> np.ndarray:
    """The alignment :math:`\\sum_j|a_j||b_j^{(1)}|/\\sum_j|a_j|\\|b_j\\|` of recorded particles.

    ``raw`` has shape ``(..., m, 3)`` as in ``Result.particles``; the result has shape
    ``(...)``: for one record it is :func:`nndyn.mean_field.alignment` of that network.
    It measures how close the :math:`b_j` are to the line through :math:`\\pm e_1`. With
    ``signed=True`` it is :math:`\\sum_j|a_j|b_j^{(1)}/\\sum_j|a_j|\\|b_j\\|` instead, in
    :math:`[-1,1]`, in which a neuron on the side of :math:`-e_1` counts negatively.
    """
    raw = np.asarray(raw, dtype=float)
    if raw.ndim < 2 or raw.shape[-1] != 3:
        raise ValueError(f"raw must have shape (..., m, 3), got {raw.shape}")
    weight = np.abs(raw[..., 0])
    along = raw[..., 1] if signed else np.abs(raw[..., 1])
    return (weight * along).sum(-1) / (weight * np.hypot(raw[..., 1], raw[..., 2])).sum(-1)


def particle_frames(n_records: int, n_frames: int = 36) -> np.ndarray:
    """About ``n_frames`` record indices from first to last, denser at early times.

    The indices are :math:`\\mathrm{round}((n-1)u^2)` for :math:`u` evenly spaced in
    :math:`[0,1]`, without repeats: the neurons move fastest at the start.
    """
    if n_records < 2:
        raise ValueError(f"n_records must be at least 2, got {n_records}")
    if n_frames < 2:
        raise ValueError(f"n_frames must be at least 2, got {n_frames}")
    k = n_frames
    while True:
        idx = np.unique(np.round((n_records - 1) * np.linspace(0, 1, k) ** 2).astype(int))
        if len(idx) >= min(n_frames, n_records) or k > 10 * n_frames:
            return idx
        k += 1


def _particle_box(result: Result) -> tuple[list[float], list[float]]:
    """Axis ranges that hold every particle of both scalings at every record time."""
    p = np.concatenate([particle_coordinates(result.particles[s]).reshape(-1, 2) for s in SCALING_NAMES])
    lo, hi = p.min(0), p.max(0)
    pad = 0.04 * (hi - lo)
    return [float(lo[0] - pad[0]), float(hi[0] + pad[0])], [0.0, float(hi[1] + pad[1])]


def plot_particles(result: Result):
    """The neurons of the recorded width as particles :math:`|a_j|(b_j^{(1)},\\|b_j-b_j^{(1)}e_1\\|)`:
    at initialisation (the same for both scalings) and at the final time for each scaling,
    with the initial positions in grey. The static version of :func:`interactive`."""
    xr, yr = _particle_box(result)
    T = result.particle_t[-1]
    fig, axes = figure(3, height=2.4, width=PAGE_WIDTH, sharex=True, sharey=True)
    start = particle_coordinates(result.particles["ntk"][0])
    sign = result.particles["ntk"][0, :, 0] > 0
    panels = [("initialisation (both scalings)", None, 0)] + [(f"{LABELS[s]}, $t={T:g}$", s, -1) for s in SCALING_NAMES]
    for ax, (title, s, k) in zip(axes, panels):
        if s is None:
            p = start
        else:
            p = particle_coordinates(result.particles[s][k])
            ax.scatter(start[:, 0], start[:, 1], s=7, color="0.8", label="initial position")
        for mask, col, lab in ((sign, PARTICLE_COLORS[0], r"$a_j>0$ at $t=0$"), (~sign, PARTICLE_COLORS[1], r"$a_j<0$ at $t=0$")):
            ax.scatter(p[mask, 0], p[mask, 1], s=7, color=col, alpha=0.85, label=lab)
        ax.set(title=title, xlim=xr, ylim=yr, xlabel=r"$|a_j|\,b_j^{(1)}$")
        ax.set_aspect("equal", adjustable="box")  # a point's angle is the angle between b_j and e_1
    axes[0].set_ylabel(r"$|a_j|\,\|b_j-b_j^{(1)}e_1\|$")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=LEGEND_SIZE)
    return fig


def interactive(result: Result, n_frames: int = 36):
    """The particles of :func:`plot_particles` with a slider over training time, NTK and
    mean field side by side (stacked on a phone); the initial positions stay in grey and
    each panel prints the alignment with :math:`e_1` and the RMS distance the drawn points
    have travelled. :func:`plot_particles` is the static fallback."""
    from ..plotting import Slider, interactive_figure

    frames_idx = particle_frames(len(result.particle_t), n_frames)
    xr, yr = _particle_box(result)
    sign = result.particles["ntk"][0, :, 0] > 0
    start = particle_coordinates(result.particles["ntk"][0])
    coords = {s: particle_coordinates(result.particles[s]) for s in SCALING_NAMES}
    align = {s: particle_alignment(result.particles[s]) for s in SCALING_NAMES}
    hover = "|a|b₁ = %{x:.2f}<br>|a|‖b⊥‖ = %{y:.2f}<extra></extra>"
    data = []
    for i, s in enumerate(SCALING_NAMES):
        axes = {"xaxis": f"x{i + 1 if i else ''}", "yaxis": f"y{i + 1 if i else ''}"}
        data.append({"type": "scatter", "mode": "markers", "x": start[:, 0], "y": start[:, 1], "name": "initial position",
                     "legendgroup": "init", "showlegend": i == 0, "hoverinfo": "skip",
                     "marker": {"color": "#c8c8c8", "size": 5}, **axes})
    for i, s in enumerate(SCALING_NAMES):
        axes = {"xaxis": f"x{i + 1 if i else ''}", "yaxis": f"y{i + 1 if i else ''}"}
        for mask, col, lab in ((sign, PARTICLE_COLORS[0], "aⱼ > 0 at t = 0"), (~sign, PARTICLE_COLORS[1], "aⱼ < 0 at t = 0")):
            data.append({"type": "scatter", "mode": "markers", "x": start[mask, 0], "y": start[mask, 1], "name": lab,
                         "legendgroup": lab, "showlegend": i == 0, "hovertemplate": hover,
                         "marker": {"color": col, "size": 6, "opacity": 0.85}, **axes})
    def label(s, k):
        moved = float(np.sqrt(((coords[s][k] - coords[s][0]) ** 2).sum(-1).mean()))
        return f"alignment {align[s][k]:.2f}<br>RMS distance moved {moved:.2f}"

    for i, s in enumerate(SCALING_NAMES):
        axes = {"xaxis": f"x{i + 1 if i else ''}", "yaxis": f"y{i + 1 if i else ''}"}
        # top left: the heaviest mean-field neurons end up on the right
        data.append({"type": "scatter", "mode": "text", "x": [xr[0]], "y": [yr[1]], "text": [label(s, 0)],
                     "textposition": "bottom right", "showlegend": False, "hoverinfo": "skip",
                     "textfont": {"size": 13, "color": "#222"}, **axes})

    frames = {}
    for pos, k in enumerate(frames_idx):
        updates = []
        for s in SCALING_NAMES:
            updates += [{"x": coords[s][k][mask, 0], "y": coords[s][k][mask, 1]} for mask in (sign, ~sign)]
        updates += [{"text": [label(s, k)]} for s in SCALING_NAMES]
        frames[(pos,)] = updates
    xtitle, ytitle = "|aⱼ| bⱼ·e₁", "|aⱼ| ‖bⱼ − (bⱼ·e₁)e₁‖"
    layout = {
        "grid": {"rows": 1, "columns": 2, "pattern": "independent"},
        "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.18, "yanchor": "top"},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 90},
        "xaxis": {"title": {"text": xtitle}, "range": xr, "zeroline": True, "constrain": "domain"},
        "xaxis2": {"title": {"text": xtitle}, "range": xr, "zeroline": True, "constrain": "domain"},
        # equal scales (the angle of a point is the angle between bⱼ and e₁): the plot area shrinks to fit
        "yaxis": {"title": {"text": ytitle}, "range": yr, "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"},
        "yaxis2": {"range": yr, "scaleanchor": "x2", "scaleratio": 1, "constrain": "domain"},
        "annotations": [{"text": PANEL_TITLES[s], "xref": f"x{i + 1 if i else ''} domain", "yref": f"y{i + 1 if i else ''} domain",
                         "x": 0.5, "y": 1.0, "yanchor": "bottom", "showarrow": False, "font": {"size": 14}}
                        for i, s in enumerate(SCALING_NAMES)]
                       + [{"text": "direction of e₁ →", "xref": f"x{i + 1 if i else ''}", "yref": f"y{i + 1 if i else ''}",
                           "x": xr[1], "y": 0, "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                           "font": {"size": 13, "color": "#555"}} for i in range(len(SCALING_NAMES))],
    }
    narrow = {"grid": {"rows": 2, "columns": 1, "pattern": "independent", "roworder": "top to bottom", "ygap": 0.3},
              "height": 600, "yaxis2": {"title": {"text": ytitle}, "range": yr, "scaleanchor": "x2", "scaleratio": 1,
                                        "constrain": "domain"},
              "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.1, "yanchor": "top"}}
    times = [f"t = {result.particle_t[k]:g}" for k in frames_idx]
    m = result.particle_width
    alt = (f"Two scatter plots, NTK and mean-field scaling, of the {m} neurons of a width-{m} network as points "
           "|a_j| times (first coordinate of b_j, distance of b_j from the e1 axis), drawn to equal scales, with a slider over training "
           "time. Moving the slider, the NTK points stay on their grey initial positions, while the mean-field points "
           "with positive a_j turn towards the direction of e1 (their angle to the horizontal axis shrinks) and grow, "
           "so that they move to the right and away from the origin.")
    return interactive_figure(data, layout, fallback=plot_particles(result), alt=alt,
                              sliders=[Slider("training time", times, -1)], frames=frames,
                              frame_traces=[2, 3, 4, 5, 6, 7], narrow_layout=narrow, height=380, digits=3)
