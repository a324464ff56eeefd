"""The API reference documents every public module and name of nndyn."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import nndyn
import pytest

API_PAGE = Path(__file__).resolve().parents[1] / "book" / "api.md"


def public_modules() -> list[str]:
    names = ["nndyn"]
    for info in pkgutil.walk_packages(nndyn.__path__, prefix="nndyn."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def public_names(module_name: str) -> list[str]:
    """Functions and classes defined in a module (not imported into it), without a leading underscore."""
    module = importlib.import_module(module_name)
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module_name
    ]


def api_page_modules() -> set[str]:
    """The modules the API page documents: its ``automodule`` lines and, through the
    ``experiment-modules`` directive (``scripts/experiment_modules.py``), every experiment."""
    from experiment_modules import automodule_lines

    text = API_PAGE.read_text()
    if re.search(r"^```\{experiment-modules\}", text, flags=re.M):
        text += "\n".join(automodule_lines())
    return set(re.findall(r"automodule:: (\S+)", text))


def test_every_public_module_is_on_the_api_page():
    listed = api_page_modules()
    missing = [name for name in public_modules() if name != "nndyn" and name not in listed]
    assert not missing, f"add to book/api.md: {missing}"


def test_the_api_page_lists_the_experiments_from_the_modules_with_no_line_of_its_own():
    """The list of experiment modules comes from the modules (the directive), in chapter order;
    the page itself names none of them, so a new experiment needs no line there."""
    from experiment_modules import automodule_lines

    from nndyn.experiments import registry

    assert automodule_lines() == [f".. automodule:: nndyn.experiments.{name}" for name in registry()]
    named = set(re.findall(r"automodule:: nndyn\.experiments\.(\w+)", API_PAGE.read_text()))
    assert not named & set(registry()), f"book/api.md names experiment modules by hand: {sorted(named & set(registry()))}"


def test_every_public_function_and_class_has_a_docstring():
    undocumented = [
        f"{module}.{name}"
        for module in public_modules()
        for name in public_names(module)
        if not inspect.getdoc(getattr(importlib.import_module(module), name))
    ]
    assert not undocumented, undocumented


def test_import_nndyn_is_light_and_lightning_waits_for_training():
    """``import nndyn`` imports neither torch nor Lightning; a model imports torch; ``train`` imports Lightning when it runs."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import nndyn\n"
        "a = 'torch' in sys.modules\n"
        "from nndyn import TwoLayerNet, train, single_neuron_data, Trajectory, TrainingDivergedError\n"
        "b = 'pytorch_lightning' in sys.modules\n"
        "train(TwoLayerNet(2, 3), single_neuron_data(4, 2).x_train, single_neuron_data(4, 2).y_train, lr=0.1, steps=1)\n"
        "print(a, b, 'pytorch_lightning' in sys.modules, nndyn.__version__)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    a, b, c, version = proc.stdout.split()
    assert (a, b, c) == ("False", "False", "True")
    from nndyn._version import __version__

    assert version == __version__


def test_one_public_name_per_concept_and_shared_helpers_in_concept_modules():
    import torch

    from nndyn import TwoLayerNet
    from nndyn.kernels import empirical_gram
    from nndyn.ntk import empirical_ntk
    from nndyn.plotting import LEGEND_SIZE, PAGE_WIDTH, legend_below, loglog_slope, sparse_log_axis, width_axis  # noqa: F401
    from nndyn.prose import exact, fixed, signed, small
    from nndyn.widths import fitted_slope

    net = TwoLayerNet(3, 5, init="balanced", seed=0)
    x = torch.randn(4, 3, dtype=torch.float64)
    assert torch.equal(empirical_gram(net, x), empirical_ntk(net, x))
    assert fitted_slope([1, 2, 4], [1, 4, 16]) == loglog_slope([1, 2, 4], [1, 4, 16])
    assert (exact(0.2), exact(0.0125), exact(20000)) == ("0.2", "0.0125", "20\u2009000")
    assert (small(0.0), small(3.1e-16)) == ("0", "3.1 \u00d7 10\u207b\u00b9\u2076")
    assert (fixed(-0.5012, 2), signed(-0.4973)) == ("\u22120.50", "\u22120.50")
    root = Path(__file__).resolve().parents[1]
    assert not list((root / "code" / "nndyn").rglob("_ch*_plots.py"))
    private = re.compile(r"from nndyn(\.\w+)*\._\w+ import|import nndyn(\.\w+)*\._(?!version)")
    offenders = [p.name for p in (root / "book").glob("*.md") if private.search(p.read_text())]
    assert not offenders, f"chapters import private modules: {offenders}"


@pytest.mark.parametrize("page", ["index.rst", "index.md"])
def test_the_experiment_modules_directive_documents_every_experiment(tmp_path, page):
    """A one-page Sphinx project with the directive, in reStructuredText or in MyST (as
    book/api.md), documents each experiment module (its docstring appears), in chapter
    order; no automodule line is written by hand."""
    from sphinx.application import Sphinx

    from nndyn.experiments import registry

    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "experiment_modules"]\n')
    if page.endswith(".rst"):
        (src / page).write_text("Experiments\n===========\n\n.. experiment-modules::\n")
    else:
        (src / page).write_text("# Experiments\n\n```{experiment-modules}\n```\n")
    app = Sphinx(str(src), str(src), str(tmp_path / "out"), str(tmp_path / "doctrees"), "text",
                 status=None, warning=None, freshenv=True)
    app.build()
    doctree = app.env.get_doctree("index")
    ids = [i for node in doctree.findall() if hasattr(node, "get") for i in node.get("ids", [])]
    documented = [i.removeprefix("module-nndyn.experiments.") for i in ids if i.startswith("module-nndyn.experiments.")]
    assert documented == list(registry())
    text = (tmp_path / "out" / "index.txt").read_text()
    for name, module in registry().items():
        assert " ".join(inspect.getdoc(module).split()[:3]) in " ".join(text.split()), name  # its docstring
