"""The house palette, in a module of its own so that :mod:`nndyn.interactive` need not import :mod:`nndyn.plotting`.

:mod:`nndyn.plotting` imports :mod:`nndyn.interactive` (and re-exports its names); both take
the colours from here, so the imports between the two go one way only.
"""

from __future__ import annotations

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
