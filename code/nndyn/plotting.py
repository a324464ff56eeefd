"""One house style for every figure of the book.

Colours come from the Okabe-Ito palette, which stays distinguishable under the common
forms of colour blindness; figures have a white background so that they stay legible in
the theme's dark mode.

The book shows a figure at about 750 px, that is about 7.5 inches at the house style's
resolution: figures are at most :data:`PAGE_WIDTH` wide and their text is at least
:data:`LEGEND_SIZE` points, so that it stays legible on the page. :func:`width_axis`,
:func:`sparse_log_axis` and :func:`legend_below` are the axis and legend helpers that the
experiments share. Numbers in labels go through :mod:`nndyn.prose` (e.g.
:func:`nndyn.prose.signed`).

:func:`~nndyn.interactive.interactive_figure` (from :mod:`nndyn.interactive`, also importable
from here) turns an experiment's frames into a figure the reader can move, with sliders
(:class:`~nndyn.interactive.Slider`) and checkboxes (:class:`~nndyn.interactive.Toggle`), and
a static figure of this module as its fallback.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator
from matplotlib.transforms import ScaledTranslation

from nndyn import _palette
from nndyn.interactive import InteractiveFigure, Slider, Toggle, interactive_figure  # noqa: F401  (one way: interactive never imports plotting)

PAGE_WIDTH = 7.5
"""Width in inches of a figure that spans the page."""

LEGEND_SIZE = 9
"""Font size in points of legends and other small text."""

OKABE_ITO: tuple[str, ...] = _palette.OKABE_ITO
"""The colour-blind-safe palette of Okabe and Ito, in the order figures use it."""

BOUND_STYLE = {"color": "black", "linestyle": "--", "linewidth": 1.3}
"""Line style of a theoretical bound or prediction drawn next to a measurement."""

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "axes.titlesize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
}


def use_style() -> None:
    """Apply the house style to matplotlib's global settings."""
    plt.rcParams.update(STYLE)


def figure(ncols: int = 1, nrows: int = 1, *, width: float | None = None, height: float = 3.2, **kwargs):
    """A new figure in the house style with a grid of axes.

    Parameters
    ----------
    ncols, nrows : int
        Shape of the grid of axes.
    width : float, optional
        Width in inches (default: 3.6 per column, at most 7.5: the page shows figures at
        about 7.5 inches, so a wider figure is scaled down and its text shrinks).
    height : float
        Height of one row in inches.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        The axes array is always 1-D (flattened) when there is more than one.
    """
    use_style()
    width = width or min(7.5, 3.6 * ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height * nrows), layout="constrained", **kwargs)
    return fig, (np.ravel(axes) if isinstance(axes, np.ndarray) else axes)


def colors(n: int) -> Iterator[str]:
    """The first ``n`` palette colours (cycling if ``n`` exceeds the palette)."""
    for i in range(n):
        yield OKABE_ITO[i % len(OKABE_ITO)]


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """Least-squares slope of :math:`\\log y` against :math:`\\log x`."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.size < 2:
        raise ValueError("x and y must have the same shape with at least 2 points")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive to fit a log-log slope")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def width_axis(ax, values: Sequence[float]) -> None:
    """Label a logarithmic x axis with exactly ``values`` (plain numbers, no minor ticks)."""
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(list(values))
    ax.set_xticklabels([f"{v:g}" for v in values])


def sparse_log_axis(axis, subs: Sequence[float] = (1.0, 3.0)) -> None:
    """Few, plainly written labels on a logarithmic axis (``axis`` is ``ax.xaxis`` or ``ax.yaxis``).

    Major ticks sit at ``subs`` times the powers of ten and read ``30``, ``100``, ``300``;
    minor ticks carry no label, so that labels cannot run into each other.
    """
    axis.set_major_locator(LogLocator(base=10, subs=tuple(subs)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def legend_below(ax, ncols: int = 1, offset: float = 0.55, **kwargs):
    """A legend under the axes ``ax`` and its x label, outside the data.

    ``offset`` is the distance in inches from the bottom of the axes to the top of the
    legend; constrained layout makes room for the legend.
    """
    below = ax.transAxes + ScaledTranslation(0, -offset, ax.figure.dpi_scale_trans)
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=below, ncols=ncols,
                     fontsize=LEGEND_SIZE, borderaxespad=0.0, **kwargs)
