"""Figures a reader can move: an experiment's frames as an offline plotly figure.

:func:`interactive_figure` turns traces and frames (plain dictionaries in plotly.js's format,
as plotly's ``Figure.to_plotly_json()`` writes them) into one notebook output
with two representations:

* ``text/html``: the static figure as a PNG (with its alt text), the figure's data as JSON,
  and an empty box. On a page of the book, where ``plotly.min.js`` and ``interactive.js`` are
  served from the site's own ``_static`` folder (``scripts/nndyn_book.py`` adds both to the
  pages that need them), the script draws the figure in the box, adds a labelled range
  input for each :class:`Slider` and a checkbox for each :class:`Toggle`, and hides the PNG.
  Without JavaScript, or in a notebook viewer that does not run it, the PNG stays.
* ``image/png``: the same static figure, which the PDF uses.

The figure is drawn on a white plate like the static figures, so it stays legible in the
theme's dark mode. Nothing here imports plotly: the figure's data are plain JSON.

Example
-------
A slider over three curves of one trace::

    import numpy as np
    from nndyn.plotting import Slider, interactive_figure
    x = np.linspace(0, 1, 50)
    base = [{"type": "scatter", "x": x, "y": x, "name": "f"}]
    frames = {(k,): [{"y": x ** (k + 1)}] for k in range(3)}
    interactive_figure(base, {"xaxis": {"title": {"text": "x"}}}, fallback=fig, alt="...",
                       sliders=[Slider("power", ["1", "2", "3"])], frames=frames, frame_traces=[0])
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nndyn._palette import OKABE_ITO

FIGURE_CLASS = "nndyn-interactive"
"""HTML class of an interactive figure's box; the book's extension looks for it on a page."""

MAX_BYTES = 2_000_000
"""Largest figure (JSON data and PNG together) allowed on a page, in bytes."""


@dataclass(frozen=True)
class Slider:
    """One range input over a frame index.

    Parameters
    ----------
    label : str
        What the slider moves, shown next to it and read by a screen reader ("training time").
    values : sequence of str
        The value shown for each position, in order ("t = 0", "t = 10", ...).
    start : int
        The position shown first: the figure's most informative state (for a slider over
        training time usually the end, ``-1``, not the flat curves of step 0). A negative
        value counts from the end, as in Python; it is stored as the position it names.
    """

    label: str
    values: Sequence[str]
    start: int = 0

    def __post_init__(self) -> None:
        if not self.label:
            raise ValueError("Slider label must not be empty")
        if len(self.values) < 2:
            raise ValueError(f"Slider values must have at least two positions, got {len(self.values)}")
        if not -len(self.values) <= self.start < len(self.values):
            raise ValueError(f"Slider start must be in [-{len(self.values)}, {len(self.values)}), got {self.start}")
        object.__setattr__(self, "start", int(self.start) % len(self.values))


@dataclass(frozen=True)
class Toggle:
    """One checkbox that shows or hides some traces.

    Parameters
    ----------
    label : str
        What the checkbox shows ("d = 10").
    traces : sequence of int
        Indices of the traces it shows or hides.
    on : bool
        Whether the traces are shown first.
    """

    label: str
    traces: Sequence[int]
    on: bool = True

    def __post_init__(self) -> None:
        if not self.label:
            raise ValueError("Toggle label must not be empty")
        if not self.traces:
            raise ValueError(f"Toggle traces must not be empty ({self.label!r})")


def _rounded(values: np.ndarray, digits: int) -> list:
    """``values`` as nested lists of floats with ``digits`` significant digits (NaN -> None)."""
    array = np.asarray(values, dtype=float)
    flat = [None if not math.isfinite(v) else float(f"{v:.{digits}g}") for v in array.ravel().tolist()]
    if array.ndim == 0:
        return flat[0]
    return np.array(flat, dtype=object).reshape(array.shape).tolist()


def to_json_data(value: Any, digits: int = 4) -> Any:
    """A JSON-ready copy of ``value``: arrays and floats rounded to ``digits`` significant digits."""
    if isinstance(value, Mapping):
        return {str(k): to_json_data(v, digits) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            return _rounded(value.real, digits)
        return value.tolist()
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (float, np.floating)) for v in value):
            return _rounded(np.asarray(value, dtype=float), digits)
        return [to_json_data(v, digits) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _rounded(np.asarray(value), digits)
    return value


def _png(fallback) -> bytes:
    """The PNG of a matplotlib figure (closed afterwards, so a notebook does not show it twice)."""
    if isinstance(fallback, (bytes, bytearray)):
        return bytes(fallback)
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fallback.savefig(buffer, format="png", facecolor="white")
    plt.close(fallback)
    return buffer.getvalue()


@dataclass
class InteractiveFigure:
    """An interactive figure with its static fallback; displays itself in a notebook.

    Made by :func:`interactive_figure`; ``spec`` is the JSON the page's script reads and
    ``png`` the fallback image.
    """

    spec: dict
    png: bytes
    alt: str
    payload: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.payload = json.dumps(self.spec, separators=(",", ":"), allow_nan=False)

    @property
    def nbytes(self) -> int:
        """Size of what the figure adds to a page: its JSON data and its PNG (base64), in bytes."""
        return len(self.payload) + 4 * math.ceil(len(self.png) / 3)

    def html(self) -> str:
        """The ``text/html`` representation (see the module's docstring)."""
        png = base64.b64encode(self.png).decode("ascii")
        data = self.payload.replace("</", "<\\/")  # a JSON string may not close the script element
        return (
            f'<div class="{FIGURE_CLASS}">'
            f'<img class="nndyn-fallback" src="data:image/png;base64,{png}" alt="{html.escape(self.alt)}">'
            f'<script type="application/json" class="nndyn-figure-data">{data}</script>'
            "</div>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {
            "text/html": self.html(),
            "image/png": base64.b64encode(self.png).decode("ascii"),
            "text/plain": f"<interactive figure: {self.alt[:60]}...>",
        }


def interactive_figure(
    data: Sequence[Mapping],
    layout: Mapping,
    *,
    fallback,
    alt: str,
    sliders: Sequence[Slider] = (),
    frames: Mapping[tuple[int, ...], Sequence[Mapping]] | None = None,
    frame_traces: Sequence[int] = (),
    toggles: Sequence[Toggle] = (),
    narrow_layout: Mapping | None = None,
    height: int = 420,
    digits: int = 4,
    max_bytes: int = MAX_BYTES,
) -> InteractiveFigure:
    """An offline interactive figure (plotly.js) with a static PNG fallback.

    Parameters
    ----------
    data : sequence of dict
        The traces drawn at the sliders' start positions, in plotly.js's format
        (``{"type": "scatter", "x": ..., "y": ..., "name": ...}``); numpy arrays are fine.
    layout : dict
        plotly.js layout (axes, subplots, annotations). The background is set to white.
    fallback : matplotlib.figure.Figure or bytes
        The static figure (or its PNG bytes), for the PDF and for readers without JavaScript:
        what a reader who cannot move the sliders should see, e.g. the start position, or a
        few positions side by side (say which in the caption). The figure is closed.
    alt : str
        Alt text of the fallback image: what it shows, for a reader who cannot see it.
    sliders : sequence of Slider
        One range input per frame axis.
    frames : dict, optional
        For every tuple of slider positions (one index per slider; with one slider a plain
        int key works too), the new properties of the traces ``frame_traces``, one dict per
        trace in that order (``{"y": ...}``). Required when there are sliders; every tuple of
        positions must be present. An update replaces whole top-level properties: ``{"marker":
        {"color": c}}`` replaces the trace's whole ``marker`` (size included), so repeat what
        should stay.
    frame_traces : sequence of int
        Indices (into ``data``) of the traces the frames change.
    toggles : sequence of Toggle
        Checkboxes that show or hide traces (a trace's own ``visible``, e.g. ``False`` or
        ``"legendonly"``, is kept for the traces no checkbox controls).
    narrow_layout : dict, optional
        Layout changes applied when the figure is narrower than 600 px (a phone), e.g.
        subplots stacked instead of side by side; merged into ``layout`` one level deep.
    height : int
        Height of the drawing in px (``narrow_layout`` may set another).
    digits : int
        Significant digits kept of every number, in the traces, the frames and the layout
        (axis ranges too): the data's size on the page.
    max_bytes : int
        Refuse a figure whose data and PNG exceed this many bytes.

    Returns
    -------
    InteractiveFigure
        Displays itself as the last expression of a notebook cell.

    Raises
    ------
    ValueError
        On a missing or malformed frame, a trace index out of range, an empty alt text, a
        value JSON cannot hold (anything but numbers, strings, booleans, None, lists, dicts
        and numpy arrays), or a figure larger than ``max_bytes``.
    """
    if not alt.strip():
        raise ValueError("alt must describe the figure")
    if not data:
        raise ValueError("data must have at least one trace")
    if digits < 2:
        raise ValueError(f"digits must be at least 2, got {digits}")
    frames = {(key,) if isinstance(key, (int, np.integer)) else tuple(key): value for key, value in (frames or {}).items()}
    n_traces = len(data)
    for index in list(frame_traces) + [i for t in toggles for i in t.traces]:
        if not 0 <= index < n_traces:
            raise ValueError(f"trace index {index} is out of range for {n_traces} traces")
    if sliders:
        if not frame_traces:
            raise ValueError("frame_traces must name the traces that the sliders change")
        shape = tuple(len(s.values) for s in sliders)
        for key in np.ndindex(*shape):
            if key not in frames:
                raise ValueError(f"frames has no entry for slider positions {key}")
            if len(frames[key]) != len(frame_traces):
                raise ValueError(f"frames[{key}] has {len(frames[key])} trace updates, frame_traces has {len(frame_traces)}")
        extra = set(frames) - set(np.ndindex(*shape))
        if extra:
            raise ValueError(f"frames has entries for positions outside the sliders: {sorted(extra)[:3]}")
    elif frames:
        raise ValueError("frames were given without sliders")

    full_layout = {
        "colorway": list(OKABE_ITO),
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {"family": "sans-serif", "size": 13, "color": "#222"},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "height": height,
        **dict(layout),
    }
    spec = {
        "data": to_json_data(list(data), digits),
        "layout": to_json_data(full_layout, digits),
        "narrow_layout": to_json_data(dict(narrow_layout or {}), digits),
        "sliders": [{"label": s.label, "values": [str(v) for v in s.values], "start": s.start} for s in sliders],
        "frames": {",".join(map(str, key)): to_json_data(list(updates), digits) for key, updates in frames.items()},
        "frame_traces": [int(i) for i in frame_traces],
        "toggles": [{"label": t.label, "traces": [int(i) for i in t.traces], "on": bool(t.on)} for t in toggles],
    }
    try:
        figure = InteractiveFigure(spec=spec, png=_png(fallback), alt=alt)
    except (TypeError, ValueError) as error:  # json.dumps: an object it cannot write, or NaN left in a layout
        raise ValueError(f"the figure's data cannot be written as JSON: {error}") from error
    if figure.nbytes > max_bytes:
        raise ValueError(f"the figure needs {figure.nbytes} bytes, more than max_bytes={max_bytes}: "
                         "use fewer frames, fewer points or fewer digits")
    return figure
