"""nndyn.interactive: the figure a reader can move, and its static fallback."""

from __future__ import annotations

import base64
import json
import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from nndyn.plotting import Slider, Toggle, figure, interactive_figure  # noqa: E402


def _fallback():
    fig, ax = figure()
    ax.plot([0, 1], [0, 1])
    return fig


def _figure(**kwargs):
    x = np.linspace(0, 1, 11)
    data = [{"type": "scatter", "x": x, "y": x, "name": "a"}, {"type": "scatter", "x": x, "y": 1 - x, "name": "b"}]
    frames = {(i, j): [{"y": x ** (i + 1) + j}] for i in range(3) for j in range(2)}
    args = dict(fallback=_fallback(), alt="two lines", sliders=[Slider("power", ["1", "2", "3"]), Slider("shift", ["0", "1"])],
                frames=frames, frame_traces=[0], toggles=[Toggle("b", [1])])
    args.update(kwargs)
    return interactive_figure(data, {"title": {"text": "t"}}, **args)


def test_the_output_has_html_with_the_data_and_the_png_for_the_pdf():
    fig = _figure()
    bundle = fig._repr_mimebundle_()
    assert set(bundle) >= {"text/html", "image/png"}
    png = base64.b64decode(bundle["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    html = bundle["text/html"]
    assert html.startswith('<div class="nndyn-interactive">') and 'alt="two lines"' in html
    spec = json.loads(re.search(r'<script type="application/json" class="nndyn-figure-data">(.*)</script>', html).group(1))
    assert spec["frames"]["2,1"][0]["y"][-1] == 2.0 and len(spec["frames"]) == 6
    assert spec["sliders"][0] == {"label": "power", "values": ["1", "2", "3"], "start": 0}
    assert spec["toggles"] == [{"label": "b", "traces": [1], "on": True}]
    assert spec["layout"]["paper_bgcolor"] == "white"
    assert fig.nbytes == len(fig.payload) + len(bundle["image/png"])


def test_numbers_are_rounded_and_nan_becomes_null():
    x = np.array([np.pi, np.nan, 1e-7 * np.e])
    fig = interactive_figure([{"type": "scatter", "x": [0, 1, 2], "y": x}], {}, fallback=_fallback(), alt="a", digits=3)
    assert fig.spec["data"][0]["y"] == [3.14, None, 2.72e-7]


def test_a_closing_script_tag_in_a_label_cannot_end_the_data_early():
    fig = interactive_figure([{"type": "scatter", "x": [0], "y": [0], "name": "</script><b>"}], {}, fallback=_fallback(), alt="a")
    assert fig.html().count("</script>") == 1


@pytest.mark.parametrize("change, message", [
    ({"alt": " "}, "alt"),
    ({"frames": {(0, 0): [{"y": [0]}]}}, "no entry"),
    ({"frame_traces": [5]}, "out of range"),
    ({"toggles": [Toggle("c", [7])]}, "out of range"),
    ({"max_bytes": 100}, "max_bytes"),
    ({"sliders": [], "frame_traces": []}, "without sliders"),
])
def test_bad_figures_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        _figure(**change)


def test_sliders_and_toggles_check_their_arguments():
    with pytest.raises(ValueError, match="label"):
        Slider("", ["a", "b"])
    with pytest.raises(ValueError, match="two positions"):
        Slider("s", ["a"])
    with pytest.raises(ValueError, match="start"):
        Slider("s", ["a", "b"], start=2)
    with pytest.raises(ValueError, match="traces"):
        Toggle("t", [])


def test_one_slider_takes_int_keys_and_json_errors_are_value_errors():
    x = np.linspace(0, 1, 5)
    fig = interactive_figure([{"type": "scatter", "x": x, "y": x}], {}, fallback=_fallback(), alt="a",
                             sliders=[Slider("k", ["1", "2"])], frames={0: [{"y": x}], 1: [{"y": 2 * x}]}, frame_traces=[0])
    assert set(fig.spec["frames"]) == {"0", "1"}
    with pytest.raises(ValueError, match="JSON"):
        interactive_figure([{"type": "scatter", "x": x, "y": x, "meta": object()}], {}, fallback=_fallback(), alt="a")


def test_a_slider_can_open_at_its_last_position():
    """Issue 23: a slider over training time opens at the end of training (``start=-1``), not
    at the flat curves of step 0; a negative start counts from the end and is stored as the
    position it names, which is what the page's script reads."""
    assert Slider("t", ["0", "1", "2"], start=-1).start == 2
    assert Slider("t", ["0", "1", "2"], start=-3).start == 0
    with pytest.raises(ValueError, match="start"):
        Slider("t", ["0", "1", "2"], start=-4)


def test_interactive_does_not_import_plotting_and_plotting_still_exports_its_names():
    """Issue 22: no import circle; nndyn.plotting imports nndyn.interactive, never the other way round."""
    import ast
    import subprocess
    import sys
    from pathlib import Path

    import nndyn.interactive
    import nndyn.plotting

    source = Path(nndyn.interactive.__file__).read_text()
    imported = [node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Import) for alias in node.names]
    assert not [name for name in imported if name and name.split(".")[-1] == "plotting"], imported
    code = "import sys, nndyn.interactive; print('nndyn.plotting' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
    for name in ("InteractiveFigure", "Slider", "Toggle", "interactive_figure"):
        assert getattr(nndyn.plotting, name) is getattr(nndyn.interactive, name)
    spec = _figure().spec
    assert spec["layout"]["colorway"] == list(nndyn.plotting.OKABE_ITO)
