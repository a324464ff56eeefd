"""Plot helpers shared by the experiments of chapters 8 and 9."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.ticker import NullFormatter, NullLocator


def width_axis(ax, values: Sequence[float]) -> None:
    """Label a logarithmic x axis with exactly ``values`` (plain numbers, no minor ticks)."""
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(list(values))
    ax.set_xticklabels([f"{v:g}" for v in values])
