"""Experiment sizes: the ``quick``, ``full`` and ``lecture`` presets.

The environment variable ``NNDYN_PRESET`` selects the size of every experiment in the
book. ``quick`` is what the test suite builds (the whole book in minutes), ``full`` is
the default of ``make book`` (the figures of the published site, on a 2-core CPU) and
``lecture`` uses the parameters of the lecture notes (meant for a GPU).
"""

from __future__ import annotations

import os

from ._validation import check_choice

PRESETS: tuple[str, ...] = ("quick", "full", "lecture")
"""The preset names, from smallest to largest."""

DEFAULT_PRESET = "full"
"""The preset used when ``NNDYN_PRESET`` is not set."""


def check_preset(name: str) -> str:
    """Return ``name`` if it is a known preset, else raise :class:`ValueError`."""
    return check_choice("preset", name, PRESETS)


def current_preset() -> str:
    """The preset named by ``NNDYN_PRESET`` (default ``"full"``).

    Raises
    ------
    ValueError
        If the variable holds a name that is not in :data:`PRESETS`.
    """
    name = os.environ.get("NNDYN_PRESET", "").strip() or DEFAULT_PRESET
    try:
        return check_preset(name)
    except ValueError:
        raise ValueError(
            f"NNDYN_PRESET must be one of {', '.join(PRESETS)}, got {name!r}"
        ) from None
