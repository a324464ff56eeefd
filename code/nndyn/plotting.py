"""One house style for every figure of the book.

Colours come from the Okabe-Ito palette, which stays distinguishable under the common
forms of colour blindness; figures have a white background so that they stay legible in
the theme's dark mode.

The book shows a figure at most :data:`DISPLAY_PX` wide (CSS px, in a 1280 px window): a
figure :data:`PAGE_WIDTH` inches wide at the house style's 110 dpi is about 837 px once
saved, so the page shrinks it to about 80 %, and its text with it. Every text of a figure
(tick labels, axis labels, titles, legends, annotations) must show at least
:data:`MIN_TEXT_PX`, three quarters of the body text (:data:`BODY_PX`):
:func:`displayed_text_px` computes what a figure's texts show at, :func:`small_text` lists
those below the floor (the conformance check of every experiment runs it, and
``tests/test_browser.py`` checks the two widths in a real browser). Hence the house style's
sizes: :data:`LEGEND_SIZE` (10 pt, about 12.3 px on the page) is the smallest size any text
may have. :func:`width_axis`,
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

LEGEND_SIZE = 10
"""Font size in points of legends and other small text: the smallest size a figure's text may
have (about 12.3 px on the page for a figure of :data:`PAGE_WIDTH`; :func:`small_text`)."""

TEXT_SIZE = 11
"""Font size in points of tick labels, axis labels and titles."""

BODY_PX = 16
"""Size in CSS px of the book's body text (the theme's 1rem; ``tests/test_browser.py``
checks that the pages' body text is no larger)."""

DISPLAY_PX = 672
"""Width in CSS px at which a page shows a figure wider than it, in a 1280 px window (the
article's column, 752 px, less the figure's margins); a narrower figure is shown at its
natural size. Measured, and checked, by ``tests/test_browser.py``."""

MIN_TEXT_PX = 0.75 * BODY_PX
"""Smallest size in CSS px at which a figure's text may show on the page: three quarters of
the body text (issue 23)."""

SAVE_PAD_INCHES = 0.1
"""Margin in inches that ``savefig(bbox_inches="tight")`` (matplotlib's default
``savefig.pad_inches``, and the notebook's inline backend, which saves the book's figures
that way) adds around a figure's drawn content."""

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
    "font.size": TEXT_SIZE,
    "axes.titlesize": TEXT_SIZE,
    "axes.labelsize": TEXT_SIZE,
    "xtick.labelsize": TEXT_SIZE,
    "ytick.labelsize": TEXT_SIZE,
    "legend.fontsize": LEGEND_SIZE,
    "legend.title_fontsize": LEGEND_SIZE,
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


def natural_width_px(fig) -> float:
    """Width in px of ``fig`` saved as the book saves it: its drawn content (tight bounding
    box) plus :data:`SAVE_PAD_INCHES` on each side, at the figure's resolution."""
    renderer = fig.canvas.get_renderer()
    return float(fig.get_tightbbox(renderer).padded(SAVE_PAD_INCHES).width * fig.dpi)


def displayed_text_px(fig, display_px: float = DISPLAY_PX) -> list[tuple[str, float]]:
    """Every visible, non-empty text of ``fig`` with the size in CSS px it shows at on the page.

    A text of ``s`` points is ``s * dpi / 72`` px in the saved picture, which the page shows
    at ``min(1, display_px / natural)`` of its natural width (:func:`natural_width_px`).
    The figure is laid out first (as when drawn), so that its tick labels are the ones shown.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure as a chapter shows it.
    display_px : float
        The width at which the page shows a figure wider than it (:data:`DISPLAY_PX`).

    Returns
    -------
    list of (str, float)
        The text and its displayed size in px, in the order ``fig.findobj`` finds them.
    """
    from matplotlib.text import Text

    fig.draw_without_rendering()  # lays the figure out and makes its tick labels, without painting
    scale = min(1.0, display_px / natural_width_px(fig))
    return [(t.get_text(), t.get_fontsize() * fig.dpi / 72 * scale)
            for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def small_text(fig, minimum_px: float = MIN_TEXT_PX, display_px: float = DISPLAY_PX) -> list[str]:
    """The texts of ``fig`` that show smaller than ``minimum_px`` on the page, one line each
    (``'legend label' 11.2 px``); empty when every text is legible (:func:`displayed_text_px`)."""
    small = {}
    for text, px in displayed_text_px(fig, display_px):
        if px < minimum_px - 1e-9:
            small.setdefault(" ".join(text.split())[:40], px)
    return [f"{text!r} {px:.1f} px" for text, px in small.items()]
