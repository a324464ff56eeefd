"""One house style for every figure of the book.

Colours come from the Okabe-Ito palette, which stays distinguishable under the common
forms of colour blindness; figures have a white background so that they stay legible in
the theme's dark mode.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
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
