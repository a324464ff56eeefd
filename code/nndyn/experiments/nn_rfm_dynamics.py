"""Chapter 7, the notes' Figure 2: network and random feature model along gradient descent at three widths.

Besides the risks, the run records both models' predictions on a one-dimensional slice of
the sphere, the great circle through the target's direction :math:`e_1` and a second
direction drawn from the seed's ``"slice"`` stream, at every record: :func:`interactive`
shows them with a slider over training time (the chapter's figure ``fig-nn-rfm-slice``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data import single_neuron_data, single_neuron_target
from ..plotting import BOUND_STYLE, OKABE_ITO, figure
from ..training import Trajectory
from ..plotting import LEGEND_SIZE, PAGE_WIDTH, sparse_log_axis
from ..prose import number
from ..widths import train_widths
from .base import ExperimentConfig
from ..seeding import derive_seed, numpy_generator
from ..training import probes

TITLE = "Network and random feature model along gradient descent (the notes' Figure 2)"
CHAPTER = 7


@dataclass(frozen=True)
class Config(ExperimentConfig):
    """Parameters.

    Attributes
    ----------
    n, d : int
        Training points on :math:`\\mathbb S^{d-1}` (target :math:`\\sigma(x^{(1)})`) and dimension.
    widths : tuple of int
        Widths :math:`m`, one panel each.
    lr_scale : float
        The learning rate is ``lr_scale / m``.
    steps, record_every : int
        Gradient steps and steps between records.
    n_test : int
        Test points.
    n_slice : int
        Points on the great circle (the slice of the sphere) on which both models'
        predictions are recorded at every record, for :func:`interactive`.
    """

    n: int = 50
    d: int = 20
    widths: tuple = (4, 50, 1000)
    lr_scale: float = 40.0
    steps: int = 1200
    record_every: int = 24
    n_test: int = 500
    n_slice: int = 121

    PRESETS = {
        "quick": {"steps": 500, "record_every": 20, "n_test": 300},
        "full": {},
        "lecture": {"lr_scale": 10.0, "steps": 8000, "record_every": 40},
    }


@dataclass
class Result:
    """Trajectories of the network (``network``) and of its random feature model (``features``).

    Each holds records of ``risk`` and ``test_risk``, one column per width, and ``slice``,
    the predictions on the slice (records x ``n_slice`` x widths).

    Attributes
    ----------
    slice_angle : numpy.ndarray
        Angle :math:`\\varphi\\in[-\\pi,\\pi]` of the slice's points
        :math:`x(\\varphi)=\\cos(\\varphi)\\,e_1+\\sin(\\varphi)\\,u` (:meth:`slice_points`).
    slice_direction : numpy.ndarray
        The unit vector :math:`u\\perp e_1` of the slice, drawn from the stream ``"slice"``.
    slice_target : numpy.ndarray
        The target :math:`\\sigma(\\cos\\varphi)` on the slice.
    """

    config: Config
    network: Trajectory
    features: Trajectory
    slice_angle: np.ndarray
    slice_direction: np.ndarray
    slice_target: np.ndarray

    def times(self, w: int) -> np.ndarray:
        """Time of the records at width number ``w``."""
        return self.network.step * self.config.lr_scale / self.config.widths[w]

    def kernel_times(self) -> np.ndarray:
        """Kernel time :math:`mt/n` of the records (the same at every width)."""
        return self.network.step * self.config.lr_scale / self.config.n

    def final(self) -> dict[str, np.ndarray]:
        """Training and test risks at the end, per width, for both models."""
        return {
            "network_train": self.network["risk"][-1],
            "network_test": self.network["test_risk"][-1],
            "features_train": self.features["risk"][-1],
            "features_test": self.features["test_risk"][-1],
        }

    def slice_points(self) -> torch.Tensor:
        """The points :math:`x(\\varphi)=\\cos(\\varphi)\\,e_1+\\sin(\\varphi)\\,u` of the slice, one per row (float64)."""
        return slice_points(self.slice_angle, self.slice_direction)

    def slice_gap(self) -> np.ndarray:
        """Largest distance on the slice between network and random feature model, per record and width."""
        return np.abs(self.network["slice"] - self.features["slice"]).max(axis=1)

    def test_ratio(self) -> np.ndarray:
        """Test risk of the random feature model divided by that of the network, at the end, per width."""
        f = self.final()
        return f["features_test"] / f["network_test"]


def slice_direction(d: int, seed: int) -> np.ndarray:
    """A unit vector of :math:`\\mathbb R^d` orthogonal to :math:`e_1`, uniform among those, from the stream ``"slice"`` of ``seed``."""
    g = numpy_generator(seed, "slice").standard_normal(d)
    g[0] = 0.0
    return g / np.linalg.norm(g)


def slice_points(angle: np.ndarray, direction: np.ndarray) -> torch.Tensor:
    """The points :math:`\\cos(\\varphi)\\,e_1+\\sin(\\varphi)\\,u` of the great circle through :math:`e_1` and ``direction``."""
    e1 = np.zeros_like(direction)
    e1[0] = 1.0
    return torch.from_numpy(np.cos(angle)[:, None] * e1 + np.sin(angle)[:, None] * direction)


def run(config: Config) -> Result:
    """Train the networks and their random feature models."""
    data = single_neuron_data(config.n, config.d, n_test=config.n_test, seed=config.seed)
    angle = np.linspace(-np.pi, np.pi, config.n_slice)
    direction = slice_direction(config.d, config.seed)
    x_slice = slice_points(angle, direction).to(data.x_train.dtype)
    kw = dict(widths=config.widths, lr_scale=config.lr_scale, steps=config.steps, record_every=config.record_every,
              seed=derive_seed(config.seed, "network"), x_probe=data.x_test, y_probe=data.y_test,
              extra_probes={"slice": probes.predictions_on(x_slice)})
    _, nn = train_widths(data.x_train, data.y_train, **kw)
    _, rf = train_widths(data.x_train, data.y_train, random_features=True, **kw)
    for traj in (nn, rf):
        traj.records.pop("pred")
    target = single_neuron_target(x_slice).double().numpy()
    return Result(config, nn, rf, slice_angle=angle, slice_direction=direction, slice_target=target)


def plot(result: Result):
    """One panel per width: training and test risk of both models against kernel time."""
    c = result.config
    fig, ax = figure(len(c.widths), width=PAGE_WIDTH, height=3.4, sharey=True)
    for w, m in enumerate(c.widths):
        t = result.kernel_times()
        ax[w].loglog(t[1:], result.network["risk"][1:, w], color=OKABE_ITO[0], label="network, train")
        ax[w].loglog(t[1:], result.network["test_risk"][1:, w], color=OKABE_ITO[0], linestyle="--", label="network, test")
        ax[w].loglog(t[1:], result.features["risk"][1:, w], color=OKABE_ITO[1], label="random features, train")
        ax[w].loglog(t[1:], result.features["test_risk"][1:, w], color=OKABE_ITO[1], linestyle="--", label="random features, test")
        ax[w].set(xlabel="kernel time $mt/n$", title=rf"$m={m}$, $\eta={c.lr_scale / m:.3g}$")
        sparse_log_axis(ax[w].xaxis)
    ax[0].set_ylabel("risk")
    fig.legend(*ax[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=LEGEND_SIZE)
    return fig


def frame_records(n_records: int, most: int = 51) -> np.ndarray:
    """Indices of at most ``most`` records, evenly spread, first and last included: the slider's frames."""
    if n_records <= most:
        return np.arange(n_records)
    return np.unique(np.round(np.linspace(0, n_records - 1, most)).astype(int))


def fallback_records(n_records: int) -> tuple[int, int, int]:
    """The three records the static slice figure shows: the first after the start, a quarter of the way, the last."""
    return 1, max(1, (n_records - 1) // 4), n_records - 1


def _slice_range(result: Result) -> tuple[float, float]:
    values = np.concatenate([result.network["slice"].ravel(), result.features["slice"].ravel(), result.slice_target])
    pad = 0.06 * (values.max() - values.min())
    return float(values.min() - pad), float(values.max() + pad)


def plot_slice(result: Result):
    """Target, network (thick) and random feature model (thin, drawn on top) on the slice: one
    column per width, one row per time of :func:`fallback_records`. The static version of
    :func:`interactive`."""
    c = result.config
    degrees = np.degrees(result.slice_angle)
    rows = fallback_records(len(result.network.step))
    fig, ax = figure(len(c.widths), len(rows), width=PAGE_WIDTH, height=2.1, sharex=True, sharey=True)
    ax = ax.reshape(len(rows), len(c.widths))
    gap = result.slice_gap()
    kt = result.kernel_times()
    for i, k in enumerate(rows):
        for w, m in enumerate(c.widths):
            a = ax[i, w]
            a.plot(degrees, result.slice_target, **BOUND_STYLE, label=r"target $\sigma(x^{(1)})$")
            a.plot(degrees, result.network["slice"][k, :, w], color=OKABE_ITO[0], linewidth=3.2, label="network")
            a.plot(degrees, result.features["slice"][k, :, w], color=OKABE_ITO[1], linewidth=1.3, label="random features")
            # bottom centre: the curves are high there, and the label stays off the target peak
            a.text(0.5, 0.04, f"gap {number(gap[k, w], 2)}", transform=a.transAxes, ha="center", va="bottom",
                   fontsize=LEGEND_SIZE)
            if i == 0:
                a.set_title(rf"$m={m}$")
            if w == 0:
                a.set_ylabel(f"output at\n$mt/n={kt[k]:.4g}$")
            if i == len(rows) - 1:
                a.set_xlabel(r"angle $\varphi$ (degrees)")
    ax[0, 0].set_xticks([-180, -90, 0, 90, 180])
    ax[0, 0].set_ylim(*_slice_range(result))
    fig.legend(*ax[0, 0].get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=LEGEND_SIZE)
    return fig


def interactive(result: Result):
    """Network and random feature model on the slice, one panel per width, with a slider over
    training time; the static fallback is :func:`plot_slice`."""
    from ..plotting import Slider, interactive_figure

    c = result.config
    degrees = np.degrees(result.slice_angle)
    keys = frame_records(len(result.network.step))
    kt = result.kernel_times()
    gap = result.slice_gap()
    low, high = _slice_range(result)
    data, layout, titles = [], {}, []
    for w, m in enumerate(c.widths):
        axis = "" if w == 0 else str(w + 1)
        xy = {"xaxis": f"x{axis}", "yaxis": f"y{axis}"}
        first = w == 0
        data.append({"type": "scatter", "mode": "lines", "x": degrees, "y": result.slice_target, **xy,
                     "name": "target σ(x⁽¹⁾)", "legendgroup": "target", "showlegend": first,
                     "line": {"color": "black", "dash": "dash", "width": 1.5}, "hoverinfo": "skip"})
        data.append({"type": "scatter", "mode": "lines", "x": degrees, "y": result.network["slice"][0, :, w], **xy,
                     "name": "network", "legendgroup": "network", "showlegend": first,
                     "line": {"color": OKABE_ITO[0], "width": 4.5},
                     "hovertemplate": f"m = {m}<br>φ = %{{x:.0f}}°<br>network %{{y:.3f}}<extra></extra>"})
        data.append({"type": "scatter", "mode": "lines", "x": degrees, "y": result.features["slice"][0, :, w], **xy,
                     "name": "random features", "legendgroup": "features", "showlegend": first,
                     "line": {"color": OKABE_ITO[1], "width": 1.8},
                     "hovertemplate": f"m = {m}<br>φ = %{{x:.0f}}°<br>random features %{{y:.3f}}<extra></extra>"})
        # bottom centre, below the bump: the label stays off the curves and the target peak
        data.append({"type": "scatter", "mode": "text", "x": [0], "y": [low], **xy, "text": [f"gap {number(gap[0, w], 2)}"],
                     "textposition": "top center", "showlegend": False, "hoverinfo": "skip",
                     "textfont": {"size": 13, "color": "#222"}})
        layout[f"xaxis{axis}"] = {"title": {"text": "angle φ (degrees)", "standoff": 6}, "range": [-185, 185],
                                  "tickvals": [-180, -90, 0, 90, 180], "zeroline": False}
        layout[f"yaxis{axis}"] = {"range": [low, high], "zeroline": False, "showticklabels": first}
        titles.append({"text": f"m = {m}", "xref": f"x{axis} domain", "yref": f"y{axis} domain", "x": 0.5, "y": 1.0,
                       "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 14}})
    layout.update({
        "grid": {"rows": 1, "columns": len(c.widths), "pattern": "independent"},
        "annotations": titles,
        "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.22, "yanchor": "top"},
        "margin": {"l": 50, "r": 15, "t": 40, "b": 90},
    })
    layout["yaxis"]["title"] = {"text": "output on the slice"}
    frame_traces = [4 * w + j for w in range(len(c.widths)) for j in (1, 2, 3)]
    frames = {}
    for pos, k in enumerate(keys):
        updates = []
        for w in range(len(c.widths)):
            updates += [{"y": result.network["slice"][k, :, w]}, {"y": result.features["slice"][k, :, w]},
                        {"text": [f"gap {number(gap[k, w], 2)}"]}]
        frames[(pos,)] = updates
    values = [f"step {s}, mt/n = {t:.4g}" for s, t in zip(result.network.step[keys], kt[keys])]
    narrow = {"grid": {"rows": len(c.widths), "columns": 1, "pattern": "independent", "roworder": "top to bottom"},
              "height": 300 * len(c.widths) + 80, "legend": {"orientation": "h", "x": 0.5, "xanchor": "center",
                                                             "y": -0.08, "yanchor": "top"}}
    for w in range(len(c.widths)):
        axis = "" if w == 0 else str(w + 1)
        narrow[f"yaxis{axis}"] = {"range": [low, high], "zeroline": False, "showticklabels": True}
    alt = (f"{len(c.widths)} panels, one per width m = {', '.join(map(str, c.widths))}, each with the target σ(cos φ) on a great "
           "circle of the sphere, the network and its random feature model, with a slider over training time (without "
           f"JavaScript: a grid of {len(c.widths)} widths by {len(fallback_records(len(result.network.step)))} training times). At m = "
           f"{c.widths[0]} the network bends towards the target and its random feature model stays far below it; at m = "
           f"{c.widths[-1]} the two curves lie on top of each other at every time.")
    return interactive_figure(data, layout, fallback=plot_slice(result), alt=alt,
                              sliders=[Slider("training time", values, start=-1)], frames=frames,
                              frame_traces=frame_traces, narrow_layout=narrow, height=400, digits=3)
