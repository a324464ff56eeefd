"""Plot helpers shared by the experiments of chapters 5 to 9.

The book shows a figure at about 750 px, that is about 7.5 inches at the house style's
resolution; figures of these chapters are at most :data:`PAGE_WIDTH` wide and their text
is at least :data:`LEGEND_SIZE` points, so that it stays legible on the page.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator
from matplotlib.transforms import ScaledTranslation

PAGE_WIDTH = 7.5
"""Width in inches of a figure that spans the page."""

LEGEND_SIZE = 9
"""Font size in points of legends and other small text."""

MINUS = "\u2212"


def signed(x: float, fmt: str = ".2f") -> str:
    """``x`` formatted with ``fmt`` and a true minus sign (for legends and titles)."""
    return format(x, fmt).replace("-", MINUS)


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
